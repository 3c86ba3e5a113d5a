"""The HTTP contract browsers need: CORS on every public answer, including the 429 and 503 the
response cache gives before Django; preflights for conditional requests; the validators scripts
may read; weak comparison for If-None-Match."""

import pytest
from django.db import OperationalError

import api.caching
from tests.factories import make_pump
from tests.test_api_caching import PUBLIC_URLS, wsgi_get

pytestmark = pytest.mark.django_db

SITE = "https://www.clinic-site.example"


@pytest.fixture(autouse=True)
def _origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [SITE]


@pytest.fixture
def pump():
    return make_pump()


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_answer_lets_an_allowed_site_read_it_and_its_validators(api, pump, url):
    response = api.get(url, HTTP_ORIGIN=SITE)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SITE
    exposed = {name.strip().lower() for name in response["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "retry-after"} <= exposed
    # The same through the deployed stack, twice: the second is a response-cache hit.
    for _ in range(2):
        served = wsgi_get(url, Origin=SITE)
        assert served["status"] == 200
        assert served["headers"]["access-control-allow-origin"] == SITE
    # Another site gets no permission (and no other site's cached answer).
    other = wsgi_get(url, Origin="https://evil.example")
    assert "access-control-allow-origin" not in other["headers"]


@pytest.mark.parametrize("header", ["if-none-match", "if-modified-since"])
def test_a_preflight_for_a_conditional_request_is_allowed(api, pump, header):
    response = api.options(
        "/api/v1/articles/pump/",
        HTTP_ORIGIN=SITE,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=header,
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SITE
    assert header in response["Access-Control-Allow-Headers"].lower()


def test_a_304_carries_cors_too(api, pump):
    # The ETag names the variant, and the Origin is part of it (the answer's CORS headers differ).
    etag = api.get("/api/v1/articles/pump/", HTTP_ORIGIN=SITE)["ETag"]
    response = api.get("/api/v1/articles/pump/", HTTP_IF_NONE_MATCH=etag, HTTP_ORIGIN=SITE)
    assert response.status_code == 304
    assert response["Access-Control-Allow-Origin"] == SITE


def test_a_429_from_the_response_cache_carries_cors_and_a_readable_retry_after(pump, settings):
    settings.API_ANON_RATE = "2/min"
    for _ in range(2):
        assert wsgi_get("/api/v1/articles/pump/", Origin=SITE)["status"] == 200
    refused = wsgi_get("/api/v1/articles/pump/", Origin=SITE)
    assert refused["status"] == 429
    assert refused["headers"]["access-control-allow-origin"] == SITE
    assert "retry-after" in refused["headers"]["access-control-expose-headers"].lower()
    assert int(refused["headers"]["retry-after"]) >= 1
    elsewhere = wsgi_get("/api/v1/articles/pump/", Origin="https://evil.example")
    assert elsewhere["status"] == 429 and "access-control-allow-origin" not in elsewhere["headers"]


def test_a_503_from_the_response_cache_carries_cors(pump, monkeypatch):
    def database_down(path):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(api.caching, "_version_for_wsgi", database_down)
    response = wsgi_get("/api/v1/articles/", Origin=SITE)
    assert response["status"] == 503
    assert response["headers"]["access-control-allow-origin"] == SITE


def test_a_clinics_own_origin_is_allowed_on_a_cache_served_429_too(pump, settings):
    settings.API_ANON_RATE = "1/min"
    clinic = pump.clinic
    clinic.allowed_origins = "https://wabash-pain.example"
    clinic.save()
    wsgi_get("/api/v1/articles/pump/", Origin="https://wabash-pain.example")
    refused = wsgi_get("/api/v1/articles/pump/", Origin="https://wabash-pain.example")
    assert refused["status"] == 429
    assert refused["headers"]["access-control-allow-origin"] == "https://wabash-pain.example"


@pytest.mark.parametrize(
    "if_none_match",
    ["W/{etag}", "{etag}", '"other", W/{etag}', "*"],
    ids=["weak", "strong", "in a list", "any"],
)
def test_if_none_match_uses_weak_comparison_and_star(api, pump, if_none_match):
    etag = api.get("/api/v1/articles/pump/")["ETag"]
    response = api.get("/api/v1/articles/pump/", HTTP_IF_NONE_MATCH=if_none_match.format(etag=etag))
    assert response.status_code == 304
    assert response["ETag"] == etag


def test_if_none_match_with_other_tags_or_a_missing_article_is_not_a_304(api, pump):
    assert api.get("/api/v1/articles/pump/", HTTP_IF_NONE_MATCH='W/"other"').status_code == 200
    assert api.get("/api/v1/articles/nope/", HTTP_IF_NONE_MATCH="*").status_code == 404
