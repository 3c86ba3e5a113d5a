"""The public side's rows (PublicArticle), kept in step with what reviewers approved
(articles.Publication).

- A publication change (approve, schedule, unpublish, archive, delete) rebuilds that article's rows
  in the same transaction: JSON rendered, filter columns and search entries written, listing
  version renewed. Nothing else changes: every other article's detail keeps its ETag and its
  cached responses.
- A change to shared vocabulary (a condition, risk, reviewer, clinic or contact link) clears the
  JSON of the rows that show it and gives them new ETags in the same transaction; they are
  rendered again right after it commits (readers render on the fly meanwhile, never serve stale).
- Working-copy edits reach none of this.
"""

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django_tasks import task

from api import cache_tags, events, purging, rendering, search
from api.models import (
    ListingVersion,
    PublicArticle,
    PublicArticleCondition,
    PublicArticleImage,
    PublicArticleRisk,
    PublicDocument,
    visible_q,
)
from api.versions import bump_listing_version, lock_listing_version, stamp, whole_second
from articles import snapshots
from articles.models import Article, Publication
from articles.snapshots import Snapshot

BATCH = 500


def snapshot_of(publication: Publication) -> Snapshot:
    """The publication's frozen article, dated as patients see it."""
    snap = snapshots.from_content(publication.content)
    snap.article.published_at = publication.published_at
    snap.article.updated_at = publication.updated_at
    return snap


def render(publications) -> dict[int, tuple[str, str]]:
    """{publication pk: (detail JSON, list-item JSON)} with today's vocabulary, in a fixed number
    of queries for any number of publications."""
    publications = list(publications)
    snaps = [snapshot_of(publication) for publication in publications]
    rendering.attach_vocabulary(snaps)
    return {
        publication.pk: (rendering.render_detail(snap.article), rendering.render_item(snap.article))
        for publication, snap in zip(publications, snaps, strict=True)
    }


@transaction.atomic
def sync(article_ids, *, now=None, announce: bool = True) -> None:
    """Make these articles' public rows match their live and scheduled publications. Runs in the
    transaction that changed the publications, and announces what changed for patients
    (api/events.py) unless ``announce`` is false (rows built after a migration: nothing new)."""
    lock_listing_version()
    now = now or timezone.now()
    article_ids = list(article_ids)
    before = events.announced(article_ids)
    wanted = {
        publication.pk: publication
        for publication in Publication.objects.filter(article_id__in=article_ids).unfinished(now)
    }
    rows = {
        row.pk: row
        for row in PublicArticle.objects.select_for_update()
        .filter(publication__article_id__in=article_ids)
        .order_by("pk")
    }
    visible_before = {pk for pk, row in rows.items() if _visible(row, now)}
    shown_before = _shown(article_ids, now)
    gone = [pk for pk in rows if pk not in wanted]
    search.unindex(gone)
    PublicArticle.objects.filter(pk__in=gone).delete()
    # A window that changed: the live version now ends when a newer one starts.
    moved = [row for pk, row in rows.items() if pk in wanted and row.live_until != wanted[pk].live_until]
    for row in moved:
        row.live_until = wanted[row.pk].live_until
    PublicArticle.objects.bulk_update(moved, ["live_until"])
    new = [publication for pk, publication in wanted.items() if pk not in rows]
    _create_rows(new, _last_modified_by_article(article_ids, rows.values(), now), now)
    mine = PublicArticle.objects.filter(publication__article_id__in=article_ids)
    index_window(mine, now)
    visible_after = set(mine.filter(visible_q(now)).values_list("pk", flat=True))
    # A version scheduled or dropped before its time changes no public byte: listings keep their
    # version (only the next scheduled moment is noted).
    bump_listing_version(renew=visible_after != visible_before)
    _wake_at(
        [row.live_until for row in moved] + [p.live_from for p in new] + [p.live_until for p in new], now
    )
    if _shown(article_ids, now) != shown_before:
        translations_changed(article_ids)
    if announce:
        waiting = [publication for publication in new if publication.live_from > now]
        events.send(events.compare(before, events.announced(article_ids)) + events.scheduled(waiting))


