"""Staff belong to clinics: every admin page and action of clinic A's staff against clinic B's
objects is refused and changes nothing (whole rows compared), and roles count only in their clinic.

The matrix (one test per role and action, all against clinic B):

    list, open, change, move (to A, and A's own article to B), delete, submit, publish, discard,
    unpublish, record a review, history, compare, revert, preview mint and revoke, import into B,
    autocomplete of clinics, B's clinic page, B's reviewers.
"""

import pytest
import reversion
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles import previews, revisions, workflow
from articles.models import Article, Condition, PreviewLink, Publication, Reviewer
from clinics import roles
from clinics.models import Clinic
from tests.admin_forms import add_rows, form_data, new_article_data
from tests.factories import STAFF_PASSWORD, make_article, make_clinic, make_condition, make_draft, make_staff

pytestmark = pytest.mark.django_db

ROLES = ["wendy_a", "rahul_a", "cora_a"]  # Writer, Clinical reviewer, Clinic admin of clinic A


def whole_rows() -> dict:
    """Every row of every content and account model, in full: equal before and after = nothing changed."""
    state = {}
    for app_label in ("articles", "clinics", "api", "reversion", "auth"):
        for model in apps.get_app_config(app_label).get_models():
            rows = model._base_manager.order_by("pk").values()
            state[model._meta.label] = [tuple(sorted(row.items(), key=lambda item: item[0])) for row in rows]
    return state


@pytest.fixture
def world():
    """Clinic A with its staff and a draft; clinic B with a draft (preview link and versions),
    a live article with changes in review, a reviewer of its own."""
    a = make_clinic(name="Wabash Pain Center", slug="wabash")
    b = make_clinic(name="Bluff Spine Clinic", slug="bluff")
    staff = make_staff(clinic=a, suffix="_a")
    b_staff = make_staff(clinic=b, suffix="_b")
    a_draft = make_draft(clinic=a, title="A's own draft", slug="a-draft")
    b_draft = make_draft(clinic=b, title="Bluff's secret draft", slug="b-draft")
    b_live = make_article(clinic=b, title="Bluff's live article", slug="b-live")
    b_live.summary = "Bluff's unreviewed change"
    b_live.save()
    workflow.working_copy_changed(b_live, by=b_staff["wendy_b"])
    for article in (b_draft, b_live):
        with reversion.create_revision():
            article.save()
        with reversion.create_revision():
            article.summary += " (again)"
            article.save()
    link = previews.create_link(b_draft, by=b_staff["wendy_b"])
    b_reviewer = Reviewer.objects.create(name="Dr. Bluff", clinic=b)
    return {
        "a": a,
        "b": b,
        "staff": staff,
        "a_draft": a_draft,
        "b_draft": b_draft,
        "b_live": b_live,
        "link": link,
        "b_reviewer": b_reviewer,
    }


def as_user(client, world, username):
    client.force_login(world["staff"][username])
    return client


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


@pytest.mark.parametrize("username", ROLES)
def test_another_clinics_articles_are_not_listed_or_counted(client, world, username):
    page = as_user(client, world, username).get(reverse("admin:articles_article_changelist"))

    assert page.status_code == 200
    assert "A&#x27;s own draft" in page.content.decode()
    assert "Bluff" not in page.content.decode()
    assert page.context["cl"].result_count == 1
    assert page.context["cl"].full_result_count == 1
    # Asking for B by its id in the clinic filter finds nothing either.
    filtered = client.get(reverse("admin:articles_article_changelist"), {"clinic__id__exact": world["b"].pk})
    assert "Bluff" not in filtered.content.decode()


