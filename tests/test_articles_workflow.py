"""The editorial workflow: states and transitions, roles and what each may do, clinical reviews.

What patients read is the approved version (a publication); staff edit the working copy. The
state a person sees combines the two (articles/states.py, docs/publications.md).
"""

import datetime
import re

import pytest
import reversion
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from reversion.models import Version

from articles import workflow
from articles.models import Article, ArticleTransition, ClinicalReview, Publication, Reviewer
from articles.states import State
from clinics import roles
from tests.admin_forms import ADD_ARTICLE, add_rows, form_data, new_article_data
from tests.factories import (
    make_archived,
    make_article,
    make_clinic,
    make_condition,
    make_draft,
    make_risk,
    make_scheduled,
)

pytestmark = pytest.mark.django_db

WRITER = "Writer"
REVIEWER = "Clinical reviewer"
CLINIC_ADMIN = "Clinic admin"
ROLES = [WRITER, REVIEWER, CLINIC_ADMIN]

# Where the working copy is in the flow (Article.status); the states people see are State.
DRAFT, IN_REVIEW, PUBLISHED, ARCHIVED = "draft", "in_review", "published", "archived"

ARTICLES = reverse("admin:articles_article_changelist")


# --- Helpers -------------------------------------------------------------------------------------


@pytest.fixture
def user_in(django_user_model):
    """A staff user in one of the groups the data migration made."""

    def make(role: str, username: str | None = None):
        username = username or role.lower().replace(" ", "-")
        user = django_user_model.objects.create_user(
            username, f"{username}@clinic.example", "long-Pass-9921", is_staff=True
        )
        roles.grant(user, role)
        return user

    return make


@pytest.fixture
def login(client, user_in):
    def log_in(role: str):
        user = user_in(role)
        client.force_login(user)
        return user

    return log_in


def colleague():
    """The writer who brought an article to its state before the test begins."""
    user, created = get_user_model().objects.get_or_create(
        username="colleague", defaults={"email": "colleague@clinic.example", "is_staff": True}
    )
    if created:
        roles.grant(user, WRITER)
    return user


def edit(article, **fields) -> Article:
    """Change the working copy as the admin's save does: one version, then the workflow hears of it."""
    article = refreshed(article)
    for name, value in (fields or {"summary": "A summary no reviewer has approved yet."}).items():
        setattr(article, name, value)
    with reversion.create_revision():
        article.save()
        reversion.set_user(colleague())
    workflow.working_copy_changed(article, by=colleague())
    return article


def make_in_review(**fields) -> Article:
    return make_article(status=IN_REVIEW, published_at=None, **fields)


def make_live_with_changes(**fields) -> Article:
    article = make_article(**fields)
    edit(article)
    return article


def make_changes_in_review(**fields) -> Article:
    article = make_live_with_changes(**fields)
    workflow.transition(article, "submit", by=colleague())
    return article


def make_expired(**fields) -> Article:
    return make_article(expires_at=timezone.now() - datetime.timedelta(minutes=1), **fields)


MAKERS = {
    State.DRAFT: make_draft,
    State.IN_REVIEW: make_in_review,
    State.LIVE: make_article,
    State.LIVE_WITH_CHANGES: make_live_with_changes,
    State.CHANGES_IN_REVIEW: make_changes_in_review,
    State.SCHEDULED: make_scheduled,
    State.EXPIRED: make_expired,
    State.ARCHIVED: make_archived,
}


def make_reviewer(**fields) -> Reviewer:
    defaults = {"name": "Dr. Jane Smith", "credentials": "MD, board-certified in pain medicine"}
    return Reviewer.objects.create(**(defaults | fields))


def publications(article) -> list[tuple]:
    """Every approved version of the article with its window: what the public side is built from."""
    return list(
        Publication.objects.filter(article=article)
        .order_by("pk")
        .values_list("pk", "live_from", "expires_at", "ended_at")
    )


def snapshot(article) -> dict:
    """Everything a refused action must leave alone: the working copy, its workflow and review
    records, versions, and what is public."""
    return {
        **Article.objects.values().get(pk=article.pk),
        "transitions": ArticleTransition.objects.filter(article=article).count(),
        "reviews": ClinicalReview.objects.filter(article=article).count(),
        "versions": Version.objects.get_for_object(article).count(),
        "publications": publications(article),
    }


def refreshed(article) -> Article:
    return Article.objects.get(pk=article.pk)


def state(article) -> State:
    return workflow.state_of(refreshed(article))


def latest_step(article) -> ArticleTransition:
    return ArticleTransition.objects.filter(article=article).first()


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def transition_url(article, action: str) -> str:
    return reverse("admin:articles_article_transition", args=[article.pk, action])


def review_url(article) -> str:
    return reverse("admin:articles_article_review", args=[article.pk])


def history_url(article) -> str:
    return reverse("admin:articles_article_history", args=[article.pk])


def detail_url(article) -> str:
    return f"/api/v1/articles/{article.slug}/"


def split(moment: datetime.datetime) -> dict[str, str]:
    """A moment as the admin's split date/time widget posts it, in the site's time zone."""
    local = timezone.localtime(moment)
    return {"0": f"{local:%Y-%m-%d}", "1": f"{local:%H:%M:%S}"}


def split_fields(name: str, moment: datetime.datetime) -> dict[str, str]:
    return {f"{name}_{part}": value for part, value in split(moment).items()}


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def listed(response) -> list[str]:
    assert response.status_code == 200
    return sorted(article.title for article in response.context["cl"].result_list)


def inline_group(response, prefix: str) -> str:
    """The HTML of one inline group of a change page."""
    html = response.content.decode()
    match = re.search(rf'<div[^>]*id="{prefix}-group".*?</fieldset>', html, re.S)
    assert match, f"no inline group {prefix!r} on the page"
    return match.group(0)