def _shown(article_ids, now) -> set:
    """What the translation lists of other articles say of these: their live (article, slug, language)."""
    return set(
        PublicArticle.objects.filter(visible_q(now), publication__article_id__in=article_ids).values_list(
            "publication__article_id", "slug", "language"
        )
    )


def translations_changed(article_ids) -> None:
    """These articles' live versions came, went or moved, or their translation group changed: the
    other articles of their groups list them (``translations``, JSON-LD), so their public rows are
    rendered again under new ETags, and purged."""
    roots = {
        source or pk
        for pk, source in Article.objects.filter(pk__in=article_ids).values_list("pk", "translation_of_id")
    }
    members = (
        Article.objects.filter(Q(pk__in=roots) | Q(translation_of_id__in=roots))
        .exclude(pk__in=article_ids)
        .values_list("pk", flat=True)
    )
    rows = PublicArticle.objects.filter(publication__article_id__in=list(members))
    others = set(rows.values_list("publication__article_id", flat=True))
    if others:
        mark_stale(rows)
        purging.purge_after_commit(cache_tags.article(article_id) for article_id in sorted(others))


def _wake_at(moments, now) -> None:
    """Have the worker apply the scheduled moments among ``moments`` when they come (a task
    written in this transaction: no cron, and a rollback schedules nothing)."""
    for moment in sorted({moment for moment in moments if moment is not None and moment > now}):
        boundary_passed.using(run_after=moment).enqueue()


@task()
def boundary_passed() -> None:
    """Run by the worker at a scheduled moment: the version goes live or comes down, announced
    then, even if no request comes (a request may have applied it first: then nothing is left)."""
    apply_boundaries(in_request=False)


def _visible(row: PublicArticle, now) -> bool:
    return row.live_from <= now and (row.live_until is None or row.live_until > now)


def _last_modified_by_article(article_ids, rows, now) -> dict:
    """{article id: the latest Last-Modified it has shown}: a new row must not come before it,
    even after an unpublish deleted the rows that showed it (an ended publication's end second
    then). Stamps of versions still waiting for their time were never shown, and do not count."""
    article_of = dict(
        Publication.objects.filter(pk__in=[row.pk for row in rows]).values_list("pk", "article_id")
    )
    latest = {
        article_id: whole_second(ended)
        for article_id, ended in Publication.objects.filter(
            article_id__in=article_ids, ended_at__isnull=False, ended_at__lte=now
        )
        .values("article_id")
        .annotate(last=Max("ended_at"))
        .values_list("article_id", "last")
    }
    for row in rows:
        article_id = article_of.get(row.pk)
        if article_id is None or row.modified_at > now:
            continue
        if article_id not in latest or row.modified_at > latest[article_id]:
            latest[article_id] = row.modified_at
    return latest


def _create_rows(publications, last_modified: dict, now) -> None:
    for start in range(0, len(publications), BATCH):
        batch = publications[start : start + BATCH]
        snaps = [snapshot_of(publication) for publication in batch]
        rendering.attach_vocabulary(snaps)
        rows, documents, conditions, risks, images = [], [], [], [], []
        for publication, snap in zip(batch, snaps, strict=True):
            article = snap.article
            condition_ids = list(dict.fromkeys(link.condition_id for link in snap.conditions))
            risk_ids = list(dict.fromkeys(link.risk_id for link in snap.risks))
            rows.append(
                PublicArticle(
                    publication=publication,
                    slug=publication.slug,
                    title=publication.title,
                    language=article.language or "en",
                    clinic_id=publication.clinic_id,
                    reviewer_id=article.reviewed_by_id,
                    published_at=publication.published_at,
                    updated_at=publication.updated_at,
                    live_from=publication.live_from,
                    live_until=publication.live_until,
                    etag=ListingVersion.new_token(),
                    cache_tags=cache_tags.for_detail(
                        publication.article_id, publication.clinic_id, condition_ids, risk_ids
                    ),
                    **_stamped(last_modified.get(publication.article_id), max(now, publication.live_from)),
                )
            )
            documents.append(
                PublicDocument(
                    public_article_id=publication.pk,
                    detail_json=rendering.render_detail(article),
                    summary_json=rendering.render_item(article),
                )
            )
            conditions += [
                PublicArticleCondition(public_article_id=publication.pk, condition_id=condition_id)
                for condition_id in condition_ids
            ]
            risks += [
                PublicArticleRisk(public_article_id=publication.pk, risk_id=risk_id) for risk_id in risk_ids
            ]
            images += [
                PublicArticleImage(public_article_id=publication.pk, image_id=image_id)
                for image_id in snap.images
            ]
        PublicArticle.objects.bulk_create(rows)
        PublicDocument.objects.bulk_create(documents)
        PublicArticleCondition.objects.bulk_create(conditions)
        PublicArticleRisk.objects.bulk_create(risks)
        PublicArticleImage.objects.bulk_create(images)


