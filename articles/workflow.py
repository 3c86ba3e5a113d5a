"""The editorial workflow: who may move an article from one state to another, and the record of it.

Every change of state goes through ``transition()``; the admin only offers what it allows.

    draft ──submit──▶ in review ──publish──▶ published ──archive──▶ archived
      ▲                  │  (a reviewer may also publish a draft directly)   │
      └──── back to draft (with a reason) ◀──────────────────────────────────┘
"""

import datetime
from dataclasses import dataclass

import reversion
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from articles.models import Article, ArticleTransition, ClinicalReview, Reviewer

Status = Article.Status
PUBLISH_PERMISSION = "articles.publish_article"
REVIEW_PERMISSION = "articles.review_article"
EDIT_PERMISSION = "articles.change_article"


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    permission: str
    needs_note: bool = False


ACTIONS = {
    action.name: action
    for action in [
        Action("submit", "Submit for review", (Status.DRAFT,), Status.IN_REVIEW, EDIT_PERMISSION),
        Action(
            "publish",
            "Approve and publish",
            (Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED),
            Status.PUBLISHED,
            PUBLISH_PERMISSION,
        ),
        Action(
            "withdraw",
            "Back to draft",
            (Status.IN_REVIEW,),
            Status.DRAFT,
            EDIT_PERMISSION,
            needs_note=True,
        ),
        Action(
            "unpublish",
            "Back to draft",
            (Status.PUBLISHED, Status.ARCHIVED),
            Status.DRAFT,
            PUBLISH_PERMISSION,
            needs_note=True,
        ),
        Action(
            "archive",
            "Archive",
            (Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED),
            Status.ARCHIVED,
            PUBLISH_PERMISSION,
        ),
    ]
}


def can_edit(user, article: Article | None) -> bool:
    """Writers edit drafts; what is in review or live changes only with a reviewer's hand."""
    if not user.has_perm(EDIT_PERMISSION):
        return False
    return article is None or article.status == Status.DRAFT or user.has_perm(PUBLISH_PERMISSION)


def available_actions(user, article: Article) -> list[Action]:
    return [
        action
        for action in ACTIONS.values()
        if article.status in action.sources and user.has_perm(action.permission)
    ]


@transaction.atomic
def transition(
    article: Article,
    action_name: str,
    *,
    by,
    note: str = "",
    published_at: datetime.datetime | None = None,
    expires_at: datetime.datetime | None = None,
) -> ArticleTransition:
    """Apply ``action_name`` to ``article`` as user ``by``, and record it.

    Raises PermissionDenied if ``by`` may not, ValidationError if the action does not apply now.
    """
    action = ACTIONS.get(action_name)
    if action is None:
        raise ValidationError(f"Unknown action {action_name!r}.")
    if not by.has_perm(action.permission):
        raise PermissionDenied(f"You are not allowed to {action.label.lower()} articles.")
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.status not in action.sources:
        raise ValidationError(
            f"{action.label} is not possible for an article that is {article.get_status_display().lower()}."
        )
    note = note.strip()
    if action.needs_note and not note:
        raise ValidationError("Give a reason, so the writer knows what to change.")

    if action.name == "publish":
        # Re-publishing a live article (to change its take-down time) keeps its publication date.
        keep = article.status == Status.PUBLISHED and article.published_at and not published_at
        published_at = article.published_at if keep else published_at or timezone.now()
        if expires_at is not None and expires_at <= published_at:
            raise ValidationError("The article must come off the site after it goes live.")
        if settings.READABILITY_BLOCKS_PUBLISHING and article.is_above_target:
            raise ValidationError(readability_refusal(article))
        article.published_at, article.expires_at = published_at, expires_at
    from_status = article.status
    article.status = action.target
    with reversion.create_revision():
        article.save()
        reversion.set_user(by)
        reversion.set_comment(f"{action.label}: {note}" if note else action.label)
    return ArticleTransition.objects.create(
        article=article,
        actor=by,
        actor_name=by.get_username(),
        from_status=from_status,
        to_status=article.status,
        note=note,
    )


def readability_refusal(article: Article, worst: int = 3) -> str:
    """Why an article above the reading-grade target cannot be published, naming its worst sections."""
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
    """Record that ``reviewer`` checked the article's medical content on ``reviewed_on``."""
    if not by.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("You are not allowed to record clinical reviews.")
    if reviewed_on > timezone.localdate():
        raise ValidationError("A review cannot be recorded for a future date.")
    article = Article.objects.select_for_update().get(pk=article.pk)
    article.reviewed_by = reviewer
    article.last_reviewed_on = reviewed_on
    with reversion.create_revision():
        article.save()
        reversion.set_user(by)
        reversion.set_comment(f"Clinical review by {reviewer} on {reviewed_on:%Y-%m-%d}")
    return ClinicalReview.objects.create(
        article=article, reviewer=reviewer, reviewed_on=reviewed_on, recorded_by=by, note=note.strip()
    )
