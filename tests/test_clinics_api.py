"""The public clinic API: /api/v1/clinics/ and /api/v1/clinics/{slug}/."""

import datetime

import pytest
from django.utils import timezone

from clinics.models import Clinic, ContactLink
from tests.factories import (
    make_archived,
    make_article,
    make_clinic,
    make_contact_link,
    make_draft,
    make_scheduled,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def make_riverside() -> Clinic:
    clinic = make_clinic(
        name="Riverside Pain Clinic",
        slug="riverside",
        description="Pain care by the river.",
        specialty="Pain management",
        street_address="12 Water Street",
        city="Lafayette",
        region="IN",
        postal_code="47901",
        country="US",
        phone="+1-765-555-0100",
        email="hello@riverside.example",
        website="https://riverside.example/",
    )
    # Created out of position order: the API must follow position, not creation.
    make_contact_link(clinic=clinic, kind="phone", label="Call us", url="tel:+17655550100", position=2)
    make_contact_link(clinic=clinic, kind="website", label="", url="https://riverside.example/", position=1)
    return clinic


RIVERSIDE_PROFILE = {
    "slug": "riverside",
    "name": "Riverside Pain Clinic",
    "url": "http://testserver/api/v1/clinics/riverside/",
    "description": "Pain care by the river.",
    "specialty": "Pain management",
    "address": {
        "street_address": "12 Water Street",
        "city": "Lafayette",
        "region": "IN",
        "postal_code": "47901",
        "country": "US",
    },
    "phone": "+1-765-555-0100",
    "email": "hello@riverside.example",
    "website": "https://riverside.example/",
    "contact_links": [
        {"kind": "website", "label": None, "url": "https://riverside.example/"},
        {"kind": "phone", "label": "Call us", "url": "tel:+17655550100"},
    ],
}


def make_hidden_articles(**fields) -> None:
    make_draft(title="Secret draft plan", **fields)
    make_archived(title="Secret archived plan", **fields)
    make_scheduled(title="Secret scheduled plan", **fields)


# --- GET /api/v1/clinics/ ------------------------------------------------------------------------


def test_clinic_list_result_has_exactly_the_documented_shape(api):
    clinic = make_riverside()
    make_article(clinic=clinic)
    make_article(clinic=clinic)

    response = api.get("/api/v1/clinics/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [RIVERSIDE_PROFILE | {"default_language": "en", "article_count": 2}],
    }


def test_clinic_list_is_in_name_order(api):
    # Neither creation (primary key) nor slug order is name order, so an unordered listing shows.
    make_clinic(name="Maple Clinic", slug="c-maple", is_public=True)
    make_clinic(name="Zephyr Clinic", slug="a-zephyr", is_public=True)
    make_clinic(name="Aspen Clinic", slug="b-aspen", is_public=True)

    assert slugs(api.get("/api/v1/clinics/")) == ["b-aspen", "c-maple", "a-zephyr"]


def test_clinic_list_pages_never_repeat_or_skip_clinics(api):
    created = {make_clinic(name=name, is_public=True).slug for name in ("E", "B", "D", "A", "C")}

    seen = []
    for page in (1, 2, 3):
        seen += slugs(api.get(f"/api/v1/clinics/?page_size=2&page={page}"))

    assert len(seen) == 5
    assert set(seen) == created


def test_clinic_list_counts_only_published_articles(api):
    clinic = make_clinic(slug="riverside")
    make_article(clinic=clinic)
    make_hidden_articles(clinic=clinic)

    [row] = api.get("/api/v1/clinics/").json()["results"]

    assert row["article_count"] == 1


def test_clinic_list_counts_each_clinics_own_articles(api):
    riverside = make_clinic(name="Riverside", slug="riverside")
    hillside = make_clinic(name="Hillside", slug="hillside")
    for _ in range(3):
        make_article(clinic=riverside)
    make_article(clinic=hillside)

    rows = api.get("/api/v1/clinics/").json()["results"]

    assert {row["slug"]: row["article_count"] for row in rows} == {"riverside": 3, "hillside": 1}


def test_clinic_list_keeps_contact_links_in_position_order(api):
    clinic = make_clinic(is_public=True)
    for position in (3, 1, 2):
        make_contact_link(clinic=clinic, url=f"https://clinic.example/{position}", position=position)

    [row] = api.get("/api/v1/clinics/").json()["results"]

    assert [link["url"] for link in row["contact_links"]] == [
        "https://clinic.example/1",
        "https://clinic.example/2",
        "https://clinic.example/3",
    ]


# --- GET /api/v1/clinics/{slug}/ -----------------------------------------------------------------


def test_clinic_detail_has_exactly_the_documented_shape(api):
    clinic = make_riverside()
    make_article(clinic=clinic, title="Knee injection", slug="knee-injection", published_ago=2 * DAY)
    make_article(clinic=clinic, title="Nerve blocks", slug="nerve-blocks", published_ago=1 * DAY)

    response = api.get("/api/v1/clinics/riverside/")

    assert response.status_code == 200
    assert response.json() == RIVERSIDE_PROFILE | {
        "default_language": "en",
        "article_count": 2,
        "articles": [
            {
                "slug": "nerve-blocks",
                "title": "Nerve blocks",
                "url": "http://testserver/api/v1/articles/nerve-blocks/",
                "page_url": "http://localhost:3000/articles/nerve-blocks",
            },
            {
                "slug": "knee-injection",
                "title": "Knee injection",
                "url": "http://testserver/api/v1/articles/knee-injection/",
                "page_url": "http://localhost:3000/articles/knee-injection",
            },
        ],
        "jsonld": {
            "@context": "https://schema.org",
            "@graph": [
                {
                    "@type": "MedicalClinic",
                    "@id": "https://riverside.example/#clinic",
                    "name": "Riverside Pain Clinic",
                    "description": "Pain care by the river.",
                    "url": "https://riverside.example/",
                    "telephone": "+1-765-555-0100",
                    "email": "hello@riverside.example",
                    "address": {
                        "@type": "PostalAddress",
                        "streetAddress": "12 Water Street",
                        "addressLocality": "Lafayette",
                        "addressRegion": "IN",
                        "postalCode": "47901",
                        "addressCountry": "US",
                    },
                }
            ],
        },
    }


def test_clinic_detail_lists_articles_newest_first(api):
    clinic = make_clinic(slug="riverside")
    middle = make_article(clinic=clinic, published_ago=2 * DAY)
    oldest = make_article(clinic=clinic, published_ago=3 * DAY)
    newest = make_article(clinic=clinic, published_ago=1 * DAY)

    body = api.get("/api/v1/clinics/riverside/").json()

    assert [article["slug"] for article in body["articles"]] == [newest.slug, middle.slug, oldest.slug]


def test_clinic_detail_lists_only_published_articles(api):
    clinic = make_clinic(slug="riverside")
    public = make_article(clinic=clinic)
    make_hidden_articles(clinic=clinic)

    body = api.get("/api/v1/clinics/riverside/").json()

    assert body["article_count"] == 1
    assert [article["slug"] for article in body["articles"]] == [public.slug]
    assert "Secret" not in str(body)


def test_clinic_detail_lists_only_its_own_articles(api):
    riverside = make_clinic(slug="riverside")
    own = make_article(clinic=riverside)
    make_article(clinic=make_clinic(slug="hillside"))

    body = api.get("/api/v1/clinics/riverside/").json()

    assert [article["slug"] for article in body["articles"]] == [own.slug]


def test_clinic_shows_a_scheduled_article_once_its_time_has_passed(api, monkeypatch):
    now = timezone.now()
    clinic = make_clinic(slug="riverside")
    make_scheduled(clinic=clinic, slug="coming-soon", ahead=datetime.timedelta(hours=1))
    # Not public before its first article is: a scheduled one must not announce the clinic.
    assert api.get("/api/v1/clinics/").json()["results"] == []
    assert api.get("/api/v1/clinics/riverside/").status_code == 404

    # No job runs and nothing is saved: the clock alone moves past its time.
    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=2))

    assert api.get("/api/v1/clinics/").json()["results"][0]["article_count"] == 1
    detail = api.get("/api/v1/clinics/riverside/").json()
    assert detail["article_count"] == 1
    assert [article["slug"] for article in detail["articles"]] == ["coming-soon"]


