"""Cache tags on public responses (Surrogate-Key, Cache-Tag) and the purges that follow public changes.

A shared cache (Varnish, a CDN) keeps each public response under the tags it carries, and drops it
when one of those tags is purged. So two things must hold together: every response that a change
alters carries a tag the change purges, and a change never purges the detail of an article it did
not touch. The purges are checked end to end, through a fake Varnish on 127.0.0.1 that records the
``PURGE`` requests and their ``xkey-purge`` header.
"""

import datetime
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from api import publications
from api.purging import AGAIN_AFTER, purge_tags
from articles import previews, workflow
from articles.models import Article, Reviewer
from cms.wsgi import application
from tests.factories import make_article, make_clinic, make_condition, make_risk, republish
from tests.test_api_caching import working_copy_changes, wsgi_get

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PURGE_TASK = "api.purging.purge_tags"
_HOUR = datetime.timedelta(hours=1)


class FakeVarnish:
    """A Varnish stand-in on 127.0.0.1: records every request, answers 200."""

    def __init__(self):
        self.requests: list[tuple[str, dict[str, str]]] = []
        varnish = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self):
                varnish.requests.append((self.command, {k.lower(): v for k, v in self.headers.items()}))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PURGE = do_BAN = answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True).start()

    def purged(self) -> set[str]:
        """Every tag purged so far (each request must be an xkey PURGE)."""
        assert all(method == "PURGE" for method, _ in self.requests)
        return {tag for _, headers in self.requests for tag in headers["xkey-purge"].split(" ")}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def varnish(settings):
    server = FakeVarnish()
    settings.CDN_PURGE_BACKENDS = [{"BACKEND": "varnish", "LOCATIONS": [server.url]}]
    yield server
    server.close()


def tags_of(response) -> set[str]:
    """The tags of a test-client response, after checking that both headers name the same ones."""
    surrogate = response["Surrogate-Key"].split(" ")
    assert response["Cache-Tag"].split(",") == surrogate
    assert "" not in surrogate
    return set(surrogate)


def purge_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=PURGE_TASK).order_by("enqueued_at"))


# A small site: A ("pump") and B ("other") share a clinic, a condition and a risk; C is elsewhere.


@pytest.fixture
def site():
    wabash = make_clinic(slug="wabash", name="Wabash Pain Clinic")
    elsewhere = make_clinic(slug="elsewhere", name="Elsewhere Clinic")
    knee = make_condition(slug="knee-pain", name="Knee pain")
    sciatica = make_condition(slug="sciatica", name="Sciatica")
    infection = make_risk(slug="infection", name="Infection")
    bleeding = make_risk(slug="bleeding", name="Bleeding")
    reviewer = Reviewer.objects.create(name="Dr. Ada Reyes")
    a = make_article(
        slug="pump",
        title="Intrathecal pumps",
        clinic=wabash,
        sections=1,
        conditions=[knee],
        risks=[infection, bleeding],
        reviewed_by=reviewer,
    )
    b = make_article(
        slug="other", title="Nerve blocks", clinic=wabash, sections=1, conditions=[knee], risks=[infection]
    )
    c = make_article(
        slug="third", title="Spinal cord stimulators", clinic=elsewhere, sections=1, conditions=[sciatica]
    )
    return {
        "a": a,
        "b": b,
        "c": c,
        "wabash": wabash,
        "elsewhere": elsewhere,
        "knee": knee,
        "sciatica": sciatica,
        "infection": infection,
        "bleeding": bleeding,
        "reviewer": reviewer,
    }


SITE_URLS = [
    "/api/v1/",
    "/api/v1/articles/",
    "/api/v1/articles/?page_size=1",
    "/api/v1/articles/?search=pumps",
    "/api/v1/articles/?condition=knee-pain",
    "/api/v1/articles/?risk=bleeding",
    "/api/v1/articles/?clinic=wabash",
    "/api/v1/articles/pump/",
    "/api/v1/articles/other/",
    "/api/v1/articles/third/",
    "/api/v1/conditions/",
    "/api/v1/conditions/knee-pain/",
    "/api/v1/conditions/sciatica/",
    "/api/v1/risks/",
    "/api/v1/risks/infection/",
    "/api/v1/risks/bleeding/",
    "/api/v1/clinics/",
    "/api/v1/clinics/wabash/",
    "/api/v1/clinics/elsewhere/",
]


