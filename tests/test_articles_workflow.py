"""The editorial workflow: states and transitions, roles and what each may do, clinical reviews."""

import datetime
import itertools
import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from reversion.models import Version

from articles import workflow
from articles.models import Article, ArticleTransition, ClinicalReview, Reviewer
from tests.admin_forms import ADD_ARTICLE, form_data, new_article_data
from tests.factories import (
    make_archived,
    make_article,
    make_clinic,
    make_condition,
    make_draft,
    make_risk,
)

pytestmark = pytest.mark.django_db

WRITER = "Writer"
REVIEWER = "Clinical reviewer"
CLINIC_ADMIN = "Clinic admin"
ROLES = [WRITER, REVIEWER, CLINIC_ADMIN]

DRAFT, IN_REVIEW, PUBLISHED, ARCHIVED = "draft", "in_review", "published", "archived"
STATES = [DRAFT, IN_REVIEW, PUBLISHED, ARCHIVED]

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
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def login(client, user_in):
    def log_in(role: str):
        user = user_in(role)
        client.force_login(user)
        return user

    return log_in


def make_in_review(**fields) -> Article:
    return make_article(status=IN_REVIEW, published_at=None, **fields)


MAKERS = {DRAFT: make_draft, IN_REVIEW: make_in_review, PUBLISHED: make_article, ARCHIVED: make_archived}


def make_reviewer(**fields) -> Reviewer:
    defaults = {"name": "Dr. Jane Smith", "credentials": "MD, board-certified in pain medicine"}
    return Reviewer.objects.create(**(defaults | fields))


def snapshot(article) -> dict:
    """Everything a refused action must leave alone: the row, its workflow and review records, versions."""
    return {
        **Article.objects.values().get(pk=article.pk),
        "transitions": ArticleTransition.objects.filter(article=article).count(),
        "reviews": ClinicalReview.objects.filter(article=article).count(),
        "versions": Version.objects.get_for_object(article).count(),
    }


def refreshed(article) -> Article:
    return Article.objects.get(pk=article.pk)


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def transition_url(article, action: str) -> str:
    return reverse("admin:articles_article_transition", args=[article.pk, action])


def review_url(article) -> str:
    return reverse("admin:articles_article_review", args=[article.pk])


def history_url(article) -> str:
    return reverse("admin:articles_article_history", args=[article.pk])


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


# --- 1. The transition table ---------------------------------------------------------------------

# (from state, action) -> to state. Every pair not listed is refused.
TRANSITIONS = {
    (DRAFT, "submit"): IN_REVIEW,
    (DRAFT, "publish"): PUBLISHED,
    (DRAFT, "archive"): ARCHIVED,
    (IN_REVIEW, "publish"): PUBLISHED,
    (IN_REVIEW, "withdraw"): DRAFT,
    (IN_REVIEW, "archive"): ARCHIVED,
    (PUBLISHED, "publish"): PUBLISHED,
    (PUBLISHED, "unpublish"): DRAFT,
    (PUBLISHED, "archive"): ARCHIVED,
    (ARCHIVED, "unpublish"): DRAFT,
}
ACTION_NAMES = ["submit", "publish", "withdraw", "unpublish", "archive"]
NEEDS_NOTE = {"withdraw", "unpublish"}
REFUSED = [pair for pair in itertools.product(STATES, ACTION_NAMES) if pair not in TRANSITIONS]


def note_for(action: str) -> str:
    return "Check the dosage table." if action in NEEDS_NOTE else ""


def test_the_transition_table_covers_every_workflow_action():
    assert sorted(workflow.ACTIONS) == sorted(ACTION_NAMES)
    assert len(TRANSITIONS) + len(REFUSED) == len(STATES) * len(ACTION_NAMES)


@pytest.mark.parametrize(
    ("source", "action", "target"),
    [pytest.param(s, a, t, id=f"{s}-{a}-to-{t}") for (s, a), t in TRANSITIONS.items()],
)
def test_transition_moves_the_article_as_the_table_says(user_in, source, action, target):
    article = MAKERS[source]()

    workflow.transition(article, action, by=user_in(CLINIC_ADMIN), note=note_for(action))

    assert refreshed(article).status == target


