"""API keys for a clinic's own servers: stored as a hash, checked on both throttle paths (Django's
APIGuardMiddleware and the WSGI response cache's hits), refused with a 401 when malformed,
unknown or revoked, and never more than a throttle: a key opens nothing and changes no response."""

import datetime
import hashlib
import json
import secrets

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinics import api_keys
from clinics.models import ApiKey
from cms.lib import guard
from cms.wsgi import application
from tests.factories import make_clinic, make_draft
from tests.test_api_caching import wsgi_get

pytestmark = pytest.mark.django_db

LIST = "/api/v1/articles/"
DETAIL = "/api/v1/articles/pump/"
ADDRESS = "203.0.113.7"


def make_key(clinic=None, rate="", name="Clinic site server") -> tuple[ApiKey, str]:
    key = ApiKey(name=name, clinic=clinic or make_clinic(), rate=rate)
    token = api_keys.issue(key)
    key.save()
    return key, token


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def get(api, path, token=None, **extra):
    headers = bearer(token) if token else {}
    return api.get(path, REMOTE_ADDR=ADDRESS, **headers, **extra)


def wsgi(path, token=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return wsgi_get(path, **headers)


@pytest.fixture
def key_and_token(pump):
    return make_key(clinic=pump.clinic)


# --- At rest ----------------------------------------------------------------------------------------


def test_only_the_keys_hash_is_stored():
    key, token = make_key()
    secret = token.rsplit("_", 1)[1]

    assert token.startswith(f"clk_{key.prefix}_") and len(secret) == 64
    assert key.key_hash == hashlib.sha256(token.encode()).hexdigest()
    for model in apps.get_models():
        for row in model._base_manager.values_list():
            assert not any(secret in str(value) for value in row), model._meta.label
    assert secret not in str(key) and key.prefix in str(key)


def test_each_key_is_new():
    tokens = {make_key()[1] for _ in range(5)}
    assert len(tokens) == 5
    assert len(set(ApiKey.objects.values_list("prefix", flat=True))) == 5


@pytest.mark.parametrize("rate", ["6000/min", "100/s", "50000/hour", "1000000/day", "1/second", ""])
def test_rates_drf_reads_are_accepted(rate):
    key = ApiKey(name="Site", clinic=make_clinic(), rate=rate, prefix="0" * 12, key_hash="0" * 64)
    key.full_clean()


@pytest.mark.parametrize("rate", ["lots", "6000", "0/min", "-5/min", "6000/mango", "6000/ min", "10/m2"])
def test_other_rates_are_refused(rate):
    key = ApiKey(name="Site", clinic=make_clinic(), rate=rate, prefix="0" * 12, key_hash="0" * 64)
    with pytest.raises(ValidationError) as error:
        key.full_clean()
    assert "rate" in error.value.message_dict


# --- The throttle ----------------------------------------------------------------------------------


def test_a_key_lifts_the_anonymous_limit_on_a_django_response(api, key_and_token, settings):
    settings.API_ANON_RATE = "3/min"
    _key, token = key_and_token

    keyed = [get(api, LIST, token).status_code for _ in range(6)]
    anonymous = [get(api, LIST).status_code for _ in range(3)]

    assert keyed == [200] * 6
    # Only the key's check was counted in the address's bucket (its answer not yet cached: one
    # anonymous request), not the key's requests.
    assert anonymous == [200, 200, 429]


def test_a_key_lifts_the_anonymous_limit_on_a_response_cache_hit(key_and_token, settings, monkeypatch):
    settings.API_ANON_RATE = "3/min"  # one of them for the key's check (the first request)
    _key, token = key_and_token
    first = wsgi(DETAIL, token)  # a miss: Django renders it, the response cache keeps it
    calls = []
    monkeypatch.setattr(application, "app", lambda environ, start_response: calls.append(1) or [])

    keyed = [wsgi(DETAIL, token) for _ in range(6)]
    anonymous = [wsgi(DETAIL)["status"] for _ in range(3)]

    assert calls == []  # every one a hit
    assert [response["status"] for response in keyed] == [200] * 6
    assert all(response["body"] == first["body"] for response in keyed)
    assert anonymous == [200, 200, 429]


def test_a_keys_own_rate_is_enforced_on_both_paths(api, pump, settings, monkeypatch):
    # Each key's first check is counted as anonymous (the address's 1st and 2nd), the anonymous
    # request at the end is the 3rd; the key's own requests are not counted there.
    settings.API_ANON_RATE = "3/min"
    _key, token = make_key(clinic=pump.clinic, rate="4/min")

    django = [get(api, LIST, token).status_code for _ in range(2)]
    hits = [wsgi(DETAIL, token)["status"] for _ in range(3)]  # a miss, then hits
    refused = wsgi(DETAIL, token)
    refused_by_django = get(api, LIST, token)

    assert django == [200, 200] and hits == [200, 200, 429]
    assert refused["status"] == 429 and int(refused["headers"]["retry-after"]) >= 1
    assert refused_by_django.status_code == 429 and int(refused_by_django["Retry-After"]) >= 1
    # Another key, and an anonymous client, have their own buckets.
    _other, other_token = make_key(clinic=pump.clinic, rate="4/min")
    assert get(api, LIST, other_token).status_code == 200
    assert get(api, LIST).status_code == 200


def test_a_key_without_a_rate_has_no_limit_even_when_anonymous_has_one(api, key_and_token, settings):
    settings.API_ANON_RATE = "1/min"
    _key, token = key_and_token
    assert {get(api, LIST, token).status_code for _ in range(20)} == {200}


def test_a_key_rate_change_applies_at_once(api, key_and_token, settings):
    settings.API_ANON_RATE = "2/min"  # the key is checked twice: before and after the change
    key, token = key_and_token
    assert get(api, LIST, token).status_code == 200  # its answer is now cached
    key.rate = "1/min"
    key.save()

    assert [get(api, LIST, token).status_code for _ in range(2)] == [200, 429]


# --- Refusals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Bearer nope", api_keys.MALFORMED),
        ("Bearer ", api_keys.MALFORMED),
        ("bearer clk_0123456789ab_" + "0" * 63, api_keys.MALFORMED),
        ("Bearer clk_0123456789ab_" + "0" * 64, api_keys.UNKNOWN),
    ],
    ids=["not a key", "empty", "short", "unknown"],
)
def test_an_invalid_key_is_a_json_401_on_both_paths(api, pump, header, detail):
    wsgi_get(DETAIL)  # cached: the refusal must come before the response cache's hit
    for response in (
        api.get(DETAIL, HTTP_AUTHORIZATION=header),
        api.get(LIST, HTTP_AUTHORIZATION=header),
    ):
        assert response.status_code == 401
        assert response.json() == {"detail": detail}
        assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
        assert response["Cache-Control"] == "no-store"
    refused = wsgi_get(DETAIL, Authorization=header)
    assert refused["status"] == 401
    assert json.loads(refused["body"]) == {"detail": detail}


