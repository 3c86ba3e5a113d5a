"""Faults, against real gunicorn processes and a PostgreSQL server of the tests' own: the database
stops, restarts or hangs; Redis is down or hung; two staff members save at the same moment.
Run by .ci/run with the other system tests:

    .venv/bin/pytest system_tests/test_faults.py -p no:cacheprovider -rP

The machine's shared PostgreSQL cluster is never touched: the tests initdb their own into a
temporary directory (PostgreSQL's server binaries are required: see private_postgres.py).
"""

import json
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from system_tests.admin_client import AdminSession, form_fields
from system_tests.app_server import AppServer, SilentServer, free_port, manage, production_env
from system_tests.private_postgres import DEFAULT_BIN, PrivatePostgres, postgres_bin

PASSWORD = "fault-Tests-pass-5521"
ARTICLE_SLUG = "intrathecal-pump-implant"  # from load_demo
PUBLIC_PATHS = [
    "/api/v1/articles/",
    f"/api/v1/articles/{ARTICLE_SLUG}/",
    "/api/v1/conditions/",
    "/api/v1/clinics/",
]
# Short timeouts for the tests that hang the database; the defaults (5 s, 10 s) for the others.
FAULT_TIMEOUTS = {"DJANGO_DB_CONNECT_TIMEOUT": "2", "DJANGO_DB_STATEMENT_TIMEOUT": "2"}
# What a response to the public must never show.
INTERNALS = [b"Traceback", b"psycopg", b"OperationalError", b"SELECT ", b"cms_contentversion", b'File "']
CONFLICT_MESSAGE = b"Someone else saved this article after you opened it"
ADD_PAGE = "/admin/articles/article/add/"
CREATE_STAFF = f"""
from django.contrib.auth import get_user_model
for name in ("ana", "ben"):
    get_user_model().objects.create_superuser(name, f"{{name}}@clinic.example", "{PASSWORD}")
"""


@pytest.fixture(scope="module")
def postgres():
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.fail(
            f"PostgreSQL server binaries (initdb, pg_ctl) not found in {DEFAULT_BIN}, "
            "$CI_POSTGRES_BIN or `pg_config --bindir`: the fault tests need a PostgreSQL of their "
            "own to stop and freeze (apt-get install postgresql-15).",
            pytrace=False,
        )
    server = PrivatePostgres(bin_dir)
    try:
        env = production_env(server.url())
        with ThreadPoolExecutor(max_workers=1) as background:
            # Production settings serve the admin's CSS from collected, hashed files.
            collecting = background.submit(manage, "collectstatic", "--noinput", "-v0", env=env)
            manage("migrate", "--noinput", "-v0", env=env)
            manage("load_demo", env=env)
            manage("shell", "-c", CREATE_STAFF, env=env)
            collecting.result()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def database(postgres):
    """The private server, running again after each test whatever the test did to it."""
    yield postgres
    postgres.thaw()
    if not postgres.is_running():
        postgres.start()


@pytest.fixture
def serve(database):
    """Start gunicorn against the private server: serve(workers=2, timeout=30, **environment)."""
    servers = []

    def start(*, workers: int = 2, timeout: int = 30, **env: str) -> AppServer:
        log = database.root / f"gunicorn-{len(servers)}.log"
        servers.append(
            AppServer(production_env(database.url(), **env), log, workers=workers, timeout=timeout)
        )
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def _assert_clean_503(reply, *, within: float):
    assert reply.status == 503, reply
    assert reply.seconds < within, reply
    assert reply.headers.get("content-type") == "application/json", reply
    assert set(json.loads(reply.body)) == {"detail"}, reply.body  # an object with only "detail"
    assert reply.headers.get("retry-after", "").isdigit(), reply.headers
    assert not any(internal in reply.body for internal in INTERNALS), reply.body


def _summary(replies) -> str:
    statuses = Counter(reply.status or "dropped" for reply in replies)
    seconds = [reply.seconds for reply in replies]
    return (
        f"{len(replies)} requests, {dict(statuses)}, median {statistics.median(seconds):.3f} s, "
        f"max {max(seconds):.3f} s"
    )