def public_site(api) -> dict[str, tuple[int, bytes, set[str]]]:
    """{url: (status, body, tags)} of every page of the small site."""
    pages = {}
    for url in SITE_URLS:
        response = api.get(url)
        tags = tags_of(response) if response.status_code == 200 else set()
        pages[url] = (response.status_code, response.content, tags)
    return pages


def purged_by(change, varnish, capture) -> set[str]:
    """The tags purged by ``change()``, checking that nothing is purged before its commit."""
    varnish.requests.clear()
    with capture(execute=True):
        change()
        assert varnish.requests == [], "purged before the change committed"
    return varnish.purged()


def assert_every_changed_page_is_purged(before, after, purged):
    """What a shared cache kept of a page that changed carries at least one purged tag."""
    for url in SITE_URLS:
        if before[url][:2] != after[url][:2]:
            assert before[url][2] & purged, f"{url} changed, but none of its tags {before[url][2]} was purged"


def approve_new_version(article, staff):
    """A writer edits the live article; then, inside the returned function, a reviewer approves it."""
    article = Article.objects.get(pk=article.pk)
    article.title = f"{article.title}, revised"
    article.save()
    section = article.sections.get()
    section.body = "<p>The corrected dose.</p>"
    section.save()
    workflow.working_copy_changed(article, by=staff["wendy"])
    article.refresh_from_db()
    return lambda: workflow.transition(article, "publish", by=staff["rahul"], version=article.lock_version)


# 1. Every public response carries its tags.


def test_an_article_detail_carries_its_article_clinic_conditions_and_risks(api, site):
    response = api.get("/api/v1/articles/pump/")

    assert response.status_code == 200
    a, wabash, knee = site["a"], site["wabash"], site["knee"]
    infection, bleeding = site["infection"], site["bleeding"]
    assert tags_of(response) == {
        "api",
        f"article-{a.pk}",
        f"clinic-{wabash.pk}",
        f"condition-{knee.pk}",
        f"risk-{infection.pk}",
        f"risk-{bleeding.pk}",
    }
    assert response["Cache-Tag"] == response["Surrogate-Key"].replace(" ", ",")


@pytest.mark.parametrize(
    ("url", "tag"),
    [
        ("/api/v1/", "articles"),
        ("/api/v1/articles/", "articles"),
        ("/api/v1/articles/?page=1&page_size=1", "articles"),
        ("/api/v1/articles/?search=pumps", "articles"),
        ("/api/v1/articles/?condition=knee-pain", "articles"),
        ("/api/v1/articles/?risk=bleeding&clinic=wabash", "articles"),
        ("/api/v1/articles/?ordering=title", "articles"),
        ("/api/v1/conditions/", "conditions"),
        ("/api/v1/risks/", "risks"),
        ("/api/v1/clinics/", "clinics"),
    ],
)
def test_a_list_carries_the_list_it_is(api, site, url, tag):
    response = api.get(url)

    assert response.status_code == 200
    assert tags_of(response) == {"api", tag}


@pytest.mark.parametrize(
    ("url", "kind", "name"),
    [
        ("/api/v1/conditions/knee-pain/", "condition", "knee"),
        ("/api/v1/risks/bleeding/", "risk", "bleeding"),
        ("/api/v1/clinics/wabash/", "clinic", "wabash"),
    ],
)
def test_a_condition_risk_or_clinic_detail_carries_its_own_tag_and_its_list_of_articles(
    api, site, url, kind, name
):
    response = api.get(url)

    assert response.status_code == 200
    pk = site[name].pk
    assert tags_of(response) == {"api", f"{kind}-{pk}", f"{kind}-{pk}-articles"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/articles/pump/",
        "/api/v1/articles/",
        "/api/v1/articles/?search=pumps",
        "/api/v1/conditions/",
        "/api/v1/conditions/knee-pain/",
        "/api/v1/clinics/wabash/",
    ],
)
def test_a_response_cache_hit_carries_the_same_tags(api, site, url, monkeypatch):
    miss = wsgi_get(url)
    entered = []
    monkeypatch.setattr(application, "app", lambda environ, start_response: entered.append(1) or [])
    hit = wsgi_get(url)

    assert entered == []  # served by the response cache, not Django
    assert hit["status"] == 200
    assert hit["headers"]["surrogate-key"] == miss["headers"]["surrogate-key"]
    assert hit["headers"]["cache-tag"] == miss["headers"]["cache-tag"]
    assert hit["headers"]["surrogate-key"] == api.get(url)["Surrogate-Key"]
    assert hit["headers"]["cache-tag"] == hit["headers"]["surrogate-key"].replace(" ", ",")


