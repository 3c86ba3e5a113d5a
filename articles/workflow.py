"""The editorial workflow: who may do what to an article in which state, and the record of it.

Every change of state goes through ``transition()``; the admin only offers what it allows. The
states (articles/states.py) combine the working copy's status with what is public now:

    Draft ──submit──▶ In review ──approve and publish──▶ Live (or Scheduled)
                                                          │ edit
                                                          ▼
          Live ◀──approve and publish── Changes in review ◀──submit── Live with unpublished changes
          (the old version stays live all along; "discard changes" returns to it)

Only "Approve and publish" replaces what patients read, and only with the version the reviewer
opened. Unpublish and archive take everything off the site at once.
"""

import datetime
from dataclasses import dataclass

import reversion
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from reversion.models import Version

from articles import accessibility, publishing, revisions, snapshots
from articles.models import Article, ArticleTransition, ClinicalReview, Publication, Reviewer
from articles.states import State, derive
from cms.lib.dates import local_datetime

Status = Article.Status
PUBLISH_PERMISSION = "articles.publish_article"
REVIEW_PERMISSION = "articles.review_article"
EDIT_PERMISSION = "articles.change_article"
# What "discard changes" takes back from the approved version: the content, and the review shown.
APPROVED_FIELDS = [*snapshots.CONTENT_FIELDS, *snapshots.REVIEW_FIELDS]


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: tuple[State, ...]
    target: str  # the working copy's status afterwards
    permission: str
    needs_note: bool = False
    help: str = ""


EVERY_STATE_BUT_ARCHIVED = tuple(state for state in State if state != State.ARCHIVED)
ON_THE_SITE = (State.LIVE, State.LIVE_WITH_CHANGES, State.CHANGES_IN_REVIEW, State.SCHEDULED)

ACTIONS = {
    action.name: action
    for action in [
        Action(
            "submit",
            "Submit for review",
            (State.DRAFT, State.LIVE_WITH_CHANGES),
            Status.IN_REVIEW,
            EDIT_PERMISSION,
            help="A reviewer checks the text. What is live now stays live until they approve.",
        ),
        Action(
            "withdraw",
            "Back to draft",
            (State.IN_REVIEW, State.CHANGES_IN_REVIEW),
            Status.DRAFT,
            EDIT_PERMISSION,
            needs_note=True,
            help="The text can be edited again; it goes back to a reviewer when submitted again.",
        ),
        Action(
            "publish",
            "Approve and publish",
            (
                State.DRAFT,
                State.IN_REVIEW,
                State.LIVE_WITH_CHANGES,
                State.CHANGES_IN_REVIEW,
                State.LIVE,
                State.SCHEDULED,
                State.EXPIRED,
            ),
            Status.PUBLISHED,
            PUBLISH_PERMISSION,
            help="Patients see exactly the version you have read, from the time you choose.",
        ),
        Action(
            "discard",
            "Discard changes",
            (State.LIVE_WITH_CHANGES, State.CHANGES_IN_REVIEW),
            Status.PUBLISHED,
            EDIT_PERMISSION,
            help="The text goes back to the approved version. The changes stay in the History.",
        ),
        Action(
            "unpublish",
            "Unpublish",
            (*ON_THE_SITE, State.EXPIRED),
            Status.DRAFT,
            PUBLISH_PERMISSION,
            needs_note=True,
            help="The article comes off the public site at once; the text stays here as a draft.",
        ),
        Action(
            "archive",
            "Archive",
            EVERY_STATE_BUT_ARCHIVED,
            Status.ARCHIVED,
            PUBLISH_PERMISSION,
            help="The article comes off the public site at once and is kept for the record.",
        ),
        Action(
            "restore",
            "Back to draft",
            (State.ARCHIVED,),
            Status.DRAFT,
            PUBLISH_PERMISSION,
            needs_note=True,
            help="The archived article can be edited again, as a draft.",
        ),
    ]
}


def state_of(article: Article, now=None) -> State:
    """What a person sees the article as now. Uses ``is_live``/``is_scheduled`` when the queryset
    annotated them (Article.objects.with_public_state()); otherwise asks, in two queries."""
    if hasattr(article, "is_live") and hasattr(article, "is_scheduled"):
        is_live, is_scheduled = article.is_live, article.is_scheduled
    else:
        publications = Publication.objects.filter(article_id=article.pk)
        is_live = publications.visible(now).exists()
        is_scheduled = publications.scheduled(now).exists()
    return derive(article.status, is_live=is_live, is_scheduled=is_scheduled)


