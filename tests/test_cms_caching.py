"""HTTP caching of the public API: validators, 304s, Cache-Control, and the WSGI response cache."""

import datetime
import io

import pytest
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from django.utils.http import http_date

import api.caching
from api.caching import bump_content_version
from api.rendering import rerender_all
from articles import workflow
from articles.models import Article, ArticleDocument, Reviewer
from cms.wsgi import application
from tests.factories import (
    make_article,
    make_clinic,
    make_condition,
    make_contact_link,
    make_draft,
    make_risk,
)

pytestmark = pytest.mark.django_db

DETAIL = "/api/v1/articles/pump/"
PUBLIC_URLS = [
    "/api/v1/articles/",
    DETAIL,
    "/api/v1/conditions/",
    "/api/v1/conditions/knee-pain/",
    "/api/v1/risks/",
    "/api/v1/risks/infection/",
    "/api/v1/clinics/",
    "/api/v1/clinics/wabash/",
]


@pytest.fixture
def pump():
    return make_article(
        slug="pump",
        title="Intrathecal pumps",
        clinic=make_clinic(slug="wabash"),
        conditions=[make_condition(slug="knee-pain", name="Knee pain")],
        risks=[make_risk(slug="infection", name="Infection")],
        sections=1,
    )


def wsgi_get(path, **headers):
    """GET through the deployed WSGI stack (cms.wsgi.application), as gunicorn would."""
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
    }
    response = {}

    def start_response(status, response_headers, exc_info=None):
        response.update(status=int(status.split()[0]), headers={k.lower(): v for k, v in response_headers})

    # As Django's test client does: the test's open transaction must survive the request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response["body"] = b"".join(application(environ, start_response))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return response


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_get_carries_strong_validators_and_public_cache_control(api, pump, url, settings):
    response = api.get(url)
    assert response.status_code == 200
    assert response["ETag"].startswith('"') and not response["ETag"].startswith("W/")
    assert response["Last-Modified"]
    max_age, stale = settings.API_MAX_AGE, settings.API_STALE_WHILE_REVALIDATE
    assert response["Cache-Control"] == f"public, max-age={max_age}, stale-while-revalidate={stale}"


def test_if_none_match_gets_a_304_without_running_the_view(api, pump, django_assert_num_queries):
    etag = api.get(DETAIL)["ETag"]
    # The only query is the content version: the view (and its serializer) never runs.
    with django_assert_num_queries(1):
        response = api.get(DETAIL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response.content == b""


def test_if_modified_since_gets_a_304_unless_the_content_changed_since(api, pump):
    last_modified = api.get(DETAIL)["Last-Modified"]
    assert api.get(DETAIL, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    earlier = http_date((timezone.now() - datetime.timedelta(days=1)).timestamp())
    assert api.get(DETAIL, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200
    later = http_date((timezone.now() + datetime.timedelta(days=1)).timestamp())
    assert api.get(DETAIL, HTTP_IF_MODIFIED_SINCE=later).status_code == 304


def test_a_stale_etag_gets_the_full_new_response(api, pump):
    etag = api.get(DETAIL)["ETag"]
    pump.title = "Pumps, updated"
    pump.save()
    response = api.get(DETAIL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["title"] == "Pumps, updated"
    assert response["ETag"] != etag


def test_etags_differ_between_urls_and_hosts(api, pump, settings):
    settings.ALLOWED_HOSTS = ["testserver", "cms.clinic.example"]
    assert api.get(DETAIL)["ETag"] != api.get("/api/v1/articles/")["ETag"]
    other_host = api.get(DETAIL, HTTP_HOST="cms.clinic.example")
    assert other_host["ETag"] != api.get(DETAIL)["ETag"]
    assert other_host.json()["url"] == "http://cms.clinic.example/api/v1/articles/pump/"


def test_errors_and_previews_are_not_marked_cacheable(api, pump):
    missing = api.get("/api/v1/articles/nope/")
    assert missing.status_code == 404
    assert "ETag" not in missing
    assert api.get("/api/v1/preview/garbage/")["Cache-Control"] == "private, no-store"


def changes():
    """Every kind of edit that can alter a public response, as (description, function)."""

    def retitle(pump):
        pump.title = "Retitled"
        pump.save()

    def edit_section(pump):
        section = pump.sections.get()
        section.body = "<p>New text.</p>"
        section.save()

    def rename_condition(pump):
        condition = pump.conditions.get()
        condition.name = "Sore knees"
        condition.save()

    def rename_risk(pump):
        risk = pump.risks.get()
        risk.name = "Germs"
        risk.save()

    def rename_clinic(pump):
        clinic = pump.clinic
        clinic.name = "Wabash Valley Pain"
        clinic.save()

    def add_contact_link(pump):
        make_contact_link(clinic=pump.clinic, kind="phone", url="tel:+17655550101")

    def record_review(pump):
        pump.reviewed_by = Reviewer.objects.create(name="Dr. Ng")
        pump.save()

    def add_criterion(pump):
        pump.candidate_criteria.create(text="New criterion", position=9)

    def unpublish(pump):
        pump.status = Article.Status.DRAFT
        pump.save()

    return [
        retitle,
        edit_section,
        rename_condition,
        rename_risk,
        rename_clinic,
        add_contact_link,
        record_review,
        add_criterion,
        unpublish,
    ]


@pytest.mark.parametrize("change", changes(), ids=lambda change: change.__name__)
def test_any_content_change_shows_at_once_through_the_response_cache(pump, change):
    before = wsgi_get(DETAIL)
    assert wsgi_get(DETAIL)["body"] == before["body"]  # now served from the cache

    change(pump)

    after = wsgi_get(DETAIL)
    assert after["body"] != before["body"]
    assert after.get("headers", {}).get("etag") != before["headers"]["etag"]


def test_a_cache_hit_does_not_enter_django(pump, monkeypatch):
    first = wsgi_get(DETAIL)
    calls = []
    monkeypatch.setattr(application, "app", lambda environ, start_response: calls.append(1) or [])
    second = wsgi_get(DETAIL)
    assert calls == []
    assert second["body"] == first["body"]
    assert second["headers"]["etag"] == first["headers"]["etag"]


def test_no_stale_article_after_publish(client, django_user_model, pump):
    draft = make_draft(slug="new-draft", clinic=pump.clinic)
    assert b"new-draft" not in wsgi_get("/api/v1/articles/")["body"]  # and the list is now cached
    reviewer = django_user_model.objects.create_user("rev")
    reviewer.user_permissions.add(*workflow_permissions())

    workflow.transition(draft, "publish", by=reviewer)

    listing = wsgi_get("/api/v1/articles/")
    assert b'"new-draft"' in listing["body"]
    assert wsgi_get("/api/v1/articles/new-draft/")["status"] == 200


def workflow_permissions():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename__in=["publish_article", "change_article"])


def test_a_scheduled_article_appears_when_its_time_comes_without_any_job(pump, monkeypatch):
    now = timezone.now()
    make_article(slug="later", published_at=now + datetime.timedelta(hours=1))
    assert b'"later"' not in wsgi_get("/api/v1/articles/")["body"]

    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=2))

    assert b'"later"' in wsgi_get("/api/v1/articles/")["body"]


def test_responses_differ_by_origin_so_cors_headers_are_never_mixed_up(pump, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://site.example"]
    allowed = wsgi_get(DETAIL, origin="https://site.example")
    other = wsgi_get(DETAIL, origin="https://evil.example")
    again = wsgi_get(DETAIL, origin="https://site.example")
    assert allowed["headers"]["access-control-allow-origin"] == "https://site.example"
    assert "access-control-allow-origin" not in other["headers"]
    assert again["headers"]["access-control-allow-origin"] == "https://site.example"


def test_not_found_responses_are_not_stored(pump, monkeypatch):
    assert wsgi_get("/api/v1/articles/nope/")["status"] == 404
    stored = []
    monkeypatch.setattr(api.caching.cache, "set", lambda *args, **kwargs: stored.append(args))
    assert wsgi_get("/api/v1/articles/nope/")["status"] == 404
    assert [key for key, *_ in stored if key.startswith("api:")] == []


def test_a_dead_redis_is_a_cache_miss_not_an_error(pump, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "cms.lib.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": False, "SOCKET_CONNECT_TIMEOUT": 0.1, "SOCKET_TIMEOUT": 0.1},
        }
    }
    first, second = wsgi_get(DETAIL), wsgi_get(DETAIL)
    assert (first["status"], second["status"]) == (200, 200)
    assert first["body"] == second["body"]


