import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from reversion.models import Version

from articles.models import Article, ArticleCondition, ArticleRisk, Condition, Risk, Section
from articles.states import State
from clinics.models import Clinic, ContactLink

pytestmark = pytest.mark.django_db


def _counts():
    models = [Clinic, ContactLink, Condition, Risk, Article, Section, ArticleCondition, ArticleRisk]
    return {model.__name__: model.objects.count() for model in models}


def test_load_demo_creates_the_clinic_and_its_first_article(api):
    call_command("load_demo")
    clinic = Clinic.objects.get(slug="lafayette-pain-care")
    assert (clinic.name, clinic.city, clinic.region) == ("Lafayette Pain Care", "Lafayette", "IN")
    assert [link.kind for link in clinic.contact_links.all()] == ["website", "facebook", "phone"]

    response = api.get("/api/v1/articles/intrathecal-pump-implant/")
    assert response.status_code == 200
    article = response.json()
    assert len(article["sections"]) == 6
    assert [c["slug"] for c in article["conditions"]] == [
        "failed-back-surgery-syndrome",
        "cancer-pain",
        "brain-or-nerve-injury-pain",
        "chronic-pancreatitis-pain",
    ]
    assert len(article["risks"]) == 6
    assert len(article["candidate_criteria"]) == 5


def test_load_demo_shows_only_published_articles_publicly(api):
    call_command("load_demo")
    # Four articles, and the pump article's Spanish version (its own article: tests/test_demo_spanish.py).
    assert Article.objects.filter(translation_of=None).count() == 4
    assert Article.objects.count() == 5
    public = {item["slug"] for item in api.get("/api/v1/articles/").json()["results"]}
    assert public == {"intrathecal-pump-implant", "spinal-cord-stimulation"}
    assert Article.objects.get(slug="epidural-steroid-injection").status == Article.Status.DRAFT
    scheduled = Article.objects.get(slug="radiofrequency-ablation")
    assert scheduled.status == Article.Status.PUBLISHED
    assert api.get("/api/v1/articles/radiofrequency-ablation/").status_code == 404


def test_load_demo_twice_creates_nothing_new_and_keeps_staff_edits(capsys):
    call_command("load_demo")
    before = _counts()
    Clinic.objects.filter(slug="lafayette-pain-care").update(phone="+1-765-555-0199")
    call_command("load_demo")
    assert _counts() == before
    assert Clinic.objects.get(slug="lafayette-pain-care").phone == "+1-765-555-0199"
    assert "nothing changed" in capsys.readouterr().out


def test_load_demo_stores_contact_links_that_pass_validation():
    call_command("load_demo")
    for link in ContactLink.objects.all():
        link.full_clean()


def test_load_demo_creates_an_admin_with_a_password_shown_once(capsys, client):
    call_command("load_demo", create_admin=True)
    output = capsys.readouterr().out
    line = next(line for line in output.splitlines() if line.startswith("Demo login: admin / "))
    password = line.removeprefix("Demo login: admin / ").strip()
    response = client.post("/admin/login/", {"username": "admin", "password": password, "next": "/admin/"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200

    call_command("load_demo", create_admin=True)
    again = capsys.readouterr().out
    assert password not in again
    assert "already exists" in again
    assert get_user_model().objects.filter(is_superuser=True).count() == 1


def test_load_demo_does_not_bring_back_an_article_staff_deleted():
    call_command("load_demo")
    Article.objects.get(slug="spinal-cord-stimulation").delete()
    call_command("load_demo")
    assert not Article.objects.filter(slug="spinal-cord-stimulation").exists()


def test_load_demo_leads_the_public_list_with_the_intrathecal_pump_article(api):
    call_command("load_demo")
    first = api.get("/api/v1/articles/").json()["results"][0]
    assert first["slug"] == "intrathecal-pump-implant"


def test_load_demo_gives_live_articles_a_reviewer_a_version_and_a_workflow_step(api):
    call_command("load_demo")
    article = Article.objects.get(slug="intrathecal-pump-implant")
    assert Version.objects.get_for_object(article).count() == 1
    step = article.transitions.get()
    assert (step.action, step.to_state) == ("publish", State.LIVE)
    assert article.publications.visible().count() == 1
    detail = api.get("/api/v1/articles/intrathecal-pump-implant/").json()
    assert detail["reviewed_by"]["name"] == "Reviewing physician (placeholder)"
    assert detail["next_review_due"] is not None


def test_load_demo_creates_writer_and_reviewer_logins_with_roles_in_the_demo_clinic(capsys):
    call_command("load_demo", create_admin=True)
    output = capsys.readouterr().out
    users = get_user_model().objects
    roles_held = {
        username: list(users.get(username=username).memberships.values_list("clinic__slug", "role"))
        for username in ("writer", "reviewer")
    }
    assert roles_held == {
        "writer": [("lafayette-pain-care", "writer")],
        "reviewer": [("lafayette-pain-care", "reviewer")],
    }
    assert not users.get(username="writer").groups.exists()
    assert "Demo login: writer / " in output
    assert "Demo login: reviewer / " in output


def test_the_demo_writer_finds_the_demo_draft_on_their_desk(client):
    call_command("load_demo", create_admin=True)
    client.force_login(get_user_model().objects.get(username="writer"))

    html = client.get("/admin/").content.decode()

    drafts = html.split('id="desk-my-drafts"')[1].split("</section>")[0]
    assert "Epidural steroid injections" in drafts
    assert "Intrathecal pump implants" not in drafts
