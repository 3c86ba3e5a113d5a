"""Two staff creating the same slug, or saving one article, at the same moment: the loser gets a
form error, not a 500. (The real races, on PostgreSQL with two server processes, are in
system_tests/test_faults.py; the saves on SQLite, with two connections, are here.)"""

import sqlite3
import threading

import pytest
from django.contrib import admin
from django.db import IntegrityError, connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.test import Client

from articles.forms import ArticleAdminForm
from articles.models import Condition
from tests.admin_forms import form_data
from tests.factories import make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def lose_the_race(monkeypatch):
    """The first POST finds that another request inserted the same slug just before its INSERT."""
    original = admin.ModelAdmin.changeform_view
    calls = []

    def racing(self, request, *args, **kwargs):
        calls.append(request.method)
        if request.method == "POST" and len(calls) == 1:
            Condition.objects.create(name="Knee pain (other tab)", slug="knee-pain")
            raise IntegrityError("duplicate key value violates unique constraint")
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(admin.ModelAdmin, "changeform_view", racing)
    return calls


def test_the_second_of_two_simultaneous_creations_gets_the_usual_form_error(staff_client, lose_the_race):
    response = staff_client.post(
        "/admin/articles/condition/add/", {"name": "Knee pain", "slug": "knee-pain", "summary": ""}
    )

    assert response.status_code == 200
    assert "Condition with this Slug already exists." in response.content.decode()
    assert list(Condition.objects.values_list("name", flat=True)) == ["Knee pain (other tab)"]
    assert lose_the_race == ["POST", "POST"]


def test_a_get_is_never_retried(staff_client, monkeypatch):
    def broken(self, request, *args, **kwargs):
        raise IntegrityError("a real bug")

    monkeypatch.setattr(admin.ModelAdmin, "changeform_view", broken)
    staff_client.raise_request_exception = True

    with pytest.raises(IntegrityError):
        staff_client.get("/admin/articles/condition/add/")


# --- Two saves of one article at once, on SQLite -------------------------------------------------

CONFLICT = "Someone else saved this article after you opened it"


def _saving_at_once(tmp_path, monkeypatch, django_user_model, options: dict) -> dict:
    """Two staff post the change form of one article, opened at the same version; the second post
    starts while the first is inside its transaction, past its version check. Returns the outcome
    of each ("first", "second": a response or the exception raised) and the title saved.

    The test database is an in-memory SQLite one, whose connections share a cache and lock tables
    rather than the file: the saves run against a file copy of it, on a connection of their own
    in each thread, with the given OPTIONS."""
    article = make_draft(title="Both at once", slug="both-at-once", sections=1)
    change_url = f"/admin/articles/article/{article.pk}/change/"
    clients, forms = {}, {}
    for name in ("first", "second"):
        user = django_user_model.objects.create_superuser(name, f"{name}@clinic.example", "long-Pass-9921")
        clients[name] = Client()
        clients[name].force_login(user)
        forms[name] = form_data(clients[name].get(change_url)) | {"title": f"Saved by {name}"}
    assert forms["first"]["opened_version"] == forms["second"]["opened_version"]

    database = tmp_path / "race.sqlite3"
    copy = sqlite3.connect(database)
    connection.ensure_connection()
    connection.connection.backup(copy)
    copy.close()
    settings_dict = connection.settings_dict | {"NAME": str(database), "OPTIONS": options}

    first_inside, second_checked = threading.Event(), threading.Event()
    original_clean = ArticleAdminForm.clean

    def clean(form):
        cleaned = original_clean(form)  # the version check, inside the save's transaction
        if threading.current_thread().name == "first":
            first_inside.set()
            # Long enough for the second to check its version too, if its transaction can begin.
            second_checked.wait(timeout=2)
        else:
            second_checked.set()
        return cleaned

    monkeypatch.setattr(ArticleAdminForm, "clean", clean)
    outcomes = {}

    def post(name):
        connections["default"] = DatabaseWrapper(settings_dict, "default")
        try:
            outcomes[name] = clients[name].post(change_url, forms[name])
        except Exception as error:  # the outcome under test
            outcomes[name] = error
        finally:
            connections["default"].close()

    first = threading.Thread(target=post, args=["first"], name="first")
    second = threading.Thread(target=post, args=["second"], name="second")
    first.start()
    assert first_inside.wait(timeout=30)
    second.start()
    first.join(timeout=60)
    second.join(timeout=60)
    with sqlite3.connect(database) as check:
        (outcomes["title"],) = check.execute(
            "SELECT title FROM articles_article WHERE id = ?", [article.pk]
        ).fetchone()
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's locking; PostgreSQL's is in system_tests")
def test_two_simultaneous_saves_of_one_article_on_sqlite_give_the_conflict_message(
    tmp_path, monkeypatch, django_user_model
):
    options = connection.settings_dict["OPTIONS"]
    assert options.get("transaction_mode") == "IMMEDIATE"

    # A longer busy timeout than the default 5 s: a loaded test machine must not turn the wait into
    # a "database is locked" that a production server would not see.
    outcomes = _saving_at_once(tmp_path, monkeypatch, django_user_model, options | {"timeout": 60})

    assert outcomes["first"].status_code == 302
    # The second waited for the first's transaction, then found the article changed since it opened it.
    assert outcomes["second"].status_code == 200
    assert CONFLICT in outcomes["second"].content.decode()
    assert outcomes["title"] == "Saved by first"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's locking")
def test_without_immediate_transactions_the_same_two_saves_were_a_database_locked_error(
    tmp_path, monkeypatch, django_user_model
):
    """The control: SQLite's default (DEFERRED) transactions both read, then cannot both write."""
    options = {
        key: value for key, value in connection.settings_dict["OPTIONS"].items() if key != "transaction_mode"
    }

    outcomes = _saving_at_once(tmp_path, monkeypatch, django_user_model, options)

    errors = [
        outcome for outcome in (outcomes["first"], outcomes["second"]) if isinstance(outcome, Exception)
    ]
    # One save (or both) is a 500: a read lock cannot become a write lock while another writes.
    assert errors
    assert {(type(error).__name__, str(error)) for error in errors} == {
        ("OperationalError", "database is locked")
    }
