"""Signed preview links: a front end shows one saved version of the working copy before it goes live."""

import datetime
from dataclasses import dataclass

import reversion
from django.conf import settings
from django.core import signing
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, PreviewLink
from articles.revisions import versions_of
from articles.snapshots import Snapshot, from_version
from clinics.models import Clinic

SALT = "careleaf.articles.preview"


class PreviewRefused(Exception):
    """The token does not open a preview; the message says why, for the JSON 403."""


def create_link(article: Article, *, by) -> PreviewLink:
    """A link to the article's latest saved version, valid for PREVIEW_LINK_MAX_AGE seconds."""
    version = versions_of(article).first()
    if version is None:
        # Articles saved before versioning (or by a script) get their first version now.
        with reversion.create_revision():
            reversion.add_to_revision(article)
            reversion.set_user(by)
            reversion.set_comment("First recorded version")
        version = versions_of(article).first()
    now = timezone.now()
    return PreviewLink.objects.create(
        article=article,
        version_id=version.pk,
        created_by=by,
        created_at=now,
        expires_at=now + datetime.timedelta(seconds=settings.PREVIEW_LINK_MAX_AGE),
    )


def token_for(link: PreviewLink) -> str:
    return signing.dumps({"link": link.pk, "article": link.article_id}, salt=SALT, compress=True)


def has_front_end(clinic: Clinic) -> bool:
    """Whether the clinic's site (its own preview address, else FRONTEND_PREVIEW_URL) has a preview
    page. Without one there are no links to make: staff use the admin's patient preview."""
    return bool(clinic.preview_url_template or settings.FRONTEND_PREVIEW_URL)


def frontend_url(link: PreviewLink) -> str:
    """The link's address on the clinic's front end (Clinic.preview_url); "" without a front end."""
    clinic = link.article.clinic
    return clinic.preview_url(token_for(link)) if has_front_end(clinic) else ""


class ActiveLinks(list):
    """The article's preview links that still open, each with ``site_url`` (its address on the
    front end, "" without one); ``has_front_end`` says whether new links can be made."""

    def __init__(self, links, *, has_front_end: bool):
        super().__init__(links)
        self.has_front_end = has_front_end


def active_links(article: Article) -> ActiveLinks:
    links = list(article.preview_links.filter(revoked_at__isnull=True, expires_at__gt=timezone.now()))
    for link in links:
        link.article = article  # the article (and clinic) in hand: no query per link
        # Signed anew: the token carries its own time, but the link's expires_at still ends it.
        link.site_url = frontend_url(link)
    return ActiveLinks(links, has_front_end=has_front_end(article.clinic))


def revoke(link: PreviewLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])


@dataclass(frozen=True)
class Preview:
    """What a valid token opens: one saved version of an article."""

    snapshot: Snapshot
    version: Version
    link: PreviewLink


def open_token(token: str) -> Preview:
    """The saved version a token grants; PreviewRefused (with the reason) if none."""
    try:
        claims = signing.loads(token, salt=SALT, max_age=settings.PREVIEW_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise PreviewRefused("This preview link has expired. Ask for a new one in the admin.") from None
    except (signing.BadSignature, ValueError):  # ValueError: signed, but not by make_token()
        raise PreviewRefused("This preview link is not valid.") from None
    if not (
        isinstance(claims, dict)
        and all(type(claims.get(name)) is int and claims[name] > 0 for name in ("link", "article"))
    ):
        raise PreviewRefused("This preview link is not valid.")
    link = (
        PreviewLink.objects.filter(pk=claims["link"], article_id=claims["article"])
        .select_related("article")
        .first()
    )
    if link is None:
        raise PreviewRefused("This preview link is not valid.")
    if link.revoked_at is not None:
        raise PreviewRefused("This preview link has been revoked.")
    if link.expires_at <= timezone.now():
        raise PreviewRefused("This preview link has expired. Ask for a new one in the admin.")
    version = versions_of(link.article).filter(pk=link.version_id).first()
    if version is None:
        raise PreviewRefused("The version this link shows no longer exists.")
    snap = from_version(version)
    if not Clinic.objects.filter(pk=snap.article.clinic_id).exists():
        raise PreviewRefused("The clinic this version names has been deleted since; save the article again.")
    return Preview(snapshot=snap, version=version, link=link)
