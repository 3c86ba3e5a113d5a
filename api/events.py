"""What changed for patients, as events: an article went live, was replaced by a newer version,
came down or was scheduled; a clinic, or a condition or risk that live articles show, changed.

Each change is worked out inside the transaction that caused it, by comparing what was announced
(a public row in the search index: ``is_indexed``, set exactly while it is visible) with what is
visible now. The same comparison runs when a reviewer publishes, when an article is deleted, and
when a scheduled moment passes (api/publications.py apply_boundaries, run at that moment by the
worker: api/tasks.py), so each transition is announced once, at its time, with no cron.

Listeners (the webhooks outbox) get ``api.signals.public_changes``; the CDN gets the purge of the
cache tags of what changed (api/purging.py).
"""

import datetime
from dataclasses import dataclass, field

from api import cache_tags, purging
from api.models import PublicArticle, PublicArticleCondition, PublicArticleRisk
from api.signals import public_changes


class Type:
    PUBLISHED = "article.published"
    UPDATED = "article.updated"
    UNPUBLISHED = "article.unpublished"
    SCHEDULED = "article.scheduled"
    CLINIC_UPDATED = "clinic.updated"
    TOPIC_UPDATED = "topic.updated"

    ALL = (PUBLISHED, UPDATED, UNPUBLISHED, SCHEDULED, CLINIC_UPDATED, TOPIC_UPDATED)


@dataclass(frozen=True)
class PublicChange:
    """One event. Article events name the version patients now read (or last read, when it came
    down); ``live_from``: when a scheduled version goes live."""

    type: str
    clinic_id: int
    article_id: int | None = None
    slug: str = ""
    title: str = ""
    live_from: datetime.datetime | None = None
    topic_kind: str = ""  # "condition" or "risk", for topic.updated
    topic_id: int | None = None
    # The address it had before (a new version at a new slug): its old URLs are gone.
    previous_slug: str = ""
    # A clinic that stopped being listed: the slug and name it was listed with.
    clinic_slug: str = ""
    clinic_name: str = ""
    purge: tuple[str, ...] = field(default=(), compare=False)

    @property
    def subject(self) -> str:
        """What it is about: ``article-<id>``, ``clinic-<id>``, ``condition-<id>`` or ``risk-<id>``."""
        if self.article_id is not None:
            return cache_tags.article(self.article_id)
        if self.topic_id is not None:
            return cache_tags.topic(self.topic_kind, self.topic_id)
        return cache_tags.clinic(self.clinic_id)


@dataclass
class Shown:
    """An article's public row as patients see it (or saw it), with its terms."""

    pk: int
    article_id: int
    clinic_id: int
    slug: str
    title: str
    condition_ids: set[int]
    risk_ids: set[int]


def shown(rows) -> dict[int, Shown]:
    """{article id: Shown} of ``rows`` (a PublicArticle queryset): three queries."""
    found = {
        pk: Shown(pk, article_id, clinic_id, slug, title, set(), set())
        for pk, article_id, clinic_id, slug, title in rows.values_list(
            "pk", "publication__article_id", "clinic_id", "slug", "title"
        )
    }
    for row_id, condition_id in PublicArticleCondition.objects.filter(
        public_article_id__in=found
    ).values_list("public_article_id", "condition_id"):
        found[row_id].condition_ids.add(condition_id)
    for row_id, risk_id in PublicArticleRisk.objects.filter(public_article_id__in=found).values_list(
        "public_article_id", "risk_id"
    ):
        found[row_id].risk_ids.add(risk_id)
    return {row.article_id: row for row in found.values()}


def announced(article_ids=None) -> dict[int, Shown]:
    """What was last announced as visible, per article (all articles when ``article_ids`` is None)."""
    rows = PublicArticle.objects.filter(is_indexed=True)
    if article_ids is not None:
        rows = rows.filter(publication__article_id__in=list(article_ids))
    return shown(rows)


def compare(before: dict[int, Shown], after: dict[int, Shown]) -> list[PublicChange]:
    """The article events between two announcements."""
    changes = []
    for article_id in sorted(before.keys() | after.keys()):
        old, new = before.get(article_id), after.get(article_id)
        if old and new and old.pk == new.pk:
            continue
        if old and new and old.clinic_id != new.clinic_id:
            # Moved to another clinic: gone from the old clinic's site, new on the other's.
            changes += [
                _article_change(Type.UNPUBLISHED, old, old),
                _article_change(Type.PUBLISHED, new, new),
            ]
        elif old and new:
            changes.append(
                _article_change(
                    Type.UPDATED, new, old, previous_slug=old.slug if old.slug != new.slug else ""
                )
            )
        elif new:
            changes.append(_article_change(Type.PUBLISHED, new, None))
        else:
            changes.append(_article_change(Type.UNPUBLISHED, old, None))
    return changes


def _article_change(
    kind: str, shown_now: Shown, other: Shown | None, previous_slug: str = ""
) -> PublicChange:
    """An article event about ``shown_now``; its purge also covers the lists ``other`` was in."""
    condition_ids = shown_now.condition_ids | (other.condition_ids if other else set())
    risk_ids = shown_now.risk_ids | (other.risk_ids if other else set())
    purge = cache_tags.publication_changed(shown_now.article_id, shown_now.clinic_id, condition_ids, risk_ids)
    return PublicChange(
        type=kind,
        clinic_id=shown_now.clinic_id,
        article_id=shown_now.article_id,
        slug=shown_now.slug,
        title=shown_now.title,
        previous_slug=previous_slug,
        purge=tuple(purge),
    )


def scheduled(publications) -> list[PublicChange]:
    """article.scheduled for new public rows that wait for their time."""
    return [
        PublicChange(
            type=Type.SCHEDULED,
            clinic_id=publication.clinic_id,
            article_id=publication.article_id,
            slug=publication.slug,
            title=publication.title,
            live_from=publication.live_from,
        )
        for publication in publications
    ]


def send(changes: list[PublicChange], *, purge_in_process: bool = True) -> None:
    """Tell listeners and purge shared caches (in the caller's transaction)."""
    if not changes:
        return
    purging.purge_after_commit(
        (tag for change in changes for tag in change.purge), in_process=purge_in_process
    )
    public_changes.send(sender=PublicChange, changes=changes)