@pytest.mark.parametrize("url", ["/api/v1/articles/pump/", "/api/v1/articles/", "/api/v1/risks/bleeding/"])
def test_a_head_request_carries_the_same_tags_as_its_get(api, site, url):
    head = api.head(url)

    assert head.status_code == 200
    assert tags_of(head) == tags_of(api.get(url))


def test_previews_and_errors_carry_no_tags_but_a_public_404_carries_its_lists(api, site, staff, settings):
    token = previews.token_for(previews.create_link(site["a"], by=staff["wendy"]))
    answers = {
        "preview": api.get(f"/api/v1/preview/{token}/"),
        "refused preview": api.get("/api/v1/preview/garbage/"),
        "missing article": api.get("/api/v1/articles/nope/"),
        "missing condition": api.get("/api/v1/conditions/nope/"),
        "missing clinic": api.get("/api/v1/clinics/nope/"),
        "bad filter": api.get("/api/v1/articles/", {"condition": ",".join(f"c-{n}" for n in range(21))}),
        "unknown parameter": api.get("/api/v1/articles/", {"colour": "blue"}),
        "past the last page": api.get("/api/v1/articles/", {"page": 99}),
    }

    assert {name: response.status_code for name, response in answers.items()} == {
        "preview": 200,
        "refused preview": 403,
        "missing article": 404,
        "missing condition": 404,
        "missing clinic": 404,
        "bad filter": 400,
        "unknown parameter": 400,
        "past the last page": 404,
    }
    # A public 404 may become a page when something is published: shared caches keep it briefly,
    # under the tag of the list its address belongs to, which that publication purges.
    not_found = {
        "missing article": "articles",
        "missing condition": "conditions",
        "missing clinic": "clinics",
    }
    not_found["past the last page"] = "articles"
    for name, response in answers.items():
        if name in not_found:
            assert response["Surrogate-Key"] == f"api {not_found[name]}", name
            assert response["Cache-Tag"] == f"api,{not_found[name]}", name
            assert response["Cache-Control"] == f"public, max-age=0, s-maxage={settings.API_MAX_AGE}", name
            continue
        assert "Surrogate-Key" not in response, name
        assert "Cache-Tag" not in response, name
    wsgi_preview = wsgi_get(f"/api/v1/preview/{token}/")
    assert "surrogate-key" not in wsgi_preview["headers"]
    assert "cache-tag" not in wsgi_preview["headers"]


# 2. A publication change purges exactly the tags of what it changes.


def test_a_new_version_of_an_article_purges_its_detail_and_lists_never_the_detail_of_its_neighbour(
    api, site, staff, varnish, django_capture_on_commit_callbacks
):
    a, wabash, knee = site["a"], site["wabash"], site["knee"]
    infection, bleeding = site["infection"], site["bleeding"]
    publish = approve_new_version(a, staff)
    before = public_site(api)
    b_detail = before["/api/v1/articles/other/"][2]

    purged = purged_by(publish, varnish, django_capture_on_commit_callbacks)

    assert purged == {
        f"article-{a.pk}",
        "articles",
        "clinics",
        "conditions",
        "risks",
        f"clinic-{wabash.pk}-articles",
        f"condition-{knee.pk}-articles",
        f"risk-{infection.pk}-articles",
        f"risk-{bleeding.pk}-articles",
    }
    assert purged & b_detail == set()
    assert purged & before["/api/v1/articles/third/"][2] == set()
    after = public_site(api)
    assert after["/api/v1/articles/pump/"][1] != before["/api/v1/articles/pump/"][1]
    assert after["/api/v1/articles/other/"] == before["/api/v1/articles/other/"]
    assert_every_changed_page_is_purged(before, after, purged)


def test_unpublishing_an_article_purges_its_detail_and_lists_never_the_detail_of_its_neighbour(
    api, site, staff, varnish, django_capture_on_commit_callbacks
):
    a, wabash, knee = site["a"], site["wabash"], site["knee"]
    infection, bleeding = site["infection"], site["bleeding"]
    before = public_site(api)
    b_detail = before["/api/v1/articles/other/"][2]

    purged = purged_by(
        lambda: workflow.transition(a, "unpublish", by=staff["rahul"], note="Out of date."),
        varnish,
        django_capture_on_commit_callbacks,
    )

    assert purged == {
        f"article-{a.pk}",
        "articles",
        "clinics",
        "conditions",
        "risks",
        f"clinic-{wabash.pk}-articles",
        f"condition-{knee.pk}-articles",
        f"risk-{infection.pk}-articles",
        f"risk-{bleeding.pk}-articles",
    }
    assert purged & b_detail == set()
    after = public_site(api)
    assert after["/api/v1/articles/pump/"][0] == 404
    assert after["/api/v1/risks/bleeding/"][0] == 404
    assert after["/api/v1/articles/other/"] == before["/api/v1/articles/other/"]
    assert_every_changed_page_is_purged(before, after, purged)


