"""What the public side does when what it shows changes. Connected in ApiConfig.ready().

- articles.signals.publications_changed (a version approved, scheduled, ended): rebuild that
  article's public rows (api/publications.py).
- A publication deleted (its article was deleted): take it out of the search index, renew the
  listing version.
- Shared vocabulary saved or deleted (condition, risk, reviewer, clinic, contact link): the public
  rows that show it are rendered again; listings get a new version when they show it too.

Working-copy saves (articles, sections, criteria...) reach none of these: nothing public changes
until a reviewer approves. Bulk operations (QuerySet.update, bulk_create) send no signals: after
them, run ``manage.py refresh_content``.
"""

from django.db import connections, transaction
from django.db.models.signals import post_delete, post_migrate, post_save

from api import publications, search
from api.models import PublicArticle
from api.versions import bump_listing_version
from articles.models import Condition, Publication, Reviewer, Risk
from articles.signals import publications_changed
from clinics.models import Clinic, ContactLink


def publication_changed(sender, article_ids, **kwargs):
    publications.sync(article_ids)


@transaction.atomic
def publication_deleted(sender, instance, **kwargs):
    search.unindex([instance.pk])
    bump_listing_version()


def _rows_showing(instance):
    """The public rows whose JSON shows ``instance``."""
    if isinstance(instance, Condition):
        return PublicArticle.objects.filter(conditions=instance.pk)
    if isinstance(instance, Risk):
        return PublicArticle.objects.filter(risks=instance.pk)
    if isinstance(instance, Reviewer):
        return PublicArticle.objects.filter(reviewer=instance.pk)
    clinic_id = instance.pk if isinstance(instance, Clinic) else instance.clinic_id
    return PublicArticle.objects.filter(clinic=clinic_id)


@transaction.atomic  # a save outside any transaction (a script, the shell) still gets one here
def vocabulary_changed(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata and import_content: the rows are not live edits
        return
    rows = _rows_showing(instance)
    publications.mark_stale(rows)
    # Clinics are listed whether or not they publish; conditions and risks once an article names
    # them; reviewers only inside article details.
    if isinstance(instance, (Clinic, ContactLink)) or (not isinstance(instance, Reviewer) and rows.exists()):
        bump_listing_version()


def build_missing_rows(sender, app_config=None, using="default", **kwargs):
    """After migrate: public rows for publications that have none (the migration that created
    publications cannot render JSON with code that may have changed since)."""
    if app_config is None or app_config.label != "api":
        return
    tables = connections[using].introspection.table_names()
    if PublicArticle._meta.db_table in tables and Publication._meta.db_table in tables:
        publications.build_missing()


VOCABULARY = [Condition, Risk, Reviewer, Clinic, ContactLink]


def connect() -> None:
    publications_changed.connect(publication_changed, dispatch_uid="api-publications-changed")
    post_delete.connect(publication_deleted, sender=Publication, dispatch_uid="api-publication-deleted")
    for model in VOCABULARY:
        post_save.connect(
            vocabulary_changed, sender=model, dispatch_uid=f"api-vocabulary-save-{model.__name__}"
        )
        post_delete.connect(
            vocabulary_changed, sender=model, dispatch_uid=f"api-vocabulary-delete-{model.__name__}"
        )
    post_migrate.connect(build_missing_rows, dispatch_uid="api-build-missing-rows")
