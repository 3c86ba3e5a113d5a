from django.conf import settings
from django.db import models
from django.db.models import Prefetch, Q, Sum
from django.utils import timezone

from articles.readability import TextStatistics

PUBLISHED = "published"


def published_q(prefix: str = "") -> Q:
    """The one definition of "public": published, published_at reached, expires_at not reached.

    ``prefix`` reaches articles through a relation, e.g. ``published_q("articles__")``.
    """
    now = timezone.now()
    return Q(**{f"{prefix}status": PUBLISHED, f"{prefix}published_at__lte": now}) & (
        Q(**{f"{prefix}expires_at__isnull": True}) | Q(**{f"{prefix}expires_at__gt": now})
    )


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Visible to the public: published, not scheduled for later, not expired."""
        return self.filter(published_q())

    def review_overdue(self):
        """Articles in use (not archived) whose next clinical review date has passed."""
        return self.filter(next_review_due__lt=timezone.localdate()).exclude(status="archived")

    def above_reading_target(self):
        target = settings.READABILITY_TARGET_GRADE
        return self.filter(Q(flesch_kincaid_grade__gt=target) | Q(smog_grade__gt=target))

    def update_readability(self) -> None:
        """Set each article's grades from its sections' summed counts (no signals, no lock bump)."""
        sections = self.model._meta.get_field("sections").related_model.objects
        totals = section_statistics(sections.filter(article__in=self))
        for pk in self.values_list("pk", flat=True):
            statistics = totals.get(pk, TextStatistics())
            self.model.objects.filter(pk=pk).update(
                flesch_kincaid_grade=statistics.flesch_kincaid_grade, smog_grade=statistics.smog_grade
            )

    def for_list(self):
        """ArticleSerializer: article + clinic in one query, ordered conditions in one more."""
        return self.select_related("clinic").prefetch_related(*list_prefetches(self.model))

    def for_detail(self):
        """ArticleDetailSerializer: eight queries whatever the number of children."""
        return self.select_related("clinic", "reviewed_by").prefetch_related(*detail_prefetches(self.model))


def section_statistics(sections) -> dict:
    """{article pk: TextStatistics of these sections together}, in one grouped query."""
    return {
        row.pop("article_id"): TextStatistics(**row)
        for row in sections.values("article_id").annotate(
            sentences=Sum("sentence_count"),
            words=Sum("word_count"),
            syllables=Sum("syllable_count"),
            polysyllables=Sum("polysyllable_count"),
        )
    }


def _links(article_model, relation: str, topic: str) -> Prefetch:
    """Prefetch an article's ordered topic links with their topic, in one query."""
    links = article_model._meta.get_field(relation).related_model
    return Prefetch(relation, queryset=links.objects.select_related(topic))


def list_prefetches(article_model):
    return [_links(article_model, "article_conditions", "condition")]


def detail_prefetches(article_model):
    """What ArticleDetailSerializer reads beyond the article, clinic and reviewer: seven queries."""
    return [
        *list_prefetches(article_model),
        _links(article_model, "article_risks", "risk"),
        "sections",
        "candidate_criteria",
        "contraindications",
        "references",
        "clinic__contact_links",
    ]
