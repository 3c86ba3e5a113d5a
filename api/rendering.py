"""The public API's JSON for a publication (or a preview), rendered from its frozen snapshot with
today's shared vocabulary: the conditions' and risks' names and summaries, the reviewer's name,
the clinic's profile and contact links.

JSON is stored with a placeholder where the site's origin goes, so one stored copy serves every
host name (with_origin() puts the request's in).
"""

import orjson
from django.db.models import Q
from django.utils import timezone

from api.models import PublicArticle, visible_q
from api.serializers import ArticleDetailSerializer, ArticleSerializer
from articles import accessibility, pictures, snapshots
from articles.models import Article, Reviewer
from articles.snapshots import Snapshot
from clinics.models import Clinic

PLACEHOLDER_ORIGIN = "https://careleaf-origin.invalid"
_PLACEHOLDER = PLACEHOLDER_ORIGIN.encode()


class _PlaceholderRequest:
    """What DRF's hyperlinked fields need from a request, answering with the placeholder origin."""

    versioning_scheme = None
    GET = {}

    def build_absolute_uri(self, location):
        return PLACEHOLDER_ORIGIN + location


PLACEHOLDER_CONTEXT = {"request": _PlaceholderRequest()}


def attach_vocabulary(
    snaps: list[Snapshot], *, deleted_topics_shown: bool = False, origin: str = PLACEHOLDER_ORIGIN
) -> None:
    """Give each snapshot's article today's clinic (with contact links), reviewer, conditions and
    risks, its pictures (articles/pictures.py: addresses under ``origin``), and let it serve its
    children as a prefetch would: five queries for any number (six when a snapshot has no
    approved copy of its pictures: a preview).

    The public side leaves out a condition or risk deleted since; a preview names it "(deleted)".
    """
    clinics = Clinic.objects.prefetch_related("contact_links").in_bulk({s.article.clinic_id for s in snaps})
    reviewers = Reviewer.objects.in_bulk({s.article.reviewed_by_id for s in snaps} - {None})
    snapshots.attach_topics(snaps, placeholder=deleted_topics_shown)
    for snap in snaps:
        article = snap.article
        article.clinic = clinics[article.clinic_id]
        article.reviewed_by = reviewers.get(article.reviewed_by_id)
        snap.serve_children()
        for section in snap.sections:
            section.content_language = article.language  # its scores are read in the article's language
    pictures.attach(snaps, origin)
    attach_translations(snaps)
    for snap in snaps:
        snap.article.accessibility_issues = accessibility.check(snap.article, snap.sections, snap.images)


def attach_translations(snaps: list[Snapshot]) -> None:
    """Give each snapshot's article ``public_translations``: the other articles of its translation
    group (its source and the source's translations, as the working copies say today) that are
    live now, as [(language, slug, is the source)] in language order; and ``is_translation``.
    One query for any number, and one more when some group has more than one article."""
    ids = {snap.article.pk for snap in snaps}
    sources = Article.objects.filter(pk__in=ids).values("translation_of_id")
    members: dict[int, int] = {}  # article id -> its group's root
    for pk, source in Article.objects.filter(
        Q(pk__in=ids) | Q(translation_of_id__in=ids) | Q(pk__in=sources) | Q(translation_of_id__in=sources)
    ).values_list("pk", "translation_of_id"):
        members[pk] = source or pk
    live = {}
    if len(members) > len(ids):
        for article_id, slug, language, clinic_id in PublicArticle.objects.filter(
            visible_q(timezone.now()), publication__article_id__in=members
        ).values_list("publication__article_id", "slug", "language", "clinic_id"):
            live[article_id] = (language, slug, clinic_id)
    for snap in snaps:
        root = members.get(snap.article.pk, snap.article.pk)
        snap.article.is_translation = root != snap.article.pk
        # Only the article's own clinic's (a script could move a source without its translations).
        snap.article.public_translations = sorted(
            (live[pk][0], live[pk][1], pk == root)
            for pk, group in members.items()
            if group == root
            and pk != snap.article.pk
            and pk in live
            and live[pk][2] == snap.article.clinic_id
        )


def render_detail(article) -> str:
    """Detail JSON of a prepared snapshot's article."""
    return orjson.dumps(ArticleDetailSerializer(article, context=PLACEHOLDER_CONTEXT).data).decode()


def render_item(article) -> str:
    """List-item JSON of a prepared snapshot's article."""
    return orjson.dumps(ArticleSerializer(article, context=PLACEHOLDER_CONTEXT).data).decode()


def with_origin(document: str | bytes, origin: str) -> bytes:
    """Stored JSON with the placeholder replaced by this request's scheme and host."""
    data = document.encode() if isinstance(document, str) else document
    return data.replace(_PLACEHOLDER, origin.encode())
