"""API keys in the admin: a clinic's Clinic admins make, list and revoke its keys (the organisation's
admins every clinic's), writers and reviewers never see them, and the key is shown exactly once."""

import logging
import re

import pytest
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from clinics import api_keys
from clinics.models import ApiKey
from cms.lib.guard import ApiKeyRefused
from tests.factories import make_clinic, make_staff
from tests.test_api_keys import make_key

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"clk_[0-9a-f]{12}_[0-9a-f]{64}")
CHANGELIST = reverse("admin:clinics_apikey_changelist")
ADD = reverse("admin:clinics_apikey_add")


def change_url(key):
    return reverse("admin:clinics_apikey_change", args=[key.pk])


def delete_url(key):
    return reverse("admin:clinics_apikey_delete", args=[key.pk])


@pytest.fixture
def world():
    a = make_clinic(name="Wabash Pain Center", slug="wabash")
    b = make_clinic(name="Bluff Spine Clinic", slug="bluff")
    a_key, _ = make_key(clinic=a, name="Wabash site")
    b_key, _ = make_key(clinic=b, name="Bluff site")
    return {"a": a, "b": b, "a_key": a_key, "b_key": b_key, "staff": make_staff(clinic=a, suffix="_a")}


def as_user(client, user):
    client.force_login(user)
    return client


