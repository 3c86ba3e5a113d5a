"""The states a person sees an article in, derived from two facts: where its working copy is in the
editorial flow (Article.status) and what is public now (its publications). Stored nowhere: a
scheduled version goes live, or a take-down time passes, with no job to update a column.

    working copy        nothing live or scheduled   a version live or scheduled
    draft               Draft                       Live with unpublished changes
    in_review           In review                   Changes in review
    published           Expired (taken down)        Live, or Scheduled (a newer version waits)
    archived            Archived                    (never: archiving ends publications)

"published" means the working copy is the approved version, unchanged since.
"""

from django.db import models
from django.utils.html import format_html


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    LIVE = "live", "Live"
    LIVE_WITH_CHANGES = "live_with_changes", "Live with unpublished changes"
    CHANGES_IN_REVIEW = "changes_in_review", "Changes in review"
    SCHEDULED = "scheduled", "Scheduled"
    EXPIRED = "expired", "Expired"
    ARCHIVED = "archived", "Archived"


# States in which the public site shows (or is about to show) an approved version.
WITH_PUBLICATION = frozenset({State.LIVE, State.LIVE_WITH_CHANGES, State.CHANGES_IN_REVIEW, State.SCHEDULED})


def derive(status: str, *, is_live: bool, is_scheduled: bool) -> State:
    """The state of an article whose working copy has ``status``, given what is public now."""
    if status == "archived":
        return State.ARCHIVED
    approved = is_live or is_scheduled
    if status == "draft":
        return State.LIVE_WITH_CHANGES if approved else State.DRAFT
    if status == "in_review":
        return State.CHANGES_IN_REVIEW if approved else State.IN_REVIEW
    if is_scheduled:
        return State.SCHEDULED
    return State.LIVE if is_live else State.EXPIRED


def badge(state) -> str:
    """A state as a badge (articles/static/articles/editorial.css): the words say the state, the
    colour only repeats it."""
    state = State(state)
    return format_html('<span class="state-badge state-{}">{}</span>', state.value, state.label)