def _first_200_after(server, started: float, *, within: float) -> float:
    while time.monotonic() - started < within:
        if server.get(PUBLIC_PATHS[0], timeout=10).status == 200:
            return time.monotonic() - started
        time.sleep(0.1)
    pytest.fail(f"no 200 within {within} s of the database coming back:\n{server.log_tail()}")


def test_api_answers_503_json_while_postgres_is_stopped_and_recovers_without_a_restart(database, serve):
    server = serve(**FAULT_TIMEOUTS)
    staff = AdminSession(server.base, "ana", PASSWORD)
    assert [server.get(path).status for path in PUBLIC_PATHS] == [200] * len(PUBLIC_PATHS)
    etag = server.get(PUBLIC_PATHS[1]).headers["etag"]

    database.stop("immediate")
    outage = []
    for _ in range(8):
        outage += [server.get(path, timeout=30) for path in PUBLIC_PATHS]
        # A conditional request skips the WSGI response cache: Django's own error path.
        outage.append(server.get(PUBLIC_PATHS[1], headers={"If-None-Match": etag}, timeout=30))
    admin = staff.get("/admin/articles/article/")
    print(f"PostgreSQL stopped: {_summary(outage)}; admin page {admin.status} in {admin.seconds:.3f} s")

    for reply in outage:
        _assert_clean_503(reply, within=2)
    assert admin.status in (500, 503) and admin.seconds < 5, admin
    assert b"Traceback" not in admin.body

    database.start()
    recovered_after = _first_200_after(server, time.monotonic(), within=10)
    after = [server.get(path) for path in PUBLIC_PATHS * 5]
    after.append(server.get(PUBLIC_PATHS[1], headers={"If-None-Match": etag}))
    admin = staff.get("/admin/articles/article/")  # the session was in the database all along
    print(f"PostgreSQL back: first 200 after {recovered_after:.3f} s; then {_summary(after)}")

    assert all(reply.status in (200, 304) for reply in after), _summary(after)
    assert admin.status == 200, admin


def test_a_postgres_restart_between_requests_costs_no_error(database, serve):
    """Persistent connections that the restart killed are replaced, not reported as outages."""
    server = serve(**FAULT_TIMEOUTS)
    staff = AdminSession(server.base, "ana", PASSWORD)
    etag = server.get(PUBLIC_PATHS[1]).headers["etag"]
    for _ in range(3):  # every worker holds a connection
        assert [server.get(path).status for path in PUBLIC_PATHS] == [200] * len(PUBLIC_PATHS)

    database.stop("fast")
    database.start()
    after = [server.get(path) for path in PUBLIC_PATHS * 3]
    after.append(server.get(PUBLIC_PATHS[1], headers={"If-None-Match": etag}))
    admin = staff.get("/admin/articles/article/")
    print(f"After a restart: {_summary(after)}; admin page {admin.status}")

    assert all(reply.status in (200, 304) for reply in after), [(r.status, r.body[:200]) for r in after]
    assert admin.status == 200, admin


def test_api_answers_503_within_the_connect_timeout_while_postgres_accepts_no_connections(database, serve):
    # Connections that are not kept: every request connects, and the frozen postmaster never answers.
    server = serve(DJANGO_CONN_MAX_AGE="0", **FAULT_TIMEOUTS)
    # Twice each, so that both workers hold cached responses: a hit connects too, and keeps no
    # connection open past its request.
    for _ in range(3):
        assert [server.get(path).status for path in PUBLIC_PATHS] == [200] * len(PUBLIC_PATHS)

    database.freeze(backends=False)
    outage = [server.get(path, timeout=30) for path in PUBLIC_PATHS]
    database.thaw()
    recovered_after = _first_200_after(server, time.monotonic(), within=10)
    print(f"Postmaster frozen (connect timeout 2 s): {_summary(outage)}; 200 after {recovered_after:.3f} s")

    for reply in outage:
        _assert_clean_503(reply, within=4)