@pytest.mark.parametrize(
    ("source", "action"), [pytest.param(s, a, id=f"{s}-{a}-refused") for s, a in REFUSED]
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


@pytest.mark.parametrize("source", [DRAFT, IN_REVIEW])
def test_publishing_sets_published_at_to_now(user_in, source):
    article = MAKERS[source]()
    before = timezone.now()

    workflow.transition(article, "publish", by=user_in(REVIEWER))

    article = refreshed(article)
    assert article.status == PUBLISHED
    assert before <= article.published_at <= timezone.now()
    assert article.expires_at is None
    assert article.is_public


def test_publishing_at_a_future_moment_schedules_the_article_off_the_api_until_then(api, user_in):
    condition = make_condition(slug="knee-pain")
    article = make_in_review(slug="coming-soon", conditions=[condition])
    goes_live = timezone.now() + datetime.timedelta(days=2)

    workflow.transition(article, "publish", by=user_in(REVIEWER), published_at=goes_live)

    article = refreshed(article)
    assert (article.status, article.published_at) == (PUBLISHED, goes_live)
    assert not article.is_public
    assert slugs(api.get("/api/v1/articles/")) == []
    assert api.get("/api/v1/articles/coming-soon/").status_code == 404
    assert slugs(api.get("/api/v1/conditions/")) == []


@pytest.mark.parametrize(
    "expires_in",
    [
        pytest.param(datetime.timedelta(hours=-1), id="expires-before-going-live"),
        pytest.param(datetime.timedelta(0), id="expires-as-it-goes-live"),
    ],
)
def test_publishing_with_expiry_not_after_publication_is_refused_and_changes_nothing(user_in, expires_in):
    article = make_in_review()
    before = snapshot(article)
    goes_live = timezone.now() + datetime.timedelta(days=2)

    with pytest.raises(ValidationError):
        workflow.transition(
            article,
            "publish",
            by=user_in(REVIEWER),
            published_at=goes_live,
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


@pytest.mark.parametrize(("source", "action"), [(IN_REVIEW, "withdraw"), (PUBLISHED, "unpublish")])
@pytest.mark.parametrize("note", ["", "   \n "], ids=["empty", "blank"])
def test_back_to_draft_without_a_reason_is_refused_and_changes_nothing(user_in, source, action, note):
    article = MAKERS[source]()
    before = snapshot(article)

    with pytest.raises(ValidationError):
        workflow.transition(article, action, by=user_in(REVIEWER), note=note)

    assert snapshot(article) == before


@pytest.mark.parametrize(("source", "action"), [(IN_REVIEW, "withdraw"), (PUBLISHED, "unpublish")])
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


@pytest.mark.parametrize(
    ("source", "action", "target"),
    [pytest.param(s, a, t, id=f"{s}-{a}-to-{t}") for (s, a), t in TRANSITIONS.items()],
)
def test_each_transition_records_one_step_with_actor_states_and_note(user_in, source, action, target):
    user = user_in(CLINIC_ADMIN, username="ruth")
    article = MAKERS[source]()
    before = timezone.now()

    step = workflow.transition(article, action, by=user, note=f"  {note_for(action)}  ")

    assert list(ArticleTransition.objects.filter(article=article)) == [step]
    assert (step.actor, step.actor_name, step.from_status, step.to_status, step.note) == (
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
    """A draft submitted by a writer, sent back, submitted again and published by a reviewer."""
    writer, reviewer = user_in(WRITER, username="wanda"), user_in(REVIEWER, username="rafael")
    article = make_draft(title="Nerve blocks")
    workflow.transition(article, "submit", by=writer)
    workflow.transition(article, "withdraw", by=reviewer, note="Cite the 2024 guideline.")
    workflow.transition(article, "submit", by=writer, note="Guideline cited.")
    workflow.transition(article, "publish", by=reviewer)
    return article


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
        [("actor_name", "rafael"), ("from_status", "In review"), ("to_status", "Published"), ("note", "-")],
        [
            ("actor_name", "wanda"),
            ("from_status", "Draft"),
            ("to_status", "In review"),
            ("note", "Guideline cited."),
        ],
        [
            ("actor_name", "rafael"),
            ("from_status", "In review"),
            ("to_status", "Draft"),
            ("note", "Cite the 2024 guideline."),
        ],
        [("actor_name", "wanda"), ("from_status", "Draft"), ("to_status", "In review"), ("note", "-")],
    ]


def test_workflow_history_is_shown_on_the_article_history_page(client, user_in):
    article = walk_through_the_workflow(user_in)
    client.force_login(user_in(WRITER, username="reader"))

    response = client.get(history_url(article))

    assert response.status_code == 200
    table = re.search(r'<table id="transitions">.*?</table>', response.content.decode(), re.S).group(0)
    rows = re.findall(r"<tr><td>.*?</tr>", table, re.S)
    assert [re.findall(r"<td>(.*?)</td>", row)[1:] for row in rows] == [
        ["rafael", "In review", "Published", ""],
        ["wanda", "Draft", "In review", "Guideline cited."],
        ["rafael", "In review", "Draft", "Cite the 2024 guideline."],
        ["wanda", "Draft", "In review", ""],
    ]


def test_publishing_in_the_admin_schedules_with_go_live_and_take_down_times(client, login):
    login(REVIEWER)
    article = make_in_review()
    goes_live = without_seconds(timezone.now() + datetime.timedelta(days=3))
    comes_off = goes_live + datetime.timedelta(days=30)

    response = client.post(
        transition_url(article, "publish"),
        {"note": "", **split_fields("published_at", goes_live), **split_fields("expires_at", comes_off)},
    )

    assert response.status_code == 302
    assert response["Location"] == change_url(article)
    article = refreshed(article)
    assert (article.status, article.published_at, article.expires_at) == (PUBLISHED, goes_live, comes_off)
    assert not article.is_public


def test_publishing_in_the_admin_with_take_down_before_go_live_shows_an_error_and_changes_nothing(
    client, login
):
    login(REVIEWER)
    article = make_in_review()
    before = snapshot(article)
    goes_live = without_seconds(timezone.now() + datetime.timedelta(days=3))

    response = client.post(
        transition_url(article, "publish"),
        {
            "note": "",
            **split_fields("published_at", goes_live),
            **split_fields("expires_at", goes_live - datetime.timedelta(days=1)),
        },
    )

    assert response.status_code == 200
    assert escape("The article must come off the site after it goes live.") in response.content.decode()
    assert snapshot(article) == before


def test_transition_not_possible_from_the_current_state_shows_an_error_in_the_admin(client, login):
    login(REVIEWER)
    article = make_archived()
    before = snapshot(article)

    response = client.post(transition_url(article, "submit"), {"note": ""})

    assert response.status_code == 200
    assert "Submit for review is not possible for an article that is archived." in response.content.decode()
    assert snapshot(article) == before


def test_change_page_offers_only_the_actions_the_user_may_take(client, user_in):
    article = make_in_review()

    client.force_login(user_in(WRITER))
    writer_page = client.get(change_url(article)).content.decode()
    client.force_login(user_in(REVIEWER))
    reviewer_page = client.get(change_url(article)).content.decode()

    buttons = re.compile(r'<a class="button" id="(workflow-\w+|record-review)"')
    assert buttons.findall(writer_page) == ["workflow-withdraw"]
    assert buttons.findall(reviewer_page) == [
        "workflow-publish",
        "workflow-withdraw",
        "workflow-archive",
        "record-review",
    ]


# --- 2. Leaving "published" takes the article off the public API ---------------------------------


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
def test_leaving_published_takes_the_article_off_the_api_at_once(api, user_in, on_the_api, action, note):
    workflow.transition(on_the_api, action, by=user_in(REVIEWER), note=note)

    assert_only_staying_is_public(api)


def test_article_past_its_expiry_is_off_the_api_without_any_job(api, on_the_api, monkeypatch):
    now = timezone.now()
    on_the_api.expires_at = now + datetime.timedelta(hours=1)
    on_the_api.save()
    assert api.get("/api/v1/articles/leaving/").status_code == 200  # and now in the response cache

    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=2))

    assert refreshed(on_the_api).status == PUBLISHED
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


