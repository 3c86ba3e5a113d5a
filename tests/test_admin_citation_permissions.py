"""Contraindications and references, per role: each role edits them wherever it edits the
article itself (articles 0010 gives the groups the permissions), and nowhere else."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from articles.models import Article, Contraindication, Reference
from tests.admin_forms import add_rows, form_data
from tests.factories import make_article, make_clinic, make_staff

pytestmark = pytest.mark.django_db

CITATIONS = ["contraindications", "references"]
HEADINGS = ["Who should not have this treatment", "References (sources)"]
ROLES = ["Writer", "Clinical reviewer", "Clinic admin"]
CITATION_PERMISSIONS = {
    f"articles.{verb}_{model}"
    for model in ("contraindication", "reference")
    for verb in ("add", "change", "delete", "view")
}


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def citations_of(article) -> tuple[list[str], list[str]]:
    return (
        list(article.contraindications.values_list("text", flat=True)),
        list(article.references.values_list("title", flat=True)),
    )


def edited(data: dict) -> dict:
    """The citation rows of a page's form, edited: the first of each changed, the second
    deleted, a new one added."""
    data |= {
        "contraindications-0-text": "An infection that is not healed.",
        "contraindications-1-DELETE": "on",
        "references-0-title": "Intrathecal drug delivery, a review",
        "references-1-DELETE": "on",
    }
    add_rows(data, "contraindications", [{"position": "3", "text": "A bleeding disorder."}])
    add_rows(data, "references", [{"position": "3", "title": "Pump guidance", "doi": "10.1000/xyz123"}])
    return data


EDITED = (
    ["An infection that is not healed.", "A bleeding disorder."],
    ["Intrathecal drug delivery, a review", "Pump guidance"],
)


@pytest.fixture
def clinic():
    return make_clinic()


@pytest.fixture
def people(clinic):
    return make_staff(clinic)


def cited(clinic, **fields) -> Article:
    return make_article(clinic=clinic, contraindications=2, references=2, **fields)


def draft(clinic):
    return cited(clinic, status=Article.Status.DRAFT, published_at=None)


def in_review(clinic):
    return cited(clinic, status=Article.Status.IN_REVIEW, published_at=None)


def live(clinic):
    return cited(clinic)


# Who edits what: writers drafts and the working copies of live articles; reviewers and clinic
# admins also what is in review (README, "Staff belong to clinics").
MAY_EDIT = [
    ("wendy", draft),
    ("wendy", live),
    ("rahul", draft),
    ("rahul", live),
    ("rahul", in_review),
    ("cora", draft),
    ("cora", live),
    ("cora", in_review),
]


@pytest.mark.parametrize(("username", "make"), MAY_EDIT)
def test_a_role_sees_the_citation_rows_as_editable_on_an_article_it_edits(
    client, people, clinic, username, make
):
    article = make(clinic)
    client.force_login(people[username])

    response = client.get(change_url(article))

    assert response.status_code == 200
    inlines = {inline.formset.prefix: inline for inline in response.context["inline_admin_formsets"]}
    for prefix in CITATIONS:
        inline = inlines[prefix]
        assert (inline.has_add_permission, inline.has_change_permission, inline.has_delete_permission) == (
            True,
            True,
            True,
        )
        assert len(inline.formset.forms) == 2
    page = response.content.decode()
    assert all(heading in page for heading in HEADINGS)


@pytest.mark.parametrize(("username", "make"), MAY_EDIT)
def test_a_role_adds_changes_and_deletes_citation_rows_on_an_article_it_edits(
    client, people, clinic, username, make
):
    article = make(clinic)
    client.force_login(people[username])
    data = edited(form_data(client.get(change_url(article))))

    response = client.post(change_url(article), data)

    assert response.status_code == 302
    assert citations_of(article) == EDITED


def test_a_writer_sees_the_citations_of_an_article_in_review_but_cannot_change_them(client, people, clinic):
    article = in_review(clinic)
    before = citations_of(article)
    client.force_login(people["rahul"])
    data = edited(form_data(client.get(change_url(article))))  # the form a reviewer can send
    client.force_login(people["wendy"])

    page = client.get(change_url(article))
    response = client.post(change_url(article), data)

    inlines = {inline.formset.prefix: inline for inline in page.context["inline_admin_formsets"]}
    for prefix in CITATIONS:
        inline = inlines[prefix]
        assert inline.has_view_permission
        assert not (inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission)
    assert all(text in page.content.decode() for text in before[0] + before[1])
    assert response.status_code == 403
    assert citations_of(article) == before


@pytest.mark.parametrize("username", ["wendy", "rahul", "cora"])
def test_staff_of_one_clinic_cannot_touch_another_clinics_citations(client, people, username):
    theirs = draft(make_clinic())
    before = citations_of(theirs)
    client.force_login(make_staff(theirs.clinic, suffix="-b")["wendy-b"])
    data = edited(form_data(client.get(change_url(theirs))))  # what their own writer may send
    client.force_login(people[username])

    page = client.get(change_url(theirs))
    response = client.post(change_url(theirs), data)

    for answer in (page, response):  # it does not exist for them: not found, or back to the home page
        assert answer.status_code == 404 or answer.url == reverse("admin:index")
    assert citations_of(theirs) == before
    assert Contraindication.objects.count() == Reference.objects.count() == 2


def test_each_role_holds_every_permission_on_contraindications_and_references():
    for name in ROLES:
        granted = {
            f"{app_label}.{codename}"
            for app_label, codename in Group.objects.get(name=name).permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert granted >= CITATION_PERMISSIONS, name


# --- The migration -------------------------------------------------------------------------------

BEFORE = [("articles", "0009_topic_proposals")]


def migrate(targets) -> None:
    MigrationExecutor(connection).migrate(targets)


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def citation_permissions(group: str) -> set[str]:
    codenames = Group.objects.get(name=group).permissions.filter(content_type__app_label="articles")
    return {f"articles.{codename}" for codename in codenames.values_list("codename", flat=True)} & (
        CITATION_PERMISSIONS
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_grants_the_roles_citation_permissions_and_takes_back_only_those():
    migrate(BEFORE)
    # An earlier transactional test may have emptied every table: the groups are made here. A
    # group a superuser made (here with a permission the migration also grants) is not a role.
    for name in ["Writer", "Clinical reviewer"]:
        Group.objects.get_or_create(name=name)
    Group.objects.filter(name="Clinic admin").delete()  # a role a superuser removed
    proofreaders, _ = Group.objects.get_or_create(name="Proofreaders")
    proofreaders.permissions.add(Permission.objects.get(codename="view_reference"))
    assert citation_permissions("Writer") == citation_permissions("Clinical reviewer") == set()

    migrate(latest())

    assert citation_permissions("Writer") == citation_permissions("Clinical reviewer") == CITATION_PERMISSIONS
    assert not Group.objects.filter(name="Clinic admin").exists()

    migrate(BEFORE)

    assert citation_permissions("Writer") == citation_permissions("Clinical reviewer") == set()
    assert citation_permissions("Proofreaders") == {"articles.view_reference"}
    migrate(latest())
