"""HTTP caching of the public API: validators, 304s, Cache-Control, and the WSGI response cache.

Only public content changes a public version: a new approved version, an unpublish, a scheduled
moment, or shared vocabulary that public pages show. Working-copy edits never do.
"""

import datetime
import io

import pytest
import reversion
from django.core import signals
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.http import http_date, parse_http_date

import api.caching
from api.models import PublicArticle, PublicDocument
from api.publications import rebuild_all
from articles import previews, revisions, workflow
from articles.models import Article, Reviewer
from cms.wsgi import application
from tests.factories import (
    make_article,
    make_clinic,
    make_condition,
    make_contact_link,
    make_draft,
    make_pump,
    make_risk,
    make_section,
    republish,
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
    assert response["Cache-Control"] == (
        f"public, max-age={settings.API_MAX_AGE}, s-maxage={settings.API_SHARED_MAX_AGE}, "
        f"stale-while-revalidate={settings.API_STALE_WHILE_REVALIDATE}, "
        f"stale-if-error={settings.API_STALE_IF_ERROR}"
    )


def test_if_none_match_gets_a_304_without_running_the_view(api, pump, django_assert_num_queries):
    etag = api.get(DETAIL)["ETag"]
    # The only query is the article's public row (its version): the view never runs.
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


def test_a_stale_etag_gets_the_full_new_response(api, pump):
    etag = api.get(DETAIL)["ETag"]
    pump.title = "Pumps, updated"
    pump.save()
    republish(pump)
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


def public_snapshot(urls=PUBLIC_URLS) -> dict:
    """Status, ETag, Last-Modified and body of every public URL, through the whole WSGI stack."""
    responses = {url: wsgi_get(url) for url in urls}
    return {
        url: (r["status"], r["headers"].get("etag"), r["headers"].get("last-modified"), r["body"])
        for url, r in responses.items()
    }


def working_copy_changes():
    """What staff do to an article without a reviewer's approval, as (name, function(pump, staff))."""

    def retitle(pump, staff):
        pump.title = "Retitled"
        pump.save()
        workflow.working_copy_changed(pump, by=staff["wendy"])

    def edit_section(pump, staff):
        section = pump.sections.get()
        section.body = "<p>New text.</p>"
        section.save()

    def add_section_and_criterion(pump, staff):
        make_section(article=pump, position=9, heading="New section")
        pump.candidate_criteria.create(text="New criterion", position=9)

    def submit_changes(pump, staff):
        edit_section(pump, staff)
        workflow.working_copy_changed(pump, by=staff["wendy"])
        workflow.transition(pump, "submit", by=staff["wendy"])

    def withdraw_with_a_review_note(pump, staff):
        submit_changes(pump, staff)
        workflow.transition(pump, "withdraw", by=staff["rahul"], note="Say which pump.")

    def record_clinical_review(pump, staff):
        workflow.record_review(
            pump,
            by=staff["rahul"],
            reviewer=Reviewer.objects.create(name="Dr. Ng"),
            reviewed_on=timezone.localdate(),
        )

    def make_and_open_a_preview_link(pump, staff):
        link = previews.create_link(pump, by=staff["wendy"])
        assert wsgi_get(f"/api/v1/preview/{previews.token_for(link)}/")["status"] == 200

    def revert_to_an_older_version(pump, staff):
        with reversion.create_revision():
            pump.title = "An older title"
            pump.save()
        with reversion.create_revision():
            pump.title = "A newer title"
            pump.save()
        workflow.revert(pump, revisions.versions_of(pump)[1], by=staff["rahul"])

    def discard_changes(pump, staff):
        edit_section(pump, staff)
        workflow.working_copy_changed(pump, by=staff["wendy"])
        workflow.transition(pump, "discard", by=staff["wendy"])

    def create_a_draft(pump, staff):
        make_draft(slug="secret-draft", clinic=pump.clinic, conditions=[pump.conditions.get()], sections=1)

    def add_a_condition_nobody_publishes(pump, staff):
        make_condition(slug="unannounced", name="Unannounced")

    return [
        retitle,
        edit_section,
        add_section_and_criterion,
        submit_changes,
        withdraw_with_a_review_note,
        record_clinical_review,
        make_and_open_a_preview_link,
        revert_to_an_older_version,
        discard_changes,
        create_a_draft,
        add_a_condition_nobody_publishes,
    ]


@pytest.mark.parametrize("change", working_copy_changes(), ids=lambda change: change.__name__)
def test_no_working_copy_change_touches_any_public_etag_last_modified_or_cached_response(
    pump, staff, change, monkeypatch
):
    before = public_snapshot()
    stored = []
    monkeypatch.setattr(api.caching.cache, "set", lambda *args, **kwargs: stored.append(args[0]))

    change(Article.objects.get(pk=pump.pk), staff)

    assert public_snapshot() == before
    # Every answer came from the response cache: nothing was rendered or stored again.
    assert [key for key in stored if key.startswith("api:")] == []


def vocabulary_changes():
    """Edits of shared vocabulary that public pages show: live at once, as (name, function)."""

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

    def rename_reviewer(pump):
        reviewer = Reviewer.objects.get(pk=pump.reviewed_by_id)
        reviewer.name = "Dr. Ng, MD"
        reviewer.save()

    return [rename_condition, rename_risk, rename_clinic, add_contact_link, rename_reviewer]


@pytest.mark.parametrize("change", vocabulary_changes(), ids=lambda change: change.__name__)
def test_a_change_to_shared_vocabulary_shows_at_once_through_the_response_cache(change):
    pump = make_article(
        slug="pump",
        clinic=make_clinic(slug="wabash"),
        conditions=[make_condition(slug="knee-pain", name="Knee pain")],
        risks=[make_risk(slug="infection", name="Infection")],
        reviewed_by=Reviewer.objects.create(name="Dr. Ng"),
        sections=1,
    )
    before = wsgi_get(DETAIL)
    assert wsgi_get(DETAIL)["body"] == before["body"]  # now served from the cache

    change(pump)

    after = wsgi_get(DETAIL)
    assert after["body"] != before["body"]
    assert after["headers"]["etag"] != before["headers"]["etag"]


def test_an_approved_new_version_shows_at_once_through_the_response_cache(pump):
    before = wsgi_get(DETAIL)
    assert wsgi_get(DETAIL)["body"] == before["body"]
    section = pump.sections.get()
    section.body = "<p>The approved new text.</p>"
    section.save()

    republish(pump)

    after = wsgi_get(DETAIL)
    assert b"The approved new text." in after["body"]
    assert after["headers"]["etag"] != before["headers"]["etag"]


def test_publishing_one_article_changes_its_detail_and_listings_and_no_other_detail(pump, staff):
    make_article(slug="other", clinic=pump.clinic, conditions=[make_condition(slug="neck-pain")])
    urls = [*PUBLIC_URLS, "/api/v1/articles/other/", "/api/v1/conditions/neck-pain/"]
    before = public_snapshot(urls)
    edit = pump.sections.get()
    edit.body = "<p>Corrected dose.</p>"
    edit.save()
    workflow.working_copy_changed(pump, by=staff["wendy"])
    pump.refresh_from_db()

    workflow.transition(pump, "publish", by=staff["rahul"], version=pump.lock_version)

    after = public_snapshot(urls)
    changed = {url for url in urls if after[url][1] != before[url][1]}
    # Its own detail and the listings it is in change; the other article's detail does not.
    assert DETAIL in changed
    assert {"/api/v1/articles/", "/api/v1/conditions/knee-pain/", "/api/v1/clinics/wabash/"} <= changed
    assert "/api/v1/articles/other/" not in changed
    assert after["/api/v1/articles/other/"] == before["/api/v1/articles/other/"]
    assert before[DETAIL][3] != after[DETAIL][3]


def test_unpublishing_one_article_takes_it_off_every_public_page_and_leaves_other_details_alone(
    api, pump, staff
):
    make_article(slug="other", clinic=pump.clinic)
    other_before = wsgi_get("/api/v1/articles/other/")

    workflow.transition(pump, "unpublish", by=staff["rahul"], note="Out of date.")

    assert wsgi_get(DETAIL)["status"] == 404
    assert [row["slug"] for row in api.get("/api/v1/articles/").json()["results"]] == ["other"]
    assert api.get("/api/v1/articles/", {"search": "intrathecal"}).json()["count"] == 0
    assert api.get("/api/v1/conditions/knee-pain/").status_code == 404
    assert api.get("/api/v1/risks/").json()["count"] == 0
    assert api.get("/api/v1/clinics/wabash/").json()["article_count"] == 1
    other_after = wsgi_get("/api/v1/articles/other/")
    assert other_after["headers"]["etag"] == other_before["headers"]["etag"]
    assert other_after["body"] == other_before["body"]


def test_a_cache_hit_does_not_enter_django(pump, monkeypatch):
    first = wsgi_get(DETAIL)
    calls = []
    monkeypatch.setattr(application, "app", lambda environ, start_response: calls.append(1) or [])
    second = wsgi_get(DETAIL)
    assert calls == []
    assert second["body"] == first["body"]
    assert second["headers"]["etag"] == first["headers"]["etag"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_cache_hit_keeps_no_connection_past_conn_max_age(monkeypatch):
    """A hit never reaches Django, whose request_finished closes an expired connection: the
    response cache must, or DJANGO_CONN_MAX_AGE=0 would keep one open per worker for ever."""
    make_pump()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    connection.close()
    for path in PUBLIC_URLS:
        wsgi_get(path)  # a miss, rendered and cached

    calls, closed = [], []
    monkeypatch.setattr(application, "app", lambda environ, start_response: calls.append(1) or [])
    # SQLite's in-memory test database ignores close() (and so never reconnects with the new
    # max age): the call is what is observed, on a connection whose max age has passed.
    real_close = connection.close
    monkeypatch.setattr(connection, "close", lambda: closed.append(1) or real_close())
    for path in PUBLIC_URLS:
        closed.clear()
        if connection.vendor == "sqlite":
            connection.close_at = 0
        assert wsgi_get(path)["status"] == 200
        assert closed, f"{path}: a hit left its connection open"
        if connection.vendor == "postgresql":
            assert connection.connection is None
    assert calls == []  # every one was a hit


def test_no_stale_article_after_publish(pump, staff):
    draft = make_draft(slug="new-draft", clinic=pump.clinic)
    assert b"new-draft" not in wsgi_get("/api/v1/articles/")["body"]  # and the list is now cached

    workflow.transition(draft, "publish", by=staff["rahul"])

    listing = wsgi_get("/api/v1/articles/")
    assert b'"new-draft"' in listing["body"]
    assert wsgi_get("/api/v1/articles/new-draft/")["status"] == 200


def test_a_scheduled_article_appears_when_its_time_comes_without_any_job(pump, monkeypatch):
    now = timezone.now()
    make_article(slug="later", published_at=now + datetime.timedelta(hours=1))
    assert b'"later"' not in wsgi_get("/api/v1/articles/")["body"]

    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=2))

    assert b'"later"' in wsgi_get("/api/v1/articles/")["body"]