def test_api_answers_503_within_the_statement_timeout_while_a_query_hangs(database, serve):
    server = serve(**FAULT_TIMEOUTS)
    etag = server.get(PUBLIC_PATHS[1]).headers["etag"]

    # A list reads the listing's content version first, a detail its own publication's row (its
    # ETag): locks held on both tables hang every public request.
    with database.connect() as locker:
        locker.execute("BEGIN")
        locker.execute("LOCK TABLE cms_contentversion, api_publicarticle IN ACCESS EXCLUSIVE MODE")
        outage = [server.get(path, timeout=30) for path in PUBLIC_PATHS[:2]]
        outage.append(server.get(PUBLIC_PATHS[1], headers={"If-None-Match": etag}, timeout=30))
        locker.execute("ROLLBACK")
    after = [server.get(path) for path in PUBLIC_PATHS]
    print(
        f"Content version and publications locked (statement timeout 2 s): {_summary(outage)}; "
        f"then {_summary(after)}"
    )

    for reply in outage:
        _assert_clean_503(reply, within=4)
    assert [reply.status for reply in after] == [200] * len(PUBLIC_PATHS)


def test_frozen_postgres_holds_a_request_no_longer_than_the_worker_timeout(database, serve):
    """SIGSTOPped sessions answer nothing, and no database timeout can fire inside a stopped
    process: gunicorn's worker timeout is the bound, then new workers answer 503 (connect timeout).
    """
    server = serve(workers=1, timeout=4, **FAULT_TIMEOUTS)
    assert server.get(PUBLIC_PATHS[0]).status == 200  # the worker now holds a session

    database.freeze(backends=True)
    outage = [server.get(PUBLIC_PATHS[0], timeout=30) for _ in range(3)]
    database.thaw()
    recovered_after = _first_200_after(server, time.monotonic(), within=15)
    dropped = [reply.error for reply in outage if reply.status is None]
    print(f"PostgreSQL frozen (worker timeout 4 s): {_summary(outage)}, dropped: {dropped}")
    print(f"PostgreSQL thawed: 200 again after {recovered_after:.3f} s")

    assert all(reply.seconds < 12 for reply in outage), _summary(outage)
    assert all(reply.status in (None, 503) for reply in outage), _summary(outage)
    _assert_clean_503(outage[-1], within=12)


@pytest.mark.parametrize("redis_state", ["down", "hung"])
def test_public_api_answers_200_promptly_with_redis_down_or_hung(database, serve, redis_state):
    silent = SilentServer() if redis_state == "hung" else None
    port = silent.port if silent else free_port()  # nothing listens on a fresh free port
    try:
        server = serve(REDIS_URL=f"redis://127.0.0.1:{port}/0")
        replies = [server.get(path, timeout=30) for path in PUBLIC_PATHS * 2]
        print(f"Redis {redis_state}: {_summary(replies)}")
    finally:
        if silent:
            silent.close()

    if silent:
        assert silent.accepted, "the app never tried the hung Redis"
    assert [reply.status for reply in replies] == [200] * len(replies), _summary(replies)
    # Each cache operation on a hung Redis costs SOCKET_TIMEOUT (0.25 s, cms/settings.py), and a
    # request makes up to six (response cache, rate limit, the list's cached ids): about 1.5 s.
    assert max(reply.seconds for reply in replies) < 3, _summary(replies)


def _concurrently(*calls) -> tuple[list, bool]:
    """Start the calls at the same moment (a barrier), each in its own thread.

    Returns their results in order, and whether all of them were in flight at once at some point.
    """
    barrier = threading.Barrier(len(calls))
    results, starts, ends = [None] * len(calls), [0.0] * len(calls), [0.0] * len(calls)

    def run(index, call):
        barrier.wait()
        starts[index] = time.monotonic()
        results[index] = call()
        ends[index] = time.monotonic()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, max(starts) < min(ends)


def _clinic_id(database) -> int:
    with database.connect() as connection:
        return connection.execute("SELECT min(id) FROM clinics_clinic").fetchone()[0]


def _new_article(add_page, *, slug: str, title: str, clinic_id: int) -> dict:
    """The add form as the page has it, filled in."""
    return form_fields(add_page.body.decode(), "article_form") | {
        "title": title,
        "slug": slug,
        "summary": "Made by the fault tests.",
        "clinic": str(clinic_id),
        "_save": "Save",
    }


