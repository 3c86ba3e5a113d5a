import datetime
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.db.models.signals import post_delete, post_save
from django.db.utils import load_backend
from django.utils import timezone

from api.models import ListingVersion, PublicArticle, PublicArticleCondition, PublicArticleRisk
from api.publications import render_stale
from articles import importing, previews, revisions, workflow
from articles.models import (
    Article,
    ConditionCode,
    ConditionTranslation,
    Reference,
    Reviewer,
    RiskTranslation,
    Section,
    TopicProposal,
)
from articles.rich_text import sanitize_rich_text
from clinics import api_keys, roles
from clinics.models import ApiKey, Clinic
from cms.management.commands.export_content import exported_models
from media_library.renditions import make_renditions
from tests.admin_forms import ADD_ARTICLE, add_rows, new_article_data
from tests.factories import (
    make_archived,
    make_article,
    make_clinic,
    make_condition,
    make_draft,
    make_image,
    make_risk,
    make_scheduled,
    make_section,
)

pytestmark = pytest.mark.django_db

# The tables a restore must bring back row for row. The public side (the api app) is derived from
# the publications: built again by the import, so compared by what it serves (public_rows, served).
COMPARED_APPS = {"articles", "clinics", "media_library", "auth", "reversion", "admin"}
# Permissions are made by migrate.
NOT_EXPORTED = {Permission}
ROLES = ["Writer", "Clinical reviewer", "Clinic admin"]