def test_the_purge_is_sent_after_commit_and_a_backstop_task_is_written_with_it(
    site, staff, varnish, django_capture_on_commit_callbacks
):
    publish = approve_new_version(site["a"], staff)
    varnish.requests.clear()
    queued_before = len(purge_tasks())

    with django_capture_on_commit_callbacks(execute=True):
        publish()
        # Inside the transaction: the backstop is written, nothing is purged yet.
        assert varnish.requests == []
        [task] = purge_tasks()[queued_before:]

    purged = varnish.purged()
    assert task.status == "READY"
    assert task.args_kwargs["args"][1] == 1
    assert set(task.args_kwargs["args"][0]) == purged
    assert abs((task.run_after - task.enqueued_at) - AGAIN_AFTER) < datetime.timedelta(seconds=1)

    # The worker's backstop purges the same tags again.
    varnish.requests.clear()
    assert purge_tags.call(*task.args_kwargs["args"]) == []
    assert varnish.purged() == purged


@pytest.mark.parametrize("change", working_copy_changes(), ids=lambda change: change.__name__)
def test_a_working_copy_change_purges_nothing(
    site, staff, varnish, django_capture_on_commit_callbacks, change
):
    pump = Article.objects.get(pk=site["a"].pk)
    queued_before = len(purge_tasks())

    purged = purged_by(lambda: change(pump, staff), varnish, django_capture_on_commit_callbacks)

    assert purged == set()
    assert len(purge_tasks()) == queued_before


def test_a_rolled_back_publish_purges_nothing_and_leaves_no_backstop(
    api, site, staff, varnish, django_capture_on_commit_callbacks
):
    publish = approve_new_version(site["a"], staff)
    before = api.get("/api/v1/articles/pump/").content
    queued_before = len(purge_tasks())
    varnish.requests.clear()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        publish()
        assert len(purge_tasks()) == queued_before + 1
        raise RuntimeError("the request failed after the approval")

    assert varnish.requests == []
    assert len(purge_tasks()) == queued_before
    assert api.get("/api/v1/articles/pump/").content == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_real_transactions_the_purge_waits_for_commit_and_a_rollback_sends_nothing(settings, staff):
    varnish = FakeVarnish()
    try:
        article = make_article(slug="pump", clinic=make_clinic(), sections=1, conditions=[make_condition()])
        settings.CDN_PURGE_BACKENDS = [{"BACKEND": "varnish", "LOCATIONS": [varnish.url]}]
        publish = approve_new_version(article, staff)
        DBTaskResult.objects.all().delete()

        with pytest.raises(RuntimeError), transaction.atomic():
            publish()
            raise RuntimeError("rolled back")
        assert varnish.requests == []
        assert purge_tasks() == []

        with transaction.atomic():
            publish()
            assert varnish.requests == []
            assert len(purge_tasks()) == 1
        assert f"article-{article.pk}" in varnish.purged()
        [task] = purge_tasks()
        assert set(task.args_kwargs["args"][0]) == varnish.purged()
    finally:
        varnish.close()


# 3. Shared vocabulary: what shows it is purged.


def test_renaming_a_condition_a_live_article_shows_purges_that_condition_and_the_lists(
    api, site, varnish, django_capture_on_commit_callbacks
):
    knee = site["knee"]
    before = public_site(api)
    knee_tag = f"condition-{knee.pk}"
    assert knee_tag in before["/api/v1/articles/pump/"][2]

    def rename():
        knee.name = "Knee ache"
        knee.save()

    purged = purged_by(rename, varnish, django_capture_on_commit_callbacks)

    assert {knee_tag, "conditions", "articles"} <= purged
    after = public_site(api)
    assert b"Knee ache" in after["/api/v1/articles/pump/"][1]
    assert b"Knee ache" in after["/api/v1/conditions/"][1]
    assert_every_changed_page_is_purged(before, after, purged)
    assert purged & before["/api/v1/articles/third/"][2] == set()


