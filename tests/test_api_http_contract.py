"""The HTTP contract browsers and caches rely on, for EVERY public path (issue 15).

tests/test_api_cors.py and tests/test_api_caching.py assert most of this for one article's detail
(or for the pump fixture's eight URLs); here each assertion runs on every public GET the OpenAPI
schema documents (so new endpoints are covered without a new test), plus the API root, filled with
the demo's real slugs: Vary: Origin, preflights, CORS on 304s and on the 429 and 503 the WSGI layer
answers itself, Last-Modified never after Date, weak and "*" If-None-Match, and no 304 for an
address where nothing exists.
"""

import datetime
import json
import time

import pytest
from django.db import OperationalError
from django.utils import timezone
from django.utils.http import http_date, parse_http_date

from api import caching
from api.models import ListingVersion, PublicArticle
from cms.wsgi import application
from tests import contract
from tests.contract import ROOT, address, header_set
from tests.test_api_caching import wsgi_get

pytestmark = pytest.mark.django_db

ALLOWED = "http://localhost:3000"
DISALLOWED = "https://evil.example"
TEMPLATES = [ROOT, *(t for t in contract.public_get_templates() if contract.is_public(t))]
# A missing item or a page past the end of each endpoint, and a path no endpoint serves.
MISSING = [
    *(contract.missing_address(t) for t in TEMPLATES if t != ROOT and contract.missing_address(t)),
    "/api/v1/no-such-endpoint/",
]


@pytest.fixture(autouse=True)
def _origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def assert_cors(headers, url: str, what: str) -> None:
    """``headers``: a Django response, or wsgi_get's dict of lower-case names."""
    get = headers.get
    assert get("access-control-allow-origin") == ALLOWED, f"{what} {url}: no Access-Control-Allow-Origin"
    exposed = header_set(get("access-control-expose-headers"))
    assert {"etag", "retry-after"} <= exposed, f"{what} {url}: exposes only {exposed}"
    assert "origin" in header_set(get("vary")), f"{what} {url}: Vary is {get('vary')!r}"


