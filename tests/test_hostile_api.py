"""Hostile input on the public API: every answer is a JSON object, drafts never show, nothing is stored.

Extends tests/test_articles_api_hostile.py (filter values, NUL slugs) to the rest of the contract:
unknown and draft-selecting parameters, paging and ordering abuse, methods, Accept, Host, request
size and path tricks, on every list and detail endpoint.
"""

import urllib.parse
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.conf import settings
from django.db.models import Max

from tests.factories import (
    make_archived,
    make_article,
    make_clinic,
    make_condition,
    make_contact_link,
    make_draft,
    make_risk,
    make_scheduled,
)

pytestmark = pytest.mark.django_db

# What the public must never see, whatever it asks for.
DRAFT_TITLE, DRAFT_SLUG = "Unannounced trial therapy", "unannounced-trial-therapy"
SECRETS = (
    DRAFT_TITLE,
    DRAFT_SLUG,
    "Unannounced condition",
    "unannounced-condition",
    "Scheduled launch",
    "scheduled-launch",
    "Retired treatment",
    "retired-treatment",
)
# What an error body must never carry: a stack trace, SQL, the server's file layout.
LEAKS = ("Traceback", "/work/", "SELECT", "site-packages", 'File "', "sqlite3", "psycopg")

LISTS = ["/api/v1/articles/", "/api/v1/conditions/", "/api/v1/risks/", "/api/v1/clinics/"]
DETAILS = [
    "/api/v1/articles/nerve-blocks/",
    "/api/v1/conditions/sciatica/",
    "/api/v1/risks/infection/",
    "/api/v1/clinics/riverside/",
]
ARTICLES, ARTICLE = LISTS[0], DETAILS[0]


# --- Helpers shared by the hostile suites (tests/test_hostile_admin.py, test_hostile_preview.py) --


def stored_state() -> dict:
    """Row counts of every content model, the latest ``updated_at`` of each, and the public versions.

    Equal before and after a request: nothing was created, deleted or saved.
    """
    state = {}
    for app_label in ("articles", "clinics", "api", "reversion"):
        for model in apps.get_app_config(app_label).get_models():
            rows = model._base_manager.all()
            state[model._meta.label] = rows.count()
            if any(field.name == "updated_at" for field in model._meta.concrete_fields):
                state[f"{model._meta.label}.updated_at"] = rows.aggregate(latest=Max("updated_at"))["latest"]
    ListingVersion = apps.get_model("api", "ListingVersion")
    PublicArticle = apps.get_model("api", "PublicArticle")
    state["api.ListingVersion.token"] = list(ListingVersion.objects.values_list("token", flat=True))
    state["api.PublicArticle.etag"] = list(
        PublicArticle.objects.order_by("pk").values_list("etag", flat=True)
    )
    return state


@contextmanager
def nothing_stored():
    before = stored_state()
    yield
    assert stored_state() == before


def mentions(value, text: str) -> bool:
    """Whether ``text`` is in any key or string anywhere in a parsed JSON value."""
    if isinstance(value, dict):
        return any(text in key or mentions(item, text) for key, item in value.items())
    if isinstance(value, list):
        return any(mentions(item, text) for item in value)
    return isinstance(value, str) and text in value


def assert_json_object(response, status) -> dict:
    """``status`` (one code or a set of them), a JSON object body, no internals in it."""
    allowed = status if isinstance(status, set | frozenset | tuple) else {status}
    assert response.status_code in allowed, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert isinstance(body, dict)
    if response.status_code >= 400:
        text = response.content.decode()
        assert [leak for leak in LEAKS if leak in text] == []
    return body


def assert_no_secrets(response):
    text = response.content.decode()
    assert [secret for secret in SECRETS if secret in text] == []


# --- Content: one public article and what must stay hidden ---------------------------------------


