"""Publishing becomes a snapshot: each live or scheduled article gets a publication frozen from its
content as it stands, dated so that the public API serves exactly what it served before.

- published articles: a publication going live at their published_at (scheduled ones keep their
  future time), with their take-down time, their publication and update dates, and their latest
  saved version and approver as far as the history tells;
- the workflow history speaks in the states people see (live, scheduled...) instead of statuses;
- the working copy no longer carries the take-down time, the search vector or the stored JSON:
  the public side (the api app) keeps its own, built from the publications after migrate.

Backwards, each article gets its take-down time back from its publication; the working copy is
what the API serves again (unapproved changes to live articles then become public).
"""

import json

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models
from django.db.models import F, Q

CHILD_MODELS = ["Section", "CandidateCriterion", "ArticleCondition", "ArticleRisk", "Contraindication", "Reference"]
# Fields the frozen content leaves out: the public side derives them, or they left the model here.
NOT_CONTENT = {"search_vector", "expires_at"}
# articles.states.State as this migration made it.
STATES = [
    ("draft", "Draft"),
    ("in_review", "In review"),
    ("live", "Live"),
    ("live_with_changes", "Live with unpublished changes"),
    ("changes_in_review", "Changes in review"),
    ("scheduled", "Scheduled"),
    ("expired", "Expired"),
    ("archived", "Archived"),
]
STATE_OF_STATUS = {"draft": "draft", "in_review": "in_review", "published": "live", "archived": "archived"}
STATUS_OF_STATE = {
    "draft": "draft",
    "in_review": "in_review",
    "live": "published",
    "scheduled": "published",
    "expired": "published",
    "live_with_changes": "draft",
    "changes_in_review": "in_review",
    "archived": "archived",
}


def _action(from_status: str, to_status: str) -> str:
    if to_status == "published":
        return "publish"
    if to_status == "archived":
        return "archive"
    if to_status == "in_review":
        return "submit"
    return {"in_review": "withdraw", "archived": "restore"}.get(from_status, "unpublish")


def _content(article, children) -> str:
    """The article and its children in Django's JSON serialisation (articles/snapshots.py)."""
    rows = serializers.serialize("python", [article, *children])
    for field in NOT_CONTENT:
        rows[0]["fields"].pop(field, None)
    return json.dumps(rows, cls=DjangoJSONEncoder)


def make_publications(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Publication = apps.get_model("articles", "Publication")
    ArticleTransition = apps.get_model("articles", "ArticleTransition")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    children = {name: apps.get_model("articles", name) for name in CHILD_MODELS}
    article_type = ContentType.objects.filter(app_label="articles", model="article").first()

    for step in ArticleTransition.objects.all():
        step.from_state = STATE_OF_STATUS[step.from_status]
        step.to_state = STATE_OF_STATUS[step.to_status]
        step.action = _action(step.from_status, step.to_status)
        step.save(update_fields=["from_state", "to_state", "action"])

    published = Article.objects.filter(status="published", published_at__isnull=False).order_by("pk")
    for article in published.iterator():
        rows = [
            row
            for model in children.values()
            for row in model.objects.filter(article_id=article.pk).order_by("position", "pk")
        ]
        approval = (
            ArticleTransition.objects.filter(article_id=article.pk, to_status="published")
            .order_by("-at", "-pk")
            .first()
        )
        version = (
            Version.objects.filter(content_type=article_type, object_id=str(article.pk)).order_by("-pk").first()
            if article_type
            else None
        )
        Publication.objects.create(
            article_id=article.pk,
            revision_id=version.revision_id if version else None,
            content=_content(article, rows),
            slug=article.slug,
            title=article.title,
            clinic_id=article.clinic_id,
            approved_by_id=approval.actor_id if approval else None,
            approved_by_name=approval.actor_name if approval else "",
            approved_at=approval.at if approval else article.published_at,
            published_at=article.published_at,
            updated_at=article.updated_at,
            live_from=article.published_at,
            expires_at=article.expires_at,
        )


def undo_publications(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Publication = apps.get_model("articles", "Publication")
    ArticleTransition = apps.get_model("articles", "ArticleTransition")
    for step in ArticleTransition.objects.all():
        step.from_status = STATUS_OF_STATE[step.from_state]
        step.to_status = STATUS_OF_STATE[step.to_state]
        step.save(update_fields=["from_status", "to_status"])
    now = django.utils.timezone.now()
    unfinished = Publication.objects.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=now)).order_by("live_from")
    for publication in unfinished:
        Article.objects.filter(pk=publication.article_id).update(expires_at=publication.expires_at)


