"""The mechanics of what patients can read: freezing an approved working copy as a publication,
and ending publications. The rules of who may do it, and when, are in articles/workflow.py.

Each function runs in the caller's transaction and tells the public side
(``publications_changed``), which rebuilds what it serves from these rows in the same transaction.
"""

import zlib

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from articles import snapshots
from articles.models import Article, Publication
from articles.signals import publications_changed


@transaction.atomic
def publish(
    article: Article,
    *,
    by=None,
    live_from=None,
    expires_at=None,
    revision_id=None,
    published_at=None,
    updated_at=None,
) -> Publication:
    """Freeze the article's working copy as a publication that goes live at ``live_from``
    (default: now) and comes down at ``expires_at`` (default: never).

    What was live stays live until then; a version scheduled before is dropped. The publication
    date patients see is kept from the live version, if there is one. (``published_at`` and
    ``updated_at`` set the dates patients see outright: for data from before publications.)
    Raises ValidationError if another article is live or scheduled at the same address.
    """
    now = timezone.now()
    live_from = live_from or now
    if expires_at is not None and expires_at <= live_from:
        raise ValidationError("The article must come off the site after it goes live.")
    snap = snapshots.of_working_copy(article)
    _refuse_a_taken_address(snap.article)
    before = latest_approved(article, now)
    unfinished = list(Publication.objects.select_for_update().filter(article=article).unfinished(now))
    live = [publication for publication in unfinished if publication.is_visible(now)]
    if live:
        # Windows never overlap: what was live until now cannot be replaced in the past.
        live_from = max(live_from, now)
    for publication in unfinished:
        # The live version gives way when the new one goes live; a scheduled one never will.
        publication.ended_at = live_from if publication.is_visible(now) else now
    Publication.objects.bulk_update(unfinished, ["ended_at"])
    publication = Publication.objects.create(
        article_id=article.pk,
        revision_id=revision_id,
        content=snapshots.freeze(snap),
        slug=snap.article.slug,
        title=snap.article.title,
        clinic_id=snap.article.clinic_id,
        approved_by=by,
        approved_by_name=by.get_username() if by else "",
        approved_at=now,
        published_at=published_at or (live[0].published_at if live else live_from),
        updated_at=updated_at or live_from,
        live_from=live_from,
        expires_at=expires_at,
    )
    # (A first publication changes nothing a translation was made from: it was made from this text.)
    if before is not None and not snapshots.same_content(snap, snapshots.from_content(before.content)):
        # The source says something new: its translations must be checked against it again.
        Article.objects.filter(translation_of_id=article.pk).update(source_changed=True)
    publications_changed.send(sender=Publication, article_ids=[article.pk])
    return publication


@transaction.atomic
def end(article: Article) -> int:
    """Take the article off the public site now: its live and scheduled versions end. Returns how
    many publications ended."""
    now = timezone.now()
    ended = Publication.objects.filter(article=article).unfinished(now).update(ended_at=now)
    if ended:
        publications_changed.send(sender=Publication, article_ids=[article.pk])
    return ended


def latest_approved(article: Article, now=None) -> Publication | None:
    """The version that is live or scheduled, newest approval first: what "discard changes"
    returns the working copy to."""
    return Publication.objects.filter(article=article).unfinished(now).order_by("-live_from", "-pk").first()


def _refuse_a_taken_address(article: Article) -> None:
    """Two articles must never be live at one address. Working copies have unique slugs, but a
    publication keeps the slug it was approved with while the working copy is renamed."""
    if connection.vendor == "postgresql":
        # Two approvals of the same new address at once wait for each other here (SQLite has one
        # writer at a time anyway).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(article.slug.encode())])
    taken = Publication.objects.unfinished().filter(slug=article.slug).exclude(article_id=article.pk)
    if taken.exists():
        raise ValidationError(
            f"Another article is live or scheduled at the address {article.slug!r}. "
            "Change this article's address (slug), or unpublish the other one first."
        )