def without_seconds(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(second=0, microsecond=0)


def public_detail(api, article) -> tuple[dict, str]:
    """The public detail of the article as patients get it, and its ETag."""
    response = api.get(detail_url(article))
    assert response.status_code == 200
    return response.json(), response["ETag"]


# --- 1. The transition table ---------------------------------------------------------------------

# (from state, action) -> state afterwards. Every pair not listed is refused.
TRANSITIONS = {
    (State.DRAFT, "submit"): State.IN_REVIEW,
    (State.LIVE_WITH_CHANGES, "submit"): State.CHANGES_IN_REVIEW,
    (State.IN_REVIEW, "withdraw"): State.DRAFT,
    (State.CHANGES_IN_REVIEW, "withdraw"): State.LIVE_WITH_CHANGES,
    (State.DRAFT, "publish"): State.LIVE,
    (State.IN_REVIEW, "publish"): State.LIVE,
    (State.LIVE_WITH_CHANGES, "publish"): State.LIVE,
    (State.CHANGES_IN_REVIEW, "publish"): State.LIVE,
    (State.LIVE, "publish"): State.LIVE,
    (State.SCHEDULED, "publish"): State.LIVE,
    (State.EXPIRED, "publish"): State.LIVE,
    (State.LIVE_WITH_CHANGES, "discard"): State.LIVE,
    (State.CHANGES_IN_REVIEW, "discard"): State.LIVE,
    (State.LIVE, "unpublish"): State.DRAFT,
    (State.LIVE_WITH_CHANGES, "unpublish"): State.DRAFT,
    (State.CHANGES_IN_REVIEW, "unpublish"): State.DRAFT,
    (State.SCHEDULED, "unpublish"): State.DRAFT,
    (State.EXPIRED, "unpublish"): State.DRAFT,
    **{(source, "archive"): State.ARCHIVED for source in State if source != State.ARCHIVED},
    (State.ARCHIVED, "restore"): State.DRAFT,
}
# Where each action leaves the working copy (Article.status).
STATUS_AFTER = {
    "submit": IN_REVIEW,
    "withdraw": DRAFT,
    "publish": PUBLISHED,
    "discard": PUBLISHED,
    "unpublish": DRAFT,
    "archive": ARCHIVED,
    "restore": DRAFT,
}
ACTION_NAMES = list(STATUS_AFTER)
NEEDS_NOTE = {"withdraw", "unpublish", "restore"}
REFUSED = [
    (source, action) for source in State for action in ACTION_NAMES if (source, action) not in TRANSITIONS
]


def note_for(action: str) -> str:
    return "Check the dosage table." if action in NEEDS_NOTE else ""


def transition_params() -> list:
    return [
        pytest.param(source, action, target, id=f"{source.value}-{action}-to-{target.value}")
        for (source, action), target in TRANSITIONS.items()
    ]


def test_the_transition_table_covers_every_workflow_action_from_every_state():
    assert sorted(workflow.ACTIONS) == sorted(ACTION_NAMES)
    assert len(TRANSITIONS) + len(REFUSED) == len(State) * len(ACTION_NAMES)
    assert {name for name, action in workflow.ACTIONS.items() if action.needs_note} == NEEDS_NOTE


@pytest.mark.parametrize("made", list(State), ids=lambda s: s.value)
def test_each_state_is_what_a_person_sees_for_how_the_article_was_made(made):
    assert state(MAKERS[made]()) == made


@pytest.mark.parametrize(("source", "action", "target"), transition_params())
def test_transition_moves_the_article_as_the_table_says(user_in, source, action, target):
    article = MAKERS[source]()

    workflow.transition(article, action, by=user_in(CLINIC_ADMIN), note=note_for(action))

    assert (refreshed(article).status, state(article)) == (STATUS_AFTER[action], target)


@pytest.mark.parametrize(("source", "action", "target"), transition_params())
def test_only_publishing_unpublishing_and_archiving_change_what_is_public(
    api, user_in, source, action, target
):
    article = MAKERS[source]()
    before = publications(article)
    public_before = api.get(detail_url(article))

    workflow.transition(article, action, by=user_in(CLINIC_ADMIN), note=note_for(action))

    if action == "publish":
        assert Publication.objects.filter(article=article).visible().count() == 1
        assert api.get(detail_url(article)).status_code == 200
    elif action in ("unpublish", "archive"):
        assert not Publication.objects.filter(article=article).unfinished().exists()
        assert api.get(detail_url(article)).status_code == 404
    else:
        assert publications(article) == before
        public_after = api.get(detail_url(article))
        assert public_after.status_code == public_before.status_code
        assert public_after.content == public_before.content
        assert public_after.get("ETag") == public_before.get("ETag")


@pytest.mark.parametrize(
    ("source", "action"), [pytest.param(s, a, id=f"{s.value}-{a}-refused") for s, a in REFUSED]
)
def test_transition_not_in_the_table_is_refused_and_changes_nothing(user_in, source, action):
    article = MAKERS[source]()
    before = snapshot(article)

    with pytest.raises(ValidationError):
        workflow.transition(article, action, by=user_in(CLINIC_ADMIN), note=note_for(action))

    assert snapshot(article) == before


def test_unknown_transition_is_refused(user_in):
    article = make_draft()
    before = snapshot(article)

    with pytest.raises(ValidationError):
        workflow.transition(article, "approve", by=user_in(CLINIC_ADMIN))

    assert snapshot(article) == before


@pytest.mark.parametrize("source", [State.DRAFT, State.IN_REVIEW])
def test_publishing_a_new_article_sets_published_at_to_now_and_puts_it_on_the_api(api, user_in, source):
    article = MAKERS[source]()
    before = timezone.now()

    workflow.transition(article, "publish", by=user_in(REVIEWER))

    article = refreshed(article)
    assert (article.status, state(article)) == (PUBLISHED, State.LIVE)
    assert before <= article.published_at <= timezone.now()
    (publication,) = Publication.objects.filter(article=article)
    assert (publication.live_from, publication.expires_at) == (article.published_at, None)
    assert api.get(detail_url(article)).status_code == 200


def test_publishing_at_a_future_moment_schedules_the_article_off_the_api_until_then(api, user_in):
    condition = make_condition(slug="knee-pain")
    article = make_in_review(slug="coming-soon", conditions=[condition])
    goes_live = timezone.now() + datetime.timedelta(days=2)

    workflow.transition(article, "publish", by=user_in(REVIEWER), live_from=goes_live)

    article = refreshed(article)
    assert (article.status, article.published_at, state(article)) == (PUBLISHED, goes_live, State.SCHEDULED)
    assert slugs(api.get("/api/v1/articles/")) == []
    assert api.get("/api/v1/articles/coming-soon/").status_code == 404
    assert slugs(api.get("/api/v1/conditions/")) == []


def test_approving_changes_for_later_keeps_the_live_version_on_the_api_until_then(api, user_in, monkeypatch):
    article = make_article(slug="nerve-blocks", title="Nerve blocks")
    edit(article, title="Nerve blocks, explained")
    goes_live = timezone.now() + datetime.timedelta(days=2)

    workflow.transition(article, "publish", by=user_in(REVIEWER), live_from=goes_live)

    assert state(article) == State.SCHEDULED
    assert api.get("/api/v1/articles/nerve-blocks/").json()["title"] == "Nerve blocks"
    later = goes_live + datetime.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert api.get("/api/v1/articles/nerve-blocks/").json()["title"] == "Nerve blocks, explained"
    assert state(article) == State.LIVE


@pytest.mark.parametrize(
    "expires_in",
    [
        pytest.param(datetime.timedelta(hours=-1), id="expires-before-going-live"),
        pytest.param(datetime.timedelta(0), id="expires-as-it-goes-live"),
    ],
)
def test_publishing_with_expiry_not_after_going_live_is_refused_and_changes_nothing(user_in, expires_in):
    article = make_in_review()
    before = snapshot(article)
    goes_live = timezone.now() + datetime.timedelta(days=2)

    with pytest.raises(ValidationError):
        workflow.transition(
            article,
            "publish",
            by=user_in(REVIEWER),
            live_from=goes_live,
            expires_at=goes_live + expires_in,
        )

    assert snapshot(article) == before


def test_publishing_now_with_an_expiry_in_the_past_is_refused(user_in):
    article = make_in_review()
    before = snapshot(article)

    with pytest.raises(ValidationError):
        workflow.transition(
            article,
            "publish",
            by=user_in(REVIEWER),
            expires_at=timezone.now() - datetime.timedelta(minutes=1),
        )

    assert snapshot(article) == before


def test_publishing_a_version_other_than_the_one_the_reviewer_opened_is_refused_and_changes_nothing(
    api, user_in
):
    article = make_changes_in_review(slug="nerve-blocks", title="Nerve blocks")
    opened = refreshed(article).lock_version
    edit(article, title="Changed after the reviewer opened it")
    before = snapshot(article)

    with pytest.raises(ValidationError, match="changed after you opened it"):
        workflow.transition(article, "publish", by=user_in(REVIEWER), version=opened)

    assert snapshot(article) == before
    assert api.get("/api/v1/articles/nerve-blocks/").json()["title"] == "Nerve blocks"


NOTE_REQUIRED = [
    pytest.param(State.IN_REVIEW, "withdraw", id="in_review-withdraw"),
    pytest.param(State.CHANGES_IN_REVIEW, "withdraw", id="changes_in_review-withdraw"),
    pytest.param(State.LIVE, "unpublish", id="live-unpublish"),
    pytest.param(State.ARCHIVED, "restore", id="archived-restore"),
]


@pytest.mark.parametrize(("source", "action"), NOTE_REQUIRED)
@pytest.mark.parametrize("note", ["", "   \n "], ids=["empty", "blank"])
def test_back_to_draft_without_a_reason_is_refused_and_changes_nothing(user_in, source, action, note):
    article = MAKERS[source]()
    before = snapshot(article)

    with pytest.raises(ValidationError):
        workflow.transition(article, action, by=user_in(REVIEWER), note=note)

    assert snapshot(article) == before


@pytest.mark.parametrize(("source", "action"), NOTE_REQUIRED)
def test_back_to_draft_in_the_admin_without_a_reason_shows_an_error_and_changes_nothing(
    client, login, source, action
):
    login(REVIEWER)
    article = MAKERS[source]()
    before = snapshot(article)

    response = client.post(transition_url(article, action), {"note": "  "})

    assert response.status_code == 200
    assert response.context["form"].errors == {"note": ["This field is required."]}
    assert snapshot(article) == before


@pytest.mark.parametrize(("source", "action", "target"), transition_params())
def test_each_transition_records_one_step_with_action_actor_states_and_note(user_in, source, action, target):
    user = user_in(CLINIC_ADMIN, username="ruth")
    article = MAKERS[source]()
    steps_before = snapshot(article)["transitions"]
    before = timezone.now()

    step = workflow.transition(article, action, by=user, note=f"  {note_for(action)}  ")

    assert ArticleTransition.objects.filter(article=article).count() == steps_before + 1
    assert latest_step(article) == step
    assert (step.action, step.actor, step.actor_name, step.from_state, step.to_state, step.note) == (
        action,
        user,
        "ruth",
        source,
        target,
        note_for(action),
    )
    assert before <= step.at <= timezone.now()


def test_workflow_step_keeps_the_actor_name_after_the_user_is_deleted(user_in):
    user = user_in(REVIEWER, username="ruth")
    article = make_in_review()
    workflow.transition(article, "publish", by=user)

    user.delete()

    step = ArticleTransition.objects.get(article=article)
    assert (step.actor, step.actor_name) == (None, "ruth")


def walk_through_the_workflow(user_in) -> Article:
    """A draft submitted by a writer, sent back, submitted again, published by a reviewer, then
    edited by the writer."""
    writer, reviewer = user_in(WRITER, username="wanda"), user_in(REVIEWER, username="rafael")
    article = make_draft(title="Nerve blocks")
    workflow.transition(article, "submit", by=writer)
    workflow.transition(article, "withdraw", by=reviewer, note="Cite the 2024 guideline.")
    workflow.transition(article, "submit", by=writer, note="Guideline cited.")
    workflow.transition(article, "publish", by=reviewer)
    workflow.working_copy_changed(article, by=writer)
    return article


EDITED_NOTE = "Edited; the approved version stays on the site until the changes are approved."


def test_workflow_history_is_shown_on_the_article_change_page(client, user_in):
    article = walk_through_the_workflow(user_in)
    client.force_login(user_in(CLINIC_ADMIN))

    response = client.get(change_url(article))

    assert response.status_code == 200
    group = inline_group(response, "transitions")
    assert "Workflow history" in group
    rows = re.findall(r'<tr class="form-row[^"]*".*?</tr>', group, re.S)
    cells = [re.findall(r'<td class="field-(\w+)">\s*<p>(.*?)</p>', row, re.S) for row in rows]
    assert [[(field, text.strip()) for field, text in row if field != "at"] for row in cells] == [
        [
            ("actor_name", "wanda"),
            ("from_state", "Live"),
            ("to_state", "Live with unpublished changes"),
            ("note", EDITED_NOTE),
        ],
        [("actor_name", "rafael"), ("from_state", "In review"), ("to_state", "Live"), ("note", "-")],
        [
            ("actor_name", "wanda"),
            ("from_state", "Draft"),
            ("to_state", "In review"),
            ("note", "Guideline cited."),
        ],
        [
            ("actor_name", "rafael"),
            ("from_state", "In review"),
            ("to_state", "Draft"),
            ("note", "Cite the 2024 guideline."),
        ],
        [("actor_name", "wanda"), ("from_state", "Draft"), ("to_state", "In review"), ("note", "-")],
    ]


def test_workflow_history_is_shown_on_the_article_history_page(client, user_in):
    article = walk_through_the_workflow(user_in)
    client.force_login(user_in(WRITER, username="reader"))

    response = client.get(history_url(article))

    assert response.status_code == 200
    table = re.search(r'<table id="transitions">.*?</table>', response.content.decode(), re.S).group(0)
    rows = re.findall(r"<tr><td>.*?</tr>", table, re.S)
    assert [re.findall(r"<td>(.*?)</td>", row)[1:] for row in rows] == [
        ["wanda", "Live", "Live with unpublished changes", EDITED_NOTE],
        ["rafael", "In review", "Live", ""],
        ["wanda", "Draft", "In review", "Guideline cited."],
        ["rafael", "In review", "Draft", "Cite the 2024 guideline."],
        ["wanda", "Draft", "In review", ""],
    ]


def publish_data(article, **fields) -> dict:
    """The "Approve and publish" form as posted by a reviewer who opened the article as it is now."""
    return {"note": "", "version": str(refreshed(article).lock_version), **fields}


def test_publishing_in_the_admin_schedules_with_go_live_and_take_down_times(client, login):
    login(REVIEWER)
    article = make_in_review()
    goes_live = without_seconds(timezone.now() + datetime.timedelta(days=3))
    comes_off = goes_live + datetime.timedelta(days=30)

    response = client.post(
        transition_url(article, "publish"),
        publish_data(
            article, **split_fields("live_from", goes_live), **split_fields("expires_at", comes_off)
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == change_url(article)
    article = refreshed(article)
    assert (article.status, article.published_at, state(article)) == (PUBLISHED, goes_live, State.SCHEDULED)
    (publication,) = Publication.objects.filter(article=article)
    assert (publication.live_from, publication.expires_at) == (goes_live, comes_off)


def test_publishing_in_the_admin_with_take_down_before_go_live_shows_an_error_and_changes_nothing(
    client, login
):
    login(REVIEWER)
    article = make_in_review()
    before = snapshot(article)
    goes_live = without_seconds(timezone.now() + datetime.timedelta(days=3))

    response = client.post(
        transition_url(article, "publish"),
        publish_data(
            article,
            **split_fields("live_from", goes_live),
            **split_fields("expires_at", goes_live - datetime.timedelta(days=1)),
        ),
    )

    assert response.status_code == 200
    assert escape("The article must come off the site after it goes live.") in response.content.decode()
    assert snapshot(article) == before


def test_publish_page_carries_the_version_the_reviewer_opened(client, login):
    login(REVIEWER)
    article = make_in_review()
    opened = refreshed(article).lock_version
    change_page = client.get(change_url(article)).content.decode()

    assert f'href="{transition_url(article, "publish")}?version={opened}"' in change_page
    assert form_data(client.get(transition_url(article, "publish"), {"version": opened}))["version"] == str(
        opened
    )


def test_approve_and_publish_of_a_version_changed_since_the_reviewer_opened_it_is_refused(
    api, client, user_in
):
    article = make_article(slug="nerve-blocks", title="Nerve blocks", sections=1)
    public_before = public_detail(api, article)
    writer = Client()
    writer.force_login(user_in(WRITER))
    client.force_login(user_in(REVIEWER))

    # The writer edits the live article and submits the changes.
    data = form_data(writer.get(change_url(article))) | {"sections-0-body": "<p>Text the reviewer reads.</p>"}
    assert writer.post(change_url(article), data).status_code == 302
    assert writer.post(transition_url(article, "submit"), {"note": ""}).status_code == 302
    # The reviewer opens "Approve and publish" from the change page.
    opened = refreshed(article).lock_version
    approval = form_data(client.get(transition_url(article, "publish"), {"version": opened}))
    # Meanwhile the writer takes the article back, changes it again and resubmits.
    assert writer.post(transition_url(article, "withdraw"), {"note": "One more fix."}).status_code == 302
    data = form_data(writer.get(change_url(article))) | {"sections-0-body": "<p>Text nobody approved.</p>"}
    assert writer.post(change_url(article), data).status_code == 302
    assert writer.post(transition_url(article, "submit"), {"note": ""}).status_code == 302
    before = snapshot(article)

    response = client.post(transition_url(article, "publish"), approval)

    assert response.status_code == 200
    assert "This article was changed after you opened it, so it was not published" in (
        response.content.decode()
    )
    assert snapshot(article) == before
    assert state(article) == State.CHANGES_IN_REVIEW
    assert public_detail(api, article) == public_before
    assert public_before[0]["sections"][0]["body"] == "<p>Some text.</p>"


def test_transition_not_possible_from_the_current_state_shows_an_error_in_the_admin(client, login):
    login(REVIEWER)
    article = make_archived()
    before = snapshot(article)

    response = client.post(transition_url(article, "submit"), {"note": ""})

    assert response.status_code == 200
    assert "Submit for review is not possible for an article that is archived." in response.content.decode()
    assert snapshot(article) == before


BUTTONS = re.compile(r'<a class="button" id="(workflow-\w+|record-review)"')


@pytest.mark.parametrize(
    ("source", "writer_buttons", "reviewer_buttons"),
    [
        pytest.param(
            State.IN_REVIEW,
            ["workflow-withdraw"],
            ["workflow-withdraw", "workflow-publish", "workflow-archive", "record-review"],
            id="in_review",
        ),
        pytest.param(
            State.LIVE,
            [],
            ["workflow-publish", "workflow-unpublish", "workflow-archive", "record-review"],
            id="live",
        ),
        pytest.param(
            State.LIVE_WITH_CHANGES,
            ["workflow-submit", "workflow-discard"],
            [
                "workflow-submit",
                "workflow-publish",
                "workflow-discard",
                "workflow-unpublish",
                "workflow-archive",
                "record-review",
            ],
            id="live_with_changes",
        ),
        pytest.param(State.ARCHIVED, [], ["workflow-restore", "record-review"], id="archived"),
    ],
)
def test_change_page_offers_only_the_actions_the_user_may_take(
    client, user_in, source, writer_buttons, reviewer_buttons
):
    article = MAKERS[source]()

    client.force_login(user_in(WRITER))
    writer_page = client.get(change_url(article)).content.decode()
    client.force_login(user_in(REVIEWER))
    reviewer_page = client.get(change_url(article)).content.decode()

    assert BUTTONS.findall(writer_page) == writer_buttons
    assert BUTTONS.findall(reviewer_page) == reviewer_buttons


def workflow_panel(response) -> tuple[str, str, list[str]]:
    """The state shown on the change page (its data-state and label) and the sentences about what
    is live."""
    html = response.content.decode()
    shown = re.search(r'<strong id="workflow-status" data-state="(\w+)"[^>]*>(.*?)</strong>', html)
    summary = re.search(r'<div id="public-summary">(.*?)</div>', html, re.S).group(1)
    return (
        shown.group(1),
        shown.group(2),
        [" ".join(p.split()) for p in re.findall(r"<p>(.*?)</p>", summary, re.S)],
    )


def test_change_page_shows_the_state_and_that_nothing_is_live_for_a_draft(client, login):
    login(WRITER)

    value, label, sentences = workflow_panel(client.get(change_url(make_draft())))

    assert (value, label, sentences) == ("draft", "Draft", ["Not on the public site."])


def test_change_page_of_an_article_with_changes_says_what_patients_read_meanwhile(client, login):
    login(WRITER)
    article = make_live_with_changes(published_ago=datetime.timedelta(days=2))
    publication = Publication.objects.get(article=article)
    live_since = timezone.localtime(publication.live_from)

    value, label, sentences = workflow_panel(client.get(change_url(article)))

    assert (value, label) == ("live_with_changes", "Live with unpublished changes")
    assert sentences == [
        f"Live since {live_since:%-d %b %Y, %H:%M} (approved by an editor on "
        f"{timezone.localtime(publication.approved_at):%-d %b %Y, %H:%M}).",
        "You are editing the working copy: patients keep reading the approved version until a "
        "reviewer approves these changes.",
    ]


def test_change_page_of_a_live_article_with_a_newer_version_scheduled_says_when_it_goes_live(
    client, login, user_in
):
    login(REVIEWER)
    article = make_article()
    goes_live = without_seconds(timezone.now() + datetime.timedelta(days=3))
    edit(article, title="The next version")
    workflow.transition(article, "publish", by=user_in(CLINIC_ADMIN, username="ruth"), live_from=goes_live)

    value, label, sentences = workflow_panel(client.get(change_url(article)))

    assert (value, label) == ("scheduled", "Scheduled")
    assert sentences[0].startswith("Live since ")
    assert f", until {timezone.localtime(goes_live):%-d %b %Y, %H:%M}" in sentences[0]
    assert sentences[1].startswith(
        f"A new version goes live at {timezone.localtime(goes_live):%-d %b %Y, %H:%M}"
    )
    assert "(approved by ruth on " in sentences[1]


# --- 2. Unpublishing and archiving take the article off the public API ---------------------------


@pytest.fixture
def on_the_api(api):
    """An article with a condition, a risk and a clinic, next to another live one of the same clinic."""
    clinic = make_clinic(slug="wabash")
    condition, risk = make_condition(slug="knee-pain"), make_risk(slug="infection")
    article = make_article(slug="leaving", clinic=clinic, conditions=[condition], risks=[risk])
    make_article(slug="staying", clinic=clinic, conditions=[condition], published_ago=datetime.timedelta(7))
    assert slugs(api.get("/api/v1/articles/")) == ["leaving", "staying"]
    return article


def assert_only_staying_is_public(api):
    assert api.get("/api/v1/articles/leaving/").status_code == 404
    assert slugs(api.get("/api/v1/articles/")) == ["staying"]
    assert slugs(api.get("/api/v1/articles/?condition=knee-pain")) == ["staying"]
    assert slugs(api.get("/api/v1/articles/?clinic=wabash")) == ["staying"]
    knee = api.get("/api/v1/conditions/knee-pain/").json()
    assert (knee["article_count"], [a["slug"] for a in knee["articles"]]) == (1, ["staying"])
    assert [(c["slug"], c["article_count"]) for c in api.get("/api/v1/conditions/").json()["results"]] == [
        ("knee-pain", 1)
    ]
    assert api.get("/api/v1/risks/infection/").status_code == 404
    assert slugs(api.get("/api/v1/risks/")) == []
    clinic = api.get("/api/v1/clinics/wabash/").json()
    assert (clinic["article_count"], [a["slug"] for a in clinic["articles"]]) == (1, ["staying"])
    (listed_clinic,) = api.get("/api/v1/clinics/").json()["results"]
    assert listed_clinic["article_count"] == 1


@pytest.mark.parametrize(
    ("action", "note"), [("unpublish", "The dosage changed."), ("archive", "")], ids=["unpublish", "archive"]
)
@pytest.mark.parametrize("edited", [False, True], ids=["live", "live-with-changes"])
def test_unpublishing_or_archiving_takes_the_article_off_the_api_at_once(
    api, user_in, on_the_api, action, note, edited
):
    if edited:
        edit(on_the_api, title="Changes nobody approved")

    workflow.transition(on_the_api, action, by=user_in(REVIEWER), note=note)

    assert_only_staying_is_public(api)


def test_article_past_its_take_down_time_is_off_the_api_without_any_job(
    api, user_in, on_the_api, monkeypatch
):
    now = timezone.now()
    workflow.transition(
        on_the_api,
        "publish",
        by=user_in(REVIEWER),
        live_from=now,
        expires_at=now + datetime.timedelta(hours=1),
    )
    assert api.get("/api/v1/articles/leaving/").status_code == 200  # and now in the response cache

    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=2))

    assert (refreshed(on_the_api).status, state(on_the_api)) == (PUBLISHED, State.EXPIRED)
    assert_only_staying_is_public(api)


def test_article_before_its_expiry_stays_on_the_api(api, user_in):
    condition = make_condition(slug="knee-pain")
    article = make_in_review(slug="for-now", clinic=make_clinic(slug="wabash"), conditions=[condition])

    workflow.transition(
        article, "publish", by=user_in(REVIEWER), expires_at=timezone.now() + datetime.timedelta(hours=1)
    )

    assert api.get("/api/v1/articles/for-now/").status_code == 200
    assert slugs(api.get("/api/v1/articles/")) == ["for-now"]
    assert api.get("/api/v1/conditions/knee-pain/").json()["article_count"] == 1
    assert api.get("/api/v1/clinics/wabash/").json()["article_count"] == 1


def test_article_changelist_shows_the_state_of_each_article(client, login):
    login(REVIEWER)
    for made in State:
        MAKERS[made](title=made.label)

    response = client.get(ARTICLES)

    model_admin = response.context["cl"].model_admin
    assert {a.title: model_admin.state(a) for a in response.context["cl"].result_list} == {
        made.label: f'<span class="state-badge state-{made.value}">{made.label}</span>' for made in State
    }


@pytest.mark.parametrize("wanted", list(State), ids=lambda s: s.value)
def test_article_changelist_state_filter_lists_the_articles_in_that_state(client, login, wanted):
    login(REVIEWER)
    for made in State:
        MAKERS[made](title=made.label)

    assert listed(client.get(ARTICLES, {"state": wanted.value})) == [wanted.label]


# --- 3. The permission matrix, through the admin's endpoints -------------------------------------

MATRIX_ACTIONS = ["submit", "withdraw", "publish", "discard", "unpublish", "archive", "restore", "review"]
# fmt: off
PERMISSION_MATRIX = {
    #             submit     withdraw   publish    discard    unpublish  archive    restore    review
    WRITER:       ["allowed", "allowed", "403",     "allowed", "403",     "403",     "403",     "403"],
    REVIEWER:     ["allowed", "allowed", "allowed", "allowed", "allowed", "allowed", "allowed", "allowed"],
    CLINIC_ADMIN: ["allowed", "allowed", "allowed", "allowed", "allowed", "allowed", "allowed", "allowed"],
}
# fmt: on

# The state each action starts from, and the state an allowed one ends in.
MATRIX_START = {
    "submit": (State.DRAFT, State.IN_REVIEW),
    "withdraw": (State.IN_REVIEW, State.DRAFT),
    "publish": (State.IN_REVIEW, State.LIVE),
    "discard": (State.LIVE_WITH_CHANGES, State.LIVE),
    "unpublish": (State.LIVE, State.DRAFT),
    "archive": (State.LIVE, State.ARCHIVED),
    "restore": (State.ARCHIVED, State.DRAFT),
    # A clinical review changes the working copy: patients see it with the next approved version.
    "review": (State.LIVE, State.LIVE_WITH_CHANGES),
}


def matrix_cells() -> list:
    cells = []
    for role, outcomes in PERMISSION_MATRIX.items():
        for action, outcome in zip(MATRIX_ACTIONS, outcomes, strict=True):
            role_id = role.lower().replace(" ", "-")
            cells.append(pytest.param(role, action, outcome, id=f"{role_id}-{action}-{outcome}"))
    return cells


def post_action(client, article, action: str):
    if action == "review":
        return client.post(
            review_url(article),
            {
                "reviewer": str(make_reviewer().pk),
                "reviewed_on": f"{timezone.localdate():%Y-%m-%d}",
                "note": "Checked the doses.",
            },
        )
    return client.post(transition_url(article, action), publish_data(article, note="Needs another look."))


@pytest.mark.parametrize(("role", "action", "outcome"), matrix_cells())
def test_permission_matrix(client, login, role, action, outcome):
    user = login(role)
    source, target = MATRIX_START[action]
    article = MAKERS[source]()
    before = snapshot(article)

    response = post_action(client, article, action)

    if outcome == "403":
        assert response.status_code == 403
        assert snapshot(article) == before
        return
    assert response.status_code == 302
    assert response["Location"] == change_url(article)
    assert state(article) == target
    after = snapshot(article)
    assert after["transitions"] == before["transitions"] + 1
    step = latest_step(article)
    if action == "review":
        (review,) = ClinicalReview.objects.filter(article=article)
        assert review.recorded_by == user
        assert (step.action, step.actor, step.from_state, step.to_state) == ("edit", user, source, target)
    else:
        assert (step.action, step.actor, step.from_state, step.to_state) == (action, user, source, target)
        assert after["reviews"] == before["reviews"]


def test_writer_who_posts_a_publish_request_by_hand_gets_403_and_nothing_changes(client, login):
    login(WRITER)
    article = make_in_review(slug="not-yet")
    before = snapshot(article)

    assert client.get(change_url(article)).content.decode().count('id="workflow-publish"') == 0
    assert client.get(transition_url(article, "publish")).status_code == 403
    response = client.post(
        transition_url(article, "publish"),
        publish_data(article, note="Looks fine to me.", **split_fields("live_from", timezone.now())),
    )

    assert response.status_code == 403
    assert snapshot(article) == before
    assert refreshed(article).published_at is None
    assert publications(article) == []


@pytest.mark.parametrize(
    ("source", "action"),
    [
        (State.IN_REVIEW, "publish"),
        (State.DRAFT, "publish"),
        (State.CHANGES_IN_REVIEW, "publish"),
        (State.LIVE, "unpublish"),
        (State.LIVE_WITH_CHANGES, "unpublish"),
        (State.LIVE, "archive"),
        (State.ARCHIVED, "restore"),
    ],
    ids=lambda value: getattr(value, "value", value),
)
def test_writer_calling_a_reviewer_transition_directly_gets_permission_denied(user_in, source, action):
    article = MAKERS[source]()
    before = snapshot(article)

    with pytest.raises(PermissionDenied):
        workflow.transition(article, action, by=user_in(WRITER), note="Let me through.")

    assert snapshot(article) == before


def test_writer_recording_a_review_directly_gets_permission_denied(user_in):
    article = make_article()
    before = snapshot(article)

    with pytest.raises(PermissionDenied):
        workflow.record_review(
            article, by=user_in(WRITER), reviewer=make_reviewer(), reviewed_on=timezone.localdate()
        )

    assert snapshot(article) == before


def test_staff_user_without_a_role_cannot_open_or_post_workflow_actions(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", is_staff=True))
    article = make_draft()
    before = snapshot(article)

    # No clinic: the article is not theirs to see at all (404, as for another clinic's article).
    assert client.post(transition_url(article, "submit"), {"note": ""}).status_code == 404
    assert client.post(review_url(article), {}).status_code == 404
    assert snapshot(article) == before


def test_unknown_workflow_action_in_the_admin_is_404(client, login):
    login(CLINIC_ADMIN)

    assert client.post(transition_url(make_draft(), "approve"), {"note": ""}).status_code == 404


# --- 4. Editing rights in the admin --------------------------------------------------------------


def test_writer_adds_a_draft_article(client, login):
    login(WRITER)

    response = client.post(ADD_ARTICLE, new_article_data(client, make_clinic()))

    assert response.status_code == 302
    article = Article.objects.get(slug="nerve-blocks")
    assert (article.title, article.status, article.published_at) == ("Nerve blocks", DRAFT, None)
    assert state(article) == State.DRAFT


@pytest.mark.parametrize("role", ROLES)
def test_add_form_cannot_set_status_or_publication(client, login, role):
    login(role)
    data = new_article_data(
        client,
        make_clinic(),
        status=PUBLISHED,
        **split_fields("published_at", timezone.now()),
        **split_fields("live_from", timezone.now()),
        **split_fields("expires_at", timezone.now() + datetime.timedelta(days=1)),
        last_reviewed_on="2026-01-05",
    )

    assert client.post(ADD_ARTICLE, data).status_code == 302

    article = Article.objects.get(slug="nerve-blocks")
    assert (article.status, article.published_at, article.last_reviewed_on) == (DRAFT, None, None)
    assert publications(article) == []


def test_writer_edits_a_draft(client, login):
    login(WRITER)
    article = make_draft(title="Nerve blocks")
    data = form_data(client.get(change_url(article))) | {"title": "Nerve blocks explained"}

    response = client.post(change_url(article), data)

    assert response.status_code == 302
    article = refreshed(article)
    assert (article.title, article.status) == ("Nerve blocks explained", DRAFT)
    assert ArticleTransition.objects.filter(article=article).count() == 0


@pytest.mark.parametrize("source", [State.IN_REVIEW, State.CHANGES_IN_REVIEW, State.ARCHIVED], ids=str)
def test_writer_sees_an_article_in_review_or_archived_read_only(client, login, source):
    login(WRITER)
    article = MAKERS[source](title="Nerve blocks")

    response = client.get(change_url(article))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nerve blocks" in html
    assert 'name="_save"' not in html
    assert 'name="title"' not in html


@pytest.mark.parametrize("source", [State.IN_REVIEW, State.CHANGES_IN_REVIEW, State.ARCHIVED], ids=str)
def test_writer_posting_a_change_to_an_article_in_review_or_archived_gets_403_and_nothing_changes(
    client, login, user_in, source
):
    article = MAKERS[source](title="Nerve blocks", sections=1)
    # The form as a reviewer would have it, so the post is otherwise valid.
    client.force_login(user_in(REVIEWER))
    data = form_data(client.get(change_url(article))) | {"title": "Hijacked", "sections-0-heading": "New"}
    login(WRITER)
    before = snapshot(article)

    response = client.post(change_url(article), data)

    assert response.status_code == 403
    assert snapshot(article) == before
    assert article.sections.get().heading == "Section 1"


@pytest.mark.parametrize("role", [WRITER, REVIEWER, CLINIC_ADMIN])
@pytest.mark.parametrize("source", [State.LIVE, State.LIVE_WITH_CHANGES], ids=str)
def test_editing_a_live_article_changes_only_its_working_copy(api, client, login, role, source):
    login(role)
    article = MAKERS[source](title="Nerve blocks", sections=1)
    public_before = public_detail(api, article)
    published_at = refreshed(article).published_at
    page = client.get(change_url(article))
    assert 'name="_save"' in page.content.decode()
    data = form_data(page) | {"title": "Nerve blocks explained", "sections-0-heading": "Does it hurt?"}

    response = client.post(change_url(article), data)

    assert response.status_code == 302
    article = refreshed(article)
    assert (article.title, article.sections.get().heading) == ("Nerve blocks explained", "Does it hurt?")
    assert (article.status, article.published_at, state(article)) == (
        DRAFT,
        published_at,
        State.LIVE_WITH_CHANGES,
    )
    assert public_detail(api, article) == public_before
    assert public_before[0]["title"] == "Nerve blocks"


def test_the_first_change_to_a_live_article_records_one_edit_step(client, login):
    user = login(WRITER)
    article = make_article(title="Nerve blocks")

    for title in ("Nerve blocks explained", "Nerve blocks, explained"):
        data = form_data(client.get(change_url(article))) | {"title": title}
        assert client.post(change_url(article), data).status_code == 302

    (step,) = ArticleTransition.objects.filter(article=article)
    assert (step.action, step.actor, step.actor_name, step.from_state, step.to_state) == (
        "edit",
        user,
        "writer",
        State.LIVE,
        State.LIVE_WITH_CHANGES,
    )


def test_saving_a_live_article_without_changes_leaves_it_live(client, login):
    login(WRITER)
    article = make_article(sections=1)
    before = snapshot(article)

    assert client.post(change_url(article), form_data(client.get(change_url(article)))).status_code == 302

    assert state(article) == State.LIVE
    assert snapshot(article)["transitions"] == before["transitions"]
    assert snapshot(article)["publications"] == before["publications"]


@pytest.mark.parametrize("role", [REVIEWER, CLINIC_ADMIN])
@pytest.mark.parametrize("source", [State.IN_REVIEW, State.CHANGES_IN_REVIEW], ids=str)
def test_reviewer_edits_an_article_in_review_without_changing_its_state(client, login, role, source):
    login(role)
    article = MAKERS[source](title="Nerve blocks")
    before = snapshot(article)
    page = client.get(change_url(article))
    assert 'name="_save"' in page.content.decode()
    data = form_data(page) | {"title": "Nerve blocks explained"}

    response = client.post(change_url(article), data)

    assert response.status_code == 302
    after = snapshot(article)
    assert after["title"] == "Nerve blocks explained"
    assert (after["status"], after["published_at"], after["transitions"], after["publications"]) == (
        before["status"],
        before["published_at"],
        before["transitions"],
        before["publications"],
    )
    assert state(article) == source


@pytest.mark.parametrize("source", [State.DRAFT, State.LIVE], ids=str)
def test_change_form_cannot_set_status_or_publication(client, login, source):
    login(CLINIC_ADMIN)
    article = MAKERS[source]()
    before = snapshot(article)
    data = form_data(client.get(change_url(article))) | {
        "status": ARCHIVED if source == State.LIVE else PUBLISHED,
        **split_fields("published_at", timezone.now() + datetime.timedelta(days=9)),
        **split_fields("live_from", timezone.now() + datetime.timedelta(days=9)),
        **split_fields("expires_at", timezone.now() + datetime.timedelta(days=10)),
    }

    assert client.post(change_url(article), data).status_code == 302

    after = snapshot(article)
    assert (after["status"], after["published_at"], after["publications"]) == (
        before["status"],
        before["published_at"],
        before["publications"],
    )
    assert state(article) == source


@pytest.mark.parametrize("source", [State.DRAFT, State.LIVE], ids=str)
def test_writer_cannot_delete_an_article(client, login, source):
    login(WRITER)
    article = MAKERS[source]()
    delete_url = reverse("admin:articles_article_delete", args=[article.pk])

    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Article.objects.filter(pk=article.pk).exists()


# --- Discarding changes ---------------------------------------------------------------------------


def working_copy(article) -> dict:
    """What "discard changes" takes back, read fresh from the database."""
    article = refreshed(article)
    return {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "sections": list(article.sections.values_list("position", "heading", "anchor", "body")),
        "conditions": list(article.article_conditions.values_list("position", "condition__slug")),
        "risks": list(article.article_risks.values_list("position", "risk__slug")),
        "criteria": list(article.candidate_criteria.values_list("position", "text")),
    }


@pytest.mark.parametrize("source", [State.LIVE_WITH_CHANGES, State.CHANGES_IN_REVIEW], ids=str)
def test_discard_changes_restores_the_approved_version_and_leaves_the_public_detail_unchanged(
    api, client, login, source
):
    sciatica, migraine = make_condition(slug="sciatica"), make_condition(slug="migraine")
    article = make_article(title="Nerve blocks", sections=2, conditions=[sciatica], criteria=1)
    approved = working_copy(article)
    public_before = public_detail(api, article)
    user = login(WRITER)
    # The writer rewrites the live article: title, a section edited, one deleted, one added, and
    # the condition replaced.
    data = form_data(client.get(change_url(article))) | {
        "title": "Nerve blocks, rewritten",
        "sections-0-heading": "Does it hurt?",
        "sections-0-body": "<p>Hardly.</p>",
        "sections-1-DELETE": "on",
        "article_conditions-0-DELETE": "on",
    }
    add_rows(data, "sections", [{"position": "3", "heading": "Costs", "body": "<p>Insurance pays.</p>"}])
    add_rows(data, "article_conditions", [{"position": "2", "condition": str(migraine.pk)}])
    assert client.post(change_url(article), data).status_code == 302
    if source == State.CHANGES_IN_REVIEW:
        assert client.post(transition_url(article, "submit"), {"note": ""}).status_code == 302
    assert state(article) == source
    assert working_copy(article) != approved
    versions_before = Version.objects.get_for_object(article).count()
    publications_before = publications(article)

    page = client.get(transition_url(article, "discard"))
    response = client.post(transition_url(article, "discard"), {"note": ""})

    assert "rewritten" in page.content.decode()  # the changes it would throw away
    assert response.status_code == 302
    assert working_copy(article) == approved
    assert (refreshed(article).status, state(article)) == (PUBLISHED, State.LIVE)
    assert (latest_step(article).action, latest_step(article).actor) == ("discard", user)
    assert publications(article) == publications_before
    assert public_detail(api, article) == public_before
    # The discarded changes stay in the history.
    assert Version.objects.get_for_object(article).count() == versions_before + 1
    assert Version.objects.get_for_object(article)[1].field_dict["title"] == "Nerve blocks, rewritten"


def test_discard_changes_brings_back_the_clinical_review_shown_with_the_approved_version(user_in):
    approved_reviewer = make_reviewer(name="Dr. Jane Smith")
    article = make_draft()
    workflow.record_review(
        article, by=user_in(REVIEWER), reviewer=approved_reviewer, reviewed_on=datetime.date(2026, 1, 5)
    )
    workflow.transition(article, "publish", by=user_in(CLINIC_ADMIN))
    workflow.record_review(
        article,
        by=user_in(REVIEWER, username="other"),
        reviewer=make_reviewer(name="Dr. Omar Haddad"),
        reviewed_on=datetime.date(2026, 2, 9),
    )
    assert state(article) == State.LIVE_WITH_CHANGES

    workflow.transition(article, "discard", by=user_in(WRITER))

    article = refreshed(article)
    assert (article.reviewed_by, article.last_reviewed_on) == (approved_reviewer, datetime.date(2026, 1, 5))


def test_clinic_admin_edits_a_clinic(client, login):
    login(CLINIC_ADMIN)
    clinic = make_clinic(name="Wabash Pain Center", contact_links=1)
    url = reverse("admin:clinics_clinic_change", args=[clinic.pk])
    data = form_data(client.get(url)) | {"name": "Wabash Pain and Spine Center"}

    response = client.post(url, data)

    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.name == "Wabash Pain and Spine Center"


@pytest.mark.parametrize("role", [WRITER, REVIEWER])
def test_writers_and_reviewers_only_view_clinics(client, login, user_in, role):
    clinic = make_clinic(name="Wabash Pain Center", contact_links=1)
    url = reverse("admin:clinics_clinic_change", args=[clinic.pk])
    client.force_login(user_in(CLINIC_ADMIN))
    data = form_data(client.get(url)) | {"name": "Renamed"}
    login(role)

    page = client.get(url)
    response = client.post(url, data)

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    assert client.get(reverse("admin:clinics_clinic_add")).status_code == 403
    clinic.refresh_from_db()
    assert clinic.name == "Wabash Pain Center"


@pytest.mark.parametrize(("role", "status"), [(CLINIC_ADMIN, 200), (WRITER, 403), (REVIEWER, 403)])
def test_only_clinic_admins_see_the_users(client, login, role, status):
    login(role)

    assert client.get(reverse("admin:auth_user_changelist")).status_code == status


# --- 5. Clinical review --------------------------------------------------------------------------


def review_data(reviewer, reviewed_on, note="Checked the doses against the 2025 guideline.") -> dict:
    return {"reviewer": str(reviewer.pk), "reviewed_on": reviewed_on, "note": note}


def test_default_review_interval_is_twelve_months(settings):
    assert settings.CLINICAL_REVIEW_INTERVAL_MONTHS == 12


def test_recording_a_review_in_the_admin_sets_reviewer_dates_and_adds_a_review_row(client, login):
    user = login(REVIEWER)
    reviewer = make_reviewer()
    article = make_draft()

    response = client.post(review_url(article), review_data(reviewer, "2026-03-10"))

    assert response.status_code == 302
    assert response["Location"] == change_url(article)
    article = refreshed(article)
    assert (article.reviewed_by, article.last_reviewed_on, article.next_review_due) == (
        reviewer,
        datetime.date(2026, 3, 10),
        datetime.date(2027, 3, 10),
    )
    (review,) = ClinicalReview.objects.filter(article=article)
    assert (review.reviewer, review.reviewed_on, review.recorded_by, review.note) == (
        reviewer,
        datetime.date(2026, 3, 10),
        user,
        "Checked the doses against the 2025 guideline.",
    )
    assert (article.status, ArticleTransition.objects.filter(article=article).count()) == (DRAFT, 0)


def test_recording_a_review_of_a_live_article_changes_only_its_working_copy(api, client, login):
    user = login(REVIEWER)
    article = make_article(slug="nerve-blocks")
    public_before = public_detail(api, article)
    before = snapshot(article)

    response = client.post(review_url(article), review_data(make_reviewer(), "2026-03-10"))

    assert response.status_code == 302
    article = refreshed(article)
    assert article.last_reviewed_on == datetime.date(2026, 3, 10)
    assert (article.status, article.published_at, state(article)) == (
        DRAFT,
        before["published_at"],
        State.LIVE_WITH_CHANGES,
    )
    step = latest_step(article)
    assert (step.action, step.actor, step.from_state, step.to_state) == (
        "edit",
        user,
        State.LIVE,
        State.LIVE_WITH_CHANGES,
    )
    assert publications(article) == before["publications"]
    assert public_detail(api, article) == public_before
    assert public_before[0]["last_reviewed_on"] is None


def test_a_later_review_replaces_the_reviewer_and_dates_and_keeps_the_earlier_row(client, login):
    login(REVIEWER)
    first, second = make_reviewer(name="Dr. Jane Smith"), make_reviewer(name="Dr. Omar Haddad")
    article = make_article()

    client.post(review_url(article), review_data(first, "2025-06-01"))
    client.post(review_url(article), review_data(second, "2026-06-01"))

    article = refreshed(article)
    assert (article.reviewed_by, article.last_reviewed_on, article.next_review_due) == (
        second,
        datetime.date(2026, 6, 1),
        datetime.date(2027, 6, 1),
    )
    assert [(r.reviewer, r.reviewed_on) for r in ClinicalReview.objects.filter(article=article)] == [
        (second, datetime.date(2026, 6, 1)),
        (first, datetime.date(2025, 6, 1)),
    ]


@pytest.mark.parametrize(
    ("reviewed_on", "override", "setting", "due"),
    [
        pytest.param("2026-01-31", None, 12, datetime.date(2027, 1, 31), id="default-12-months"),
        pytest.param("2026-01-15", None, 6, datetime.date(2026, 7, 15), id="setting-6-months"),
        pytest.param("2026-01-15", 3, 12, datetime.date(2026, 4, 15), id="article-override-3-months"),
        pytest.param("2026-01-15", 24, 6, datetime.date(2028, 1, 15), id="override-beats-setting"),
        pytest.param("2026-01-31", 1, 12, datetime.date(2026, 2, 28), id="jan-31-plus-1-is-feb-28"),
        pytest.param("2024-01-31", 1, 12, datetime.date(2024, 2, 29), id="leap-year-feb-29"),
        pytest.param("2026-03-31", 3, 12, datetime.date(2026, 6, 30), id="mar-31-plus-3-is-jun-30"),
        pytest.param("2025-08-31", 6, 12, datetime.date(2026, 2, 28), id="across-a-year-end"),
        pytest.param("2024-02-29", None, 12, datetime.date(2025, 2, 28), id="feb-29-plus-a-year"),
    ],
)
def test_next_review_due_is_the_review_date_plus_the_interval(
    client, login, settings, reviewed_on, override, setting, due
):
    settings.CLINICAL_REVIEW_INTERVAL_MONTHS = setting
    login(REVIEWER)
    article = make_article(review_interval_months=override)

    response = client.post(review_url(article), review_data(make_reviewer(), reviewed_on))

    assert response.status_code == 302
    assert refreshed(article).next_review_due == due


@pytest.mark.parametrize("days_ahead", [1, 400])
def test_review_for_a_future_date_is_refused_and_changes_nothing(client, login, days_ahead):
    login(REVIEWER)
    article = make_article()
    before = snapshot(article)
    future = timezone.localdate() + datetime.timedelta(days=days_ahead)

    response = client.post(review_url(article), review_data(make_reviewer(), f"{future:%Y-%m-%d}"))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "reviewed_on": ["A review cannot be recorded for a future date."]
    }
    assert snapshot(article) == before


def test_review_for_today_is_accepted(user_in):
    article = make_article()

    workflow.record_review(
        article, by=user_in(REVIEWER), reviewer=make_reviewer(), reviewed_on=timezone.localdate()
    )

    assert refreshed(article).last_reviewed_on == timezone.localdate()


def test_review_by_an_inactive_reviewer_is_refused(client, login):
    login(REVIEWER)
    article = make_article()
    before = snapshot(article)

    response = client.post(review_url(article), review_data(make_reviewer(is_active=False), "2026-01-05"))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["reviewer"]
    assert snapshot(article) == before


@pytest.mark.parametrize("role", [WRITER, REVIEWER])
def test_editing_an_article_does_not_record_a_review(client, login, user_in, role):
    reviewer = make_reviewer()
    article = make_draft(title="Nerve blocks")
    workflow.record_review(
        article, by=user_in(CLINIC_ADMIN), reviewer=reviewer, reviewed_on=datetime.date(2025, 2, 3)
    )
    login(role)
    data = form_data(client.get(change_url(article))) | {
        "title": "Nerve blocks explained",
        "last_reviewed_on": "2026-11-01",
        "reviewed_by": str(make_reviewer(name="Dr. Someone Else").pk),
    }

    assert client.post(change_url(article), data).status_code == 302

    article = refreshed(article)
    assert article.title == "Nerve blocks explained"
    assert (article.reviewed_by, article.last_reviewed_on, article.next_review_due) == (
        reviewer,
        datetime.date(2025, 2, 3),
        datetime.date(2026, 2, 3),
    )
    assert ClinicalReview.objects.filter(article=article).count() == 1


def test_changing_the_review_interval_moves_the_due_date_from_the_same_review(client, login, user_in):
    article = make_article()
    workflow.record_review(
        article, by=user_in(CLINIC_ADMIN), reviewer=make_reviewer(), reviewed_on=datetime.date(2026, 1, 31)
    )
    login(REVIEWER)
    data = form_data(client.get(change_url(article))) | {"review_interval_months": "1"}

    assert client.post(change_url(article), data).status_code == 302

    article = refreshed(article)
    assert (article.last_reviewed_on, article.next_review_due) == (
        datetime.date(2026, 1, 31),
        datetime.date(2026, 2, 28),
    )
    assert ClinicalReview.objects.filter(article=article).count() == 1


def make_due(title: str, due: datetime.date | None) -> Article:
    """An article whose next review falls on ``due`` (None: never reviewed)."""
    if due is None:
        return make_article(title=title)
    # Twelve months before ``due`` by the app's own rule would need the inverse of add_months; the
    # dates are what the filter reads, so set them as they would stand.
    article = make_article(title=title)
    Article.objects.filter(pk=article.pk).update(
        reviewed_by=make_reviewer(), last_reviewed_on=due - datetime.timedelta(days=365), next_review_due=due
    )
    return article


@pytest.fixture
def due_dates():
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    for title, due in [
        ("Overdue a year", today - 365 * day),
        ("Overdue yesterday", today - day),
        ("Due today", today),
        ("Due in 30 days", today + 30 * day),
        ("Due in 31 days", today + 31 * day),
        ("Never reviewed", None),
    ]:
        make_due(title, due)
    make_draft(title="Never reviewed draft")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("overdue", ["Overdue a year", "Overdue yesterday"]),
        ("soon", ["Due in 30 days", "Due today"]),
        ("never", ["Never reviewed", "Never reviewed draft"]),
    ],
)
def test_review_due_filter_lists_the_right_articles(client, login, due_dates, value, expected):
    login(WRITER)

    assert listed(client.get(ARTICLES, {"review": value})) == expected


