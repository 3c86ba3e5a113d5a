"""Field selection on the public API: ``?fields=slug,title`` on every list and detail endpoint."""

import pytest
import yaml
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.field_selection import field_names
from api.serializers import (
    ArticleDetailSerializer,
    ArticleSerializer,
    ClinicDetailSerializer,
    ClinicSerializer,
    ConditionDetailSerializer,
    ConditionSerializer,
    RiskDetailSerializer,
    RiskSerializer,
)
from articles import previews
from tests.factories import make_article, make_contact_link, make_draft, make_section
from tests.test_api_caching import cache_entries, wsgi_get

pytestmark = pytest.mark.django_db

# (path, serializer of the answer or of each result, whether it is a list)
ENDPOINTS = [
    ("/api/v1/articles/", ArticleSerializer, True),
    ("/api/v1/articles/pump/", ArticleDetailSerializer, False),
    ("/api/v1/conditions/", ConditionSerializer, True),
    ("/api/v1/conditions/knee-pain/", ConditionDetailSerializer, False),
    ("/api/v1/risks/", RiskSerializer, True),
    ("/api/v1/risks/infection/", RiskDetailSerializer, False),
    ("/api/v1/clinics/", ClinicSerializer, True),
    ("/api/v1/clinics/wabash/", ClinicDetailSerializer, False),
]
ENDPOINT_IDS = [path for path, _, _ in ENDPOINTS]
PATHS = {
    "/api/v1/articles/": "/api/v1/articles/{slug}/",
    "/api/v1/conditions/": "/api/v1/conditions/{slug}/",
    "/api/v1/risks/": "/api/v1/risks/{slug}/",
    "/api/v1/clinics/": "/api/v1/clinics/{slug}/",
}


@pytest.fixture
def content(pump, django_capture_on_commit_callbacks):
    """The pump (its clinic with a contact link) and a second article, their JSON stored."""
    # A vocabulary change: the pump's stored JSON is rendered again once it commits.
    with django_capture_on_commit_callbacks(execute=True):
        make_contact_link(clinic=pump.clinic, label="Call us")
    make_article(slug="other", title="Other article", clinic=pump.clinic, conditions=[pump.conditions.get()])
    return pump


def items(response, many: bool) -> list[dict]:
    assert response.status_code == 200, response.content
    body = response.json()
    return body["results"] if many else [body]


def query(fields: str) -> str:
    return f"?fields={fields}"


# --- Selection -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "serializer", "many"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_each_field_alone_is_exactly_that_key_of_the_full_answer(api, content, path, serializer, many):
    full = items(api.get(path), many)
    names = field_names(serializer)
    assert list(full[0]) == list(names)  # the names are the answer's keys, in order

    for name in names:
        selected = items(api.get(path + query(name)), many)
        assert selected == [{name: item[name]} for item in full], name