@pytest.fixture
def content():
    clinic = make_clinic(name="Riverside Pain Clinic", slug="riverside")
    make_contact_link(clinic=clinic, kind="phone", url="tel:+17655550100", position=1)
    make_article(
        clinic=clinic,
        title="Nerve blocks",
        slug="nerve-blocks",
        sections=1,
        conditions=[make_condition(name="Sciatica", slug="sciatica")],
        risks=[make_risk(name="Infection", slug="infection")],
    )
    make_draft(
        clinic=clinic,
        title=DRAFT_TITLE,
        slug=DRAFT_SLUG,
        sections=1,
        conditions=[make_condition(name="Unannounced condition", slug="unannounced-condition")],
    )
    make_scheduled(clinic=clinic, title="Scheduled launch", slug="scheduled-launch")
    make_archived(clinic=clinic, title="Retired treatment", slug="retired-treatment")


def case_id(path: str, query: dict) -> str:
    """ "articles-page_size=abc": the endpoint and the query, for readable test ids."""
    endpoint = "-".join(part for part in path.split("/")[3:] if part)
    pairs = "&".join(f"{key}={value}" for key, value in query.items())
    return f"{endpoint}-{pairs}"[:80]


def send(api, method, path, data=None, **extra):
    """One request, asserting it stored nothing."""
    with nothing_stored():
        return getattr(api, method)(path, data, **extra)


# --- Unknown parameters, ORM traversal probes ---------------------------------------------------


UNKNOWN_PARAMETERS = [
    (ARTICLES, {"clinic__name__startswith": "R"}, "clinic__name__startswith"),
    (ARTICLES, {"_connector": "OR"}, "_connector"),
    (ARTICLES, {"title__icontains": "a"}, "title__icontains"),
    (ARTICLES, {"id__gt": "0"}, "id__gt"),
    (ARTICLES, {"pk": "1"}, "pk"),
    (ARTICLES, {"status__in": "draft,published"}, "status__in"),
    (
        ARTICLES,
        {"clinic__contact_links__url__startswith": "tel"},
        "clinic__contact_links__url__startswith",
    ),
    (ARTICLES, {"search_vector": "pump"}, "search_vector"),
    (ARTICLES, {"format": "api"}, "format"),
    (ARTICLES, {"limit": "1000", "offset": "0"}, "limit"),
    (ARTICLES, {"callback": "alert"}, "callback"),
    (ARTICLES, {"fields": "*"}, "fields"),
    (ARTICLES, {"page[size]": "100"}, "page[size]"),
    (ARTICLES, {"filter[status]": "draft"}, "filter[status]"),
    (ARTICLES, {"\x00": "1"}, "\x00"),
    (ARTICLES, {"utm_source": "news", "utmsource": "x"}, "utmsource"),
    (ARTICLE, {"clinic__name__startswith": "R"}, "clinic__name__startswith"),
    (ARTICLE, {"expand": "clinic"}, "expand"),
    (ARTICLE, {"search": "pump"}, "search"),
    (LISTS[1], {"name__startswith": "S"}, "name__startswith"),
    (LISTS[1], {"article_links__article__status": "draft"}, "article_links__article__status"),
    (LISTS[1], {"search": "sciatica"}, "search"),
    (DETAILS[1], {"articles__status": "draft"}, "articles__status"),
    (LISTS[2], {"ordering": "-id"}, "ordering"),
    (DETAILS[2], {"_connector": "OR"}, "_connector"),
    (LISTS[3], {"clinic__name__startswith": "R"}, "clinic__name__startswith"),
    (LISTS[3], {"contact_links__url__contains": "tel"}, "contact_links__url__contains"),
    (DETAILS[3], {"articles__status": "draft"}, "articles__status"),
]


@pytest.mark.parametrize(
    ("path", "query", "name"),
    UNKNOWN_PARAMETERS,
    ids=[case_id(path, query) for path, query, _name in UNKNOWN_PARAMETERS],
)
def test_unknown_parameters_are_a_400_naming_them(api, content, path, query, name):
    response = send(api, "get", path, query)

    body = assert_json_object(response, 400)
    assert mentions(body, name)
    assert_no_secrets(response)