def test_a_scheduled_new_version_replaces_the_live_one_at_its_time_everywhere_without_any_job(
    api, pump, monkeypatch
):
    now = timezone.now()
    section = pump.sections.get()
    section.body = "<p>From Monday: zebrafish.</p>"
    section.save()
    republish(pump, live_from=now + datetime.timedelta(hours=1))
    old = wsgi_get(DETAIL)
    assert b"zebrafish" not in old["body"]
    assert api.get("/api/v1/articles/", {"search": "zebrafish"}).json()["count"] == 0

    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=2))

    new = wsgi_get(DETAIL)
    assert b"zebrafish" in new["body"]
    assert new["headers"]["etag"] != old["headers"]["etag"]
    assert [
        row["slug"] for row in api.get("/api/v1/articles/", {"search": "zebrafish"}).json()["results"]
    ] == ["pump"]
    # Still one article, with its first publication date.
    listing = api.get("/api/v1/articles/").json()
    assert listing["count"] == 1
    assert listing["results"][0]["published_at"] == api.get(DETAIL).json()["published_at"]


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


def test_a_draft_and_a_missing_article_get_the_same_answer_by_the_same_path(pump, monkeypatch):
    make_draft(slug="secret-draft", sections=1)
    queries = {}
    for slug in ("secret-draft", "no-such-article"):
        response = wsgi_get(f"/api/v1/articles/{slug}/")
        queries[slug] = (response["status"], response["body"].replace(slug.encode(), b"SLUG"))
    assert queries["secret-draft"] == queries["no-such-article"]
    assert queries["secret-draft"][0] == 404


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