def test_a_key_that_matches_a_prefix_but_not_the_secret_is_unknown(api, key_and_token):
    key, token = key_and_token
    forged = f"clk_{key.prefix}_{'0' * 64}"
    assert get(api, LIST, forged).json() == {"detail": api_keys.UNKNOWN}
    assert get(api, LIST, token).status_code == 200


def test_other_authorization_schemes_are_not_keys(api, pump):
    # A staging site behind a proxy's password sends Basic: the API ignores it.
    assert api.get(LIST, HTTP_AUTHORIZATION="Basic c3RhZ2luZzpwYXNz").status_code == 200
    assert wsgi_get(DETAIL, Authorization="Basic c3RhZ2luZzpwYXNz")["status"] == 200


UNKNOWN_TOKEN = "clk_0123456789ab_" + "0" * 64


@pytest.mark.parametrize("token", ["clk_nope", UNKNOWN_TOKEN], ids=["malformed", "unknown"])
def test_a_bad_key_is_counted_as_anonymous_once(api, pump, settings, token):
    settings.API_ANON_RATE = "2/min"
    statuses = [get(api, LIST, token).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert get(api, LIST).status_code == 429
    # Through the response cache too (its check of the key counts it; Django does not again).
    assert [wsgi(DETAIL, token)["status"] for _ in range(3)] == [401, 401, 429]


def test_a_malformed_key_costs_no_query_and_no_cache_entry(django_assert_num_queries):
    from django.core.cache import cache

    for token in ("nope", "clk_0123_abcd", "clk_0123456789ab_" + "0" * 63, "clk_0123456789AB_" + "0" * 64):
        meta = bearer(token) | {"REMOTE_ADDR": ADDRESS}
        with django_assert_num_queries(0):
            assert str(guard.api_key(meta)) == api_keys.MALFORMED
        assert cache.get(api_keys._cache_key(api_keys.hash_token(token))) is None
        assert guard.ANONYMOUS_WAIT_ENVIRON not in meta  # counted by the throttle, not by the check


def test_over_the_anonymous_limit_an_uncached_key_is_not_looked_up(settings, django_assert_num_queries):
    """Random well-formed keys from one address: each costs a query and no cache entry until the
    address is over its anonymous limit, then none at all: a 429, the key unchecked."""
    from django.core.cache import cache

    settings.API_ANON_RATE = "3/min"
    tokens = [f"clk_{secrets.token_hex(6)}_{secrets.token_hex(32)}" for _ in range(20)]
    waits = []
    for number, token in enumerate(tokens):
        meta = bearer(token) | {"REMOTE_ADDR": ADDRESS}
        with django_assert_num_queries(1 if number < 3 else 0):
            key = guard.api_key(meta)
        assert isinstance(key, guard.ApiKeyRefused)
        waits.append(guard.throttle_wait(meta))
        assert cache.get(api_keys._cache_key(api_keys.hash_token(token))) is None
    assert waits[:3] == [None] * 3 and all(wait >= 1 for wait in waits[3:])
    # The address's bucket is the one key and keyless requests share: counted once per request.
    assert guard.throttle_wait({"REMOTE_ADDR": ADDRESS}) >= 1


def test_over_the_limit_with_a_random_key_is_a_429_without_a_query(api, pump, settings):
    settings.API_ANON_RATE = "1/min"
    assert get(api, LIST, f"clk_{secrets.token_hex(6)}_{secrets.token_hex(32)}").status_code == 401
    with CaptureQueriesContext(connection) as queries:
        refused = [get(api, LIST, f"clk_{secrets.token_hex(6)}_{secrets.token_hex(32)}") for _ in range(5)]
    assert {response.status_code for response in refused} == {429}
    assert all(int(response["Retry-After"]) >= 1 for response in refused)
    assert not [query for query in queries if "clinics_apikey" in query["sql"]]


def test_a_cached_valid_key_needs_no_anonymous_room(api, key_and_token, settings, django_assert_num_queries):
    settings.API_ANON_RATE = "1/min"
    _key, token = key_and_token
    assert get(api, LIST, token).status_code == 200  # checked: the address's one anonymous request
    assert get(api, LIST).status_code == 429  # so the address is over its limit

    assert [get(api, LIST, token).status_code for _ in range(3)] == [200] * 3
    meta = bearer(token) | {"REMOTE_ADDR": ADDRESS}
    with django_assert_num_queries(0):
        assert isinstance(guard.api_key(meta), guard.ApiKeyGrant)
        assert guard.throttle_wait(meta) is None


@pytest.mark.parametrize("change", ["revoke", "delete"])
def test_a_key_is_forgotten_again_when_its_change_commits(
    key_and_token, change, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    key, token = key_and_token
    grant = api_keys.resolve(token)
    with django_capture_on_commit_callbacks() as callbacks:
        getattr(key, change)()
        # A request that read the row before the admin's transaction committed caches the old answer.
        cache.set(api_keys._cache_key(key.key_hash), (grant.key_id, "", False), api_keys.CACHE_SECONDS)
    assert api_keys.resolve(token) == grant  # the stale answer, until the commit
    assert callbacks, "nothing runs when the change commits"
    for callback in callbacks:
        callback()
    with pytest.raises(guard.ApiKeyRefused):
        api_keys.resolve(token)


def test_a_revoked_key_is_refused_at_once(api, key_and_token):
    key, token = key_and_token
    assert get(api, LIST, token).status_code == 200
    assert wsgi(DETAIL, token)["status"] == 200
    assert wsgi(DETAIL, token)["status"] == 200  # a hit, with the key's answer cached

    key.revoke()

    assert get(api, LIST, token).json() == {"detail": api_keys.REVOKED}
    refused = wsgi(DETAIL, token)
    assert refused["status"] == 401
    assert json.loads(refused["body"]) == {"detail": api_keys.REVOKED}
    assert wsgi(DETAIL)["status"] == 200  # the cached page itself is still served to others


def test_a_deleted_key_is_refused_at_once(api, key_and_token):
    key, token = key_and_token
    assert get(api, LIST, token).status_code == 200
    key.delete()
    assert get(api, LIST, token).json() == {"detail": api_keys.UNKNOWN}


def test_a_key_whose_clinic_is_deleted_is_refused_at_once(api, pump):
    key, token = make_key()  # a clinic with no articles: one that may be deleted
    assert get(api, LIST, token).status_code == 200
    key.clinic.delete()
    assert get(api, LIST, token).json() == {"detail": api_keys.UNKNOWN}


def test_with_the_database_down_a_key_not_in_the_cache_counts_as_anonymous(key_and_token, monkeypatch):
    from django.db import OperationalError

    _key, token = key_and_token

    def database_down(prefix, digest):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(api_keys, "_lookup", database_down)
    meta = bearer(token) | {"REMOTE_ADDR": ADDRESS}
    assert guard.api_key(meta) is None
    assert guard.throttle_wait(meta) is None


# --- Cost --------------------------------------------------------------------------------------------


def test_a_key_checked_again_costs_no_query(key_and_token, django_assert_num_queries):
    _key, token = key_and_token
    first = api_keys.resolve(token)  # the lookup, and last_used_at
    with django_assert_num_queries(0):
        again = api_keys.resolve(token)
    assert again == first


def test_a_keyed_request_makes_no_more_queries_than_an_anonymous_one(api, key_and_token):
    _key, token = key_and_token
    get(api, LIST, token)
    get(api, LIST)
    with CaptureQueriesContext(connection) as anonymous:
        get(api, LIST)
    with CaptureQueriesContext(connection) as keyed:
        get(api, LIST, token)
    assert len(keyed) == len(anonymous)


def test_last_used_at_is_written_at_most_once_a_minute(key_and_token, monkeypatch, django_assert_num_queries):
    key, token = key_and_token
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    clock = {"now": start}
    monkeypatch.setattr(api_keys, "now", lambda: clock["now"])
    assert key.last_used_at is None

    api_keys.resolve(token)
    key.refresh_from_db()
    assert key.last_used_at == start

    clock["now"] = start + datetime.timedelta(seconds=59)
    api_keys.resolve(token)
    key.refresh_from_db()
    assert key.last_used_at == start

    # Another process, whose cache never saw the first write: the row itself holds it back.
    from django.core.cache import cache

    cache.delete(f"api_key_used:{key.pk}")
    api_keys._noted.clear()
    api_keys.resolve(token)
    key.refresh_from_db()
    assert key.last_used_at == start

    clock["now"] = start + datetime.timedelta(seconds=120)
    api_keys.resolve(token)
    key.refresh_from_db()
    assert key.last_used_at == start + datetime.timedelta(seconds=120)


def test_a_request_with_a_key_notes_its_use(api, key_and_token):
    key, token = key_and_token
    get(api, LIST, token)
    key.refresh_from_db()
    assert key.last_used_at is not None


# --- A key is not a login -----------------------------------------------------------------------------


def test_responses_are_the_same_with_or_without_a_key(api, key_and_token):
    _key, token = key_and_token
    for path in (LIST, DETAIL):
        anonymous, keyed = get(api, path), get(api, path, token)
        assert keyed.content == anonymous.content
        assert keyed["ETag"] == anonymous["ETag"]
        assert keyed["Cache-Control"] == anonymous["Cache-Control"]
        assert "authorization" not in keyed.get("Vary", "").lower()


def test_a_key_opens_no_draft_and_no_admin(api, client, key_and_token):
    key, token = key_and_token
    make_draft(clinic=key.clinic, slug="secret-draft")

    assert get(api, "/api/v1/articles/secret-draft/", token).status_code == 404
    assert b"secret-draft" not in get(api, LIST, token).content
    admin = client.get("/admin/", **bearer(token))
    assert admin.status_code == 302 and "/login/" in admin["Location"]


def test_the_key_header_is_not_offered_to_browsers(settings):
    assert "authorization" not in [header.lower() for header in settings.CORS_ALLOW_HEADERS]