@pytest.mark.parametrize(("path", "serializer", "many"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_keys_come_in_the_serializers_order_whatever_the_order_asked(api, content, path, serializer, many):
    full = items(api.get(path), many)
    first, *_, last = field_names(serializer)

    # Asked last first, and once more: each key once, in the full answer's order.
    selected = items(api.get(path + query(f"{last},{first},{last}")), many)

    assert [list(item) for item in selected] == [[first, last]] * len(full)
    assert selected == [{first: item[first], last: item[last]} for item in full]


def test_article_list_selects_in_each_result_and_keeps_the_page_envelope(api, content):
    full = api.get("/api/v1/articles/?page_size=1").json()

    body = api.get("/api/v1/articles/?page_size=1&fields=slug,title").json()

    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == full["count"] == 2
    # The next page keeps the selection.
    assert body["next"] == "http://testserver/api/v1/articles/?fields=slug%2Ctitle&page=2&page_size=1"
    assert body["results"] == [{"slug": full["results"][0]["slug"], "title": full["results"][0]["title"]}]


def test_article_detail_selection_is_the_stored_json_with_this_hosts_origin(api, content):
    full = api.get("/api/v1/articles/pump/").json()

    body = api.get("/api/v1/articles/pump/?fields=slug,title,sections,url").json()

    assert body == {
        "slug": "pump",
        "title": "Intrathecal pumps",
        "url": "http://testserver/api/v1/articles/pump/",
        "sections": full["sections"],
    }
    assert list(body) == ["slug", "title", "url", "sections"]


def test_the_article_list_and_detail_select_from_json_rendered_now_when_none_is_stored(
    api, content, django_capture_on_commit_callbacks
):
    condition = content.conditions.get()
    condition.name = "Renamed condition"
    # Their stored JSON is cleared at once, rendered again only once the change commits.
    with django_capture_on_commit_callbacks(execute=False):
        condition.save()

    detail = api.get("/api/v1/articles/pump/?fields=conditions,slug").json()
    listed = api.get("/api/v1/articles/?fields=conditions").json()["results"]

    assert list(detail) == ["slug", "conditions"]
    assert detail["conditions"][0]["name"] == "Renamed condition"
    assert [row["conditions"][0]["name"] for row in listed] == ["Renamed condition"] * 2
    assert all(list(row) == ["conditions"] for row in listed)


def test_repeated_fields_parameters_are_merged(api, content):
    body = api.get("/api/v1/articles/pump/?fields=title&fields=slug&fields=title").json()
    assert body == {"slug": "pump", "title": "Intrathecal pumps"}

    results = api.get("/api/v1/conditions/?fields=name&fields=slug").json()["results"]
    assert results == [{"slug": "knee-pain", "name": "Knee pain"}]


def test_a_ten_thousand_character_list_of_known_names_works(api, content):
    response = api.get("/api/v1/articles/pump/", {"fields": ",".join(["slug"] * 2000)})

    assert response.status_code == 200
    assert response.json() == {"slug": "pump"}


# --- Refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "serializer", "many"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_an_unknown_field_is_a_400_naming_it_and_listing_the_endpoints_fields(
    api, content, path, serializer, many
):
    response = api.get(path + query("slug,colour"))

    assert response.status_code == 400
    assert response.json() == {
        "fields": [f"Unknown field 'colour'; this endpoint has: {', '.join(field_names(serializer))}."]
    }


def test_a_detail_field_is_unknown_on_the_list(api, content):
    response = api.get("/api/v1/articles/?fields=slug,sections")

    assert response.status_code == 400
    assert response.json()["fields"][0].startswith(
        "Unknown field 'sections'; this endpoint has: slug, title,"
    )


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("clinic.name", "'clinic.name'"),
        ("clinic__name", "'clinic__name'"),
        ("conditions.slug", "'conditions.slug'"),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/articles/", "/api/v1/articles/pump/"])
def test_nested_fields_are_a_400(api, content, path, value, named):
    response = api.get(path + query(value))

    assert response.status_code == 400
    [message] = response.json()["fields"]
    assert message.startswith(f"Unknown field {named}; this endpoint has: slug, title,")
    assert message.endswith("Only top-level fields can be selected.")


@pytest.mark.parametrize("value", ["", ",", "slug,", ",slug", "slug,,title"])
@pytest.mark.parametrize("path", ["/api/v1/articles/", "/api/v1/articles/pump/", "/api/v1/clinics/wabash/"])
def test_an_empty_field_name_is_a_400(api, content, path, value):
    response = api.get(path + query(value))

    assert response.status_code == 400
    [message] = response.json()["fields"]
    assert message.startswith("Empty field name")
    assert "this endpoint has: slug, " in message


@pytest.mark.parametrize("value", ["slug, title", " slug", "Slug", "slug\x00", "tïtle", "slug\n"])
def test_names_are_matched_exactly(api, content, value):
    response = api.get("/api/v1/articles/pump/", {"fields": value})

    assert response.status_code == 400
    assert response.json()["fields"][0].startswith("Unknown field '")


def test_one_bad_name_among_repeated_parameters_is_a_400(api, content):
    response = api.get("/api/v1/articles/pump/?fields=slug&fields=nope")

    assert response.status_code == 400
    assert response.json()["fields"][0].startswith("Unknown field 'nope';")


@pytest.mark.parametrize("path", ["/api/v1/articles/", "/api/v1/articles/pump/", "/api/v1/clinics/"])
def test_a_ten_thousand_character_value_is_a_short_400(api, content, path):
    response = api.get(path, {"fields": "x" * 10_000})

    assert response.status_code == 400
    [message] = response.json()["fields"]
    assert message.startswith("Unknown field 'xxxxx") and "...;" in message
    assert len(response.content) < 1000


def test_a_refusal_costs_no_query_beyond_the_version(api, content, django_assert_num_queries):
    with django_assert_num_queries(1):  # the listing version (cache middleware)
        assert api.get("/api/v1/articles/?fields=nope").status_code == 400
    with django_assert_num_queries(1):  # the article's public row (cache middleware)
        assert api.get("/api/v1/articles/pump/?fields=nope").status_code == 400


def test_the_preview_does_not_take_fields(api, content, staff):
    token = previews.token_for(previews.create_link(content, by=staff["wendy"]))

    assert api.get(f"/api/v1/preview/{token}/").status_code == 200
    response = api.get(f"/api/v1/preview/{token}/?fields=slug")

    assert response.status_code == 400
    assert response.json() == {
        "fields": ["Unknown query parameter; this endpoint accepts no query parameters."]
    }


def test_other_parameters_are_still_refused_on_a_detail(api, content):
    response = api.get("/api/v1/articles/pump/?fields=slug&page=1")

    assert response.status_code == 400
    assert response.json() == {"page": ["Unknown query parameter; this endpoint accepts fields."]}


# --- What the public never sees -------------------------------------------------------------------


def test_no_selection_shows_a_drafts_or_a_working_copys_text(api, content):
    # The working copy of the live article changes, unapproved.
    content.title = "Secret working title"
    content.summary = "Secret working summary"
    content.save()
    section = content.sections.get()
    section.body = "<p>Secret working text.</p>"
    section.save()
    make_section(article=content, position=9, heading="Secret new section")
    make_draft(
        slug="secret-draft",
        title="Secret draft",
        clinic=content.clinic,
        conditions=[content.conditions.get()],
        sections=1,
    )

    # Every field of every endpoint, and a few smaller selections and refusals.
    answers = [api.get(path + query(",".join(field_names(serializer)))) for path, serializer, _ in ENDPOINTS]
    answers += [
        api.get("/api/v1/articles/?fields=title,summary"),
        api.get("/api/v1/articles/pump/?fields=title,summary,sections"),
        api.get("/api/v1/articles/secret-draft/?fields=title"),
        api.get("/api/v1/articles/secret-draft/?fields=nope"),
        api.get("/api/v1/articles/?fields=nope"),
    ]

    assert all("Secret" not in answer.content.decode() for answer in answers)
    assert api.get("/api/v1/articles/pump/?fields=title").json() == {"title": "Intrathecal pumps"}
    assert api.get("/api/v1/articles/secret-draft/?fields=title").status_code == 404
    listed = api.get("/api/v1/articles/?fields=slug").json()["results"]
    assert sorted(row["slug"] for row in listed) == ["other", "pump"]


# --- Query budgets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fields", "budget"),
    [
        # listing version, ids, the page's stored JSON
        ("/api/v1/articles/", "slug,title", 3),
        # the public row, with its stored JSON
        ("/api/v1/articles/pump/", "slug,sections", 1),
        # content version, COUNT(*), the page of topics (and conditions' codes)
        ("/api/v1/conditions/", "slug", 4),
        ("/api/v1/risks/", "name", 3),
        # content version, the topic, its articles (and a condition's codes)
        ("/api/v1/conditions/knee-pain/", "slug,articles", 4),
        ("/api/v1/risks/infection/", "slug", 3),
        # listing version, COUNT(*), the page of clinics, their contact links
        ("/api/v1/clinics/", "slug,name", 4),
        # listing version, the clinic, its contact links, its articles
        ("/api/v1/clinics/wabash/", "jsonld", 4),
    ],
)
def test_selection_adds_no_query(api, content, django_assert_num_queries, path, fields, budget):
    with CaptureQueriesContext(connection) as full:
        assert api.get(path).status_code == 200
    cache.clear()

    with django_assert_num_queries(budget):
        response = api.get(path + query(fields))

    assert response.status_code == 200
    assert len(full) == budget