def can_edit(user, article: Article | None) -> bool:
    """Writers edit drafts and the working copy of approved articles (the approved version stays
    live until a reviewer approves the changes); what is in review or archived changes only with
    a reviewer's hand."""
    if article is None:
        return user.has_perm(EDIT_PERMISSION)
    # Checked in the article's own clinic (clinics/roles.py): a role elsewhere counts for nothing.
    if not user.has_perm(EDIT_PERMISSION, article):
        return False
    return article.status in (Status.DRAFT, Status.PUBLISHED) or user.has_perm(PUBLISH_PERMISSION, article)


def available_actions(user, article: Article, state: State | None = None) -> list[Action]:
    state = state or state_of(article)
    return [
        action
        for action in ACTIONS.values()
        if state in action.sources and user.has_perm(action.permission, article)
    ]


@transaction.atomic
def transition(
    article: Article,
    action_name: str,
    *,
    by,
    note: str = "",
    live_from: datetime.datetime | None = None,
    expires_at: datetime.datetime | None = None,
    version: int | None = None,
) -> ArticleTransition:
    """Apply ``action_name`` to ``article`` as user ``by``, and record it.

    For "publish", ``version`` is the article's ``lock_version`` when the reviewer opened it (the
    admin always sends it): if the working copy changed since, nothing is published.
    Raises PermissionDenied if ``by`` may not, ValidationError if the action does not apply now.
    """
    action = ACTIONS.get(action_name)
    if action is None:
        raise ValidationError(f"Unknown action {action_name!r}.")
    article = Article.objects.select_for_update().get(pk=article.pk)
    if not by.has_perm(action.permission, article):
        raise PermissionDenied(f"You are not allowed to {action.label.lower()} this clinic's articles.")
    now = timezone.now()
    from_state = state_of(article, now)
    if from_state not in action.sources:
        raise ValidationError(
            f"{action.label} is not possible for an article that is {from_state.label.lower()}."
        )
    note = note.strip()
    if action.needs_note and not note:
        raise ValidationError("Give a reason, so the writer knows what to change.")

    if action.name == "publish":
        _approve(article, by=by, version=version, live_from=live_from, expires_at=expires_at)
    elif action.name == "discard":
        _discard_changes(article, by=by)
    else:
        if action.name in ("unpublish", "archive"):
            publishing.end(article)
        article.status = action.target
        _save_version(article, by=by, comment=f"{action.label}: {note}" if note else action.label)
    article.status = action.target
    return ArticleTransition.objects.create(
        article=article,
        actor=by,
        actor_name=by.get_username(),
        action=action.name,
        from_state=from_state,
        # Asked afresh: publishing and ending stamp their own, later, moment on the publications.
        to_state=state_of(article),
        note=note,
    )


def _save_version(article: Article, *, by, comment: str) -> None:
    with reversion.create_revision():
        article.save()
        reversion.set_user(by)
        reversion.set_comment(comment)


def _approve(article: Article, *, by, version, live_from, expires_at) -> Publication:
    if version is not None and version != article.lock_version:
        raise ValidationError(
            "This article was changed after you opened it, so it was not published: you would have "
            "approved text you have not read. Open it again, read the new version, and approve that."
        )
    now = timezone.now()
    live = Publication.objects.filter(article=article).visible(now).first()
    live_from = live_from or now
    if live is not None:
        # What is live cannot be replaced in the past (publishing.publish does the same): a
        # go-live already past means now. With nothing live, a past time dates the publication.
        live_from = max(live_from, now)
    if expires_at is not None and expires_at <= now:
        raise ValidationError("The take-down time has already passed: choose a later one, or none.")
    if expires_at is not None and expires_at <= live_from:
        raise ValidationError("The article must come off the site after it goes live.")
    if settings.READABILITY_BLOCKS_PUBLISHING and article.misses_target(article.language):
        raise ValidationError(readability_refusal(article))
    blocking = accessibility.blocking(accessibility_issues(article))
    if blocking:
        raise ValidationError(accessibility_refusal(blocking))
    article.status = Status.PUBLISHED
    article.published_at = live.published_at if live else live_from
    when = "now" if live_from <= now else f"at {local_datetime(live_from)}"
    _save_version(article, by=by, comment=f"Approved and published ({when})")
    revision = Version.objects.get_for_object(article).values_list("revision", flat=True).first()
    return publishing.publish(
        article, by=by, live_from=live_from, expires_at=expires_at, revision_id=revision
    )


