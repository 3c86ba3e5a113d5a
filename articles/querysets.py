from django.db import models
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

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

    def for_list(self):
        """ArticleSerializer: article + clinic in one query, ordered conditions in one more."""
        return self.select_related("clinic").prefetch_related(*list_prefetches())

    def for_detail(self):
        """ArticleDetailSerializer: six queries whatever the number of children."""
        return self.select_related("clinic", "reviewed_by").prefetch_related(*detail_prefetches())


def list_prefetches():
    from articles.models import ArticleCondition

    return [Prefetch("article_conditions", queryset=ArticleCondition.objects.select_related("condition"))]


def detail_prefetches():
    """What ArticleDetailSerializer reads beyond the article, clinic and reviewer: five queries."""
    from articles.models import ArticleRisk

    return [
        *list_prefetches(),
        Prefetch("article_risks", queryset=ArticleRisk.objects.select_related("risk")),
        "sections",
        "candidate_criteria",
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
