import uuid

from django.db import migrations
from django.utils import timezone

BATCH = 500


def _stamp(previous, moment):
    """api.versions.stamp, kept inline (a migration must not import code that may change)."""
    second = moment.replace(microsecond=0)
    if previous is None or previous < second:
        return second, False
    return previous, True


def retire_stored_json(apps, schema_editor):
    """The API's JSON changed shape (docs/api-changelog.md: null instead of "", page_url, typed
    JSON-LD): clear every stored document and give every public row a new ETag, as
    api.publications.mark_stale does for a vocabulary change. Readers render on the fly while a
    document is null; the api app's post_migrate receiver (api/receivers.py) stores them again
    right after this migrate, and purges shared caches. The listing version is renewed too:
    lists, conditions, risks and clinics are cached under it and change shape as well."""
    PublicArticle = apps.get_model("api", "PublicArticle")
    PublicDocument = apps.get_model("api", "PublicDocument")
    ListingVersion = apps.get_model("api", "ListingVersion")
    now = timezone.now()
    PublicDocument.objects.update(detail_json=None, summary_json=None)
    rows = list(PublicArticle.objects.only("pk", "etag", "modified_at", "shares_second"))
    for row in rows:
        row.etag = uuid.uuid4().hex
        row.modified_at, row.shares_second = _stamp(row.modified_at, now)
    PublicArticle.objects.bulk_update(rows, ["etag", "modified_at", "shares_second"], batch_size=BATCH)
    version = ListingVersion.objects.filter(pk=1).first()
    if version is not None:
        version.token = uuid.uuid4().hex
        version.changed_at, version.shares_second = _stamp(version.changed_at, now)
        version.save(update_fields=["token", "changed_at", "shares_second"])


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0004_public_article_cache_tags"),
    ]

    operations = [
        # Backwards the same: the older code finds no stored JSON and renders on the fly in its own
        # shape, under new ETags (`manage.py refresh_content` with that code stores it again).
        migrations.RunPython(retire_stored_json, retire_stored_json),
    ]
