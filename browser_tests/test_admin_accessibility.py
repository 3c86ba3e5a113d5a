"""axe-core on the admin pages staff work in, at desktop and phone widths: no serious or critical
violation. Each page is one case, named after what staff call it, so a failure says where."""

import pytest
from django.urls import reverse

from articles import revisions
from browser_tests.conftest import axe_violations, csp_violations, log_in

# serialized_rollback: each test starts with the roles the data migration created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESKTOP = {"width": 1280, "height": 1000}
PHONE = {"width": 390, "height": 844}


def _versions(article):
    older, newer = sorted(revisions.versions_of(article), key=lambda version: version.pk)[-2:]
    return older, newer


def _compare(article):
    older, newer = _versions(article)
    return reverse("admin:articles_article_compare", args=[article.pk]) + f"?a={older.pk}&b={newer.pk}"


def _revert(article):
    older, _ = _versions(article)
    return reverse("admin:articles_article_revert", args=[article.pk, older.pk])


# (page, the role of the person who opens it, its address for the article).
PAGES = [
    ("home page of a writer", "Writer", lambda article: reverse("admin:index")),
    ("home page of a reviewer", "Clinical reviewer", lambda article: reverse("admin:index")),
    ("article list", "Clinic admin", lambda article: reverse("admin:articles_article_changelist")),
    ("article page", "Writer", lambda article: reverse("admin:articles_article_change", args=[article.pk])),
    (
        "patient preview",
        "Writer",
        lambda article: reverse("admin:articles_article_patient_preview", args=[article.pk]),
    ),
    ("history", "Writer", lambda article: reverse("admin:articles_article_history", args=[article.pk])),
    ("compare two versions", "Writer", _compare),
    ("revert to a version", "Clinic admin", _revert),
    (
        "record a clinical review",
        "Clinical reviewer",
        lambda article: reverse("admin:articles_article_review", args=[article.pk]),
    ),
    # The organisation's admin (a Clinic admin of every clinic) sets up webhooks.
    ("new webhook endpoint", "Clinic admin", lambda article: reverse("admin:webhooks_endpoint_add")),
    ("webhook endpoint page", "Clinic admin", lambda article: _endpoint_page()),
    ("webhook delivery log", "Clinic admin", lambda article: reverse("admin:webhooks_delivery_changelist")),
]


def _endpoint_page():
    from webhooks.models import Endpoint

    endpoint = Endpoint.objects.create(name="Site rebuild", url="https://hooks.clinic.example/careleaf")
    return reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])


@pytest.mark.parametrize(("page_name", "role", "address"), PAGES, ids=[page[0] for page in PAGES])
def test_admin_page_has_no_serious_accessibility_violation(
    live_server, new_page, make_staff, pump_article, page_name, role, address
):
    make_staff("someone", role)
    page = new_page()
    log_in(page, live_server, "someone")
    url = f"{live_server.url}{address(pump_article)}"

    found = {}
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        response = page.goto(url)
        assert response.status == 200, f"{page_name}: {response.status} at {page.url}"
        assert page.url == url, f"{page_name} redirected to {page.url}"
        found[viewport["width"]] = axe_violations(page)
        assert csp_violations(page) == []

    assert found == {1280: [], 390: []}, page_name
