"""Restore an export_content file into a new, migrated database, exactly as it was exported.

Rows are loaded as loaddata loads fixtures: saved raw, so no model's save() runs (no sanitising,
no new anchors, no lock_version bump, no new reading grades, no auto_now times) and the
receivers of articles/receivers.py leave them alone. What the file leaves out because it is
derived (the public side: the API's JSON, filters, search index and listing version) is built
again after, from the publications.
All in one transaction: a file that fails anywhere imports nothing.
"""

import json
from collections import Counter
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.python import Deserializer
from django.db import DatabaseError, connection, transaction

from api.publications import rebuild_all
from cms.management.commands.export_content import FORMAT, FORMAT_VERSION, exported_models, migration_state


class Command(BaseCommand):
    help = (
        "Restore a file written by export_content into a new database: create it, run migrate, then "
        "import. Refuses a database that already holds content or users. Rows come back exactly as "
        "exported (ids, text, times to the microsecond); the public API's JSON and search index "
        "are built again, and cached API responses are retired."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A file written by export_content.")

    def handle(self, *args, file, **options):
        objects = _read(Path(file))
        models = exported_models()
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # DJANGO_DB_STATEMENT_TIMEOUT is for web requests; rebuilding the search index
                    # of a large database is one long statement.
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL statement_timeout = 0")
                _refuse_unless_empty(models)
                counts = _load(objects)
                # The ids of new rows continue after the restored ones (PostgreSQL sequences).
                with connection.cursor() as cursor:
                    for statement in connection.ops.sequence_reset_sql(no_style(), models):
                        cursor.execute(statement)
                rendered = rebuild_all()
        except (DeserializationError, FieldDoesNotExist, ValidationError, DatabaseError) as error:
            raise CommandError(f"Nothing was imported: {error}") from error

        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"Imported {sum(counts.values())} rows from {file}:"))
            for model in models:
                self.stdout.write(f"  {model._meta.label}: {counts[model._meta.label]}")
            self.stdout.write(
                f"Built again from the publications: the public API's JSON, filters and search index "
                f"({rendered} public versions); "
                "cached API responses retired."
            )


def _read(path: Path) -> list:
    """The file's rows, after checking it is an export this code and this database can load."""
    try:
        with path.open(encoding="utf-8") as export:
            data = json.load(export)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CommandError(f"Nothing was imported: cannot read {path} as an export: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CommandError(f"Nothing was imported: {path} is not a file written by export_content.")
    if data.get("version") != FORMAT_VERSION:
        raise CommandError(
            f"Nothing was imported: {path} has format version {data.get('version')!r}; "
            f"this code reads version {FORMAT_VERSION}."
        )
    exported, here = data.get("migrations"), migration_state()
    if exported != here:
        # Rows of another schema would load with fields missing or misread, or fail half-way.
        exported = exported if isinstance(exported, dict) else {}
        differences = "".join(
            f"\n  {app}: export at {_latest(exported.get(app))}, database at {_latest(here.get(app))}"
            for app in sorted(exported.keys() | here.keys())
            if exported.get(app) != here.get(app)
        )
        raise CommandError(
            "Nothing was imported: the export was made at other migrations than this database has. "
            "Restore with the code version the export was made with, then upgrade and migrate." + differences
        )
    objects = data.get("objects")
    labels = {model._meta.label_lower for model in exported_models()}
    if not isinstance(objects, list) or not all(
        isinstance(row, dict) and row.get("model") in labels and isinstance(row.get("fields"), dict)
        for row in objects
    ):
        raise CommandError(f"Nothing was imported: the rows of {path} are not rows of an export.")
    return objects


def _latest(migrations) -> str:
    return max(migrations) if isinstance(migrations, list) and migrations else "no migration"


def _refuse_unless_empty(models) -> None:
    # Groups are the exception: migrate makes the editorial roles, and the file's replace them.
    present = [
        f"{model._meta.label} ({count})"
        for model in models
        if model is not Group and (count := model._base_manager.count())
    ]
    if present:
        raise CommandError(
            f"Nothing was imported: the database already holds rows: {', '.join(present)}. import_content "
            "restores into a new database only: create one, run migrate, then import."
        )


def _load(objects: list) -> Counter:
    # The roles that migrate made give way to the exported ones, which come back with their own
    # ids and permissions. No user or admin log entry points at them yet: the database is empty.
    Group.objects.all().delete()
    counts = Counter()
    deferred = []
    for row in Deserializer(objects, handle_forward_references=True):
        # DeserializedObject.save() is Model.save_base(raw=True): no save(), and raw=True for signals.
        row.save()
        if row.deferred_fields:
            deferred.append(row)
        counts[row.object._meta.label] += 1
    for row in deferred:
        row.save_deferred_fields()
    # Foreign keys are checked at commit; checked now, a broken file fails inside the transaction.
    connection.check_constraints()
    return counts