# Sanitised on save like any section body: entities, a line break, a link, a dropped script.
ODD_BODY = (
    "<p>Fish &amp; chips &lt;3 — café, naïve, 5&nbsp;mg<br>twice a day</p>"
    '<ul><li><a href="https://example.org/dose?a=1&amp;b=2" target="_blank">Dosing</a></li></ul>'
    "<script>alert(1)</script>"
)
# Stored by an older, wider allowlist: today's sanitiser would change it, a restore must not.
OLDER_BODY = '<p>An <u>older</u> allowlist kept <span class="note">spans</span> &amp; underlines.</p>'
PUBLISHED_AT = datetime.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=datetime.UTC)
EXPIRES_AT = datetime.datetime(2036, 3, 1, 9, 30, 15, 654321, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Three users per test: the default hasher's deliberate slowness would be most of the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def content(staff_client, django_user_model):
    """Content of every kind, made as editors make it: the admin, the workflow, revert, previews;
    approved versions live, replaced, scheduled, expired and unpublished."""
    editor = django_user_model.objects.get(username="editor")
    writer = django_user_model.objects.create_user(
        "writer", "w@clinic.example", "long-Pass-9921", first_name="Zoë"
    )
    roles.grant(writer, "Writer")
    writer.user_permissions.add(Permission.objects.get(codename="review_article"))
    writer.groups.add(Group.objects.create(name="Proofreaders"))  # a superuser's own group
    reviewer_user = django_user_model.objects.create_user("reviewer", "r@clinic.example", "long-Pass-9922")
    roles.grant(reviewer_user, "Clinical reviewer")
    clinic = make_clinic(contact_links=2)
    sciatica, back_pain = make_condition(name="Sciatica"), make_condition(name="Back pain")
    infection = make_risk(name="Infection")
    reviewer = Reviewer.objects.create(name="Dr. Jane Smith", credentials="MD")
    # Shared vocabulary of issue 17: a code, and names in Spanish (checked by the reviewer).
    ConditionCode.objects.create(condition=sciatica, system="icd10cm", code="M54.3")
    ConditionTranslation.objects.create(
        condition=sciatica,
        language="es",
        name="Ciática",
        reviewed_by=reviewer,
        reviewed_on=datetime.date(2026, 1, 5),
    )
    RiskTranslation.objects.create(risk=infection, language="es", name="Infección")
    TopicProposal.objects.create(
        condition=sciatica,
        name="Sciatica",
        summary="Pain along the sciatic nerve.",
        reason="Too short.",
        proposed_by=writer,
        clinic=clinic,
    )
    # A clinic server's API key: only its hash is kept, and restored (the server keeps working).
    api_key = ApiKey(name="Site server", clinic=clinic, rate="6000/min", created_by=editor)
    api_keys.issue(api_key)
    api_key.save()

    # The admin: a revision of the article with its children, and an admin log entry.
    # A library picture (its renditions made, as the worker does), as the lead image and a figure.
    picture = make_image(clinic=clinic, alt_text="A nurse holds the patient's hand.")
    make_renditions.call(picture.pk)
    data = new_article_data(staff_client, clinic, treatment_type="procedure", treatment_name="Nerve block")
    data["lead_image"] = picture.pk
    figure = f'<figure><img alt="The needle goes in here." data-file="{picture.pk}"></figure>'
    add_rows(
        data, "sections", [{"position": "1", "heading": "Does it hurt?", "body": f"<p>A little.</p>{figure}"}]
    )
    add_rows(data, "article_conditions", [{"position": "1", "condition": sciatica.pk}])
    assert staff_client.post(ADD_ARTICLE, data).status_code == 302
    published = Article.objects.get(slug="nerve-blocks")
    (first_version,) = revisions.versions_of(published)
    workflow.transition(published, "submit", by=writer)
    workflow.transition(published, "publish", by=editor, live_from=PUBLISHED_AT, expires_at=EXPIRES_AT)
    workflow.record_review(
        published, by=editor, reviewer=reviewer, reviewed_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    # The reviewed version replaces the first one (which ends, and stays on record).
    workflow.transition(published, "publish", by=editor, expires_at=EXPIRES_AT)
    # Working-copy changes after that: saved and versioned, never public.
    revisions.revert(published, first_version, by=editor)
    make_section(article=published, position=2, heading="Fish & chips?", body=ODD_BODY)
    # Shared vocabulary edited after approval: the public JSON shows today's summary.
    sciatica.summary = "Pain that runs down the leg."
    sciatica.save()

    draft = make_draft(
        clinic=clinic,
        sections=2,
        conditions=[back_pain],
        risks=[infection],
        criteria=2,
        contraindications=2,
        references=1,
    )
    Reference.objects.create(
        article=draft,
        position=2,
        title="A trial",
        url="https://journal.example/trial",
        doi="10.1056/NEJMoa1234567",
        accessed_on=datetime.date(2025, 12, 31),
    )
    older = make_section(article=draft, position=3, heading="From the old editor", body="<p>Placeholder.</p>")
    Section.objects.filter(pk=older.pk).update(body=OLDER_BODY)
    previews.create_link(draft, by=editor)
    workflow.transition(draft, "submit", by=writer)
    workflow.transition(draft, "withdraw", by=reviewer_user, note="Simpler words, please.")
    make_archived(clinic=clinic, sections=1, references=1)
    make_scheduled(clinic=make_clinic(), sections=1)
    # An import: the record of its source (so importing it again is noticed) and its suggestions.
    importing.import_article(
        b"Knee pain\nKnee pain is common, and most of it gets better with rest.\nWhat are the risks?\n"
        b"Like any injection, it has some risks:\n- Infection\n- Bruising\n",
        filename="knee.txt",
        clinic=clinic,
        by=writer,
    )
    make_article(
        clinic=clinic,
        title="Epidural injections",
        sections=2,
        conditions=[back_pain, sciatica],
        risks=[infection],
        criteria=1,
        contraindications=1,
        references=1,
        reviewed_by=reviewer,
    )
    make_article(
        clinic=clinic,
        sections=1,
        published_ago=datetime.timedelta(days=30),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    workflow.transition(make_article(clinic=clinic), "unpublish", by=editor, note="Out of date.")
    # What the on-commit re-render leaves in production (tests roll back before any commit).
    render_stale(
        list(PublicArticle.objects.filter(document__detail_json__isnull=True).values_list("pk", flat=True))
    )
    return {"published": published, "draft": draft, "older_section": older}


def export(tmp_path: Path, name: str = "content.json") -> Path:
    path = tmp_path / name
    call_command("export_content", str(path), verbosity=0)
    return path


def tables(using: str = "default") -> dict[str, list[dict]]:
    """Every row of every content table, all columns, each table in primary-key order.

    Ids of content types and permissions differ between databases: they are replaced by their
    natural keys. Link rows of many-to-many fields (a user's groups) lose their own id, which
    nothing refers to, and are sorted.
    """
    content_types = {ct.pk: ct.natural_key() for ct in ContentType.objects.using(using)}
    permissions = {
        p.pk: (p.codename, *content_types[p.content_type_id]) for p in Permission.objects.using(using)
    }
    natural = {ContentType: content_types, Permission: permissions}
    result = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in COMPARED_APPS or model in NOT_EXPORTED:
            continue
        rows = list(model._base_manager.using(using).order_by("pk").values())
        for row in rows:
            for field in model._meta.fields:
                if field.related_model in natural and row[field.attname] is not None:
                    row[field.attname] = natural[field.related_model][row[field.attname]]
            if model._meta.auto_created:
                del row["id"]
        if model._meta.auto_created:
            rows.sort(key=repr)
        result[model._meta.label] = rows
    return result


def public_rows(using: str = "default") -> dict[str, list]:
    """The public side's rows (one per live or scheduled publication) and their filter rows, less
    what every build makes anew: ETags, Last-Modified and PostgreSQL's search vector."""
    renewed = {"etag", "modified_at", "shares_second", "search_vector"}
    fields = [field.attname for field in PublicArticle._meta.concrete_fields if field.attname not in renewed]
    return {
        "rows": list(PublicArticle.objects.using(using).order_by("pk").values(*fields)),
        "conditions": sorted(
            PublicArticleCondition.objects.using(using).values_list("public_article_id", "condition_id")
        ),
        "risks": sorted(PublicArticleRisk.objects.using(using).values_list("public_article_id", "risk_id")),
    }


def etags(using: str = "default") -> set[str]:
    return set(PublicArticle.objects.using(using).values_list("etag", flat=True))


# Words of the approved versions, and words ("fish chips") only in a working copy.
SEARCHES = ("nerve", "hurt", "epidural", "article", "fish chips")
LISTS = ("/api/v1/articles/?page_size=100", "/api/v1/conditions/", "/api/v1/risks/", "/api/v1/clinics/")


def served(client) -> dict[str, dict]:
    """What the public API answers, by path: the lists, every listed article's detail, searches.

    Also run by manage.py against a restored database (SERVE), so it needs no test fixture.
    """

    def get(path: str) -> dict:
        response = client.get(path, HTTP_HOST="localhost", secure=True)
        assert response.status_code == 200, (path, response.status_code)
        return response.json()

    answers = {path: get(path) for path in LISTS}
    for item in answers[LISTS[0]]["results"]:
        path = f"/api/v1/articles/{item['slug']}/"
        answers[path] = get(path)
    for words in SEARCHES:
        path = f"/api/v1/articles/?search={words.replace(' ', '+')}"
        answers[path] = get(path)
    return answers


SERVE = (
    "import json; from django.test import Client; from tests.test_cms_backup import served; "
    "print(json.dumps(served(Client())))"
)


def found(answers: dict[str, dict]) -> dict[str, list[str]]:
    """The slugs each search finds."""
    return {
        words: [
            item["slug"] for item in answers[f"/api/v1/articles/?search={words.replace(' ', '+')}"]["results"]
        ]
        for words in SEARCHES
    }


def wipe() -> None:
    """Leave the database as a new one is after migrate: no rows but the editorial roles (here
    without their permissions, which the import must bring back)."""
    for model in reversed(exported_models()):
        model._base_manager.all().delete()
    Group.objects.bulk_create([Group(name=name) for name in ROLES])


def window(publication: dict, now: datetime.datetime) -> str:
    """Where a publication row's window stands at ``now``."""
    if publication["ended_at"] is not None and publication["ended_at"] <= now:
        return "ended"
    if publication["expires_at"] is not None and publication["expires_at"] <= now:
        return "expired"
    return "scheduled" if publication["live_from"] > now else "live"


def row_count(tables: dict) -> int:
    """Rows the file holds: the tables' rows less many-to-many links, which come with their rows."""
    return sum(len(rows) for label, rows in tables.items() if not apps.get_model(label)._meta.auto_created)


def assert_same_tables(restored: dict, original: dict) -> None:
    assert restored.keys() == original.keys()
    for label, rows in original.items():
        assert restored[label] == rows, label


# --- Into a new database -------------------------------------------------------------------------

RESTORE = "restore"


@pytest.fixture
def new_database(tmp_path):
    """A second, empty database that manage.py migrates and imports into, as on a new server.

    Yields a function that runs manage.py against it; the test reads it as the RESTORE alias.
    """
    default = connections["default"].settings_dict
    postgres = connections["default"].vendor == "postgresql"
    if postgres:
        name = f"{default['NAME']}_restore"
        server = os.environ["DATABASE_URL"]
        run_on_server(server, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        url = urlsplit(server)._replace(path=f"/{name}").geturl()
    else:
        name = str(tmp_path / "restore.sqlite3")
        url = f"sqlite:///{name}"
    # Set on the handler, not in its settings: Django's test case lets such a connection through.
    connections[RESTORE] = load_backend(default["ENGINE"]).DatabaseWrapper({**default, "NAME": name}, RESTORE)

    def manage(*args: str) -> str:
        connections[RESTORE].close()  # SQLite: no lock of ours in the way
        environment = {**os.environ, "DATABASE_URL": url, "DJANGO_SECRET_KEY": "backup-test-only"}
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    try:
        yield manage
    finally:
        connections[RESTORE].close()
        del connections[RESTORE]
        if postgres:
            run_on_server(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_on_server(url: str, *statements: str) -> None:
    """Run statements on the server's maintenance database: DATABASE_URL's own may not exist
    (pytest works in test_<name>)."""
    import psycopg

    maintenance = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as admin:
        for statement in statements:
            admin.execute(statement)


def test_export_then_import_into_a_new_database_restores_every_row_exactly_and_serves_the_same_json(
    content, tmp_path, new_database, api
):
    path = export(tmp_path)
    original, original_public, original_served = tables(), public_rows(), served(api)
    # Every table holds rows, so every table is really compared.
    assert [label for label, rows in original.items() if not rows] == []
    # Publications of every kind are compared: replaced or unpublished (ended), expired, live, scheduled.
    now = timezone.now()
    assert {window(row, now) for row in original["articles.Publication"]} == {
        "ended",
        "expired",
        "live",
        "scheduled",
    }
    # Two articles are live; the scheduled version waits in the public rows, unseen.
    assert len(original_served[LISTS[0]]["results"]) == 2
    assert len(original_public["rows"]) == 3
    # A new database numbers its content types and roles differently: one extra of each first.
    new_database("migrate", "auth", "--noinput")
    ContentType.objects.using(RESTORE).create(app_label="backup_test", model="placeholder")
    Group.objects.using(RESTORE).create(name="Made before the roles")
    new_database("migrate", "--noinput")
    article_type = {"app_label": "articles", "model": "article"}
    assert (
        ContentType.objects.using(RESTORE).get(**article_type).pk
        != ContentType.objects.get(**article_type).pk
    )
    assert Group.objects.using(RESTORE).get(name="Writer").pk != Group.objects.get(name="Writer").pk

    output = new_database("import_content", str(path))

    assert_same_tables(tables(RESTORE), original)
    assert tables(RESTORE)["articles.Publication"] == original["articles.Publication"]
    assert f"Imported {row_count(original)} rows" in output
    # Built again from the restored publications: the same public rows, and the restored
    # database serves the same JSON (lists, details, searches) as the original.
    assert public_rows(RESTORE) == original_public
    restored_served = json.loads(new_database("shell", "--no-imports", "-c", SERVE).splitlines()[-1])
    assert restored_served == original_served
    # Searches find the approved versions only: a word of a working copy finds nothing.
    assert [words for words, slugs in found(original_served).items() if not slugs] == ["fish chips"]
    # Cached responses and ETags of the old database are not taken for the restored content.
    assert ListingVersion.objects.using(RESTORE).get().token != ListingVersion.objects.get().token
    assert etags(RESTORE).isdisjoint(etags())
    # New rows get new ids (PostgreSQL sequences continue after the restored rows).
    (clinic,) = Clinic.objects.using(RESTORE).bulk_create([Clinic(name="New clinic", slug="new-clinic")])
    assert clinic.pk > max(row["id"] for row in original["clinics.Clinic"])
    (group,) = Group.objects.using(RESTORE).bulk_create([Group(name="New role")])
    assert group.pk > max(row["id"] for row in original["auth.Group"])


# --- In this database ----------------------------------------------------------------------------


def test_export_is_one_json_document_with_a_format_version_and_every_exported_row(content, tmp_path):
    path = export(tmp_path)

    data = json.loads(path.read_text(encoding="utf-8"))
    assert (data["format"], data["version"]) == ("careleaf-content", 1)
    assert data["migrations"]["articles"][0] == "0001_initial"
    assert Counter(row["model"] for row in data["objects"]) == {
        model._meta.label_lower: model._base_manager.count() for model in exported_models()
    }
    # The public side is derived: the import builds it again from the publications.
    assert [row["model"] for row in data["objects"] if row["model"].startswith("api.")] == []
    assert "api" not in data["migrations"]
    # Content types by natural key: their ids differ between databases.
    versions = [row for row in data["objects"] if row["model"] == "reversion.version"]
    assert {tuple(row["fields"]["content_type"]) for row in versions} >= {("articles", "article")}
    # Times to the microsecond (Django's JSON encoder keeps only milliseconds).
    (article,) = [
        row
        for row in data["objects"]
        if row["pk"] == content["published"].pk and row["model"] == "articles.article"
    ]
    assert article["fields"]["published_at"] == "2026-03-01T09:30:15.123456+00:00"
    # The publications are the editorial record: each with its frozen content and its window.
    first, reviewed = (
        row
        for row in _rows_of(data, "articles.publication")
        if row["fields"]["article"] == content["published"].pk
    )
    assert (first["fields"]["live_from"], first["fields"]["expires_at"]) == (
        "2026-03-01T09:30:15.123456+00:00",
        "2036-03-01T09:30:15.654321+00:00",
    )
    assert first["fields"]["ended_at"] == reviewed["fields"]["live_from"]
    assert reviewed["fields"]["published_at"] == "2026-03-01T09:30:15.123456+00:00"
    # Each holds the article as approved: the clinical review only in the version approved after it.
    reviewed_on = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    assert [
        json.loads(row["fields"]["content"])[0]["fields"]["last_reviewed_on"] for row in (first, reviewed)
    ] == [
        None,
        reviewed_on,
    ]
    # Password hashes are in it: readable by its owner only.
    assert path.stat().st_mode & 0o777 == 0o600
    # The same rows make the same file, byte for byte, but for the header's export time.
    rows = path.read_text(encoding="utf-8").partition('"objects": [')[2]
    assert export(tmp_path, "again.json").read_text(encoding="utf-8").partition('"objects": [')[2] == rows


def test_import_saves_rows_raw_so_no_save_method_receiver_or_after_commit_work_runs(
    content, tmp_path, django_capture_on_commit_callbacks, api
):
    path = export(tmp_path)
    original, original_public, original_served = tables(), public_rows(), served(api)
    assert sanitize_rich_text(OLDER_BODY) != OLDER_BODY
    wipe()
    assert public_rows()["rows"] == []
    saves, deletes = [], []

    def record_save(sender, raw, **kwargs):
        saves.append((sender._meta.label, raw))

    def record_delete(sender, **kwargs):
        deletes.append(sender._meta.label)

    post_save.connect(record_save, weak=False, dispatch_uid="backup-test-save")
    post_delete.connect(record_delete, weak=False, dispatch_uid="backup-test-delete")
    try:
        with django_capture_on_commit_callbacks() as callbacks:
            call_command("import_content", str(path), verbosity=0)
    finally:
        post_save.disconnect(dispatch_uid="backup-test-save")
        post_delete.disconnect(dispatch_uid="backup-test-delete")

    # Raw saves only, but for the new listing version (the public rows are written in bulk) and the
    # worker's task for the scheduled version's moment; the roles migrate made give way.
    assert {label for label, raw in saves if not raw} == {
        "api.ListingVersion",
        "django_tasks_database.DBTaskResult",
    }
    assert len([raw for _, raw in saves if raw]) == row_count(original)
    assert set(deletes) == {"auth.Group"}
    assert callbacks == []
    assert_same_tables(tables(), original)
    assert Section.objects.get(pk=content["older_section"].pk).body == OLDER_BODY
    # The public side built again from the publications serves what it served before.
    assert public_rows() == original_public
    cache.clear()
    assert served(api) == original_served


def test_import_refuses_a_database_that_already_holds_content_and_changes_nothing(content, tmp_path):
    path = export(tmp_path)
    original, original_public, original_etags = tables(), public_rows(), etags()

    with pytest.raises(CommandError, match=r"already holds rows: clinics.Clinic \(2\)"):
        call_command("import_content", str(path), verbosity=0)

    assert_same_tables(tables(), original)
    assert (public_rows(), etags()) == (original_public, original_etags)


def test_import_refuses_a_database_with_only_a_user(content, tmp_path, django_user_model):
    path = export(tmp_path)
    wipe()
    django_user_model.objects.create_superuser("admin", "admin@clinic.example", "long-Pass-9923")

    with pytest.raises(CommandError, match=r"already holds rows: auth.User \(1\)"):
        call_command("import_content", str(path), verbosity=0)


def _rows_of(data: dict, model: str) -> list[dict]:
    return [row for row in data["objects"] if row["model"] == model]


def truncated(text: str) -> str:
    return text[: len(text) // 2]


def late_row_with_a_bad_date(text: str) -> str:
    data = json.loads(text)
    _rows_of(data, "articles.article")[-1]["fields"]["published_at"] = "last Tuesday"
    return json.dumps(data)


def late_row_pointing_at_a_missing_article(text: str) -> str:
    data = json.loads(text)
    _rows_of(data, "articles.section")[-1]["fields"]["article"] = 999_999
    return json.dumps(data)


def late_row_naming_a_missing_permission(text: str) -> str:
    data = json.loads(text)
    _rows_of(data, "auth.user")[-1]["fields"]["user_permissions"] = [["fly", "articles", "article"]]
    return json.dumps(data)


def row_of_a_model_not_exported(text: str) -> str:
    data = json.loads(text)
    data["objects"].append({"model": "sessions.session", "pk": "x", "fields": {}})
    return json.dumps(data)


def another_format_version(text: str) -> str:
    return json.dumps(json.loads(text) | {"version": 2})


def other_migrations(text: str) -> str:
    data = json.loads(text)
    data["migrations"]["articles"].append("0099_from_the_future")
    return json.dumps(data)


@pytest.mark.parametrize(
    "damage",
    [
        truncated,
        late_row_with_a_bad_date,
        late_row_pointing_at_a_missing_article,
        late_row_naming_a_missing_permission,
        row_of_a_model_not_exported,
        another_format_version,
        other_migrations,
    ],
)
def test_import_of_a_damaged_file_fails_and_imports_nothing(content, tmp_path, damage):
    path = export(tmp_path)
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    wipe()
    empty = tables()

    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_content", str(path), verbosity=0)

    assert_same_tables(tables(), empty)
    assert public_rows()["rows"] == []


def test_import_of_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_content", str(tmp_path / "nowhere.json"), verbosity=0)


def test_every_reference_from_an_exported_row_survives_in_a_new_database():
    """A foreign key keeps its meaning when it points at an exported row (ids are kept) or at a
    row named by natural key; any other target's id would point at a different row."""
    exported = set(exported_models())
    dangling = [
        f"{model._meta.label}.{field.name}"
        for model in exported
        for field in [*model._meta.fields, *model._meta.many_to_many]
        if field.is_relation
        and field.related_model not in exported
        and not hasattr(field.related_model, "natural_key")
    ]
    assert dangling == []