POSTGRES_SEARCH_FILL = """
    UPDATE articles_article a SET search_vector =
        setweight(to_tsvector('english', coalesce(a.title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(a.summary, '')), 'B')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(s.heading || ' ' || s.body_text, ' ')
            FROM articles_section s WHERE s.article_id = a.id), '')), 'C')
"""
SQLITE_SEARCH_TABLE = [
    "CREATE VIRTUAL TABLE articles_search USING fts5(title, summary, body, tokenize='porter unicode61')",
    "INSERT INTO articles_search (articles_search, rank) VALUES ('rank', 'bm25(10.0, 5.0, 1.0)')",
    """INSERT INTO articles_search (rowid, title, summary, body)
       SELECT a.id, a.title, a.summary, coalesce((
           SELECT group_concat(s.heading || ' ' || s.body_text, ' ')
           FROM articles_section s WHERE s.article_id = a.id), '')
       FROM articles_article a""",
]


def drop_the_working_copy_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS articles_search")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS articles_article_search_gin")


def restore_the_working_copy_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_SEARCH_TABLE:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX articles_article_search_gin ON articles_article USING gin (search_vector)"
        )
        schema_editor.execute(POSTGRES_SEARCH_FILL)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_section_body_limit"),
        ("clinics", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Publication",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("content", models.TextField(editable=False)),
                (
                    "slug",
                    models.SlugField(help_text="The address the version is published at.", max_length=200),
                ),
                ("title", models.CharField(max_length=200)),
                (
                    "approved_by_name",
                    models.CharField(blank=True, help_text="Kept if the user is deleted.", max_length=150),
                ),
                ("approved_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "published_at",
                    models.DateTimeField(
                        help_text="The publication date patients see: kept from the version this one replaces."
                    ),
                ),
                (
                    "updated_at",
                    models.DateTimeField(help_text="The update date patients see: when this version goes live."),
                ),
                ("live_from", models.DateTimeField(help_text="When this version goes live.")),
                (
                    "expires_at",
                    models.DateTimeField(
                        blank=True, help_text="When the article comes off the site by itself.", null=True
                    ),
                ),
                (
                    "ended_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="When a newer version replaced this one, or it was unpublished or archived.",
                        null=True,
                    ),
                ),
                (
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="publications",
                        to="articles.article",
                    ),
                ),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="clinics.clinic"
                    ),
                ),
                (
                    "revision",
                    models.ForeignKey(
                        blank=True,
                        help_text="The saved version approved (its History entry).",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="reversion.revision",
                    ),
                ),
            ],
            options={
                "ordering": ["-live_from", "-pk"],
                "indexes": [
                    models.Index(fields=["article", "live_from"], name="articles_pub_window_idx"),
                    models.Index(fields=["slug"], name="articles_pub_slug_idx"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("live_from")),
                        name="articles_publication_expires_after_going_live",
                        violation_error_message="The article must come off the site after it goes live.",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="articletransition",
            name="action",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.AddField(
            model_name="articletransition",
            name="from_state",
            field=models.CharField(
                choices=STATES,
                default="draft",
                max_length=20,
                verbose_name="from",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="articletransition",
            name="to_state",
            field=models.CharField(
                choices=STATES,
                default="draft",
                max_length=20,
                verbose_name="to",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(make_publications, undo_publications),
        # A default first, so that backwards the columns come back on rows that have none.
        migrations.AlterField(
            model_name="articletransition",
            name="from_status",
            field=models.CharField(default="draft", max_length=20),
        ),
        migrations.AlterField(
            model_name="articletransition",
            name="to_status",
            field=models.CharField(default="draft", max_length=20),
        ),
        migrations.RemoveField(model_name="articletransition", name="from_status"),
        migrations.RemoveField(model_name="articletransition", name="to_status"),
        migrations.AlterField(
            model_name="articletransition",
            name="actor_name",
            field=models.CharField(help_text="Kept even if the user is deleted.", max_length=150, verbose_name="by"),
        ),
        migrations.AlterField(
            model_name="articletransition",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="when"),
        ),
        # Before the column goes: backwards, the column is back before the index is rebuilt.
        migrations.RunPython(drop_the_working_copy_index, restore_the_working_copy_index),
        migrations.RemoveConstraint(model_name="article", name="articles_article_expires_after_publication"),
        migrations.RemoveIndex(model_name="article", name="articles_article_public_idx"),
        migrations.RemoveField(model_name="article", name="expires_at"),
        migrations.RemoveField(model_name="article", name="search_vector"),
        migrations.DeleteModel(name="ArticleDocument"),
        migrations.AlterField(
            model_name="article",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("in_review", "In review"),
                    ("published", "Published"),
                    ("archived", "Archived"),
                ],
                default="draft",
                help_text="Changed only with the workflow buttons and by editing an approved article.",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="published_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the article first went live; new versions keep it. Set when publishing.",
                null=True,
            ),
        ),
    ]
