"""Debian's Varnish with deploy/varnish/careleaf.vcl in front of two app servers (gunicorn, production
settings) on one PostgreSQL and one Redis: reads go through Varnish, what a reviewer publishes in one
server's admin is purged by tag and fresh through Varnish at once, an article's purge spares the
others, and with both app servers down Varnish serves what it has. In xkey mode (vmod xkey, Debian's
varnish-modules) and in ban mode. Run by .ci/run after .ci/install_varnish.sh:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/careleaf REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/pytest system_tests/test_varnish.py -p no:cacheprovider
"""

import gzip
import json
import os
import time
from dataclasses import dataclass

import pytest
import redis
from django.db import connection

from articles.models import Article
from clinics import roles
from system_tests.admin_client import AdminSession, csrf_token, form_fields
from system_tests.app_server import AppServer, Reply, free_port, manage, production_env
from system_tests.varnish import Varnish, missing, start_varnish
from tests.factories import make_article, make_clinic, make_condition

PASSWORD = "varnish-Tests-pass-5512"
FRESH_WITHIN = 1.0  # seconds from the admin's response to the new version through Varnish
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@dataclass
class Stack:
    varnish: Varnish
    servers: list[AppServer]

    def get(self, path: str) -> Reply:
        return self.varnish.get(path)


@pytest.fixture(scope="module")
def static_files():
    """Production settings serve the admin's CSS from collected, hashed files."""
    manage("collectstatic", "--noinput", "-v0", env=production_env("sqlite://:memory:"))


@pytest.fixture
def stack(static_files, tmp_path):
    """start(mode=..., **env): Varnish in front of two app servers that purge it; all stopped after."""
    assert connection.vendor == "postgresql", "two app servers need a shared PostgreSQL: set DATABASE_URL"
    problem = missing()
    if problem:
        pytest.fail(problem, pytrace=False)
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
    redis.Redis.from_url(redis_url).flushdb()
    database = connection.settings_dict
    database_url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    started = []

    def start(*, mode: str = "xkey", **env: str) -> Stack:
        port = free_port()  # the app servers must know where to purge before Varnish knows them
        purge = [{"BACKEND": "varnish", "LOCATIONS": [f"http://127.0.0.1:{port}"], "MODE": mode}]
        server_env = production_env(
            database_url, REDIS_URL=redis_url, CDN_PURGE_BACKENDS=json.dumps(purge), **env
        )
        servers = []
        for number in (1, 2):
            servers.append(AppServer(server_env, tmp_path / f"app{number}.log", workers=1))
            started.append(servers[-1])
        varnish = start_varnish(
            [int(s.base.rsplit(":", 1)[1]) for s in servers], tmp_path / mode, mode=mode, port=port
        )
        started.append(varnish)
        return Stack(varnish, servers)

    yield start
    for process in reversed(started):
        process.stop()


@pytest.fixture
def staff(django_user_model):
    for username, role in [("wendy", "Writer"), ("rahul", "Clinical reviewer")]:
        user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True)
        roles.grant(user, role)


def edit_in_admin(base: str, article: Article, title: str) -> None:
    """The writer saves a new title in this server's admin: the working copy changes, nothing goes live."""
    admin = AdminSession(base, "wendy", PASSWORD)
    path = f"/admin/articles/article/{article.pk}/change/"
    fields = form_fields(admin.get(path).body.decode(), "article_form")
    reply = admin.post(path, fields | {"title": title, "_continue": "1"})
    assert reply.status == 302, f"save failed: {reply.status} {reply.body[-3000:]!r}"
    assert Article.objects.get(pk=article.pk).title == title


def publish_in_admin(base: str, article: Article) -> float:
    """The reviewer approves the working copy in this server's admin; returns the moment
    (time.monotonic()) the admin's response arrived."""
    admin = AdminSession(base, "rahul", PASSWORD)
    path = f"/admin/articles/article/{article.pk}/workflow/publish/"
    version = str(Article.objects.get(pk=article.pk).lock_version)
    reply = admin.post(path, {"csrfmiddlewaretoken": csrf_token(admin.get(path)), "version": version})
    answered = time.monotonic()
    assert reply.status == 302, f"publish failed: {reply.status} {reply.body[:500]!r}"
    assert Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED
    return answered


def title(reply: Reply) -> str:
    return json.loads(reply.body)["title"]


def assert_hit(reply: Reply) -> None:
    assert (reply.status, reply.headers.get("x-cache")) == (200, "HIT"), (reply.status, reply.headers)


def assert_miss(reply: Reply) -> None:
    assert (reply.status, reply.headers.get("x-cache")) == (200, "MISS"), (reply.status, reply.headers)


def test_debians_varnish_with_vmod_xkey_is_installed():
    assert not missing(), missing()


def test_reads_go_through_varnish_and_the_second_read_is_a_hit_without_internal_headers(stack):
    site = stack()
    make_article(slug="pump", title="Intrathecal pump")

    first = site.get("/api/v1/articles/pump/")
    second = site.get("/api/v1/articles/pump/")

    assert_miss(first)
    assert_hit(second)
    assert second.body == first.body
    assert title(second) == "Intrathecal pump"
    for internal in ("xkey", "x-cache-tags", "x-varnish", "via"):
        assert internal not in second.headers
    assert "s-maxage=86400" in second.headers["cache-control"]
    assert site.varnish.varnishstat_hits() == (1, 1)
    # A cookie (a browser's analytics, an admin session) does not split or bypass the public cache.
    assert_hit(site.varnish.get("/api/v1/articles/pump/", headers={"Cookie": "sessionid=abc; _ga=1"}))
    # Anything outside the public API is never cached: the admin, with or without cookies.
    assert site.get("/admin/login/").headers.get("x-cache") == "MISS"
    assert site.get("/admin/login/").headers.get("x-cache") == "MISS"