def test_saving_a_clinic_purges_its_tag(api, site, varnish, django_capture_on_commit_callbacks):
    wabash = site["wabash"]
    before = public_site(api)

    def edit():
        wabash.phone = "+1-765-555-0199"
        wabash.save()

    purged = purged_by(edit, varnish, django_capture_on_commit_callbacks)

    assert f"clinic-{wabash.pk}" in purged
    assert f"clinic-{wabash.pk}" in before["/api/v1/articles/pump/"][2]
    after = public_site(api)
    assert b"+1-765-555-0199" in after["/api/v1/clinics/wabash/"][1]
    assert b"+1-765-555-0199" in after["/api/v1/articles/other/"][1]
    assert_every_changed_page_is_purged(before, after, purged)
    assert purged & before["/api/v1/articles/third/"][2] == set()


def test_renaming_a_reviewer_purges_the_details_that_show_them(
    api, site, varnish, django_capture_on_commit_callbacks
):
    reviewer = site["reviewer"]
    before = public_site(api)

    def rename():
        reviewer.name = "Dr. Ada Reyes-Ng"
        reviewer.save()

    purged = purged_by(rename, varnish, django_capture_on_commit_callbacks)

    assert purged == {f"article-{site['a'].pk}"}
    after = public_site(api)
    assert b"Dr. Ada Reyes-Ng" in after["/api/v1/articles/pump/"][1]
    assert_every_changed_page_is_purged(before, after, purged)


# 4. Cache-Control for shared caches.


def test_public_responses_tell_shared_caches_how_long_to_keep_and_serve_them_stale(api, site, settings):
    settings.API_MAX_AGE = 30
    settings.API_SHARED_MAX_AGE = 86_400
    settings.API_STALE_WHILE_REVALIDATE = 60
    settings.API_STALE_IF_ERROR = 7_200
    for url in ["/api/v1/articles/pump/", "/api/v1/articles/", "/api/v1/clinics/wabash/"]:
        response = api.get(url)
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert directives == {
            "public",
            "max-age=30",
            "s-maxage=86400",
            "stale-while-revalidate=60",
            "stale-if-error=7200",
        }, url
        assert "Surrogate-Key" in response


def settings_in_a_fresh_interpreter(**env) -> dict:
    """API_MAX_AGE and API_SHARED_MAX_AGE as cms.settings reads them from this environment."""
    base = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "API_", "CDN_"))
    }
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'max_age': settings.API_MAX_AGE, 'shared': settings.API_SHARED_MAX_AGE}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=base | {"DJANGO_SETTINGS_MODULE": "cms.settings", "DJANGO_DEBUG": "true"} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


VARNISH_ENV = json.dumps([{"BACKEND": "varnish", "LOCATIONS": ["http://10.0.0.5:6081"]}])


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, {"max_age": 30, "shared": 30}),
        ({"API_MAX_AGE": "45"}, {"max_age": 45, "shared": 45}),
        ({"CDN_PURGE_BACKENDS": VARNISH_ENV}, {"max_age": 30, "shared": 86_400}),
        ({"CDN_PURGE_BACKENDS": VARNISH_ENV, "API_MAX_AGE": "45"}, {"max_age": 45, "shared": 86_400}),
        ({"CDN_PURGE_BACKENDS": VARNISH_ENV, "API_SHARED_MAX_AGE": "600"}, {"max_age": 30, "shared": 600}),
        ({"CDN_PURGE_BACKENDS": "[]"}, {"max_age": 30, "shared": 30}),
    ],
    ids=["no-cdn", "no-cdn-max-age", "cdn", "cdn-max-age", "cdn-explicit", "cdn-empty"],
)
def test_shared_max_age_is_a_day_only_when_caches_are_purged(env, expected):
    assert settings_in_a_fresh_interpreter(**env) == expected


# 5. Tags cost no query.


@pytest.mark.parametrize("children", [1, 20])
def test_an_article_detail_with_its_tags_is_still_one_query(api, django_assert_num_queries, children):
    conditions = [make_condition() for _ in range(children)]
    risks = [make_risk() for _ in range(children)]
    make_article(slug="big", sections=children, conditions=conditions, risks=risks)

    # 1. the visible public row at this address: its version, its JSON and its tags (cache middleware;
    #    the view reuses it), as test_api_publications.py asserts without tags
    with django_assert_num_queries(1):
        response = api.get("/api/v1/articles/big/")

    assert response.status_code == 200
    assert len(tags_of(response)) == 3 + 2 * children


