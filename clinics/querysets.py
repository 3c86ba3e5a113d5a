from django.db import models
from django.db.models import Count, Prefetch

from articles.querysets import published_q


class ClinicQuerySet(models.QuerySet):
    def with_published_article_count(self):
        """Annotate ``published_article_count``: what a patient can actually read from the clinic."""
        # order_by again: Django drops Meta.ordering from a grouped (annotated) query.
        return self.annotate(
            published_article_count=Count("articles", filter=published_q("articles__"))
        ).order_by("name", "pk")

    def for_list(self):
        """ClinicSerializer: clinics with their count, then their contact links: two queries."""
        return self.with_published_article_count().prefetch_related("contact_links")

    def for_detail(self):
        """ClinicDetailSerializer: adds the clinic's published articles (one more query)."""
        from articles.models import Article

        return self.for_list().prefetch_related(
            Prefetch(
                "articles",
                queryset=Article.objects.published().order_by("-published_at", "-pk"),
                to_attr="published_articles",
            )
        )