@pytest.mark.parametrize("path", [ARTICLES, ARTICLE, LISTS[3], DETAILS[3]])
@pytest.mark.parametrize(
    "query",
    [
        {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "spring"},
        {"utm_content": "a", "utm_term": "b", "utm_id": "c"},
        {"fbclid": "IwAR0abc"},
        {"gclid": "Cj0KCQ"},
        {"_": "1767225600000"},
    ],
    ids=["utm-source-medium-campaign", "utm-content-term-id", "fbclid", "gclid", "cache-buster"],
)
def test_tracking_parameters_are_allowed_everywhere(api, content, path, query):
    response = send(api, "get", path, query)

    assert_json_object(response, 200)


# --- Draft selectors ----------------------------------------------------------------------------

DRAFT_SELECTORS = [
    {"status": "draft"},
    {"include_drafts": "1"},
    {"preview": "1"},
    {"draft": "true"},
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("query", DRAFT_SELECTORS, ids=lambda query: next(iter(query)))
def test_draft_selectors_on_a_list_are_a_400_that_reveals_no_draft(api, content, path, query):
    response = send(api, "get", path, query)

    body = assert_json_object(response, 400)
    assert mentions(body, next(iter(query)))
    assert_no_secrets(response)


@pytest.mark.parametrize("query", DRAFT_SELECTORS, ids=lambda query: next(iter(query)))
def test_draft_selectors_on_a_drafts_own_address_reveal_nothing(api, content, query):
    response = send(api, "get", f"/api/v1/articles/{DRAFT_SLUG}/", query)

    # Refused for the parameter or not found: either way nothing of the draft.
    assert_json_object(response, {400, 404})
    assert_no_secrets(response)


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ({"condition": "unannounced-condition"}, []),
        ({"search": "Unannounced trial"}, []),
        ({"clinic": "riverside", "search": "therapy"}, []),
        ({"published_before": "2999-12-31", "ordering": "-published_at"}, ["nerve-blocks"]),
        ({"condition": "sciatica,unannounced-condition"}, ["nerve-blocks"]),
    ],
    ids=["draft-only-condition", "draft-title-words", "clinic-and-draft-word", "far-future", "any-condition"],
)
def test_valid_filters_aimed_at_hidden_articles_find_only_public_ones(api, content, query, slugs):
    response = send(api, "get", ARTICLES, query)

    body = assert_json_object(response, 200)
    assert [row["slug"] for row in body["results"]] == slugs
    assert_no_secrets(response)


@pytest.mark.parametrize(
    ("path", "status"), [(LISTS[1], 200), ("/api/v1/conditions/unannounced-condition/", 404)]
)
def test_a_condition_only_a_draft_names_stays_hidden(api, content, path, status):
    response = send(api, "get", path)

    assert_json_object(response, status)
    assert_no_secrets(response)


# --- Pagination ---------------------------------------------------------------------------------


MALFORMED_PAGING = [
    (ARTICLES, {"page_size": "0"}, "page_size"),
    (ARTICLES, {"page_size": "-1"}, "page_size"),
    (ARTICLES, {"page_size": "101"}, "page_size"),
    (ARTICLES, {"page_size": "abc"}, "page_size"),
    (ARTICLES, {"page_size": "1.5"}, "page_size"),
    (ARTICLES, {"page_size": ""}, "page_size"),
    (ARTICLES, {"page_size": "1e2"}, "page_size"),
    (ARTICLES, {"page_size": "0x10"}, "page_size"),
    (ARTICLES, {"page_size": "1_0"}, "page_size"),
    (ARTICLES, {"page_size": "\u0663"}, "page_size"),  # ARABIC-INDIC DIGIT THREE: int() takes it
    (ARTICLES, {"page_size": "9" * 30}, "page_size"),
    (ARTICLES, {"page_size": ["10", "1000"]}, "page_size"),
    (ARTICLES, {"page": "0"}, "page"),
    (ARTICLES, {"page": "-1"}, "page"),
    (ARTICLES, {"page": "abc"}, "page"),
    (ARTICLES, {"page": "1.0"}, "page"),
    (ARTICLES, {"page": ""}, "page"),
    (ARTICLES, {"page": "1_0"}, "page"),
    (ARTICLES, {"page": "last"}, "page"),
    (LISTS[1], {"page_size": "101"}, "page_size"),
    (LISTS[2], {"page": "abc"}, "page"),
    (LISTS[3], {"page_size": "0"}, "page_size"),
]