def test_a_clinic_admin_makes_a_key_and_it_is_shown_once(client, world, caplog):
    cora = world["staff"]["cora_a"]
    as_user(client, cora)
    with caplog.at_level(logging.DEBUG):
        response = client.post(ADD, {"name": "Next.js server", "clinic": world["a"].pk, "rate": "6000/min"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    (token,) = set(TOKEN.findall(response.content.decode()))
    key = ApiKey.objects.get(name="Next.js server")
    assert (key.clinic, key.rate, key.created_by, key.revoked_at) == (world["a"], "6000/min", cora, None)
    assert token.startswith(f"clk_{key.prefix}_")
    assert api_keys.resolve(token).key_id == key.pk
    secret = token.rsplit("_", 1)[1]
    assert secret not in caplog.text
    # Never again: not in the list, not on its page, nowhere in the database (sessions, the log...).
    for page in (client.get(CHANGELIST), client.get(change_url(key))):
        assert page.status_code == 200
        assert key.prefix in page.content.decode() and secret not in page.content.decode()
    for model in apps.get_models():
        for row in model._base_manager.values_list():
            assert not any(secret in str(value) for value in row), model._meta.label


def test_the_list_shows_the_last_use_and_status(client, world):
    key = world["a_key"]
    key.last_used_at = key.created_at
    key.save()
    world["a_key"].revoke()
    page = as_user(client, world["staff"]["cora_a"]).get(CHANGELIST).content.decode()
    assert "Last used at" in page and "Revoked" in page


@pytest.mark.parametrize("username", ["wendy_a", "rahul_a"])
def test_writers_and_reviewers_cannot_see_keys(client, world, username):
    as_user(client, world["staff"][username])
    before = list(ApiKey.objects.values_list())

    for url in (CHANGELIST, ADD, change_url(world["a_key"]), delete_url(world["a_key"])):
        assert client.get(url).status_code == 403, url
    assert client.post(ADD, {"name": "Mine", "clinic": world["a"].pk}).status_code == 403
    assert client.post(change_url(world["a_key"]), {"name": "Renamed"}).status_code == 403
    assert client.post(delete_url(world["a_key"]), {"post": "yes"}).status_code == 403
    revoke = {"action": "revoke", ACTION_CHECKBOX_NAME: [world["a_key"].pk]}
    assert client.post(CHANGELIST, revoke).status_code == 403
    assert "API keys" not in client.get(reverse("admin:index")).content.decode()
    assert list(ApiKey.objects.values_list()) == before


def test_a_clinic_admin_neither_sees_nor_makes_another_clinics_keys(client, world):
    as_user(client, world["staff"]["cora_a"])
    b_key = world["b_key"]
    before = list(ApiKey.objects.values_list())

    listing = client.get(CHANGELIST).content.decode()
    assert "Wabash site" in listing and "Bluff site" not in listing and b_key.prefix not in listing
    add_page = client.get(ADD).content.decode()
    assert "Wabash Pain Center" in add_page and "Bluff Spine Clinic" not in add_page
    # Another clinic's key does not exist for them: its pages redirect with "doesn't exist".
    assert client.get(change_url(b_key)).status_code == 302
    assert client.post(change_url(b_key), {"name": "Mine now"}).status_code == 302
    assert client.post(delete_url(b_key), {"post": "yes"}).status_code == 302
    client.post(CHANGELIST, {"action": "revoke", ACTION_CHECKBOX_NAME: [b_key.pk]})
    # Posting another clinic's id is a form error.
    response = client.post(ADD, {"name": "Theirs", "clinic": world["b"].pk})
    assert response.status_code == 200
    assert "clinic" in response.context["adminform"].form.errors
    assert not TOKEN.search(response.content.decode())

    assert list(ApiKey.objects.values_list()) == before


def test_a_keys_clinic_cannot_be_changed(client, world):
    as_user(client, world["staff"]["cora_a"])
    key = world["a_key"]
    response = client.post(change_url(key), {"name": "Renamed", "clinic": world["b"].pk, "rate": "10/s"})
    assert response.status_code == 302
    key.refresh_from_db()
    assert (key.name, key.clinic, key.rate) == ("Renamed", world["a"], "10/s")


def test_a_bad_rate_is_a_form_error(client, world):
    as_user(client, world["staff"]["cora_a"])
    response = client.post(ADD, {"name": "Site", "clinic": world["a"].pk, "rate": "lots"})
    assert response.status_code == 200
    assert "rate" in response.context["adminform"].form.errors
    assert not ApiKey.objects.filter(name="Site").exists()


def test_the_revoke_action_refuses_the_key_at_once(client, world):
    key, token = make_key(clinic=world["a"])
    assert api_keys.resolve(token).key_id == key.pk  # its answer is now cached

    as_user(client, world["staff"]["cora_a"])
    response = client.post(CHANGELIST, {"action": "revoke", ACTION_CHECKBOX_NAME: [key.pk]})

    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    with pytest.raises(ApiKeyRefused, match="revoked"):
        api_keys.resolve(token)


def test_an_organisation_admin_manages_every_clinics_keys(client, world):
    organisation = make_staff(suffix="_org")["cora_org"]
    as_user(client, organisation)

    listing = client.get(CHANGELIST).content.decode()
    assert "Wabash site" in listing and "Bluff site" in listing
    response = client.post(ADD, {"name": "Bluff SSR", "clinic": world["b"].pk, "rate": ""})
    assert response.status_code == 200 and TOKEN.search(response.content.decode())
    assert ApiKey.objects.get(name="Bluff SSR").clinic == world["b"]
    client.post(CHANGELIST, {"action": "revoke", ACTION_CHECKBOX_NAME: [world["b_key"].pk]})
    world["b_key"].refresh_from_db()
    assert world["b_key"].revoked_at is not None


# --- The rate a clinic's own admins may give ------------------------------------------------------


def rate_errors(response) -> list[str]:
    assert response.status_code == 200, "saved"
    return response.context["adminform"].form.errors.get("rate", [])


@pytest.mark.parametrize("rate", ["", "6001/min", "101/s", "360001/hour", "8640001/day"])
def test_a_clinic_admin_cannot_give_a_new_key_more_than_the_cap(client, world, rate):
    as_user(client, world["staff"]["cora_a"])
    response = client.post(ADD, {"name": "Unlimited", "clinic": world["a"].pk, "rate": rate})

    (error,) = rate_errors(response)
    assert "6000/min" in error
    assert ("no limit" if rate == "" else "above") in error
    assert not TOKEN.search(response.content.decode())
    assert not ApiKey.objects.filter(name="Unlimited").exists()


@pytest.mark.parametrize("rate", ["6000/min", "100/s", "360000/hour", "1/s"])
def test_a_clinic_admin_may_give_up_to_the_cap(client, world, rate):
    as_user(client, world["staff"]["cora_a"])
    response = client.post(ADD, {"name": "Capped", "clinic": world["a"].pk, "rate": rate})
    assert response.status_code == 200 and TOKEN.search(response.content.decode())
    assert ApiKey.objects.get(name="Capped").rate == rate


def test_the_add_form_offers_a_clinic_admin_the_cap(client, world):
    as_user(client, world["staff"]["cora_a"])
    form = client.get(ADD).context["adminform"].form
    assert form.initial["rate"] == "6000/min"
    assert "at most 6000/min" in form.fields["rate"].help_text


@pytest.mark.parametrize("rate", ["", "7000/min"])
def test_a_clinic_admin_cannot_raise_a_keys_rate_above_the_cap(client, world, rate):
    key, _ = make_key(clinic=world["a"], rate="600/min", name="Capped")
    as_user(client, world["staff"]["cora_a"])
    response = client.post(change_url(key), {"name": "Capped", "rate": rate})

    assert rate_errors(response)
    key.refresh_from_db()
    assert key.rate == "600/min"


def test_a_clinic_admin_may_rename_a_key_the_organisation_gave_no_limit(client, world):
    key = world["a_key"]  # rate "": given by the organisation
    as_user(client, world["staff"]["cora_a"])
    assert client.post(change_url(key), {"name": "Renamed", "rate": ""}).status_code == 302
    key.refresh_from_db()
    assert (key.name, key.rate) == ("Renamed", "")


def test_the_cap_is_a_setting(client, world, settings):
    settings.API_KEY_MAX_RATE = "10/s"
    as_user(client, world["staff"]["cora_a"])
    assert rate_errors(client.post(ADD, {"name": "Site", "clinic": world["a"].pk, "rate": "601/min"}))
    client.post(ADD, {"name": "Site", "clinic": world["a"].pk, "rate": "600/min"})
    assert ApiKey.objects.get(name="Site").rate == "600/min"


@pytest.mark.parametrize("rate", ["", "100000/min"])
def test_an_organisation_admin_may_give_any_rate_or_none(client, world, rate):
    as_user(client, make_staff(suffix="_org")["cora_org"])
    response = client.post(ADD, {"name": "Big", "clinic": world["a"].pk, "rate": rate})
    assert response.status_code == 200 and TOKEN.search(response.content.decode())
    key = ApiKey.objects.get(name="Big")
    assert key.rate == rate

    assert client.post(change_url(key), {"name": "Big", "rate": "200000/min"}).status_code == 302
    key.refresh_from_db()
    assert key.rate == "200000/min"