def test_if_modified_since_never_hides_a_change_made_in_the_same_second(api, pump):
    last_modified = api.get(DETAIL)["Last-Modified"]
    pump.title = "Changed within the second"
    pump.save()
    response = api.get(DETAIL, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert response.status_code == 200
    assert response.json()["title"] == "Changed within the second"


def test_if_none_match_star_is_not_a_shortcut_to_304(api, pump):
    assert api.get(DETAIL, HTTP_IF_NONE_MATCH="*").status_code == 200
    assert api.get("/api/v1/articles/nope/", HTTP_IF_NONE_MATCH="*").status_code == 404


def test_http_and_https_responses_are_cached_apart(pump, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = wsgi_get(DETAIL)
    secure = wsgi_get(DETAIL, x_forwarded_proto="https")
    assert b'"url":"http://testserver/api/v1/articles/pump/"' in plain["body"]
    assert b'"url":"https://testserver/api/v1/articles/pump/"' in secure["body"]
    assert plain["headers"]["etag"] != secure["headers"]["etag"]


def test_a_cache_miss_finishes_the_django_request(pump):
    finished = []

    def count(**kwargs):
        finished.append(1)

    signals.request_finished.connect(count)
    try:
        wsgi_get(DETAIL)
    finally:
        signals.request_finished.disconnect(count)
    assert finished == [1]


def test_a_listing_never_shows_an_article_that_left_after_its_id_list_was_cached(api, pump):
    make_article(slug="other")
    assert len(api.get("/api/v1/articles/").json()["results"]) == 2
    # Behind the signals' back (as a concurrent unpublish would be, mid-request):
    Article.objects.filter(slug="other").update(status=Article.Status.DRAFT)
    ArticleDocument.objects.filter(article__slug="other").delete()

    response = api.get("/api/v1/articles/")

    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == ["pump"]


def test_rerender_all_refreshes_stored_json_after_a_bulk_update(api, pump):
    rerender_all()
    Article.objects.filter(pk=pump.pk).update(title="Bulk updated")
    rerender_all()
    bump_content_version()
    assert api.get(DETAIL).json()["title"] == "Bulk updated"


@pytest.mark.django_db(transaction=True)
def test_a_save_outside_any_transaction_renders_the_stored_json_again_after_commit(api):
    article = make_article(slug="committed", title="First title", sections=1)
    assert '"title":"First title"' in ArticleDocument.objects.get(article=article).detail_json

    article.title = "Second title"
    article.save()

    assert "Second title" in ArticleDocument.objects.get(article=article).detail_json
    assert api.get("/api/v1/articles/committed/").json()["title"] == "Second title"
