"""Each clinic's own public settings: its front end's article and preview addresses and browser
origins (CORS), with the install's environment as the default; and a clinic is public only once
patients can read one of its articles, or once it says so."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles import previews
from clinics.models import Clinic
from tests.admin_forms import form_data
from tests.factories import make_article, make_clinic, make_draft, make_pump

pytestmark = pytest.mark.django_db


def test_a_clinic_without_a_published_article_is_not_public(api):
    quiet = make_clinic(name="Quiet Clinic", slug="quiet", phone="765-555-0100")
    make_draft(clinic=quiet)

    listed = api.get("/api/v1/clinics/").json()
    detail = api.get("/api/v1/clinics/quiet/")

    assert "quiet" not in [clinic["slug"] for clinic in listed["results"]]
    assert detail.status_code == 404
    assert "765-555-0100" not in json.dumps(listed)


def test_a_clinic_is_public_once_it_says_so_or_publishes(api):
    quiet = make_clinic(name="Quiet Clinic", slug="quiet")
    soon = make_clinic(name="Soon Clinic", slug="soon")

    quiet.is_public = True
    quiet.save()
    make_article(clinic=soon, slug="first")

    slugs = [clinic["slug"] for clinic in api.get("/api/v1/clinics/").json()["results"]]
    assert {"quiet", "soon"} <= set(slugs)
    assert api.get("/api/v1/clinics/quiet/").json()["article_count"] == 0


def test_jsonld_links_to_the_clinics_own_site(api):
    article = make_pump()
    default = api.get("/api/v1/articles/pump/").json()
    assert mentions(default["jsonld"], "http://localhost:3000/articles/pump")

    clinic = article.clinic
    clinic.article_url_template = "https://www.wabashpain.example/learn/{slug}/"
    clinic.save()

    own = api.get("/api/v1/articles/pump/").json()
    assert mentions(own["jsonld"], "https://www.wabashpain.example/learn/pump/")
    assert not mentions(own["jsonld"], "localhost:3000")


def test_preview_links_open_the_clinics_own_front_end(staff, settings):
    settings.FRONTEND_PREVIEW_URL = "https://site.example/preview?token={token}"
    article = make_draft(
        clinic=make_clinic(preview_url_template="https://preview.wabash.example/p?t={token}")
    )
    other = make_draft()

    link = previews.create_link(article, by=staff["wendy"])
    default = previews.create_link(other, by=staff["wendy"])

    assert previews.frontend_url(link) == f"https://preview.wabash.example/p?t={previews.token_for(link)}"
    assert (
        previews.frontend_url(default) == f"https://site.example/preview?token={previews.token_for(default)}"
    )
    # Without the install's address, only the clinic with its own has a front-end link.
    settings.FRONTEND_PREVIEW_URL = ""
    assert previews.frontend_url(link).startswith("https://preview.wabash.example/p?t=")
    assert previews.frontend_url(default) == ""


def test_a_clinics_own_origins_may_call_the_api_from_a_browser(api):
    make_pump()
    clinic = Clinic.objects.get(slug="wabash")
    clinic.allowed_origins = "https://www.wabashpain.example\nhttps://app.wabashpain.example:8443/"
    clinic.save()

    own = api.get("/api/v1/articles/", HTTP_ORIGIN="https://www.wabashpain.example")
    port = api.get("/api/v1/articles/", HTTP_ORIGIN="https://app.wabashpain.example:8443")
    stranger = api.get("/api/v1/articles/", HTTP_ORIGIN="https://evil.example")
    admin = api.get("/admin/login/", HTTP_ORIGIN="https://www.wabashpain.example")

    assert own["Access-Control-Allow-Origin"] == "https://www.wabashpain.example"
    assert port["Access-Control-Allow-Origin"] == "https://app.wabashpain.example:8443"
    assert "Access-Control-Allow-Origin" not in stranger
    assert "Access-Control-Allow-Origin" not in admin

    clinic.allowed_origins = ""
    clinic.save()
    gone = api.get("/api/v1/articles/?page=1", HTTP_ORIGIN="https://www.wabashpain.example")
    assert "Access-Control-Allow-Origin" not in gone


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("article_url_template", "https://clinic.example/articles/", "must contain {slug}"),
        ("article_url_template", "javascript:alert(1)//{slug}", "starting with https://"),
        ("preview_url_template", "https://clinic.example/preview", "must contain {token}"),
        ("allowed_origins", "https://clinic.example/path", "is not an origin"),
        ("allowed_origins", "*", "is not an origin"),
    ],
)
def test_bad_front_end_settings_are_refused_with_the_reason(staff_client, field, value, message):
    clinic = make_clinic()
    url = reverse("admin:clinics_clinic_change", args=[clinic.pk])
    data = form_data(staff_client.get(url)) | {field: value}

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert getattr(Clinic.objects.get(pk=clinic.pk), field) == ""
    # A script or an import is held to the same rule.
    setattr(clinic, field, value)
    with pytest.raises(ValidationError):
        clinic.save()


def mentions(value, text: str) -> bool:
    return text in json.dumps(value)