def _stamped(previous, moment) -> dict:
    modified_at, shares_second = stamp(previous, moment)
    return {"modified_at": modified_at, "shares_second": shares_second}


def index_window(rows, now, *, again: bool = False) -> None:
    """Bring the search index in line with what of ``rows`` is visible at ``now`` (``again``:
    index every visible row anew, not only those not in it yet)."""
    search.unindex(rows.filter(is_indexed=True).exclude(visible_q(now)).values_list("pk", flat=True))
    visible = rows.filter(visible_q(now))
    if not again:
        visible = visible.filter(is_indexed=False)
    entering = list(Publication.objects.filter(pk__in=visible.values("pk")))
    search.index(_search_entry(publication) for publication in entering)


def _search_entry(publication: Publication) -> tuple[int, str, str, str]:
    snap = snapshots.from_content(publication.content)
    body = " ".join(f"{section.heading} {section.body_text}" for section in snap.sections)
    return publication.pk, snap.article.title, snap.article.summary, body


@transaction.atomic
def apply_boundaries(*, in_request: bool = True) -> None:
    """A scheduled version went live or a live one ended since the listing version was issued:
    bring the search index in line, drop rows that ended, and renew the listing version. Runs on
    the first request after such a moment; the lock makes concurrent requests do it once."""
    version = lock_listing_version()
    now = timezone.now()
    if version.next_boundary_at is None or version.next_boundary_at > now:
        return  # another request did it meanwhile
    # The articles whose visible version changes now: one went live, or came down.
    crossing = PublicArticle.objects.filter(
        (Q(is_indexed=False) & visible_q(now)) | (Q(is_indexed=True) & ~visible_q(now))
    )
    article_ids = set(crossing.values_list("publication__article_id", flat=True))
    before = events.announced(article_ids)
    translations_changed(article_ids)
    index_window(PublicArticle.objects.all(), now)
    ended = list(PublicArticle.objects.filter(live_until__lte=now).values_list("pk", flat=True))
    search.unindex(ended)
    PublicArticle.objects.filter(pk__in=ended).delete()
    bump_listing_version()
    events.send(events.compare(before, events.announced(article_ids)), purge_in_process=not in_request)


def mark_stale(rows) -> None:
    """Shared vocabulary that ``rows`` show has changed: clear their JSON and give them new
    ETags now (in the changing transaction), and render them again after it commits."""
    lock_listing_version()
    stale = list(PublicArticle.objects.select_for_update().filter(pk__in=rows.values("pk")).order_by("pk"))
    if not stale:
        return
    now = timezone.now()
    for row in stale:
        row.etag = ListingVersion.new_token()
        row.modified_at, row.shares_second = stamp(row.modified_at, now)
    PublicArticle.objects.bulk_update(stale, ["etag", "modified_at", "shares_second"])
    ids = [row.pk for row in stale]
    PublicDocument.objects.filter(pk__in=ids).update(detail_json=None, summary_json=None)
    # robust: a failed render is logged, and readers go on rendering on the fly.
    transaction.on_commit(lambda: render_stale(ids), robust=True)