@pytest.mark.parametrize(
    ("path", "query", "name"),
    MALFORMED_PAGING,
    ids=[case_id(path, query) for path, query, _name in MALFORMED_PAGING],
)
def test_malformed_paging_is_a_400_naming_the_parameter(api, content, path, query, name):
    response = send(api, "get", path, query)

    body = assert_json_object(response, 400)
    assert mentions(body, name)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        (ARTICLES, {"page": "2"}),
        (ARTICLES, {"page": "1000000"}),
        (ARTICLES, {"page": "9" * 30}),
        (ARTICLES, {"page": "2", "page_size": "100"}),
        (LISTS[3], {"page": "2"}),
    ],
)
def test_a_page_past_the_last_is_a_json_404(api, content, path, query):
    response = send(api, "get", path, query)

    assert_json_object(response, 404)
    assert_no_secrets(response)


# Python's int() refuses strings of more than 4,300 digits with a ValueError: that was a 500.
THOUSANDS_OF_DIGITS = [
    ({"page": "9" * 5_000}, 404, None),  # a page past the last, as any other
    ({"page": "1" + "0" * 5_000}, 404, None),
    ({"page": "0" * 5_000}, 400, "page"),  # zero, as "0" is
    ({"page": "0" * 4_999 + "1"}, 200, None),  # one, as "01" is
    ({"page_size": "9" * 5_000}, 400, "page_size"),  # over the maximum, as "101" is
    ({"page_size": "0" * 4_998 + "10"}, 200, None),
    ({"page": "9" * 5_000, "page_size": "9" * 5_000}, 400, "page_size"),
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("query", "status", "name"),
    THOUSANDS_OF_DIGITS,
    ids=["page-nines", "page-power-of-ten", "page-zeros", "page-one", "size-nines", "size-ten", "both"],
)
def test_paging_values_thousands_of_digits_long_are_answered_like_short_ones(
    api, content, path, query, status, name
):
    response = send(api, "get", path, query)

    body = assert_json_object(response, status)
    if name is not None:
        assert mentions(body, name)
    # The value is not echoed back whole.
    assert len(response.content) < 2_000 or status == 200
    assert_no_secrets(response)


# --- Ordering -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ordering",
    [
        "password",
        "clinic__name",
        "-id",
        "?",
        "status",
        "search_vector",
        "-",
        "--title",
        "title\x00",
        "published_at,updated_at,title,-title",
        "title,title,title,title",
        ",".join(["title"] * 50),
    ],
    ids=[
        "password",
        "relation",
        "id",
        "random",
        "status",
        "search-vector",
        "bare-minus",
        "double-minus",
        "nul",
        "four-known-terms",
        "four-repeats",
        "fifty-terms",
    ],
)
def test_ordering_by_an_unknown_field_or_by_more_than_three_terms_is_a_400(api, content, ordering):
    response = send(api, "get", ARTICLES, {"ordering": ordering})

    body = assert_json_object(response, 400)
    assert mentions(body, "ordering")


def test_ordering_by_three_known_terms_is_allowed(api, content):
    response = send(api, "get", ARTICLES, {"ordering": "-published_at,updated_at,title"})

    assert assert_json_object(response, 200)["count"] == 1


