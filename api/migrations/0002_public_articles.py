import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

import api.models

POSTGRES_FORWARD = [
    "CREATE INDEX api_publicarticle_search_gin ON api_publicarticle USING gin (search_vector)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS api_publicarticle_search_gin"]
# The FTS5 table's rowid is the publication id; porter stemming makes "pumps" find "pump".
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE api_search USING fts5(title, summary, body, tokenize='porter unicode61')",
    # Relevance: a title match weighs most, then the summary, then the sections.
    "INSERT INTO api_search (api_search, rank) VALUES ('rank', 'bm25(10.0, 5.0, 1.0)')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS api_search"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    """The public side's read model: one row per live or scheduled publication, with its JSON and
    what filters and search read. Rows are built from the publications right after migrate
    (api/receivers.py, build_missing_rows), with the code of the day."""

    dependencies = [
        ("api", "0001_content_version"),
        ("articles", "0007_publications"),
        ("clinics", "0001_initial"),
        ("cms", "0002_content_version_moves_to_api"),
    ]

    operations = [
        migrations.RenameModel(old_name="ContentVersion", new_name="ListingVersion"),
        migrations.AddField(
            model_name="listingversion",
            name="shares_second",
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name="PublicArticle",
            fields=[
                (
                    "publication",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="public",
                        serialize=False,
                        to="articles.publication",
                    ),
                ),
                ("slug", models.SlugField(db_index=False, max_length=200)),
                ("title", models.CharField(max_length=200)),
                ("published_at", models.DateTimeField()),
                ("updated_at", models.DateTimeField()),
                ("live_from", models.DateTimeField()),
                ("live_until", models.DateTimeField(null=True)),
                ("etag", models.CharField(default=api.models.ListingVersion.new_token, max_length=32)),
                ("modified_at", models.DateTimeField()),
                ("shares_second", models.BooleanField(default=False)),
                ("is_indexed", models.BooleanField(default=False)),
                ("search_vector", django.contrib.postgres.search.SearchVectorField(null=True)),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="public_articles",
                        to="clinics.clinic",
                    ),
                ),
                (
                    "reviewer",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="public_articles",
                        to="articles.reviewer",
                    ),
                ),
            ],
            options={
                "ordering": ["-published_at", "-pk"],
                "indexes": [
                    models.Index(
                        fields=["slug", "live_from", "live_until", "etag"], name="api_publicarticle_slug_idx"
                    ),
                    models.Index(fields=["live_from", "live_until"], name="api_publicarticle_window_idx"),
                    models.Index(
                        fields=["published_at", "publication", "live_from", "live_until"],
                        name="api_publicarticle_list_idx",
                    ),
                    models.Index(
                        fields=["publication", "live_from", "live_until", "published_at"],
                        name="api_publicarticle_join_idx",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="PublicDocument",
            fields=[
                (
                    "public_article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="document",
                        serialize=False,
                        to="api.publicarticle",
                    ),
                ),
                ("detail_json", models.TextField(null=True)),
                ("summary_json", models.TextField(null=True)),
            ],
        ),
        migrations.CreateModel(
            name="PublicArticleCondition",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "condition",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="public_links",
                        to="articles.condition",
                    ),
                ),
                (
                    "public_article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="api.publicarticle"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("public_article", "condition"), name="api_publicarticlecondition_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PublicArticleRisk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "public_article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="api.publicarticle"
                    ),
                ),
                (
                    "risk",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="public_links", to="articles.risk"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("public_article", "risk"), name="api_publicarticlerisk_unique")
                ],
            },
        ),
        migrations.AddField(
            model_name="publicarticle",
            name="conditions",
            field=models.ManyToManyField(
                related_name="public_articles", through="api.PublicArticleCondition", to="articles.condition"
            ),
        ),
        migrations.AddField(
            model_name="publicarticle",
            name="risks",
            field=models.ManyToManyField(
                related_name="public_articles", through="api.PublicArticleRisk", to="articles.risk"
            ),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