def render_stale(ids) -> None:
    """Store the JSON of rows whose JSON was cleared, rendered from today's vocabulary."""
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            # Locked (the listing version first, as every change does): a vocabulary change
            # committing meanwhile waits, then clears what we store.
            lock_listing_version()
            cleared = PublicDocument.objects.filter(
                pk__in=ids[start : start + BATCH], detail_json__isnull=True
            )
            batch = list(
                PublicArticle.objects.select_for_update()
                .filter(pk__in=cleared.values("pk"))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            rendered = render(Publication.objects.filter(pk__in=batch))
            PublicDocument.objects.bulk_update(
                [
                    PublicDocument(public_article_id=pk, detail_json=detail, summary_json=item)
                    for pk, (detail, item) in rendered.items()
                ],
                ["detail_json", "summary_json"],
            )


def render_cleared() -> int:
    """Store the JSON of every row that has none: after a migration that cleared it all because the
    API's shape changed (api/migrations/0005), or a vocabulary change whose render after commit
    failed. The first case changed what every cached response shows, so shared caches are purged.
    Returns the number of rows rendered.

    Then every row rendered, and the listings, get new ETags once more: during a deploy, app
    servers still running the old code may have served (and cached, in the response cache or a
    CDN, under the ETags the migration issued) answers rendered on the fly in the old shape. After
    this, no cache entry or validator from before it matches."""
    ids = list(
        PublicDocument.objects.filter(detail_json__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    if ids:
        render_stale(ids)
        with transaction.atomic():
            lock_listing_version()
            now = timezone.now()
            rows = list(PublicArticle.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
            for row in rows:
                row.etag = ListingVersion.new_token()
                row.modified_at, row.shares_second = stamp(row.modified_at, now)
            PublicArticle.objects.bulk_update(
                rows, ["etag", "modified_at", "shares_second"], batch_size=BATCH
            )
            bump_listing_version()
            purging.purge_after_commit([cache_tags.ALL])
    return len(ids)


def rebuild_all() -> int:
    """Rebuild every public row from the publications, with today's code and vocabulary: after a
    deploy that changes what the API writes, a restore, or bulk writes. A row whose JSON comes out
    the same keeps its ETag. Returns the number of public rows."""
    now = timezone.now()
    with transaction.atomic():
        article_ids = set(Publication.objects.unfinished(now).values_list("article_id", flat=True))
        article_ids |= set(PublicArticle.objects.values_list("publication__article_id", flat=True))
        ordered = sorted(article_ids)
        for start in range(0, len(ordered), BATCH):
            sync(ordered[start : start + BATCH], now=now)
        # The index again, whatever wrote it before (the text it holds may have changed).
        search.drop_strays()
        index_window(PublicArticle.objects.all(), now, again=True)
    ids = list(PublicArticle.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            lock_listing_version()
            rows = list(
                PublicArticle.objects.select_for_update()
                .filter(pk__in=ids[start : start + BATCH])
                .order_by("pk")
            )
            documents = {
                pk: (detail, item)
                for pk, detail, item in PublicDocument.objects.filter(
                    pk__in=[row.pk for row in rows]
                ).values_list("pk", "detail_json", "summary_json")
            }
            rendered = render(Publication.objects.filter(pk__in=[row.pk for row in rows]))
            changed = [row for row in rows if documents.get(row.pk) != rendered[row.pk]]
            for row in changed:
                row.etag = ListingVersion.new_token()
                row.modified_at, row.shares_second = stamp(row.modified_at, now)
            PublicArticle.objects.bulk_update(changed, ["etag", "modified_at", "shares_second"])
            PublicDocument.objects.bulk_update(
                [
                    PublicDocument(
                        public_article_id=row.pk,
                        detail_json=rendered[row.pk][0],
                        summary_json=rendered[row.pk][1],
                    )
                    for row in changed
                ],
                ["detail_json", "summary_json"],
            )
    with transaction.atomic():
        bump_listing_version()
        purging.purge_after_commit([cache_tags.ALL])
    return len(ids)


def build_missing() -> int:
    """Rows for live or scheduled publications that have none yet (after the migration that made
    publications from the articles live before them). Returns how many articles were synced."""
    article_ids = list(
        Publication.objects.unfinished()
        .filter(public__isnull=True)
        .values_list("article_id", flat=True)
        .distinct()
    )
    if article_ids:
        sync(article_ids, announce=False)
    return len(article_ids)