def test_article_changelist_says_whether_each_article_is_on_the_public_site(client, login):
    login(REVIEWER)
    now = timezone.now()
    make_article(title="Live")
    make_article(title="Expired", expires_at=now - datetime.timedelta(minutes=1))
    make_article(title="Scheduled", published_at=now + datetime.timedelta(days=1))
    make_draft(title="Unfinished")

    response = client.get(ARTICLES)

    visibility = {
        a.title: response.context["cl"].model_admin.visibility(a) for a in response.context["cl"].result_list
    }
    assert visibility["Live"] == "Yes"
    assert visibility["Expired"] == "No (expired)"
    assert visibility["Scheduled"].startswith("Scheduled: ")
    assert visibility["Unfinished"] == "No"


# --- 3. The permission matrix, through the admin's endpoints -------------------------------------

MATRIX_ACTIONS = ["submit", "publish", "withdraw", "unpublish", "archive", "review"]
# fmt: off
PERMISSION_MATRIX = {
    #                    submit     publish    withdraw   unpublish  archive    review
    WRITER:             ["allowed", "403",     "allowed", "403",     "403",     "403"],
    REVIEWER:           ["allowed", "allowed", "allowed", "allowed", "allowed", "allowed"],
    CLINIC_ADMIN:       ["allowed", "allowed", "allowed", "allowed", "allowed", "allowed"],
}
# fmt: on

