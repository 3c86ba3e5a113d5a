from django.conf import settings
from django.db import models
from django.db.models import Count, Prefetch, Q, Sum
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
        totals = section_statistics(self)
        for pk in self.values_list("pk", flat=True):
            statistics = totals.get(pk, TextStatistics())
            self.model.objects.filter(pk=pk).update(
                flesch_kincaid_grade=statistics.flesch_kincaid_grade, smog_grade=statistics.smog_grade
            )

    def for_list(self):
        """ArticleSerializer: article + clinic in one query, ordered conditions in one more."""
        return self.select_related("clinic").prefetch_related(*list_prefetches())

    def for_detail(self):
        """ArticleDetailSerializer: eight queries whatever the number of children."""
        return self.select_related("clinic", "reviewed_by").prefetch_related(*detail_prefetches())


def section_statistics(articles) -> dict:
    """{article pk: TextStatistics of its sections together}, in one grouped query."""
    from articles.models import Section

    return {
        row.pop("article_id"): TextStatistics(**row)
        for row in Section.objects.filter(article__in=articles)
        .values("article_id")
        .annotate(
            sentences=Sum("sentence_count"),
            words=Sum("word_count"),
            syllables=Sum("syllable_count"),
            polysyllables=Sum("polysyllable_count"),
        )
    }


def list_prefetches():
    from articles.models import ArticleCondition

    return [Prefetch("article_conditions", queryset=ArticleCondition.objects.select_related("condition"))]


def detail_prefetches():
    """What ArticleDetailSerializer reads beyond the article, clinic and reviewer: seven queries."""
    from articles.models import ArticleRisk

    return [
        *list_prefetches(),
        Prefetch("article_risks", queryset=ArticleRisk.objects.select_related("risk")),
        "sections",
        "candidate_criteria",
        "contraindications",
        "references",
        "clinic__contact_links",
    ]


class TopicQuerySet(models.QuerySet):
    """Conditions and risks: each lists the published articles that name it."""

    def public(self):
        """Named by at least one published article, annotated with ``published_article_count``.

        A term only a draft uses stays private: it can reveal what the clinic has not announced.
        """
        # order_by again: Django drops Meta.ordering from a grouped (annotated) query.
        return (
            self.annotate(published_article_count=Count("articles", filter=published_q("articles__")))
            .filter(published_article_count__gt=0)
            .order_by("name", "pk")
        )

    def with_published_articles(self):
        """Prefetch ``published_articles`` (newest first) for the detail serializer."""
        from articles.models import Article

        return self.prefetch_related(
            Prefetch(
                "articles",
                queryset=Article.objects.published().order_by("-published_at", "-pk"),
                to_attr="published_articles",
            )
        )