def test_review_due_filter_is_offered_in_the_changelist(client, login, due_dates):
    login(WRITER)

    html = client.get(ARTICLES).content.decode()

    for value, label in [
        ("overdue", "Overdue"),
        ("soon", "Due in the next 30 days"),
        ("never", "Never reviewed"),
    ]:
        assert re.search(rf'<a href="\?review={value}"[^>]*>{label}</a>', html), label


@pytest.mark.parametrize("role", ROLES)
def test_admin_index_shows_the_number_of_overdue_articles_with_a_link_to_them(client, login, due_dates, role):
    login(role)

    html = client.get(reverse("admin:index")).content.decode()

    assert (
        f'<a href="{ARTICLES}?review=overdue"><strong>2 articles overdue</strong> for clinical review</a>'
        in html
    )


def test_admin_index_says_one_article_overdue_in_the_singular(client, login):
    login(REVIEWER)
    make_due("Overdue", timezone.localdate() - datetime.timedelta(days=1))

    html = client.get(reverse("admin:index")).content.decode()

    assert "<strong>1 article overdue</strong>" in html


def test_admin_index_says_when_no_article_is_overdue(client, login):
    login(REVIEWER)
    make_due("Due today", timezone.localdate())

    html = client.get(reverse("admin:index")).content.decode()

    assert "No article is overdue for clinical review." in html
    assert "?review=overdue" not in html