@pytest.mark.parametrize("collection", ["conditions", "risks"])
def test_a_topic_detail_with_its_tags_stays_within_its_budget(api, django_assert_max_num_queries, collection):
    topic = (make_condition if collection == "conditions" else make_risk)(slug="topic")
    for _ in range(3):
        make_article(**{collection: [topic]})

    # 1. the content version (cache middleware); 2. the topic with its count; 3. its articles;
    # 4. conditions only: its codes (as test_articles_api.py asserts without tags)
    with django_assert_max_num_queries(4 if collection == "conditions" else 3):
        response = api.get(f"/api/v1/{collection}/topic/")

    assert tags_of(response) == {
        "api",
        f"{collection[:-1]}-{topic.pk}",
        f"{collection[:-1]}-{topic.pk}-articles",
    }


# 2 (continued). Versions that move between clinics and terms, and scheduled moments.


def test_a_new_version_that_moves_clinic_and_terms_purges_the_lists_it_left_and_joined(
    api, site, staff, varnish, django_capture_on_commit_callbacks
):
    a, wabash, elsewhere = site["a"], site["wabash"], site["elsewhere"]
    knee, sciatica = site["knee"], site["sciatica"]
    article = Article.objects.get(pk=a.pk)
    article.clinic = elsewhere
    article.save()
    article.article_conditions.all().delete()
    article.article_conditions.create(condition=sciatica, position=1)
    workflow.working_copy_changed(article, by=staff["wendy"])
    article.refresh_from_db()
    before = public_site(api)

    purged = purged_by(
        lambda: workflow.transition(article, "publish", by=staff["rahul"], version=article.lock_version),
        varnish,
        django_capture_on_commit_callbacks,
    )

    assert {
        f"clinic-{wabash.pk}-articles",
        f"clinic-{elsewhere.pk}-articles",
        f"condition-{knee.pk}-articles",
        f"condition-{sciatica.pk}-articles",
    } <= purged
    assert purged & before["/api/v1/articles/other/"][2] == set()
    assert purged & before["/api/v1/articles/third/"][2] == set()
    after = public_site(api)
    assert_every_changed_page_is_purged(before, after, purged)


def test_approving_a_version_for_later_purges_nothing_until_its_time_comes(
    api, site, varnish, django_capture_on_commit_callbacks, monkeypatch
):
    a = site["a"]
    now = timezone.now()
    section = a.sections.get()
    section.body = "<p>From Monday: the new dose.</p>"
    section.save()

    purged = purged_by(
        lambda: republish(a, live_from=now + datetime.timedelta(hours=1)),
        varnish,
        django_capture_on_commit_callbacks,
    )

    assert purged == set()
    before = public_site(api)
    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=2))

    # What the worker runs at that moment (api.publications.boundary_passed), with no request.
    purged = purged_by(
        lambda: publications.apply_boundaries(in_request=False), varnish, django_capture_on_commit_callbacks
    )

    assert f"article-{a.pk}" in purged
    assert "articles" in purged
    assert purged & before["/api/v1/articles/other/"][2] == set()
    after = public_site(api)
    assert b"the new dose" in after["/api/v1/articles/pump/"][1]
    assert_every_changed_page_is_purged(before, after, purged)


def test_an_article_that_expires_is_purged_when_it_comes_down(
    api, site, varnish, django_capture_on_commit_callbacks, monkeypatch
):
    now = timezone.now()
    make_article(slug="brief", clinic=site["wabash"], conditions=[site["knee"]], expires_at=now + _HOUR)
    brief = Article.objects.get(slug="brief")
    before = public_site(api)
    brief_tags = tags_of(api.get("/api/v1/articles/brief/"))
    monkeypatch.setattr(timezone, "now", lambda: now + 2 * _HOUR)

    purged = purged_by(
        lambda: publications.apply_boundaries(in_request=False), varnish, django_capture_on_commit_callbacks
    )

    assert f"article-{brief.pk}" in purged
    assert f"article-{brief.pk}" in brief_tags
    assert f"condition-{site['knee'].pk}-articles" in purged
    assert purged & before["/api/v1/articles/pump/"][2] == set()
    assert api.get("/api/v1/articles/brief/").status_code == 404
    assert_every_changed_page_is_purged(before, public_site(api), purged)