# --- Search and filters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"search": "\u3000".join(["pump"] * 11)}, "search"),  # IDEOGRAPHIC SPACE separates words
        ({"search": "\t".join(["a"] * 11)}, "search"),
        ({"search": "\u00e9" * 201}, "search"),
        ({"search": "\x00"}, "search"),
        ({"search": "pump", "page_size": "abc"}, "page_size"),
        ({"condition": ",".join(f"c{n}" for n in range(21))}, "condition"),
        ({"risk": ",".join(f"r{n}" for n in range(21))}, "risk"),
        ({"clinic": "<script>"}, "clinic"),
        ({"published_after": "2026-02-30"}, "published_after"),
        ({"published_after": "2026-01-01T25:00:00"}, "published_after"),
        ({"published_after": "2026-01-01T00:00:00+99:00"}, "published_after"),
        ({"published_before": "now"}, "published_before"),
        ({"published_before": "1e10"}, "published_before"),
    ],
    ids=[
        "eleven-words-by-ideographic-space",
        "eleven-words-by-tab",
        "201-accented-characters",
        "only-nul",
        "good-search-bad-page-size",
        "21-conditions",
        "21-risks",
        "clinic-markup",
        "february-30",
        "hour-25",
        "offset-99-hours",
        "now",
        "exponent",
    ],
)
def test_search_and_filter_abuse_is_a_400_naming_the_parameter(api, content, query, name):
    response = send(api, "get", ARTICLES, query)

    body = assert_json_object(response, 400)
    assert mentions(body, name)


@pytest.mark.parametrize(
    "search",
    [
        "' OR 'zzq'='zzq' --",
        "%",
        "_",
        "a & !b | c:*",
        "\\",
        "pump)(",
        '"unterminated',
        "<script>alert(1)</script>",
    ],
    ids=["sql-quote", "percent", "underscore", "tsquery-operators", "backslash", "parens", "quote", "markup"],
)
def test_search_text_with_query_syntax_is_only_text(api, content, search):
    response = send(api, "get", ARTICLES, {"search": search})

    body = assert_json_object(response, 200)
    assert body["count"] == 0
    assert "<script>" not in response.content.decode()


# --- Methods ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", [ARTICLES, ARTICLE, LISTS[1], DETAILS[3], "/api/v1/"])
def test_write_methods_are_a_405_with_an_allow_header(api, content, path, method):
    response = send(api, method, path, {"title": "Hacked"}, format="json")

    assert_json_object(response, 405)
    allowed = {verb.strip() for verb in response["Allow"].split(",")}
    assert "GET" in allowed
    assert method.upper() not in allowed


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "CONNECT"])
def test_unusual_methods_are_a_json_405(api, content, method):
    with nothing_stored():
        response = api.generic(method, ARTICLES)

    assert_json_object(response, 405)
    assert "GET" in response["Allow"]


# --- Accept headers -----------------------------------------------------------------------------

HOSTILE_ACCEPTS = [
    "text/html",
    "application/xml",
    "text/html;q=1, application/json;q=0",
    "*/*;q=0",
    "application/vnd.evil+json",
    "text/event-stream",
    "application/json" + ", text/plain" * 500,
    "\x00",
]
ACCEPT_IDS = ["html", "xml", "html-over-json", "nothing", "vendor", "event-stream", "long", "nul"]


@pytest.mark.parametrize("accept", HOSTILE_ACCEPTS, ids=ACCEPT_IDS)
@pytest.mark.parametrize(
    ("path", "status"),
    [
        (ARTICLES, {200, 406}),
        (ARTICLE, {200, 406}),
        ("/api/v1/nowhere/", {404, 406}),
        (ARTICLES + "?page_size=abc", {400, 406}),
    ],
    ids=["list", "detail", "unknown-path", "bad-parameter"],
)
def test_hostile_accept_headers_get_json_never_html(api, content, path, status, accept):
    response = send(api, "get", path, HTTP_ACCEPT=accept)

    assert_json_object(response, status)


@pytest.mark.parametrize("path", [ARTICLES, ARTICLE])
def test_head_with_an_html_accept_header_is_not_html(api, content, path):
    response = send(api, "head", path, HTTP_ACCEPT="text/html")

    assert response.status_code in (200, 406)
    assert response["Content-Type"].startswith("application/json")


# --- Host header, field count, body size --------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "host"),
    [
        (ARTICLE, "evil.example"),
        (ARTICLE, "localhost.evil.example"),
        (ARTICLE, "127.0.0.1@evil.example"),
        (ARTICLE, "localhost:80@evil.example"),
        (LISTS[3], "evil.example:443"),
        ("/api/v1/", "evil.example"),
        ("/api/v1/nowhere/", "evil.example"),
        (ARTICLES + "?status=draft", "evil.example"),
    ],
)
def test_a_bad_host_header_is_a_json_400(api, content, path, host):
    response = send(api, "get", path, HTTP_HOST=host)

    assert_json_object(response, 400)
    assert "evil.example" not in response.content.decode()