def test_article_detail_shows_the_clinical_review_once_the_version_with_it_is_approved(api, user_in):
    article = make_article(slug="nerve-blocks", review_interval_months=6)
    reviewer = make_reviewer(name="Dr. Jane Smith", credentials="MD, board-certified in pain medicine")
    workflow.record_review(
        article, by=user_in(REVIEWER), reviewer=reviewer, reviewed_on=datetime.date(2026, 8, 31)
    )
    assert api.get("/api/v1/articles/nerve-blocks/").json()["reviewed_by"] is None

    workflow.transition(article, "publish", by=user_in(CLINIC_ADMIN))
    body = api.get("/api/v1/articles/nerve-blocks/").json()

    assert {key: body[key] for key in ("reviewed_by", "last_reviewed_on", "next_review_due")} == {
        "reviewed_by": {"name": "Dr. Jane Smith", "credentials": "MD, board-certified in pain medicine"},
        "last_reviewed_on": "2026-08-31",
        "next_review_due": "2027-02-28",
    }


def test_article_detail_of_a_never_reviewed_article_has_null_review_fields(api):
    make_article(slug="nerve-blocks")

    body = api.get("/api/v1/articles/nerve-blocks/").json()

    assert {key: body[key] for key in ("reviewed_by", "last_reviewed_on", "next_review_due")} == {
        "reviewed_by": None,
        "last_reviewed_on": None,
        "next_review_due": None,
    }


