"""Two app servers, one PostgreSQL and one Redis: what one publishes or withdraws, the other serves
at once, with both response caches warm. Run by .ci/run against the machine's PostgreSQL and Redis:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/careleaf REDIS_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/pytest system_tests
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from django.db import connection

from articles.models import Article
from clinics import roles
from tests.factories import make_article

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "two-Servers-pass-3381"
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def app_servers(redis_url):
    assert connection.vendor == "postgresql", "two app servers need a shared PostgreSQL: set DATABASE_URL"
    database = connection.settings_dict
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")} | {
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "two-app-servers-test-secret-key-0123456789abcdefghijklmnop",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "API_CACHE_SECONDS": "600",
    }
    # Production settings serve the admin's CSS from collected, hashed files.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    servers, bases = [], []
    for _ in range(2):
        port = _free_port()
        servers.append(
            subprocess.Popen(
                [
                    Path(sys.executable).with_name("gunicorn"),
                    "cms.wsgi:application",
                    "--workers",
                    "1",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            _wait_until_up(base)
        yield bases
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)


def _wait_until_up(base):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/v1/", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"{base} did not start")


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class Staff:
    """A browser session in the admin of one server."""

    def __init__(self, base, username):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.post("/admin/login/?next=/admin/", {"username": username, "password": PASSWORD})

    def post(self, path, fields):
        page = self.opener.open(self.base + path).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        return self.opener.open(
            urllib.request.Request(self.base + path, data=data, headers={"Referer": self.base})
        )


def lock_version(article) -> str:
    """What the change page's "Approve and publish" link carries: the version the reviewer read."""
    return str(Article.objects.get(pk=article.pk).lock_version)


def test_what_one_server_publishes_or_withdraws_the_other_serves_at_once(app_servers, django_user_model):
    one, two = app_servers
    reviewer = django_user_model.objects.create_user("rahul", password=PASSWORD, is_staff=True)
    roles.grant(reviewer, "Clinical reviewer")
    live = make_article(slug="live", title="Live article")
    url = "/api/v1/articles/live/"

    for base in (one, two):  # warm both servers' caches
        assert _get(base + url)[0] == 200
        assert [row["slug"] for row in _get(base + "/api/v1/articles/")[1]["results"]] == ["live"]

    staff = Staff(one, "rahul")
    staff.post(f"/admin/articles/article/{live.pk}/workflow/unpublish/", {"note": "Needs a fix."})

    assert _get(two + url)[0] == 404
    assert _get(two + "/api/v1/articles/")[1]["results"] == []

    staff.post(
        f"/admin/articles/article/{live.pk}/workflow/publish/",
        {"note": "Fixed.", "version": lock_version(live)},
    )

    status, body = _get(two + url)
    assert status == 200
    assert body["title"] == "Live article"
    assert _get(one + url)[0] == 200


def test_a_revision_saved_on_one_server_stays_off_both_until_approved_then_both_serve_it(
    app_servers, django_user_model
):
    one, two = app_servers
    for username, role in [("wendy", "Writer"), ("rahul", "Clinical reviewer")]:
        user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True)
        roles.grant(user, role)
    live = make_article(slug="live", title="Live article")
    url = "/api/v1/articles/live/"
    etags = {}
    for base in (one, two):  # warm both servers' caches
        with urllib.request.urlopen(base + url, timeout=5) as response:
            etags[base] = response.headers["ETag"]

    writer = Staff(one, "wendy")
    page = writer.opener.open(f"{one}/admin/articles/article/{live.pk}/change/").read().decode()
    fields = {
        name: value
        for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)
        if not name.startswith(("_", "csrf"))
    }
    writer.post(
        f"/admin/articles/article/{live.pk}/change/",
        fields
        | {
            "title": "Revised article",
            "summary": "Revised.",
            "clinic": str(live.clinic_id),
            "_continue": "1",
        },
    )
    assert Article.objects.get(pk=live.pk).title == "Revised article"

    for base in (one, two):
        with urllib.request.urlopen(base + url, timeout=5) as response:
            assert response.headers["ETag"] == etags[base]
            assert json.loads(response.read())["title"] == "Live article"

    Staff(two, "rahul").post(
        f"/admin/articles/article/{live.pk}/workflow/publish/", {"version": lock_version(live)}
    )

    for base in (one, two):
        status, body = _get(base + url)
        assert (status, body["title"]) == (200, "Revised article")
