"""The public API's JSON for a publication (or a preview), rendered from its frozen snapshot with
today's shared vocabulary: the conditions' and risks' names and summaries, the reviewer's name,
the clinic's profile and contact links.

JSON is stored with a placeholder where the site's origin goes, so one stored copy serves every
host name (with_origin() puts the request's in).
"""

import orjson

from api.serializers import ArticleDetailSerializer, ArticleSerializer
from articles import accessibility, pictures, snapshots
from articles.models import Reviewer
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
    pictures.attach(snaps, origin)
    for snap in snaps:
        snap.article.accessibility_issues = accessibility.check(snap.article, snap.sections, snap.images)


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