# --- 6. The roles made by the data migration -----------------------------------------------------


def group_permissions(name: str) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_the_three_editorial_groups_exist_after_migrations():
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)


KEY_PERMISSIONS = [
    "articles.add_article",
    "articles.change_article",
    "articles.delete_article",
    "articles.publish_article",
    "articles.review_article",
    "clinics.change_clinic",
    "clinics.view_clinic",
    "auth.change_user",
]
# fmt: off
EXPECTED_PERMISSIONS = {
    #              add    change delete publish review change_clinic view_clinic change_user
    WRITER:       [True,  True,  False, False,  False, False,        True,       False],
    REVIEWER:     [True,  True,  False, True,   True,  False,        True,       False],
    CLINIC_ADMIN: [True,  True,  True,  True,   True,  True,         True,       True],
}
# fmt: on


@pytest.mark.parametrize("role", ROLES)
def test_each_group_has_its_key_permissions(role):
    granted = group_permissions(role)

    assert {p: p in granted for p in KEY_PERMISSIONS} == dict(
        zip(KEY_PERMISSIONS, EXPECTED_PERMISSIONS[role], strict=True)
    )


def test_reviewer_has_every_writer_permission():
    assert group_permissions(WRITER) <= group_permissions(REVIEWER)


def test_clinic_admin_has_every_reviewer_permission():
    assert group_permissions(REVIEWER) <= group_permissions(CLINIC_ADMIN)