@pytest.mark.parametrize("template", TEMPLATES)
def test_an_allowed_origin_may_read_every_public_answer_and_vary_names_origin(api, demo, template):
    url = address(template, api)
    response = api.get(url, HTTP_ORIGIN=ALLOWED)
    assert response.status_code == 200, url
    assert_cors(response, url, "Django")
    for attempt in ("miss", "hit"):  # the second comes from the WSGI response cache
        served = wsgi_get(url, origin=ALLOWED)
        assert served["status"] == 200, url
        assert_cors(served["headers"], url, f"WSGI {attempt}")


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_disallowed_origin_gets_no_permission_on_any_path_and_caches_keep_them_apart(api, demo, template):
    url = address(template, api)
    assert wsgi_get(url, origin=ALLOWED)["status"] == 200  # cached for the allowed origin first
    for headers in (
        api.get(url, HTTP_ORIGIN=DISALLOWED).headers,
        wsgi_get(url, origin=DISALLOWED)["headers"],
    ):
        assert "access-control-allow-origin" not in headers, url
        # Vary: Origin on every answer, not only the allowed ones: a shared cache must not hand
        # this answer (without CORS) to the allowed site.
        assert "origin" in header_set(headers.get("vary")), url


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("header", ["if-none-match", "if-none-match, if-modified-since"])
def test_a_preflight_for_a_conditional_request_is_allowed_on_every_path(api, demo, template, header):
    url = address(template, api)
    response = api.options(
        url,
        HTTP_ORIGIN=ALLOWED,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=header,
    )
    assert response.status_code == 200, url
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert header_set(header) <= header_set(response["Access-Control-Allow-Headers"]), url
    assert "get" in header_set(response["Access-Control-Allow-Methods"]), url


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_304_carries_cors_and_vary_on_every_path(api, demo, template):
    url = address(template, api)
    etag = api.get(url, HTTP_ORIGIN=ALLOWED)["ETag"]
    response = api.get(url, HTTP_ORIGIN=ALLOWED, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304, url
    # RFC 9110, 15.4.5: a 304 sends the Vary a 200 would have.
    assert_cors(response, url, "304")


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_429_served_on_a_response_cache_hit_carries_cors_and_retry_after(api, demo, settings, template):
    url = address(template, api)
    settings.API_ANON_RATE = "2/min"
    assert wsgi_get(url, origin=ALLOWED)["status"] == 200  # a miss: rendered and cached
    calls = []
    real_app = application.app
    application.app = lambda environ, start_response: calls.append(1) or real_app(environ, start_response)
    try:
        assert wsgi_get(url, origin=ALLOWED)["status"] == 200  # a hit
        refused = wsgi_get(url, origin=ALLOWED)
    finally:
        application.app = real_app
    assert calls == [], f"{url}: not served from the response cache"
    assert refused["status"] == 429, url
    assert_cors(refused["headers"], url, "429")
    assert int(refused["headers"]["retry-after"]) >= 1
    template_for_schema = "/api/v1/articles/" if template == ROOT else template
    assert contract.body_errors(template_for_schema, 429, json.loads(refused["body"])) == []


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_503_when_the_database_is_down_carries_cors_and_retry_after(api, demo, monkeypatch, template):
    url = address(template, api)

    def database_down(path):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(caching, "_version_for_wsgi", database_down)
    response = wsgi_get(url, origin=ALLOWED)
    assert response["status"] == 503, url
    assert_cors(response["headers"], url, "503")
    assert int(response["headers"]["retry-after"]) >= 1
    template_for_schema = "/api/v1/articles/" if template == ROOT else template
    assert contract.body_errors(template_for_schema, 503, json.loads(response["body"])) == []
    other = wsgi_get(url, origin=DISALLOWED)
    assert other["status"] == 503 and "access-control-allow-origin" not in other["headers"]


def date_of(headers, received: float) -> float:
    """The answer's Date, or (the test client and bare WSGI send none) the moment it arrived."""
    return parse_http_date(headers["date"]) if headers.get("date") else received


def assert_last_modified_not_after_date(url: str, client) -> None:
    response = client.get(url)
    received = time.time()
    assert response.status_code == 200, url
    last_modified = parse_http_date(response["Last-Modified"])
    assert last_modified <= date_of(response, received), f"{url}: Last-Modified after Date"
    served = wsgi_get(url)
    received = time.time()
    assert parse_http_date(served["headers"]["last-modified"]) <= date_of(served["headers"], received), url


@pytest.mark.parametrize("template", TEMPLATES)
def test_last_modified_is_never_after_date(api, demo, template):
    assert_last_modified_not_after_date(address(template, api), api)


@pytest.mark.parametrize("template", TEMPLATES)
def test_last_modified_is_never_after_date_even_when_the_stored_stamps_are_ahead(api, demo, template):
    """Versions stamped by a server whose clock ran an hour ahead: held back to now, on every path."""
    url = address(template, api)
    ahead = timezone.now() + datetime.timedelta(hours=1)
    PublicArticle.objects.update(modified_at=ahead)
    ListingVersion.objects.update(changed_at=ahead)
    assert_last_modified_not_after_date(url, api)


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_weak_if_none_match_gets_a_304_on_every_path(api, demo, template):
    url = address(template, api)
    etag = api.get(url)["ETag"]
    for if_none_match in (f"W/{etag}", f'"other", W/{etag}'):
        response = api.get(url, HTTP_IF_NONE_MATCH=if_none_match)
        assert response.status_code == 304, f"{url} with If-None-Match: {if_none_match}"
        assert response["ETag"] == etag


@pytest.mark.parametrize("template", TEMPLATES)
def test_if_none_match_star_gets_a_304_on_every_existing_path(api, demo, template):
    url = address(template, api)
    response = api.get(url, HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 304, url
    assert response["ETag"] == api.get(url)["ETag"]


@pytest.mark.parametrize("url", MISSING)
@pytest.mark.parametrize(
    "header, value",
    [("HTTP_IF_NONE_MATCH", "*"), ("HTTP_IF_MODIFIED_SINCE", "now")],
    ids=["if-none-match-star", "if-modified-since"],
)
def test_a_conditional_request_for_what_does_not_exist_is_a_404_not_a_304(api, demo, url, header, value):
    """RFC 9110, 13.1.2: "*" is false when no current representation exists; 13.2.1: preconditions
    are ignored when the answer without them would not be a 2xx. A missing item or a page past the
    end is a 404 whatever the request's validators say."""
    if value == "now":
        # Everything changed a day ago; the client's copy is from a minute ago (and not ahead of
        # the server's clock, which would make the header ignored).
        day_ago = timezone.now() - datetime.timedelta(days=1)
        PublicArticle.objects.update(modified_at=day_ago, shares_second=False)
        ListingVersion.objects.update(changed_at=day_ago, shares_second=False)
        value = http_date(time.time() - 60)
    assert api.get(url).status_code == 404, url
    response = api.get(url, **{header: value})
    assert response.status_code == 404, (
        f"GET {url} with {header}: {value} is a {response.status_code} for an address that does not "
        "exist: the validators were evaluated before the view could answer 404"
    )


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("query", ["fields=bogus", "nonsense=1", "page=abc"])
@pytest.mark.parametrize(
    "header, value",
    [("HTTP_IF_NONE_MATCH", "*"), ("HTTP_IF_MODIFIED_SINCE", "now")],
    ids=["if-none-match-star", "if-modified-since"],
)
def test_a_conditional_request_with_a_bad_query_is_the_same_400_as_without(
    api, demo, template, query, header, value
):
    """A client that revalidates with a misspelt parameter must hear about it, not be told its
    copy is current: an article detail too, whose own version says only that the article exists."""
    url = f"{address(template, api)}?{query}"
    plain = api.get(url)
    assert plain.status_code in (400, 404), url
    if value == "now":
        value = http_date(time.time() - 60)
        day_ago = timezone.now() - datetime.timedelta(days=1)
        PublicArticle.objects.update(modified_at=day_ago, shares_second=False)
        ListingVersion.objects.update(changed_at=day_ago, shares_second=False)
    response = api.get(url, **{header: value})
    assert response.status_code == plain.status_code, f"GET {url} with {header}: {response.status_code}"
