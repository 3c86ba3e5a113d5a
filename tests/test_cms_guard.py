"""The front door of /api/: 413 for oversize bodies, 429 with Retry-After past the rate limit."""

import pytest

from cms.lib.guard import client_network
from tests.factories import make_article
from tests.test_api_caching import wsgi_get

pytestmark = pytest.mark.django_db

LIST = "/api/v1/articles/"


@pytest.fixture(autouse=True)
def _rate(settings):
    settings.API_ANON_RATE = "3/min"


def test_a_client_over_the_rate_gets_a_json_429_with_retry_after(api):
    statuses = [api.get(LIST, REMOTE_ADDR="203.0.113.7").status_code for _ in range(4)]

    refused = api.get(LIST, REMOTE_ADDR="203.0.113.7")
    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json() == {"detail": f"Too many requests. Try again in {refused['Retry-After']} seconds."}


def test_other_clients_are_not_affected(api):
    for _ in range(3):
        api.get(LIST, REMOTE_ADDR="203.0.113.7")

    assert api.get(LIST, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert api.get(LIST, REMOTE_ADDR="198.51.100.1").status_code == 200


def test_a_rotating_x_forwarded_for_does_not_escape_the_limit_without_proxies(api):
    statuses = [
        api.get(LIST, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code
        for n in range(5)
    ]

    assert statuses == [200, 200, 200, 429, 429]


def test_behind_a_proxy_the_client_is_the_address_the_proxy_saw(api, settings):
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": 1}
    # The proxy appends the address it saw; whatever the client wrote before it is ignored.
    statuses = [
        api.get(LIST, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.7").status_code
        for n in range(4)
    ]
    other = api.get(LIST, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert statuses == [200, 200, 200, 429]
    assert other.status_code == 200


def test_ipv6_clients_are_counted_by_their_64(api):
    # One home, office or server gets a whole /64 and may use any address in it.
    statuses = [api.get(LIST, REMOTE_ADDR=f"2001:db8:1:2:{n}::{n + 1}").status_code for n in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert api.get(LIST, REMOTE_ADDR="2001:db8:1:2:ffff:ffff:ffff:ffff").status_code == 429
    assert api.get(LIST, REMOTE_ADDR="2001:db8:1:3::1").status_code == 200


def test_ipv4_clients_keep_their_own_address(api):
    for _ in range(3):
        api.get(LIST, REMOTE_ADDR="203.0.113.7")

    # The neighbours of a limited IPv4 client, and the same client written as an IPv4-mapped IPv6
    # address (which must not put every IPv4 client in the one /64 ::ffff:0:0/64).
    assert api.get(LIST, REMOTE_ADDR="203.0.113.8").status_code == 200
    assert api.get(LIST, REMOTE_ADDR="::ffff:203.0.113.7").status_code == 429
    assert api.get(LIST, REMOTE_ADDR="::ffff:203.0.113.9").status_code == 200


def test_behind_a_proxy_an_ipv6_client_is_its_64_too(api, settings):
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": 1}
    statuses = [
        api.get(LIST, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"2001:db8:9:9::{n}").status_code
        for n in range(4)
    ]

    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize(
    ("written", "counted_as"),
    [
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::"),
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("203.0.113.7:51234", "203.0.113.7"),
        ("[2001:db8:1:2::1]:443", "2001:db8:1:2::"),
        ("fe80::1%eth0", "fe80::"),
        ("not-an-address", None),
        ("999.1.1.1", None),
        ("203.0.113.7, 198.51.100.1", None),
        ("", None),
        (None, None),
    ],
)
def test_the_address_a_client_is_counted_under(written, counted_as):
    assert client_network(written) == counted_as


@pytest.mark.parametrize("forwarded", ["not-an-address", "999.1.1.1", "", "2001:db8::zz", "x" * 5000])
def test_an_invalid_forwarded_address_is_counted_as_the_peer_not_an_error(api, settings, forwarded):
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": 1}
    statuses = [
        api.get(LIST, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded).status_code for _ in range(4)
    ]

    # Counted, under the proxy's address: such requests share one bucket rather than escape it.
    assert statuses == [200, 200, 200, 429]
    assert api.get(LIST, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 200


def test_responses_served_from_the_response_cache_count_too():
    make_article(slug="pump")
    statuses = [wsgi_get("/api/v1/articles/pump/", REMOTE_ADDR="203.0.113.7")["status"] for _ in range(3)]
    refused = wsgi_get("/api/v1/articles/pump/", REMOTE_ADDR="203.0.113.7")

    assert statuses == [200, 200, 200]
    assert refused["status"] == 429
    assert refused["headers"]["content-type"] == "application/json"
    assert int(refused["headers"]["retry-after"]) >= 1
    assert b"Too many requests" in refused["body"]


def test_not_modified_answers_count_too(api):
    etag = api.get(LIST, REMOTE_ADDR="203.0.113.7")["ETag"]
    statuses = [
        api.get(LIST, REMOTE_ADDR="203.0.113.7", HTTP_IF_NONE_MATCH=etag).status_code for _ in range(3)
    ]

    assert statuses == [304, 304, 429]


def test_an_empty_rate_turns_the_limit_off(api, settings):
    settings.API_ANON_RATE = ""

    assert {api.get(LIST).status_code for _ in range(10)} == {200}


def test_the_admin_is_not_rate_limited_by_the_api_limit(client):
    statuses = {client.get("/admin/login/").status_code for _ in range(6)}

    assert statuses == {200}


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_an_oversize_body_is_a_json_413_before_anything_reads_it(api, settings, method):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = getattr(api, method)(LIST, data="x" * 1001, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large: the limit is 1000 bytes."}


def test_a_body_within_the_limit_on_a_read_only_endpoint_is_a_405_with_allow(api):
    response = api.post(LIST, data="{}", content_type="application/json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert isinstance(response.json(), dict)