@pytest.mark.parametrize("stored", [False, True], ids=["rendered-now", "stored-json"])
@pytest.mark.parametrize(("path", "budget"), [("/api/v1/articles/", 3), ("/api/v1/articles/pump/", 1)])
def test_selection_keeps_the_article_budgets_with_or_without_stored_json(
    api, content, django_assert_num_queries, django_capture_on_commit_callbacks, stored, path, budget
):
    content.clinic.name = "Renamed clinic"
    # The stored JSON is cleared at once, and rendered again once the change commits.
    with django_capture_on_commit_callbacks(execute=stored):
        content.clinic.save()
    with CaptureQueriesContext(connection) as full:
        assert api.get(path).status_code == 200
    cache.clear()

    # Rendering now costs what tests/test_articles_api.py counts: the publications, clinics,
    # contact links, conditions and risks; the same with a selection.
    with django_assert_num_queries(len(full)):
        response = api.get(path + query("clinic"))

    many = path == "/api/v1/articles/"
    assert [item["clinic"]["name"] for item in items(response, many)] == ["Renamed clinic"] * (
        2 if many else 1
    )
    assert (len(full) == budget) is stored


def test_every_selection_of_a_listing_shares_one_id_list(api, content, django_assert_num_queries):
    assert api.get("/api/v1/articles/?fields=slug").status_code == 200

    # listing version, the page's stored JSON: the ids are the cached ones of the first selection.
    with django_assert_num_queries(2):
        assert api.get("/api/v1/articles/?fields=title").status_code == 200
    with django_assert_num_queries(2):
        assert api.get("/api/v1/articles/").status_code == 200
    assert len(cache_entries("api-ids:")) == 1


