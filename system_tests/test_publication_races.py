"""Publishing under concurrency, with PostgreSQL's real row locks: two approvals of one version,
an approval racing an edit, an unpublish racing the first public request after a scheduled moment.
Run by .ci/run against the machine's PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/careleaf \\
        .venv/bin/pytest system_tests/test_publication_races.py
"""

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

import api.publications
from articles import workflow
from articles.models import Article, Publication
from tests.factories import make_article, make_draft, make_staff, republish


@pytest.fixture(autouse=True)
def on_postgresql():
    assert connection.vendor == "postgresql", "row-lock races need PostgreSQL: set DATABASE_URL"


@pytest.fixture
def staff():
    return make_staff()


def refreshed(article) -> Article:
    return Article.objects.get(pk=article.pk)


def run_in_threads(*functions, timeout=20):
    """Run each function in its own thread (own connection); return their results or exceptions."""
    results = [None] * len(functions)

    def runner(index, function):
        try:
            results[index] = function()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a thread hung"
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_approvals_of_one_version_publish_it_once(staff):
    """Both reviewers opened the same version; one approval wins, the other is refused."""
    article = make_draft(slug="nerve-blocks", sections=1)
    opened = refreshed(article).lock_version
    barrier = threading.Barrier(2)

    def approve(user):
        def go():
            barrier.wait()
            return workflow.transition(refreshed(article), "publish", by=user, version=opened)

        return go

    results = run_in_threads(approve(staff["rahul"]), approve(staff["cora"]))

    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), results
    assert Publication.objects.filter(article=article).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_approval_racing_an_edit_never_publishes_the_unread_edit(staff):
    """The edit holds the article's row lock (as ArticleAdminForm.clean takes it);
    the approval waits for it, then sees a newer version and is refused."""
    article = make_article(slug="nerve-blocks", sections=1)
    opened = refreshed(article).lock_version
    locked = threading.Event()

    def edit():
        with transaction.atomic():
            working = Article.objects.select_for_update().get(pk=article.pk)
            section = working.sections.get()
            section.body = "<p>Unread edit.</p>"
            section.save()
            working.save()
            workflow.working_copy_changed(working, by=staff["wendy"])
            locked.set()
            time.sleep(0.5)

    def approve():
        assert locked.wait(10)
        return workflow.transition(refreshed(article), "publish", by=staff["rahul"], version=opened)

    edit_result, approval = run_in_threads(edit, approve)

    assert edit_result is None
    assert isinstance(approval, ValidationError), approval
    assert not any("Unread edit" in p.content for p in Publication.objects.filter(article=article))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_unpublish_racing_the_first_public_request_after_a_scheduled_moment_does_not_deadlock(
    staff, monkeypatch
):
    """Every change to the public side takes the listing version's lock first (api/versions.py),
    so an unpublish and the first public request after a scheduled moment, which both touch the
    article's public rows, wait for each other instead of deadlocking (a 500 for the patient)."""
    now = timezone.now()
    article = make_article(slug="pump", sections=1)
    republish(article, live_from=now + datetime.timedelta(hours=1))
    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=2))

    rows_locked, request_started = threading.Event(), threading.Event()
    real_bump = api.publications.bump_listing_version

    def slow_bump(**options):
        if threading.current_thread().name == "reviewer":
            rows_locked.set()
            request_started.wait(10)
            time.sleep(0.5)  # the public request reaches the article's rows meanwhile
        real_bump(**options)

    monkeypatch.setattr(api.publications, "bump_listing_version", slow_bump)

    def unpublish():
        threading.current_thread().name = "reviewer"
        workflow.transition(refreshed(article), "unpublish", by=staff["rahul"], note="Wrong dose.")
        return "unpublished"

    def public_request():
        assert rows_locked.wait(10)
        request_started.set()
        patient = Client()
        patient.raise_request_exception = False
        return patient.get("/api/v1/articles/").status_code

    results = run_in_threads(unpublish, public_request)

    assert results == ["unpublished", 200], results