@pytest.mark.parametrize("username", ROLES)
@pytest.mark.parametrize("which", ["b_draft", "b_live"])
def test_another_clinics_article_cannot_be_opened_changed_moved_or_deleted(client, world, username, which):
    article = world[which]
    as_user(client, world, username)
    own = form_data(client.get(change_url(world["a_draft"])))
    before = whole_rows()

    opened = client.get(change_url(article))
    changed = client.post(change_url(article), own | {"title": "Taken over", "clinic": str(world["a"].pk)})
    deleted = client.post(reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"})

    for response in (opened, changed, deleted):
        # The admin's answer for an object that does not exist: back to the index, no content
        # (or a 403 before any lookup, for a role that may not delete at all).
        assert response.status_code in (302, 403)
        assert "Bluff" not in response.content.decode()
        if response.status_code == 302:
            assert "Bluff" not in client.get(response.url).content.decode()
    assert whole_rows() == before


@pytest.mark.parametrize("username", ROLES)
def test_own_article_cannot_be_moved_to_another_clinic(client, world, username):
    as_user(client, world, username)
    data = form_data(client.get(change_url(world["a_draft"])))
    before = whole_rows()

    response = client.post(change_url(world["a_draft"]), data | {"clinic": str(world["b"].pk)})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert whole_rows() == before


@pytest.mark.parametrize("username", ROLES)
def test_new_article_cannot_be_created_in_another_clinic(client, world, username):
    as_user(client, world, username)
    data = new_article_data(client, world["b"])
    before = whole_rows()

    response = client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert whole_rows() == before


@pytest.mark.parametrize("username", ROLES)
@pytest.mark.parametrize(
    ("which", "action"),
    [
        ("b_draft", "submit"),
        ("b_draft", "publish"),
        ("b_live", "submit"),
        ("b_live", "publish"),
        ("b_live", "discard"),
        ("b_live", "unpublish"),
        ("b_live", "archive"),
    ],
)
def test_workflow_actions_on_another_clinics_article_are_refused(client, world, username, which, action):
    article = world[which]
    as_user(client, world, username)
    before = whole_rows()

    url = reverse("admin:articles_article_transition", args=[article.pk, action])
    assert client.get(url).status_code == 404
    assert client.post(url, {"note": "Taking over", "version": article.lock_version}).status_code == 404
    assert whole_rows() == before


@pytest.mark.parametrize("username", ROLES)
def test_history_compare_revert_and_review_of_another_clinics_article_are_refused(client, world, username):
    article = world["b_draft"]
    versions = list(revisions.versions_of(article))
    as_user(client, world, username)
    before = whole_rows()

    responses = [
        client.get(reverse("admin:articles_article_history", args=[article.pk])),
        client.get(
            reverse("admin:articles_article_compare", args=[article.pk]),
            {"a": versions[-1].pk, "b": versions[0].pk},
        ),
        client.get(reverse("admin:articles_article_revert", args=[article.pk, versions[-1].pk])),
        client.post(reverse("admin:articles_article_revert", args=[article.pk, versions[-1].pk])),
        client.post(
            reverse("admin:articles_article_review", args=[article.pk]),
            {"reviewer": world["b_reviewer"].pk, "reviewed_on": "2026-11-01"},
        ),
    ]

    assert [response.status_code for response in responses] == [404] * len(responses)
    assert whole_rows() == before


@pytest.mark.parametrize("username", ROLES)
def test_preview_links_of_another_clinics_article_cannot_be_minted_or_revoked(client, world, username):
    article, link = world["b_draft"], world["link"]
    as_user(client, world, username)
    before = whole_rows()

    minted = client.post(reverse("admin:articles_article_preview", args=[article.pk]))
    revoked = client.post(reverse("admin:articles_article_revoke_preview", args=[article.pk, link.pk]))
    # Nor through one's own article's address with B's link.
    sideways = client.post(
        reverse("admin:articles_article_revoke_preview", args=[world["a_draft"].pk, link.pk])
    )

    assert (minted.status_code, revoked.status_code, sideways.status_code) == (404, 404, 404)
    assert whole_rows() == before
    assert PreviewLink.objects.get(pk=link.pk).revoked_at is None
    assert client.get(f"/api/v1/preview/{previews.token_for(link)}/").status_code == 200


@pytest.mark.parametrize("username", ROLES)
def test_import_into_another_clinic_is_refused(client, world, username):
    as_user(client, world, username)
    page = client.get(reverse("admin:articles_article_import"))
    assert "Bluff" not in page.content.decode()
    before = whole_rows()

    response = client.post(
        reverse("admin:articles_article_import"),
        {
            "document": SimpleUploadedFile(
                "pumps.md", b"# Pumps\n\nA pump.\n\n## What is it?\n\nA device.\n"
            ),
            "clinic": world["b"].pk,
        },
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert whole_rows() == before


@pytest.mark.parametrize("username", ROLES)
def test_clinic_autocomplete_and_pages_hold_only_own_clinics(client, world, username):
    as_user(client, world, username)
    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": "article", "field_name": "clinic", "term": ""},
    )
    listed = client.get(reverse("admin:clinics_clinic_changelist"))
    before = whole_rows()
    opened = client.get(reverse("admin:clinics_clinic_change", args=[world["b"].pk]))
    changed = client.post(reverse("admin:clinics_clinic_change", args=[world["b"].pk]), {"name": "Mine now"})

    assert [item["text"] for item in found.json()["results"]] == ["Wabash Pain Center"]
    assert "Bluff" not in listed.content.decode()
    assert opened.status_code == 302
    assert changed.status_code in (302, 403)  # 403: roles that may change no clinic at all
    assert whole_rows() == before


@pytest.mark.parametrize("username", ROLES)
def test_another_clinics_reviewers_are_neither_listed_nor_chosen(client, world, username):
    as_user(client, world, username)
    listed = client.get(reverse("admin:articles_reviewer_changelist"))
    before = whole_rows()
    opened = client.get(reverse("admin:articles_reviewer_change", args=[world["b_reviewer"].pk]))
    # Nor named on one's own article's review.
    recorded = client.post(
        reverse("admin:articles_article_review", args=[world["a_draft"].pk]),
        {"reviewer": world["b_reviewer"].pk, "reviewed_on": "2026-11-01"},
    )

    assert "Dr. Bluff" not in listed.content.decode()
    assert opened.status_code == 302
    assert recorded.status_code in (200, 403)  # a form error for reviewers, refused for writers
    assert whole_rows() == before


def test_a_role_counts_only_in_its_own_clinic(world):
    """A reviewer in clinic B and a writer in clinic A may publish in B only."""
    user = world["staff"]["wendy_a"]
    roles.grant(user, "Clinical reviewer", world["b"])
    user = get_user_model().objects.get(pk=user.pk)

    assert user.has_perm(workflow.PUBLISH_PERMISSION, world["b_draft"])
    assert not user.has_perm(workflow.PUBLISH_PERMISSION, world["a_draft"])
    assert user.has_perm(workflow.EDIT_PERMISSION, world["a_draft"])
    a_draft = Article.objects.get(pk=world["a_draft"].pk)
    workflow.transition(a_draft, "submit", by=user)
    with pytest.raises(workflow.PermissionDenied):
        workflow.transition(Article.objects.get(pk=a_draft.pk), "publish", by=user)
    assert not Publication.objects.filter(article=a_draft).exists()


def test_staff_of_every_clinic_see_every_clinic(client, world, django_user_model):
    agency = django_user_model.objects.create_user("agency", password=STAFF_PASSWORD)
    roles.grant(agency, "Writer")  # no clinic: every clinic
    client.force_login(agency)

    page = client.get(reverse("admin:articles_article_changelist"))

    assert page.context["cl"].result_count == Article.objects.count()


# --- Shared vocabulary --------------------------------------------------------------------------


@pytest.mark.parametrize("username", ROLES)
def test_clinic_staff_add_conditions_but_cannot_change_or_delete_shared_ones(client, world, username):
    condition = make_condition(name="Cancer pain", summary="Pain from cancer or its treatment.")
    as_user(client, world, username)
    url = reverse("admin:articles_condition_change", args=[condition.pk])
    before = whole_rows()

    changed = client.post(url, {"name": "Cancer pain", "slug": condition.slug, "summary": "Rewritten by A."})
    deleted = client.post(reverse("admin:articles_condition_delete", args=[condition.pk]), {"post": "yes"})

    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert whole_rows() == before
    added = client.post(
        reverse("admin:articles_condition_add"),
        {"name": "Knee pain", "slug": "knee-pain", "summary": "Pain in the knee."},
    )
    assert added.status_code == 302
    assert Condition.objects.filter(slug="knee-pain").exists()


def test_the_organisation_administrator_changes_shared_vocabulary(client, world, django_user_model):
    condition = make_condition(name="Cancer pain", summary="Pain from cancer or its treatment.")
    boss = django_user_model.objects.create_user("boss", password=STAFF_PASSWORD)
    roles.grant(boss, "Clinic admin")  # every clinic: the organisation's administrator
    client.force_login(boss)

    response = client.post(
        reverse("admin:articles_condition_change", args=[condition.pk]),
        {"name": "Cancer pain", "slug": condition.slug, "summary": "Reviewed wording."},
    )

    assert response.status_code == 302
    assert Condition.objects.get(pk=condition.pk).summary == "Reviewed wording."


# --- Memberships --------------------------------------------------------------------------------


def test_a_clinic_admin_gives_their_people_roles_on_the_clinic_page(client, world):
    rahul = world["staff"]["rahul_a"]
    as_user(client, world, "cora_a")
    page = client.get(reverse("admin:clinics_clinic_change", args=[world["a"].pk]))
    data = form_data(page)
    # The clinic's people are on its page (3 of them), to change or remove.
    assert data["memberships-INITIAL_FORMS"] == "3"
    data = add_rows(data, "memberships", [{"user": rahul.pk, "role": "clinic_admin"}])

    response = client.post(reverse("admin:clinics_clinic_change", args=[world["a"].pk]), data)

    assert response.status_code == 302
    assert set(rahul.memberships.values_list("role", flat=True)) == {"reviewer", "clinic_admin"}


def test_a_clinic_admin_removes_a_shared_persons_role_in_their_clinic_only(client, world):
    shared = get_user_model().objects.get(username="wendy_b")
    membership = roles.grant(shared, "Writer", world["a"])
    as_user(client, world, "cora_a")
    page = client.get(reverse("admin:clinics_clinic_change", args=[world["a"].pk]))
    data = form_data(page)
    row = next(name for name, value in data.items() if name.endswith("-id") and value == str(membership.pk))
    data[row.replace("-id", "-DELETE")] = "on"

    response = client.post(reverse("admin:clinics_clinic_change", args=[world["a"].pk]), data)

    assert response.status_code == 302
    assert list(shared.memberships.values_list("clinic__slug", "role")) == [("bluff", "writer")]


def test_a_fresh_account_is_placed_by_the_organisation_not_by_a_clinic_admin(
    client, world, django_user_model
):
    """Another clinic's admin may have just made it (or emptied it of roles): no clinic admin may
    take it over."""
    newcomer = django_user_model.objects.create_user("newcomer", password=STAFF_PASSWORD)
    as_user(client, world, "cora_a")
    page = client.get(reverse("admin:clinics_clinic_change", args=[world["a"].pk]))
    data = add_rows(form_data(page), "memberships", [{"user": newcomer.pk, "role": "writer"}])
    before = whole_rows()

    refused = client.post(reverse("admin:clinics_clinic_change", args=[world["a"].pk]), data)

    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    assert whole_rows() == before

    boss = django_user_model.objects.create_user("boss", password=STAFF_PASSWORD)
    roles.grant(boss, "Clinic admin")  # every clinic
    client.force_login(boss)
    page = client.get(reverse("admin:clinics_clinic_change", args=[world["a"].pk]))
    data = add_rows(form_data(page), "memberships", [{"user": newcomer.pk, "role": "writer"}])
    assert client.post(reverse("admin:clinics_clinic_change", args=[world["a"].pk]), data).status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.is_staff and not newcomer.is_superuser
    client.force_login(newcomer)
    listed = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "A&#x27;s own draft" in listed and "Bluff" not in listed


def test_going_back_to_a_version_of_another_clinic_needs_a_role_there(client, world, django_user_model):
    """An article made in B and moved to A: A's writer may revert its text, not hand it back to B."""
    article = make_draft(clinic=world["b"], title="Moved over", slug="moved-over")
    with reversion.create_revision():
        article.save()
    article.clinic = world["a"]
    with reversion.create_revision():
        article.save()
    b_version = list(revisions.versions_of(article))[-1]
    as_user(client, world, "wendy_a")
    before = whole_rows()

    response = client.post(
        reverse("admin:articles_article_revert", args=[article.pk, b_version.pk]), follow=True
    )

    assert "where you have no role" in response.content.decode()
    assert whole_rows() == before
    assert Article.objects.get(pk=article.pk).clinic == world["a"]


def test_the_overdue_count_counts_only_ones_own_clinics(client, world):
    Article.objects.filter(pk=world["b_live"].pk).update(next_review_due="2020-01-01")

    index = as_user(client, world, "wendy_a").get(reverse("admin:index")).content.decode()

    assert "No article is overdue for clinical review." in index
    assert "1 article overdue" not in index
    b_writer = get_user_model().objects.get(username="wendy_b")
    client.force_login(b_writer)
    assert "1 article overdue" in client.get(reverse("admin:index")).content.decode()


def test_a_clinic_admin_cannot_add_people_of_another_clinic(client, world):
    b_writer = get_user_model().objects.get(username="wendy_b")
    as_user(client, world, "cora_a")
    page = client.get(reverse("admin:clinics_clinic_change", args=[world["a"].pk]))
    data = add_rows(form_data(page), "memberships", [{"user": b_writer.pk, "role": "writer"}])
    before = whole_rows()

    response = client.post(reverse("admin:clinics_clinic_change", args=[world["a"].pk]), data)

    # A person of another clinic is not on the list: adding them would let this admin reset
    # their password and act in their clinic.
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert whole_rows() == before


def test_a_new_clinic_is_the_organisations_to_add(client, world):
    as_user(client, world, "cora_a")
    before = whole_rows()

    response = client.post(reverse("admin:clinics_clinic_add"), {"name": "Rogue", "slug": "rogue"})

    assert response.status_code == 403
    assert whole_rows() == before
    assert not Clinic.objects.filter(slug="rogue").exists()