# The state each action starts from, and where an allowed one ends.
MATRIX_START = {
    "submit": (DRAFT, IN_REVIEW),
    "publish": (IN_REVIEW, PUBLISHED),
    "withdraw": (IN_REVIEW, DRAFT),
    "unpublish": (PUBLISHED, DRAFT),
    "archive": (PUBLISHED, ARCHIVED),
    "review": (PUBLISHED, PUBLISHED),
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
    return client.post(transition_url(article, action), {"note": "Needs another look."})


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
    assert refreshed(article).status == target
    if action == "review":
        (review,) = ClinicalReview.objects.filter(article=article)
        assert review.recorded_by == user
        assert snapshot(article)["transitions"] == before["transitions"]
    else:
        (step,) = ArticleTransition.objects.filter(article=article)
        assert (step.actor, step.from_status, step.to_status) == (user, source, target)
        assert snapshot(article)["reviews"] == before["reviews"]


def test_writer_who_posts_a_publish_request_by_hand_gets_403_and_nothing_changes(client, login):
    login(WRITER)
    article = make_in_review(slug="not-yet")
    before = snapshot(article)

    assert client.get(change_url(article)).content.decode().count('id="workflow-publish"') == 0
    assert client.get(transition_url(article, "publish")).status_code == 403
    response = client.post(
        transition_url(article, "publish"),
        {"note": "Looks fine to me.", **split_fields("published_at", timezone.now())},
    )

    assert response.status_code == 403
    assert snapshot(article) == before
    assert refreshed(article).published_at is None


@pytest.mark.parametrize(
    ("source", "action"),
    [(IN_REVIEW, "publish"), (DRAFT, "publish"), (PUBLISHED, "unpublish"), (PUBLISHED, "archive")],
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

    assert client.post(transition_url(article, "submit"), {"note": ""}).status_code == 403
    assert client.post(review_url(article), {}).status_code == 403
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


@pytest.mark.parametrize("role", ROLES)
def test_add_form_cannot_set_status_or_publication(client, login, role):
    login(role)
    data = new_article_data(
        client,
        make_clinic(),
        status=PUBLISHED,
        **split_fields("published_at", timezone.now()),
        **split_fields("expires_at", timezone.now() + datetime.timedelta(days=1)),
        last_reviewed_on="2026-01-05",
    )

    assert client.post(ADD_ARTICLE, data).status_code == 302

    article = Article.objects.get(slug="nerve-blocks")
    assert (article.status, article.published_at, article.expires_at, article.last_reviewed_on) == (
        DRAFT,
        None,
        None,
        None,
    )


def test_writer_edits_a_draft(client, login):
    login(WRITER)
    article = make_draft(title="Nerve blocks")
    data = form_data(client.get(change_url(article))) | {"title": "Nerve blocks explained"}

    response = client.post(change_url(article), data)

    assert response.status_code == 302
    article = refreshed(article)
    assert (article.title, article.status) == ("Nerve blocks explained", DRAFT)


@pytest.mark.parametrize("source", [IN_REVIEW, PUBLISHED, ARCHIVED])
def test_writer_sees_an_article_out_of_draft_read_only(client, login, source):
    login(WRITER)
    article = MAKERS[source](title="Nerve blocks")

    response = client.get(change_url(article))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nerve blocks" in html
    assert 'name="_save"' not in html
    assert 'name="title"' not in html


@pytest.mark.parametrize("source", [IN_REVIEW, PUBLISHED, ARCHIVED])
def test_writer_posting_a_change_to_an_article_out_of_draft_gets_403_and_nothing_changes(
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


@pytest.mark.parametrize("role", [REVIEWER, CLINIC_ADMIN])
@pytest.mark.parametrize("source", [IN_REVIEW, PUBLISHED])
def test_reviewer_edits_an_article_in_review_or_published_without_changing_its_state(
    client, login, role, source
):
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
    assert (after["status"], after["published_at"], after["transitions"]) == (
        before["status"],
        before["published_at"],
        before["transitions"],
    )


@pytest.mark.parametrize("source", [DRAFT, PUBLISHED])
def test_change_form_cannot_set_status_or_publication(client, login, source):
    login(CLINIC_ADMIN)
    article = MAKERS[source]()
    before = snapshot(article)
    data = form_data(client.get(change_url(article))) | {
        "status": ARCHIVED if source == PUBLISHED else PUBLISHED,
        **split_fields("published_at", timezone.now() + datetime.timedelta(days=9)),
        **split_fields("expires_at", timezone.now() + datetime.timedelta(days=10)),
    }

    assert client.post(change_url(article), data).status_code == 302

    after = snapshot(article)
    assert (after["status"], after["published_at"], after["expires_at"]) == (
        before["status"],
        before["published_at"],
        before["expires_at"],
    )


@pytest.mark.parametrize("source", [DRAFT, PUBLISHED])
def test_writer_cannot_delete_an_article(client, login, source):
    login(WRITER)
    article = MAKERS[source]()
    delete_url = reverse("admin:articles_article_delete", args=[article.pk])

    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Article.objects.filter(pk=article.pk).exists()


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
    article = make_article()
    transitions_before = snapshot(article)["transitions"]

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
    assert article.status == PUBLISHED
    assert snapshot(article)["transitions"] == transitions_before


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


def test_article_detail_shows_the_clinical_review(api, user_in):
    article = make_article(slug="nerve-blocks", review_interval_months=6)
    reviewer = make_reviewer(name="Dr. Jane Smith", credentials="MD, board-certified in pain medicine")
    workflow.record_review(
        article, by=user_in(REVIEWER), reviewer=reviewer, reviewed_on=datetime.date(2026, 8, 31)
    )

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


def test_republishing_a_live_article_to_set_a_take_down_time_keeps_its_publication_date(user_in):
    article = make_article()
    first_published_at = article.published_at
    take_down = timezone.now() + datetime.timedelta(days=30)

    workflow.transition(article, "publish", by=user_in(REVIEWER), expires_at=take_down)

    article = refreshed(article)
    assert (article.published_at, article.expires_at) == (first_published_at, take_down)


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