def test_clinic_detail_of_an_unknown_slug_is_a_json_404(api):
    response = api.get("/api/v1/clinics/no-such-clinic/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert isinstance(response.json(), dict)


# --- Errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", ["abc", "0", "-1", "101", "1.5", ""])
def test_clinic_list_rejects_a_malformed_page_size(api, page_size):
    make_clinic()

    response = api.get(f"/api/v1/clinics/?page_size={page_size}")

    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


@pytest.mark.parametrize("page", ["abc", "0", "-1"])
def test_clinic_list_rejects_a_malformed_page_number(api, page):
    make_clinic()

    response = api.get(f"/api/v1/clinics/?page={page}")

    assert response.status_code == 400
    assert list(response.json()) == ["page"]


def test_clinic_list_page_past_the_end_is_a_json_404(api):
    make_clinic()

    response = api.get("/api/v1/clinics/?page=2")

    assert response.status_code == 404
    assert isinstance(response.json(), dict)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_clinic_endpoints_refuse_writes_and_change_nothing(api, method):
    make_riverside()
    clinics_before = list(Clinic.objects.values())
    links_before = list(ContactLink.objects.values())
    payload = {"name": "Changed", "slug": "changed", "email": "attacker@evil.example"}

    on_list = getattr(api, method)("/api/v1/clinics/", payload, format="json")
    on_detail = getattr(api, method)("/api/v1/clinics/riverside/", payload, format="json")

    assert on_list.status_code == 405
    assert on_detail.status_code == 405
    assert isinstance(on_list.json(), dict)
    assert isinstance(on_detail.json(), dict)
    assert list(Clinic.objects.values()) == clinics_before
    assert list(ContactLink.objects.values()) == links_before


# --- Query budgets -------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 25])
def test_clinic_list_query_count_does_not_grow_with_clinics(api, django_assert_max_num_queries, rows):
    for _ in range(rows):
        clinic = make_clinic(contact_links=3)
        make_article(clinic=clinic)
        make_draft(clinic=clinic)

    # 1. the listing version (cache middleware)
    # 2. COUNT(*) of clinics (pagination)
    # 3. the page of clinics with their published-article count
    # 4. the contact links of the page's clinics
    with django_assert_max_num_queries(4):
        body = api.get("/api/v1/clinics/?page_size=100").json()

    assert len(body["results"]) == rows
    assert all(row["article_count"] == 1 for row in body["results"])
    assert all(len(row["contact_links"]) == 3 for row in body["results"])


@pytest.mark.parametrize("rows", [1, 25])
def test_clinic_detail_query_count_does_not_grow_with_articles_or_links(
    api, django_assert_max_num_queries, rows
):
    clinic = make_clinic(slug="riverside", contact_links=rows)
    for _ in range(rows):
        make_article(clinic=clinic)
        make_draft(clinic=clinic)

    # 1. the listing version (cache middleware)
    # 2. the clinic with its published-article count
    # 3. its contact links
    # 4. its published articles, newest first
    with django_assert_max_num_queries(4):
        body = api.get("/api/v1/clinics/riverside/").json()

    assert body["article_count"] == rows
    assert len(body["articles"]) == rows
    assert len(body["contact_links"]) == rows