def test_a_forwarded_host_does_not_reach_the_urls_in_the_json(api, content):
    response = send(api, "get", ARTICLES, HTTP_X_FORWARDED_HOST="evil.example")

    assert_json_object(response, 200)
    assert "evil.example" not in response.content.decode()


@pytest.mark.parametrize("path", [ARTICLES, ARTICLE])
@pytest.mark.parametrize("name", ["utm_source", "_"])
def test_more_query_fields_than_django_parses_is_a_json_400(api, content, path, name):
    # Allowed names, so only the count can be what is refused.
    query = "&".join(f"{name}={n}" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = send(api, "get", f"{path}?{query}")

    assert_json_object(response, 400)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", ARTICLES),
        ("put", ARTICLE),
        ("post", "/api/v1/"),
        ("post", "/api/v1/nowhere/"),
        ("post", "/api/v1/preview/abc/"),
    ],
)
def test_an_oversize_body_is_a_json_413(api, content, method, path):
    body = b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    with nothing_stored():
        response = api.generic(method.upper(), path, body, content_type="application/json")

    assert_json_object(response, 413)


# --- Path tricks --------------------------------------------------------------------------------


def quoted(text: str) -> str:
    return urllib.parse.quote(text, safe="/%")


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/articles/{'a' * 500}/",
        f"/api/v1/clinics/{'a' * 500}/",
        f"/api/v1/conditions/{'sciatica-' * 56}/",
        "/api/v1/articles/nerve-blocks%00/",
        f"/api/v1/articles/{DRAFT_SLUG}%00/",
        "/api/v1/%00/",
        "/api/v1/articles/..%2f..%2fadmin%2f/",
        f"/api/v1/articles/..%2f{DRAFT_SLUG}/",
        "/api/v1/articles/%252e%252e%252f/",
        "/api/v1/articles/%2e%2e/",
        f"/api/v1/articles/nerve-blocks/..%2f{DRAFT_SLUG}/",
        f"/api/v1/articles/nerve-blocks/../{DRAFT_SLUG}/",
        "/api/v1/articles/nerve-blocks/%2e%2e/%2e%2e/admin/",
        "/api/v1/articles/nerve-blocks%2F/",
        "/api/v1/articles/nerve-blocks%20/",
        "/api/v1/articles/nerve-blocks/garbage/",
        "/api/v1/articles/nerve-blocks/;.json/",
        "/api/v1/articles/nerve-blocks/%0d%0aSet-Cookie:%20x=1/",
        "/api/v1//articles/",
        "/api/v1/./articles/",
        "/api/v1/articles/NERVE-BLOCKS/",
        quoted("/api/v1/articles/nerve-bl\u043ecks/"),  # CYRILLIC SMALL LETTER O
        quoted("/api/v1/articles/\uff4eerve-blocks/"),  # FULLWIDTH LATIN SMALL LETTER N
        quoted("/api/v1/articles/nerve\u2010blocks/"),  # HYPHEN
        quoted("/api/v1/articles/nerve-blocks\u200b/"),  # ZERO WIDTH SPACE
        quoted(f"/api/v1/articles/{DRAFT_SLUG[:-1]}\u0443/"),  # CYRILLIC SMALL LETTER U
        quoted("/api/v1/clinics/r\u0456verside/"),  # CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I
        "/api/v2/articles/",
        "/api/",
    ],
)
def test_path_tricks_are_a_json_404_that_reveals_nothing(api, content, path):
    response = send(api, "get", path)

    assert_json_object(response, 404)
    assert_no_secrets(response)
    assert "x=1" not in response.get("Set-Cookie", "")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles/nerve-blocks/garbage",
        "/api/v1/articles/nerve-blocks/.json",
        "/api/v1/articles/nerve-blocks/%00",
    ],
)
def test_trailing_garbage_without_a_slash_is_a_json_404(api, content, path):
    response = send(api, "get", path)

    assert_json_object(response, 404)