def test_two_staff_saving_the_same_article_at_once_lose_no_update(database, serve):
    server = serve(workers=4)
    staff = [AdminSession(server.base, name, PASSWORD) for name in ("ana", "ben")]
    # An article of its own, without children: a hundred trials on a demo article's long pages
    # take over a minute and a half, and the version check does not depend on the children.
    fields = _new_article(
        staff[0].get(ADD_PAGE),
        slug="concurrent-saves",
        title="Concurrent saves",
        clinic_id=_clinic_id(database),
    )
    assert staff[0].post(ADD_PAGE, fields).status == 302
    with database.connect() as connection:
        (article_id,) = connection.execute(
            "SELECT id FROM articles_article WHERE slug = 'concurrent-saves'"
        ).fetchone()
    change_page = f"/admin/articles/article/{article_id}/change/"
    outcomes, overlapping = Counter(), 0

    for trial in range(100):
        pages, _ = _concurrently(*(partial(session.get, change_page) for session in staff))
        forms = [form_fields(page.body.decode(), "article_form") for page in pages]
        assert forms[0]["opened_version"] == forms[1]["opened_version"] != "", forms[0].get("opened_version")
        titles = [f"Concurrent saves, trial {trial} by {name}" for name in ("ana", "ben")]
        replies, together = _concurrently(
            *(
                partial(session.post, change_page, form | {"title": title, "_save": "Save"})
                for session, form, title in zip(staff, forms, titles, strict=True)
            )
        )
        overlapping += together
        with database.connect() as connection:
            (final_title,) = connection.execute(
                "SELECT title FROM articles_article WHERE id = %s", [article_id]
            ).fetchone()

        statuses = sorted(reply.status or 0 for reply in replies)
        if any(status >= 500 or status == 0 for status in statuses):
            outcomes["server error"] += 1
        elif statuses == [302, 302]:
            outcomes["lost update (both saved)"] += 1
        elif statuses == [200, 302]:
            winner = titles[[reply.status for reply in replies].index(302)]
            loser = next(reply for reply in replies if reply.status == 200)
            if CONFLICT_MESSAGE in loser.body and final_title == winner:
                outcomes["conflict detected"] += 1
            else:
                outcomes["wrong outcome"] += 1
        else:
            outcomes[f"unexpected {statuses}"] += 1
    print(f"100 concurrent saves: {dict(outcomes)}; both in flight together: {overlapping}")

    assert outcomes == {"conflict detected": 100}, (dict(outcomes), server.log_tail())


def test_two_staff_creating_the_same_slug_at_once_get_one_article_and_a_form_error(database, serve):
    server = serve(workers=4)
    staff = [AdminSession(server.base, name, PASSWORD) for name in ("ana", "ben")]
    clinic_id = _clinic_id(database)
    outcomes, overlapping = Counter(), 0

    for trial in range(20):
        pages, _ = _concurrently(*(partial(session.get, ADD_PAGE) for session in staff))
        slug = f"race-{trial}"
        replies, together = _concurrently(
            *(
                partial(
                    session.post,
                    ADD_PAGE,
                    _new_article(page, slug=slug, title=f"Race {trial} by {name}", clinic_id=clinic_id),
                )
                for session, page, name in zip(staff, pages, ("ana", "ben"), strict=True)
            )
        )
        overlapping += together
        with database.connect() as connection:
            (created,) = connection.execute(
                "SELECT count(*) FROM articles_article WHERE slug = %s", [slug]
            ).fetchone()

        statuses = sorted(reply.status or 0 for reply in replies)
        refused = next((reply for reply in replies if reply.status in (200, 400)), None)
        if any(status >= 500 or status == 0 for status in statuses):
            outcomes["server error"] += 1
        elif statuses in ([200, 302], [302, 400]) and b"already exists" in refused.body and created == 1:
            outcomes["one created, one form error"] += 1
        else:
            outcomes[f"unexpected {statuses}, {created} created"] += 1
    print(f"20 concurrent creations of one slug: {dict(outcomes)}; both in flight together: {overlapping}")

    assert outcomes == {"one created, one form error": 20}, (dict(outcomes), server.log_tail())