def test_compressed_and_plain_readers_each_get_what_they_asked_for_and_api_keys_share_the_cache(stack):
    site = stack()
    make_article(slug="pump", title="Intrathecal pump", sections=4, references=3)
    plain = site.varnish.get("/api/v1/articles/pump/")
    assert_miss(plain)

    zipped = site.varnish.get("/api/v1/articles/pump/", headers={"Accept-Encoding": "gzip"})
    assert zipped.status == 200
    assert zipped.headers.get("content-encoding") == "gzip"
    assert gzip.decompress(zipped.body) == plain.body
    assert "accept-encoding" in zipped.headers.get("vary", "").lower()
    again = site.varnish.get("/api/v1/articles/pump/")
    assert_hit(again)
    assert "content-encoding" not in again.headers
    assert again.body == plain.body

    # A server's API key lifts its rate limit only: its answer is everyone's, so Varnish shares it.
    well_formed = "Bearer clk_0123456789ab_" + "cd" * 32
    assert_hit(site.varnish.get("/api/v1/articles/pump/", headers={"Authorization": well_formed}))
    # Anything else is not the shared cache's to judge: a malformed key goes to the app (a 401), and
    # so does a key in capitals (the app's keys are lower-case hex) or any other credential.
    for header in ("Bearer clk_0123_abcd", well_formed.upper(), f"{well_formed} extra"):
        malformed = site.varnish.get("/api/v1/articles/pump/", headers={"Authorization": header})
        assert malformed.headers.get("x-cache") != "HIT", header
        assert malformed.status == 401, header
    basic = site.varnish.get("/api/v1/articles/pump/", headers={"Authorization": "Basic c3RhZ2luZzpwYXNz"})
    assert basic.headers.get("x-cache") != "HIT"


@pytest.mark.parametrize("mode", ["xkey", "ban"])
def test_a_publish_in_one_servers_admin_is_fresh_through_varnish_within_a_second(stack, staff, mode):
    site = stack(mode=mode)
    article = make_article(slug="pump", title="Intrathecal pump")
    url = "/api/v1/articles/pump/"
    site.get(url)
    assert_hit(cached := site.get(url))
    assert title(cached) == "Intrathecal pump"

    edit_in_admin(site.servers[1].base, article, "Intrathecal pump, revised")
    assert_hit(cached := site.get(url))  # a saved working copy purges nothing
    assert title(cached) == "Intrathecal pump"
    answered = publish_in_admin(site.servers[0].base, article)

    seen = None
    while time.monotonic() - answered < 5:
        reply = site.get(url)
        if reply.status == 200 and title(reply) == "Intrathecal pump, revised":
            seen = time.monotonic() - answered
            break
        time.sleep(0.02)
    print(f"{mode}: the new version through Varnish {seen} s after the admin's response")
    assert seen is not None, "Varnish still serves the old version 5 s after the publish: nothing purged it"
    assert seen < FRESH_WITHIN


@pytest.mark.parametrize("mode", ["xkey", "ban"])
def test_publishing_article_a_does_not_evict_article_b(stack, staff, mode):
    site = stack(mode=mode)
    clinic, condition = make_clinic(), make_condition()
    a = make_article(slug="a", title="A", clinic=clinic, conditions=[condition])
    make_article(slug="b", title="B", clinic=clinic, conditions=[condition])
    for url in ("/api/v1/articles/a/", "/api/v1/articles/b/", "/api/v1/articles/"):
        site.get(url)
        assert_hit(site.get(url))

    edit_in_admin(site.servers[1].base, a, "A, revised")
    publish_in_admin(site.servers[0].base, a)

    assert_hit(b := site.get("/api/v1/articles/b/"))  # same clinic and condition, its own detail
    assert title(b) == "B"
    assert_miss(fresh := site.get("/api/v1/articles/a/"))
    assert title(fresh) == "A, revised"
    assert_miss(listing := site.get("/api/v1/articles/"))  # the lists A appears in are purged
    assert "A, revised" in [row["title"] for row in json.loads(listing.body)["results"]]


def test_with_both_app_servers_down_varnish_serves_what_it_has_within_grace(stack):
    # A one-second TTL, so that the copies are stale when the app servers go down.
    site = stack(API_SHARED_MAX_AGE="1")
    make_article(slug="kept", title="Kept")
    make_article(slug="refetched", title="Refetched")
    for url in ("/api/v1/articles/kept/", "/api/v1/articles/refetched/"):
        assert_miss(site.get(url))
        assert_hit(site.get(url))

    # With the app servers healthy, a copy more than 10 s past its TTL is fetched afresh, not served.
    time.sleep(12)
    assert_miss(site.get("/api/v1/articles/refetched/"))

    for server in site.servers:
        server.stop()
    print(f"both backends sick {site.varnish.wait_for_health('sick'):.1f} s after the kill")

    stale = site.get("/api/v1/articles/kept/")
    assert_hit(stale)
    assert title(stale) == "Kept"
    assert int(stale.headers["age"]) >= 12  # 11 s past its TTL of 1 s: served from grace
    assert site.get("/api/v1/articles/never-cached/").status == 503
