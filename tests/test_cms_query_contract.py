"""The strict query contract: what an endpoint does not know is a 400 naming it."""

import pytest

from tests.factories import make_article, make_clinic, make_condition, make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def content():
    clinic = make_clinic(slug="riverside")
    condition = make_condition(slug="knee-pain")
    make_article(slug="public", clinic=clinic, conditions=[condition])
    make_draft(slug="secret-draft", title="Secret draft", clinic=clinic, conditions=[condition])


@pytest.mark.parametrize(
    ("path", "query", "unknown"),
    [
        ("/api/v1/articles/", "?status=draft", ["status"]),
        ("/api/v1/articles/", "?include_drafts=1", ["include_drafts"]),
        (
            "/api/v1/articles/",
            "?clinic__name__startswith=R&_connector=OR",
            ["_connector", "clinic__name__startswith"],
        ),
        ("/api/v1/articles/", "?conditon=knee-pain", ["conditon"]),
        ("/api/v1/articles/public/", "?page=1", ["page"]),
        ("/api/v1/articles/public/", "?preview=1", ["preview"]),
        ("/api/v1/conditions/", "?search=knee", ["search"]),
        ("/api/v1/conditions/knee-pain/", "?status=draft", ["status"]),
        ("/api/v1/risks/", "?ordering=name", ["ordering"]),
        ("/api/v1/clinics/", "?format=api", ["format"]),
        ("/api/v1/clinics/riverside/", "?include_drafts=true", ["include_drafts"]),
    ],
)
def test_unknown_query_parameters_are_a_400_naming_each_of_them(api, content, path, query, unknown):
    response = api.get(path + query)

    assert response.status_code == 400
    body = response.json()
    assert sorted(body) == unknown
    assert all("Unknown query parameter" in body[name][0] for name in unknown)
    assert "Secret" not in response.content.decode()


def test_the_400_says_what_the_endpoint_accepts(api, content):
    body = api.get("/api/v1/articles/?colour=blue").json()

    assert body == {
        "colour": [
            "Unknown query parameter; this endpoint accepts clinic, condition, fields, icd10, language, "
            "ordering, page, page_size, published_after, published_before, risk, search."
        ]
    }
    assert api.get("/api/v1/articles/public/?colour=blue").json() == {
        "colour": ["Unknown query parameter; this endpoint accepts fields."]
    }


@pytest.mark.parametrize(
    "query",
    ["?utm_source=newsletter&utm_medium=email", "?fbclid=IwAR0abc", "?gclid=Cj0KCQ", "?_=1732440000000"],
)
@pytest.mark.parametrize(
    "path", ["/api/v1/articles/", "/api/v1/articles/public/", "/api/v1/clinics/riverside/"]
)
def test_tracking_and_cache_busting_parameters_are_allowed(api, content, path, query):
    assert api.get(path + query).status_code == 200


def test_known_parameters_still_work(api, content):
    response = api.get("/api/v1/articles/?condition=knee-pain&ordering=title&page=1&page_size=5&search=")

    assert response.status_code == 200
    assert [article["slug"] for article in response.json()["results"]] == ["public"]


@pytest.mark.parametrize(
    ("ordering", "status"),
    [("title", 200), ("title,-updated_at,published_at", 200), ("title,-updated_at,published_at,-title", 400)],
)
def test_ordering_takes_at_most_three_terms(api, content, ordering, status):
    response = api.get(f"/api/v1/articles/?ordering={ordering}")

    assert response.status_code == status
    if status == 400:
        assert response.json() == {"ordering": ["Order by at most 3 fields."]}


def test_preview_takes_no_query_parameters(api):
    response = api.get("/api/v1/preview/not-a-token/?include_drafts=1")

    assert response.status_code == 400
    assert list(response.json()) == ["include_drafts"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "trace"])
@pytest.mark.parametrize("path", ["/api/v1/articles/", "/api/v1/articles/public/", "/api/v1/preview/x/"])
def test_a_write_method_is_a_405_whatever_its_query_string(api, content, method, path):
    response = api.generic(method.upper(), path + "?page=1&status=draft")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
