"""The public side's reads of shared vocabulary: conditions, risks and clinics, with what patients
can actually read from them."""

from django.db.models import Count, Prefetch

from articles.models import Article
from articles.querysets import published_q
from clinics.models import Clinic


def public_topics(model):
    """Conditions or risks named by at least one published article, with
    ``published_article_count``. A term only a draft uses stays private: it can reveal what the
    clinic has not announced."""
    # order_by again: Django drops Meta.ordering from a grouped (annotated) query.
    return (
        model.objects.annotate(published_article_count=Count("articles", filter=published_q("articles__")))
        .filter(published_article_count__gt=0)
        .order_by("name", "pk")
    )


def _published_articles():
    return Prefetch(
        "articles",
        queryset=Article.objects.published().order_by("-published_at", "-pk"),
        to_attr="published_articles",
    )


def public_topics_with_articles(model):
    """public_topics(), with ``published_articles`` (newest first) for the detail serializer."""
    return public_topics(model).prefetch_related(_published_articles())


def clinics_for_list():
    """ClinicSerializer: clinics with ``published_article_count``, then their contact links."""
    return (
        Clinic.objects.annotate(published_article_count=Count("articles", filter=published_q("articles__")))
        .order_by("name", "pk")
        .prefetch_related("contact_links")
    )


def clinics_for_detail():
    """ClinicDetailSerializer: adds the clinic's published articles (one more query)."""
    return clinics_for_list().prefetch_related(_published_articles())