def _discard_changes(article: Article, *, by) -> None:
    approved = publishing.latest_approved(article)
    revisions.restore(
        article,
        snapshots.from_content(approved.content),
        fields=APPROVED_FIELDS,
        changes={"status": Status.PUBLISHED},
        by=by,
        comment="Discarded the changes: back to the approved version",
    )


@transaction.atomic
def working_copy_changed(article: Article, *, by) -> None:
    """Call after any edit of the working copy (admin save, revert, clinical review): an approved
    article then has unpublished changes. Recorded once, at the first change."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.status != Status.PUBLISHED:
        return
    now = timezone.now()
    from_state = state_of(article, now)
    Article.objects.filter(pk=article.pk).update(status=Status.DRAFT)
    article.status = Status.DRAFT
    ArticleTransition.objects.create(
        article=article,
        actor=by,
        actor_name=by.get_username() if by else "",
        action="edit",
        from_state=from_state,
        to_state=state_of(article, now),
        note="Edited; the approved version stays on the site until the changes are approved.",
    )


@transaction.atomic
def revert(article: Article, version: Version, *, by) -> None:
    """Bring back an earlier version's text, as the working copy (never straight to the site)."""
    revisions.revert(article, version, by=by)
    working_copy_changed(article, by=by)


def accessibility_issues(article: Article, *, suggestions: bool = True) -> list:
    """What articles/accessibility.py finds in the saved working copy (with PEMAT suggestions)."""
    snap = snapshots.of_working_copy(article)
    snapshots.attach_images([snap])
    issues = accessibility.check(snap.article, snap.sections, snap.images)
    if suggestions:
        issues += accessibility.suggestions(snap.article, snap.sections)
    return issues


def accessibility_refusal(blocking: list) -> str:
    """Why an article cannot be published: the accessibility checks it fails (settings:
    ACCESSIBILITY_BLOCKING)."""
    listed = " ".join(issue.message for issue in blocking[:5])
    more = f" (and {len(blocking) - 5} more)" if len(blocking) > 5 else ""
    return f"This article cannot be published until it passes the accessibility checks: {listed}{more}"


def readability_refusal(article: Article, worst: int = 3) -> str:
    """Why an article above the reading-grade target cannot be published, naming its worst sections."""
    if article.language == "es":
        minimum = settings.READABILITY_TARGET_SZIGRISZT_PAZOS
        return (
            f"This article scores {article.szigriszt_pazos:g} on the Szigriszt-Pazos (INFLESZ) scale, below "
            f"the target of {minimum:g}, so it cannot be published yet: shorter sentences and words help."
        )
    target = settings.READABILITY_TARGET_GRADE
    sections = sorted(
        (section for section in article.sections.all() if section.is_above_target),
        key=lambda section: -section.reading_grade,
    )
    named = "; ".join(
        f"“{section.heading}” (grade {section.reading_grade:g})" for section in sections[:worst]
    )
    message = (
        f"This article reads at grade {article.reading_grade:g}, above the target of grade {target:g}, "
        "so it cannot be published yet."
    )
    return f"{message} Simplify first: {named}." if named else message


@transaction.atomic
def record_review(
    article: Article, *, by, reviewer: Reviewer, reviewed_on: datetime.date, note: str = ""
) -> ClinicalReview:
    """Record that ``reviewer`` checked the article's medical content on ``reviewed_on``.

    It changes the working copy: patients see the new review date with the next approved version.
    """
    if not by.has_perm(REVIEW_PERMISSION, article):
        raise PermissionDenied("You are not allowed to record clinical reviews of this clinic's articles.")
    if reviewed_on > timezone.localdate():
        raise ValidationError("A review cannot be recorded for a future date.")
    if reviewer.clinic_id not in (None, article.clinic_id):
        raise ValidationError(f"{reviewer} reviews for another clinic.")
    article = Article.objects.select_for_update().get(pk=article.pk)
    article.reviewed_by = reviewer
    article.last_reviewed_on = reviewed_on
    _save_version(article, by=by, comment=f"Clinical review by {reviewer} on {reviewed_on:%Y-%m-%d}")
    working_copy_changed(article, by=by)
    return ClinicalReview.objects.create(
        article=article, reviewer=reviewer, reviewed_on=reviewed_on, recorded_by=by, note=note.strip()
    )
