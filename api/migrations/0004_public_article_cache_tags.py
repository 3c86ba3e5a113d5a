from django.db import migrations, models


def fill_cache_tags(apps, schema_editor):
    """Rows made before cache tags: the same tags api.cache_tags.for_detail gives new rows (kept
    inline: a migration must not import code that may change)."""
    PublicArticle = apps.get_model("api", "PublicArticle")
    PublicArticleCondition = apps.get_model("api", "PublicArticleCondition")
    PublicArticleRisk = apps.get_model("api", "PublicArticleRisk")
    conditions, risks = {}, {}
    for row_id, condition_id in PublicArticleCondition.objects.values_list("public_article_id", "condition_id"):
        conditions.setdefault(row_id, set()).add(condition_id)
    for row_id, risk_id in PublicArticleRisk.objects.values_list("public_article_id", "risk_id"):
        risks.setdefault(row_id, set()).add(risk_id)
    rows = list(PublicArticle.objects.select_related("publication"))
    for row in rows:
        tags = ["api", f"article-{row.publication.article_id}", f"clinic-{row.clinic_id}"]
        tags += [f"condition-{pk}" for pk in sorted(conditions.get(row.pk, ()))]
        tags += [f"risk-{pk}" for pk in sorted(risks.get(row.pk, ()))]
        row.cache_tags = " ".join(tags)
    PublicArticle.objects.bulk_update(rows, ["cache_tags"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_search_vectors_inline"),
    ]

    operations = [
        migrations.AddField(
            model_name="publicarticle",
            name="cache_tags",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(fill_cache_tags, migrations.RunPython.noop),
    ]
