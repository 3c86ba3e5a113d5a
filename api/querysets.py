"""The public side's reads of shared vocabulary: conditions, risks and clinics, with what patients
can actually read from them (visible public rows only, never working copies)."""

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from api.models import PublicArticle, visible_q
from clinics.models import Clinic


def public_topics(model, now=None):
    """Conditions or risks named by at least one visible publication, with
    ``published_article_count``. A term only a draft or a scheduled version names stays private:
    it can reveal what the clinic has not announced."""
    now = now or timezone.now()
    # order_by again: Django drops Meta.ordering from a grouped (annotated) query.
    return (
        model.objects.annotate(
            published_article_count=Count(
                "public_links", filter=visible_q(now, "public_links__public_article__")
            )
        )
        .filter(published_article_count__gt=0)
        .order_by("name", "pk")
    )


def _published_articles(now) -> Prefetch:
    return Prefetch(
        "public_articles",
        # The clinic's front-end address template joined in: each article's page_url, no query more.
        queryset=PublicArticle.objects.visible(now)
        .order_by("-published_at", "-pk")
        .select_related("clinic")
        .only("pk", "slug", "title", "clinic__article_url_template"),
        to_attr="published_articles",
    )


def public_topics_with_articles(model):
    """public_topics(), with ``published_articles`` (newest first) for the detail serializer."""
    now = timezone.now()
    return public_topics(model, now).prefetch_related(_published_articles(now))


def clinics_for_list(now=None):
    """ClinicSerializer: clinics with ``published_article_count``, then their contact links."""
    now = now or timezone.now()
    return (
        Clinic.objects.annotate(
            published_article_count=Count("public_articles", filter=visible_q(now, "public_articles__"))
        )
        # A clinic is public once patients can read one of its articles, or once it says so.
        .filter(Q(published_article_count__gt=0) | Q(is_public=True))
        .order_by("name", "pk")
        .prefetch_related("contact_links")
    )


def clinics_for_detail():
    """ClinicDetailSerializer: adds the clinic's published articles (one more query)."""
    now = timezone.now()
    return clinics_for_list(now).prefetch_related(_published_articles(now))
