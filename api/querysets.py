"""The public side's reads of shared vocabulary: conditions, risks and clinics, with what patients
can actually read from them (visible public rows only, never working copies)."""

from django.conf import settings
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils import timezone

from api.models import PublicArticle, visible_q
from articles.snapshots import in_language
from clinics.models import Clinic

ANY_LANGUAGE = "any"


def language_q(language: str | None, prefix: str = "") -> Q:
    """Public articles in ``language``, as the article list's ``?language=`` reads it: a code,
    that language; ``any``, every one; None or "" (the default), each clinic's articles in the
    clinic's own default language. Counts and the article lists inside clinics, conditions and
    risks use it too, so a count is always the number the article list gives for the same
    language."""
    if language == ANY_LANGUAGE:
        return Q()
    if language:
        return Q(**{f"{prefix}language": language})
    return Q(**{f"{prefix}language": F(f"{prefix}clinic__default_language")})


def public_topics(model, now=None, language=None):
    """Conditions or risks named by at least one visible publication in ``language``
    (``language_q``), with ``published_article_count``. A term only a draft or a scheduled version
    names stays private: it can reveal what the clinic has not announced."""
    now = now or timezone.now()
    prefix = "public_links__public_article__"
    topics = model.objects.annotate(
        published_article_count=Count(
            "public_links", filter=visible_q(now, prefix) & language_q(language, prefix)
        )
    ).filter(published_article_count__gt=0)
    # order_by again: Django drops Meta.ordering from a grouped (annotated) query. In the name
    # readers of that language see (topics_shown_in): the reviewed translation's, else the original.
    if not _is_translated(language):
        return topics.order_by("name", "pk")
    translations = model.translations.rel.related_model.objects.filter(
        **{model._meta.model_name: OuterRef("pk")},
        language=language,
        reviewed_by__isnull=False,
        reviewed_on__isnull=False,
    )
    shown_name = Coalesce(Subquery(translations.values("name")[:1]), F("name"))
    return topics.annotate(shown_name=shown_name).order_by("shown_name", "pk")


def _is_translated(language: str | None) -> bool:
    """Whether topics have names of their own in ``language`` (not the default, not "any", not
    the language the shared terms are written in)."""
    return bool(language) and language not in (ANY_LANGUAGE, settings.LANGUAGE_CODE.split("-")[0])


def topics_shown_in(topics, language: str | None) -> list:
    """``topics`` as a reader of ``language`` sees them: each with its clinically reviewed name and
    summary in that language where it has them (articles.snapshots.in_language; one query for all
    of them), and ``shown_language``, the language of the name and summary shown."""
    original = settings.LANGUAGE_CODE.split("-")[0]
    topics = list(topics)
    if not _is_translated(language):
        shown = topics
    else:
        prefetch_related_objects(topics, "translations")
        shown = [in_language(topic, language) for topic in topics]
    for topic, as_shown in zip(topics, shown, strict=True):
        as_shown.shown_language = original if as_shown is topic else language
    return shown


def _published_articles(now, language) -> Prefetch:
    return Prefetch(
        "public_articles",
        # The clinic's front-end address template joined in: each article's page_url, no query more.
        queryset=PublicArticle.objects.visible(now)
        .filter(language_q(language))
        .order_by("-published_at", "-pk")
        .select_related("clinic")
        .only("pk", "slug", "title", "clinic__article_url_template"),
        to_attr="published_articles",
    )


def public_topics_with_articles(model, language=None):
    """public_topics(), with ``published_articles`` (newest first) for the detail serializer."""
    now = timezone.now()
    return public_topics(model, now, language).prefetch_related(_published_articles(now, language))


def clinics_for_list(now=None, language=None):
    """ClinicSerializer: clinics with ``published_article_count`` (in ``language``: language_q),
    then their contact links."""
    now = now or timezone.now()
    visible = visible_q(now, "public_articles__")
    return (
        Clinic.objects.annotate(
            published_article_count=Count(
                "public_articles", filter=visible & language_q(language, "public_articles__")
            ),
            live_article_count=Count("public_articles", filter=visible),
        )
        # A clinic is public once patients can read one of its articles (in any language), or
        # once it says so.
        .filter(Q(live_article_count__gt=0) | Q(is_public=True))
        .order_by("name", "pk")
        .prefetch_related("contact_links")
    )


def clinics_for_detail(language=None):
    """ClinicDetailSerializer: adds the clinic's published articles (one more query)."""
    now = timezone.now()
    return clinics_for_list(now, language).prefetch_related(_published_articles(now, language))
