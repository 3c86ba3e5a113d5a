"""Back up the content, its history and its users to one JSON file; import_content restores it.

The file is Django's serialised form of every row, one row per line, inside a small header:

    {
    "format": "careleaf-content",
    "version": 1,
    "exported_at": "2026-11-24T09:30:00.123456+00:00",
    "migrations": {"articles": ["0001_initial", ...], ...},
    "objects": [
    {"model": "auth.group", "pk": 1, "fields": {"name": "Writer", "permissions": [["add_article", ...]]}},
    ...
    ]}

Primary keys are kept: django-reversion's versions name their objects by id, inside and outside
their stored JSON. Content types and permissions are named by natural key ("articles", "article"),
because their ids differ between databases; so are users and groups where rows point at them.
"""

import datetime
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Serializer
from django.db import connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = "careleaf-content"
FORMAT_VERSION = 1
# The public side (the api app: its JSON, filter rows, search index and listing version) is
# derived from the publications: import_content builds it again instead of loading it.
# media_library: the images' rows (their files are in the media storage: back it up with them).
CONTENT_APPS = ("clinics", "media_library", "articles")
# What the content rows point at, or what records their history.
RELATED_MODELS = ("auth.group", "auth.user", "reversion.revision", "reversion.version", "admin.logentry")
CHUNK_SIZE = 2000


def exported_models() -> list[type[models.Model]]:
    """The models whose rows the file holds, each after the models its rows point at."""
    chosen = [
        model
        for model in apps.get_models()
        if (model._meta.app_label in CONTENT_APPS or model._meta.label_lower in RELATED_MODELS)
        and model._meta.managed
        and not model._meta.proxy
    ]
    ordered = []
    while chosen:
        ready = [model for model in chosen if not (_targets(model) & set(chosen)) - {model}]
        if not ready:
            raise ImproperlyConfigured(f"Circular foreign keys between {[m._meta.label for m in chosen]}")
        ordered += ready
        chosen = [model for model in chosen if model not in ready]
    return ordered


def _targets(model) -> set:
    return {
        field.related_model for field in [*model._meta.fields, *model._meta.many_to_many] if field.is_relation
    }


def migration_state() -> dict[str, list[str]]:
    """The applied migrations of the apps whose tables the file describes."""
    app_labels = {model._meta.app_label for model in exported_models()} | {"contenttypes"}
    # The loader counts a squashed migration as applied when what it replaces is: databases
    # migrated before and after a squash have the same state.
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    applied = [key for key in loader.applied_migrations if key in loader.graph.nodes]
    return {label: sorted(name for app, name in applied if app == label) for label in sorted(app_labels)}


class BackupEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, except that times keep their microseconds (it cuts them to milliseconds)."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


def _natural_foreign_keys(model) -> list[str]:
    """Foreign keys the serializer writes as the target's natural key: it reads the target row."""
    return [
        field.name
        for field in model._meta.fields
        if field.is_relation and hasattr(field.related_model, "natural_key")
    ]


def _rows(model) -> Iterator[dict]:
    """The model's rows in primary-key order, serialised, read a chunk at a time."""
    # The serializer fetches each row's natural-key targets and many-to-many lists; joined and
    # prefetched here, a chunk costs a few queries instead of a few per row.
    prefetches = [
        models.Prefetch(
            field.name,
            queryset=field.related_model._base_manager.select_related(
                *_natural_foreign_keys(field.related_model)
            ).order_by("pk"),
        )
        for field in model._meta.many_to_many
        if field.remote_field.through._meta.auto_created
    ]
    queryset = (
        model._base_manager.select_related(*_natural_foreign_keys(model))
        .prefetch_related(*prefetches)
        .order_by("pk")
    )
    options = {"use_natural_foreign_keys": True}
    serializer = Serializer()
    for chunk in _chunks(queryset.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        yield from serializer.serialize(chunk, **options)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Command(BaseCommand):
    help = (
        "Write every row of the content (clinics, articles with their drafts, sections and workflow "
        "history, django-reversion versions) and the staff users and groups to one JSON file; "
        "import_content restores it into a new database. The file holds unpublished drafts and the "
        "users' password hashes: keep it as private as the database itself (it is created readable "
        "by its owner only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="Where to write the export. Written in full, then renamed into place."
        )

    def handle(self, *args, file, **options):
        target = Path(file)
        if not target.parent.is_dir():
            raise CommandError(f"Not exported: the folder {target.parent} does not exist.")
        # A temporary file next to the target, renamed over it when complete: the target is never
        # half-written. mkstemp creates it readable by its owner only.
        descriptor, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".partial"
        )
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                counts = self._export(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"Exported {sum(counts.values())} rows to {target}:"))
            for label, count in counts.items():
                self.stdout.write(f"  {label}: {count}")
            self.stdout.write(
                self.style.WARNING(
                    "The file holds drafts and password hashes: store it as you store the database."
                )
            )

    def _export(self, out) -> dict[str, int]:
        outermost = not connection.in_atomic_block  # else a caller's transaction (a test) decides
        with transaction.atomic():
            if connection.vendor == "postgresql" and outermost:
                # One snapshot for every table (SQLite's transaction is one already): rows saved
                # while the export runs are all in it or all out, so no version in the file
                # points at an article the file lacks.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    # DJANGO_DB_STATEMENT_TIMEOUT is for web requests; a backup takes what it takes.
                    cursor.execute("SET LOCAL statement_timeout = 0")
            header = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "exported_at": timezone.now(),
                "migrations": migration_state(),
            }
            out.write("{\n")
            for key, value in header.items():
                out.write(f"{json.dumps(key)}: {json.dumps(value, cls=BackupEncoder)},\n")
            out.write('"objects": [')
            counts = {}
            separator = "\n"
            for model in exported_models():
                counts[model._meta.label] = 0
                for row in _rows(model):
                    out.write(separator + json.dumps(row, cls=BackupEncoder, ensure_ascii=False))
                    separator = ",\n"
                    counts[model._meta.label] += 1
            out.write("\n]}\n")
        return counts
