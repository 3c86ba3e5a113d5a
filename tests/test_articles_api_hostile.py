"""Malformed and hostile query input on the public API: always a JSON 4xx, never a 500."""

import datetime

import pytest

from tests.factories import make_article, make_clinic, make_condition

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ({"published_before": "9999-12-31"}, "published_before"),
        ({"published_after": "0001-01-01T00:00:00+14:00"}, "published_after"),
        ({"published_after": "9999-12-31T23:59:59-12:00"}, "published_after"),
        ({"published_after": "1899-12-31"}, "published_after"),
        ({"search": "a" * 201}, "search"),
        ({"search": " ".join(["pump"] * 11)}, "search"),
        ({"search": "pump\x00"}, "search"),
        ({"condition": "cancer\x00pain"}, "condition"),
        ({"risk": "in fection"}, "risk"),
        ({"clinic": "a\x00"}, "clinic"),
        ({"clinic": "../etc"}, "clinic"),
    ],
)
def test_article_list_rejects_out_of_range_and_hostile_values_with_a_400_naming_them(api, query, key):
    response = api.get("/api/v1/articles/", query)
    assert response.status_code == 400
    assert list(response.json()) == [key]


def test_article_list_search_accepts_ten_words_and_two_hundred_characters(api):
    make_article(title="pump " * 10)
    assert api.get("/api/v1/articles/", {"search": " ".join(["pump"] * 10)}).json()["count"] == 1
    assert api.get("/api/v1/articles/", {"search": "p" * 200}).status_code == 200


def test_article_list_dates_at_the_edges_of_the_accepted_years_work(api):
    make_article()
    assert api.get("/api/v1/articles/", {"published_before": "2999-12-31"}).json()["count"] == 1
    assert api.get("/api/v1/articles/", {"published_after": "1900-01-01"}).json()["count"] == 1


@pytest.mark.parametrize("ordering", ["title,", ",title", ",,", ","])
def test_article_list_ignores_empty_ordering_items(api, ordering):
    make_article(title="B", published_ago=datetime.timedelta(days=1))
    make_article(title="A", published_ago=datetime.timedelta(days=2))
    response = api.get("/api/v1/articles/", {"ordering": ordering})
    assert response.status_code == 200
    titles = [row["title"] for row in response.json()["results"]]
    # By title when asked; otherwise the default, newest first.
    assert titles == (["A", "B"] if "title" in ordering else ["B", "A"])


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles/a%00b/",
        "/api/v1/conditions/a%00/",
        "/api/v1/risks/%00/",
        "/api/v1/clinics/a%00/",
        "/api/v1/articles/%C3%A9t%C3%A9/",
        "/api/v1/articles/a.b/",
    ],
)
def test_slugs_that_cannot_exist_are_a_json_404_before_any_query(api, path, django_assert_num_queries):
    # The only query: the content version, read by the cache middleware before URL routing.
    with django_assert_num_queries(1):
        response = api.get(path)
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_a_nul_byte_in_a_slug_filter_is_a_400_on_every_database(api):
    make_condition(slug="cancer-pain")
    for key in ("condition", "risk"):
        response = api.get("/api/v1/articles/", {key: "cancer-pain,a\x00"})
        assert response.status_code == 400
        assert list(response.json()) == [key]


@pytest.mark.parametrize("method", ["options", "post", "put", "delete"])
@pytest.mark.parametrize("path", ["/api/docs/", "/api/schema/"])
def test_docs_and_schema_answer_only_reads(api, path, method):
    assert getattr(api, method)(path).status_code == 405


def test_article_list_without_trailing_slash_redirects_to_it(api):
    response = api.get("/api/v1/articles")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/articles/"


def test_a_request_with_a_bad_host_header_gets_a_json_400_under_the_api(api):
    response = api.get("/api/v1/articles/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request."}


def test_clinic_list_refuses_orm_lookups_in_parameters(api):
    make_clinic()
    response = api.get("/api/v1/clinics/", {"clinic__name__startswith": "x"})
    assert response.status_code == 400
    assert list(response.json()) == ["clinic__name__startswith"]