# --- HTTP caching ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/articles/", "/api/v1/articles/pump/", "/api/v1/clinics/wabash/"])
def test_each_selection_has_its_own_etag_and_never_gets_anothers_304(api, content, path):
    slug_only = api.get(path + query("slug"))
    url_only = api.get(path + query("url"))
    full = api.get(path)

    assert len({slug_only["ETag"], url_only["ETag"], full["ETag"]}) == 3
    # The ETag of ?fields=slug does not validate ?fields=url, nor the full answer.
    for other in (query("url"), ""):
        response = api.get(path + other, HTTP_IF_NONE_MATCH=slug_only["ETag"])
        assert response.status_code == 200
        assert response["ETag"] != slug_only["ETag"]
    assert api.get(path + query("url"), HTTP_IF_NONE_MATCH=slug_only["ETag"]).content == url_only.content
    # It does validate its own selection.
    assert api.get(path + query("slug"), HTTP_IF_NONE_MATCH=slug_only["ETag"]).status_code == 304


@pytest.mark.parametrize("path", ["/api/v1/articles/", "/api/v1/articles/pump/", "/api/v1/conditions/"])
def test_the_response_cache_keeps_each_selection_apart(content, path):
    slug_only = wsgi_get(path + query("slug"))
    url_only = wsgi_get(path + query("url"))
    full = wsgi_get(path)

    assert len({slug_only["body"], url_only["body"], full["body"]}) == 3
    assert b'"url"' not in slug_only["body"] and b'"slug"' not in url_only["body"]
    assert len(cache_entries("api:")) == 3
    # Hits: the same bytes again, and no new entry.
    assert wsgi_get(path + query("slug"))["body"] == slug_only["body"]
    assert wsgi_get(path + query("url"))["body"] == url_only["body"]
    assert len(cache_entries("api:")) == 3


# --- OpenAPI --------------------------------------------------------------------------------------


def test_the_schema_documents_fields_on_every_list_and_detail(api):
    paths = yaml.safe_load(api.get("/api/schema/").content)["paths"]

    for path, serializer, many in ENDPOINTS:
        template = path if many else PATHS[path.rsplit("/", 2)[0] + "/"]
        [parameter] = [p for p in paths[template]["get"]["parameters"] if p["name"] == "fields"]
        assert parameter["in"] == "query"
        assert parameter["style"] == "form"
        assert parameter["explode"] is False
        assert parameter.get("required", False) is False
        assert parameter["schema"]["type"] == "array"
        assert parameter["schema"]["items"]["enum"] == list(field_names(serializer)), template
        assert ", ".join(field_names(serializer)) in parameter["description"]
    preview = paths["/api/v1/preview/{token}/"]["get"]["parameters"]
    assert "fields" not in {p["name"] for p in preview}