@pytest.mark.parametrize("role", ROLES)
def test_a_user_in_a_group_gets_its_permissions(user_in, role):
    user = user_in(role)

    assert user.has_perm("articles.publish_article") == (role != WRITER)
    assert user.has_perm("articles.change_article")


def test_republishing_a_live_article_to_set_a_take_down_time_keeps_its_publication_date(api, user_in):
    article = make_article()
    first_published_at = article.published_at
    take_down = timezone.now() + datetime.timedelta(days=30)

    workflow.transition(article, "publish", by=user_in(REVIEWER), expires_at=take_down)

    assert refreshed(article).published_at == first_published_at
    live = Publication.objects.filter(article=article).visible().get()
    assert (live.published_at, live.expires_at) == (first_published_at, take_down)
    published = api.get(detail_url(article)).json()["published_at"]
    assert published == first_published_at.isoformat().replace("+00:00", "Z")


def test_archived_articles_do_not_count_as_overdue_for_review():
    overdue_on = timezone.localdate() - datetime.timedelta(days=400)
    live = make_article(last_reviewed_on=overdue_on)
    make_archived(last_reviewed_on=overdue_on)
    assert list(Article.objects.review_overdue()) == [live]


def test_writers_add_conditions_and_risks_but_cannot_change_the_ones_live_articles_show(client, login):
    condition = make_condition(name="Knee pain")
    login(WRITER)
    assert client.get("/admin/articles/condition/add/").status_code == 200
    response = client.post(
        f"/admin/articles/condition/{condition.pk}/change/", {"name": "Renamed", "slug": condition.slug}
    )
    assert response.status_code == 403
    condition.refresh_from_db()
    assert condition.name == "Knee pain"
