"""Editorial reads: the working copies staff edit, and the publications reviewers approved.

Nothing here imports the models (they import these): related models are reached through
``self.model``, so the two modules form no cycle.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q, Sum
from django.utils import timezone

from articles.readability import TextStatistics
from articles.readability_es import SpanishStatistics

PUBLISHED = "published"


def _not_ended(now) -> Q:
    return (Q(ended_at__isnull=True) | Q(ended_at__gt=now)) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


class PublicationQuerySet(models.QuerySet):
    def visible(self, now=None):
        """Live at ``now`` (default: now): gone live, not ended, not taken down."""
        now = now or timezone.now()
        return self.filter(_not_ended(now), live_from__lte=now)

    def scheduled(self, now=None):
        """Approved to go live later, and not dropped since."""
        now = now or timezone.now()
        return self.filter(_not_ended(now), live_from__gt=now)

    def unfinished(self, now=None):
        """Live now or scheduled: what a new approval, an unpublish or an archive acts on."""
        return self.filter(_not_ended(now or timezone.now()))


class ArticleQuerySet(models.QuerySet):
    def review_overdue(self):
        """Articles in use (not archived) whose next clinical review date has passed."""
        return self.filter(next_review_due__lt=timezone.localdate()).exclude(status="archived")

    def above_reading_target(self):
        target = settings.READABILITY_TARGET_GRADE
        return self.filter(Q(flesch_kincaid_grade__gt=target) | Q(smog_grade__gt=target))

    def with_public_state(self, now=None):
        """Annotate ``is_live`` and ``is_scheduled`` (two EXISTS subqueries, no extra query): with
        ``status`` they make the state a person sees (articles/states.py)."""
        now = now or timezone.now()
        publications = self.model._meta.get_field("publications").related_model.objects
        mine = publications.filter(article=OuterRef("pk"))
        return self.annotate(is_live=Exists(mine.visible(now)), is_scheduled=Exists(mine.scheduled(now)))

    def live(self, now=None):
        """Articles that patients can read now (some approved version of them is live)."""
        return self.with_public_state(now).filter(is_live=True)

    def update_readability(self) -> None:
        """Set each article's grades from its sections' summed counts (no signals, no lock bump)."""
        sections = self.model._meta.get_field("sections").related_model.objects
        totals = section_statistics(sections.filter(article__in=self))
        for pk in self.values_list("pk", flat=True):
            statistics, spanish = totals.get(pk, (TextStatistics(), SpanishStatistics()))
            self.model.objects.filter(pk=pk).update(
                flesch_kincaid_grade=statistics.flesch_kincaid_grade,
                smog_grade=statistics.smog_grade,
                fernandez_huerta=spanish.fernandez_huerta,
                szigriszt_pazos=spanish.szigriszt_pazos,
            )

    def for_snapshot(self):
        """Everything a snapshot of the working copy holds (articles/snapshots.py): six queries."""
        return self.prefetch_related(
            "sections",
            "candidate_criteria",
            _links(self.model, "article_conditions", "condition"),
            _links(self.model, "article_risks", "risk"),
            "contraindications",
            "references",
        )


def section_statistics(sections) -> dict:
    """{article pk: (TextStatistics, SpanishStatistics) of these sections together}, in one
    grouped query."""
    totals = {}
    for row in sections.values("article_id").annotate(
        sentences=Sum("sentence_count"),
        words=Sum("word_count"),
        syllables=Sum("syllable_count"),
        polysyllables=Sum("polysyllable_count"),
        es_sentences=Sum("es_sentence_count"),
        es_words=Sum("es_word_count"),
        es_syllables=Sum("es_syllable_count"),
    ):
        spanish = SpanishStatistics(
            sentences=row.pop("es_sentences"), words=row.pop("es_words"), syllables=row.pop("es_syllables")
        )
        article_id = row.pop("article_id")
        totals[article_id] = (TextStatistics(**row), spanish)
    return totals


def _links(article_model, relation: str, topic: str) -> Prefetch:
    """Prefetch an article's ordered topic links with their topic, in one query."""
    links = article_model._meta.get_field(relation).related_model
    return Prefetch(relation, queryset=links.objects.select_related(topic))