def test_if_modified_since_never_hides_a_new_version_approved_in_the_same_second(api, pump):
    last_modified = api.get(DETAIL)["Last-Modified"]
    pump.title = "Changed within the second"
    pump.save()
    republish(pump)
    response = api.get(DETAIL, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert response.status_code == 200
    assert response.json()["title"] == "Changed within the second"


def test_if_modified_since_never_hides_a_vocabulary_change_made_in_the_same_second(api, pump):
    last_modified = api.get(DETAIL)["Last-Modified"]
    condition = pump.conditions.get()
    condition.summary = "Changed within the second."
    condition.save()
    response = api.get(DETAIL, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert response.status_code == 200
    assert response.json()["conditions"][0]["summary"] == "Changed within the second."


@pytest.mark.parametrize("url", [DETAIL, "/api/v1/articles/", "/api/v1/conditions/"])
def test_last_modified_is_never_later_than_the_response_itself_even_after_rapid_changes(api, pump, url):
    for n in range(3):  # three new versions within the same second or two
        pump.title = f"Version {n}"
        pump.save()
        republish(pump)
        response = api.get(url)
        assert parse_http_date(response["Last-Modified"]) <= timezone.now().timestamp()


def test_an_if_modified_since_in_the_future_is_ignored(api, pump):
    later = http_date((timezone.now() + datetime.timedelta(days=1)).timestamp())
    assert api.get(DETAIL, HTTP_IF_MODIFIED_SINCE=later).status_code == 200


def test_if_none_match_star_is_a_304_for_what_exists_and_a_404_for_what_does_not(api, pump):
    # RFC 9110, 13.1.2: "*" is false when a current representation exists (issue 15 asked for it;
    # this test said the opposite before).
    assert api.get(DETAIL, HTTP_IF_NONE_MATCH="*").status_code == 304
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
    PublicArticle.objects.filter(slug="other").update(live_until=timezone.now())
    PublicDocument.objects.filter(public_article__slug="other").update(summary_json=None)

    response = api.get("/api/v1/articles/")

    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == ["pump"]


def test_rebuild_all_renders_the_public_json_again_and_keeps_the_etag_of_what_did_not_change(api, pump):
    other = make_article(slug="other", title="Other")
    etags = {slug: api.get(f"/api/v1/articles/{slug}/")["ETag"] for slug in ("pump", "other")}
    # As a deploy whose serializers write differently would leave it: stored JSON out of date.
    PublicDocument.objects.filter(public_article__slug="pump").update(detail_json='{"title": "stale"}')

    rebuild_all()

    assert api.get(DETAIL).json()["title"] == "Intrathecal pumps"
    assert api.get(DETAIL)["ETag"] != etags["pump"]
    assert api.get("/api/v1/articles/other/")["ETag"] == etags["other"]
    assert other.title == "Other"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_vocabulary_change_outside_any_transaction_renders_the_stored_json_again_after_commit(api):
    condition = make_condition(slug="knee-pain", name="Knee pain")
    article = make_article(slug="committed", conditions=[condition], sections=1)
    row = PublicDocument.objects.get(public_article__publication__article=article)
    assert '"name":"Knee pain"' in row.detail_json

    condition.name = "Sore knees"
    condition.save()

    row.refresh_from_db()
    assert '"name":"Sore knees"' in row.detail_json
    assert api.get("/api/v1/articles/committed/").json()["conditions"][0]["name"] == "Sore knees"


# --- Ignored parameters and the size of an entry -----------------------------------------------


def cache_entries(prefix: str) -> list[str]:
    """The keys in the (local-memory) cache that start with ``prefix``."""
    return [key for key in api.caching.cache._cache if key.split(":", 2)[-1].startswith(prefix)]


@pytest.fixture
def stored_keys(monkeypatch):
    """Every key the response and id-list caches store, in order (the cache still stores them)."""
    keys = []
    real_set = api.caching.cache.set

    def recording_set(key, *args, **kwargs):
        keys.append(key)
        return real_set(key, *args, **kwargs)

    monkeypatch.setattr(api.caching.cache, "set", recording_set)
    return keys


@pytest.mark.parametrize(
    "path", ["/api/v1/articles/", DETAIL, "/api/v1/conditions/", "/api/v1/clinics/wabash/"]
)
@pytest.mark.parametrize(
    "tracking",
    ["_={n}", "utm_source=mail{n}&utm_campaign=c{n}", "fbclid=IwAR{n}&gclid=Cj{n}", "%5F={n}"],
    ids=["cache-buster", "utm", "click-ids", "encoded-underscore"],
)
def test_sixty_requests_differing_only_in_ignored_parameters_leave_one_cache_entry(
    pump, stored_keys, path, tracking
):
    responses = [wsgi_get(f"{path}?{tracking.format(n=n)}") for n in range(60)]

    assert {response["status"] for response in responses} == {200}
    assert len({response["body"] for response in responses}) == 1
    assert len({response["headers"]["etag"] for response in responses}) == 1
    # Stored once, by the first request; the other 59 were hits.
    assert len([key for key in stored_keys if key.startswith("api:")]) == 1
    assert len([key for key in stored_keys if key.startswith("api-ids:")]) <= 1
    assert len(cache_entries("api:")) == 1
    # The plain address shares it too.
    assert wsgi_get(path)["body"] == responses[0]["body"]
    assert len(cache_entries("api:")) == 1


def test_the_id_list_of_a_listing_is_one_entry_whatever_the_ignored_parameters(api, pump, stored_keys):
    for n in range(60):
        assert api.get("/api/v1/articles/", {"_": str(n), "utm_medium": f"m{n}"}).status_code == 200

    assert len([key for key in stored_keys if key.startswith("api-ids:")]) == 1
    assert len(cache_entries("api-ids:")) == 1


def test_parameters_that_matter_still_get_their_own_entries(pump, stored_keys):
    make_article(slug="other", clinic=pump.clinic)
    first = wsgi_get("/api/v1/articles/?page_size=1&_=1")
    second = wsgi_get("/api/v1/articles/?page_size=1&page=2&_=1")
    unknown = wsgi_get("/api/v1/articles/?page_size=1&_=1&bogus=1")

    assert first["body"] != second["body"]
    assert len({key for key in stored_keys if key.startswith("api:")}) == 2
    assert unknown["status"] == 400  # not the cached page: the unknown parameter reaches Django


def test_page_links_leave_out_the_ignored_parameters_so_every_variant_has_the_same_body(api, pump):
    make_article(slug="other", clinic=pump.clinic)

    page = api.get("/api/v1/articles/", {"page_size": "1", "_": "123", "utm_source": "mail"}).json()

    assert page["next"] == "http://testserver/api/v1/articles/?page=2&page_size=1"
    previous = api.get(page["next"] + "&fbclid=x").json()["previous"]
    assert previous == "http://testserver/api/v1/articles/?page_size=1"


def test_more_ignored_parameters_than_django_accepts_are_refused_even_when_the_page_is_cached(pump, settings):
    assert wsgi_get("/api/v1/articles/")["status"] == 200  # cached now
    query = "&".join(f"_={n}" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    assert wsgi_get(f"/api/v1/articles/?{query}")["status"] == 400


def test_a_response_over_the_entry_size_limit_is_served_but_not_stored(pump, stored_keys, settings):
    settings.API_CACHE_MAX_ENTRY_BYTES = len(wsgi_get(DETAIL)["body"]) - 1
    stored_keys.clear()
    api.caching.cache.clear()

    first, second = wsgi_get(DETAIL), wsgi_get(DETAIL)

    assert (first["status"], second["status"]) == (200, 200)
    assert first["body"] == second["body"]
    assert [key for key in stored_keys if key.startswith("api:")] == []  # rendered twice, kept never

    settings.API_CACHE_MAX_ENTRY_BYTES = len(first["body"])
    wsgi_get(DETAIL)
    assert len([key for key in stored_keys if key.startswith("api:")]) == 1


def test_the_entry_size_limit_defaults_to_one_megabyte():
    assert api.caching.max_entry_bytes() == 1024 * 1024
