"""What the public side does when what it shows changes. Connected in ApiConfig.ready().

- articles.signals.publications_changed (a version approved, scheduled, ended): rebuild that
  article's public rows (api/publications.py).
- A publication about to be deleted (its article is being deleted): its public row and search entry
  go, and the listing version is renewed if it was visible.
- Shared vocabulary saved or deleted (condition, risk, reviewer, clinic, contact link): the public
  rows that show it are rendered again; listings get a new version when they show it too.

Working-copy saves (articles, sections, criteria...) reach none of these: nothing public changes
until a reviewer approves. Bulk operations (QuerySet.update, bulk_create) send no signals: after
them, run ``manage.py refresh_content``.
"""

from django.db import connections, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_migrate, post_save, pre_delete, pre_save
from django.utils import timezone

from api import cache_tags, events, publications, purging, search
from api.models import PublicArticle, PublicDocument, visible_q
from api.versions import bump_listing_version, lock_listing_version
from articles.models import (
    Article,
    Condition,
    ConditionCode,
    ConditionTranslation,
    Publication,
    Reviewer,
    Risk,
    RiskTranslation,
)
from articles.signals import publications_changed
from clinics.models import Clinic, ContactLink
from media_library import signals as media_signals


def publication_changed(sender, article_ids, **kwargs):
    publications.sync(article_ids)


@transaction.atomic
def publication_deleting(sender, instance, **kwargs):
    """Before a publication goes (with its article): if the public side shows or schedules it,
    its row and index entry go with it, and listings change if it was visible. Past versions,
    which have no public row, cost nothing."""
    lock_listing_version()
    row = PublicArticle.objects.filter(pk=instance.pk)
    if not row.exists():
        return
    was_visible = row.filter(visible_q(timezone.now())).exists()
    before = events.shown(row.filter(is_indexed=True))
    search.unindex([instance.pk])
    row.delete()
    if was_visible:
        publications.translations_changed([instance.article_id])
    bump_listing_version(renew=was_visible)
    events.send(events.compare(before, {}))


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
    lock_listing_version()  # first, as every change to the public side does
    rows = _rows_showing(instance)
    # Clinics are listed whether or not they publish; conditions and risks once a visible version
    # names them (a scheduled one must not show through); reviewers only inside article details.
    listed = isinstance(instance, (Clinic, ContactLink)) or (
        not isinstance(instance, Reviewer) and rows.filter(visible_q(timezone.now())).exists()
    )
    publications.mark_stale(rows)
    if listed:
        bump_listing_version()
    clinic_deleted = isinstance(instance, Clinic) and kwargs.get("signal") is post_delete
    events.send(_changes(instance, rows, listed, deleted=clinic_deleted))


def _changes(instance, rows, listed: bool, *, deleted: bool = False) -> list[events.PublicChange]:
    # deleted: the clinic itself is being deleted.
    """clinic.updated or topic.updated (one per clinic whose live articles show the term), with the
    cache tags of what shows it; a reviewer's name only purges the details that show it."""
    visible = rows.filter(visible_q(timezone.now()))
    if isinstance(instance, Reviewer):
        articles = visible.values_list("publication__article_id", flat=True)
        purging.purge_after_commit(cache_tags.article(article_id) for article_id in articles)
        return []
    if isinstance(instance, (Clinic, ContactLink)):
        clinic_id = instance.pk if isinstance(instance, Clinic) else instance.clinic_id
        purge = (cache_tags.clinic(clinic_id), "clinics", cache_tags.ARTICLES)
        before = getattr(instance, "_public_before", None)  # a clinic's own save (not a contact link's)
        if before is not None and not deleted and before == _public_fields(instance):
            return []  # nothing patients see changed (an internal field, or a save with no change)
        if before is not None and not deleted and before["default_language"] != instance.default_language:
            purge += _default_language_purge(visible)
        # A clinic patients cannot see (no live article, not marked public), before or after this
        # save, is no one's news; one that was public and just stopped being listed is, under the
        # name and address it was listed with (never the new ones, which were never public).
        was_public = bool(before and before["is_public"])
        is_public = not deleted and (
            Clinic.objects.filter(pk=clinic_id, is_public=True).exists() or visible.exists()
        )
        if not (was_public or is_public):
            purging.purge_after_commit(purge)
            return []
        listed_as = {} if is_public else {"clinic_slug": before["slug"], "clinic_name": before["name"]}
        return [
            events.PublicChange(
                type=events.Type.CLINIC_UPDATED, clinic_id=clinic_id, purge=purge, **listed_as
            )
        ]
    if not listed:
        return []
    kind = instance._meta.model_name
    purge = (cache_tags.topic(kind, instance.pk), f"{kind}s", cache_tags.ARTICLES)
    clinic_ids = sorted(set(visible.values_list("clinic_id", flat=True)))
    return [
        events.PublicChange(
            type=events.Type.TOPIC_UPDATED,
            clinic_id=clinic_id,
            topic_kind=kind,
            topic_id=instance.pk,
            purge=purge,
        )
        for clinic_id in clinic_ids
    ]


def _default_language_purge(visible) -> tuple[str, ...]:
    """What a clinic's new default language changes besides the clinic: every list without
    ``?language=`` counts and lists its articles in it (api/querysets.language_q), and so do the
    details of the conditions and risks its live articles name."""
    condition_ids = visible.exclude(conditions=None).values_list("conditions", flat=True).distinct()
    risk_ids = visible.exclude(risks=None).values_list("risks", flat=True).distinct()
    return (
        *cache_tags.LISTS,
        *(cache_tags.topic("condition", pk) for pk in sorted(condition_ids)),
        *(cache_tags.topic("risk", pk) for pk in sorted(risk_ids)),
    )


# What patients see of a clinic itself (the API's clinic, its listing, its articles' page addresses).
CLINIC_PUBLIC_FIELDS = [
    "slug", "name", "description", "specialty", "street_address", "city", "region", "postal_code",
    "country", "phone", "email", "website", "is_public", "article_url_template", "default_language",
]  # fmt: skip


def _public_fields(clinic) -> dict:
    return {name: getattr(clinic, name) for name in CLINIC_PUBLIC_FIELDS}


def clinic_saving(sender, instance, raw=False, **kwargs):
    """The clinic as patients saw it before this save: vocabulary_changed then tells a change
    patients see from one they do not, and announces a clinic that stopped being listed."""
    if not raw and instance.pk:
        old = Clinic.objects.filter(pk=instance.pk).values(*CLINIC_PUBLIC_FIELDS).first()
        instance._public_before = old


@transaction.atomic
def renditions_made(sender, image_id, **kwargs):
    """The worker made a picture's renditions: the public rows that show it render again with
    them (srcset, sources), under new ETags; lists too when a visible one shows it (its lead image
    is in list items). Nothing patients read changed: no event is announced."""
    lock_listing_version()
    rows = PublicArticle.objects.filter(images=image_id)
    article_ids = list(rows.values_list("publication__article_id", flat=True))
    if not article_ids:
        return
    visible = rows.filter(visible_q(timezone.now())).exists()
    publications.mark_stale(rows)
    if visible:
        bump_listing_version()
    purging.purge_after_commit(
        [*(cache_tags.article(article_id) for article_id in article_ids), cache_tags.ARTICLES]
    )


def article_saving(sender, instance, raw=False, **kwargs):
    """A working copy's translation link is the one working-copy field the public side shows
    (the translations of each live article): remember it before the save."""
    if raw or not instance.pk:
        return
    if "translation_of_id" not in instance.__dict__:
        return  # deferred (only some fields loaded): this save does not change it
    if hasattr(instance, "_loaded_translation_of_id"):
        instance._translation_of_before = instance._loaded_translation_of_id
    else:  # an instance not loaded from the database
        instance._translation_of_before = (
            Article.objects.filter(pk=instance.pk).values_list("translation_of_id", flat=True).first()
        )


@transaction.atomic
def article_saved(sender, instance, created, raw=False, **kwargs):
    """A translation linked to, or unlinked from, a source: both groups' live articles list
    their translations again."""
    if raw:
        return
    if created:
        if instance.translation_of_id is None:
            return
        before = None
    elif hasattr(instance, "_translation_of_before"):
        before = instance._translation_of_before
        if before == instance.translation_of_id:
            return
    else:
        return
    instance._loaded_translation_of_id = instance.translation_of_id
    lock_listing_version()
    groups = {instance.pk, *(pk for pk in (before, instance.translation_of_id) if pk)}
    members = Article.objects.filter(Q(pk__in=groups) | Q(translation_of_id__in=groups)).values("pk")
    rows = PublicArticle.objects.filter(publication__article_id__in=members)
    article_ids = set(rows.values_list("publication__article_id", flat=True))
    if article_ids:
        publications.mark_stale(rows)
        purging.purge_after_commit(cache_tags.article(article_id) for article_id in sorted(article_ids))


def topic_translation_changed(sender, instance, raw=False, **kwargs):
    """A condition's or risk's translated name is shown by that language's articles: as a change
    of the condition or risk itself."""
    if raw:
        return
    topic = getattr(instance, "condition", None) if hasattr(instance, "condition_id") else instance.risk
    vocabulary_changed(type(topic), topic, raw=raw)


def build_missing_rows(sender, app_config=None, using="default", **kwargs):
    """After migrate: public rows for publications that have none (the migration that created
    publications cannot render JSON with code that may have changed since), and JSON for rows whose
    JSON a migration cleared (the API's shape changed: a migration cannot render with today's code)."""
    if app_config is None or app_config.label != "api":
        return
    tables = connections[using].introspection.table_names()
    if PublicArticle._meta.db_table in tables and Publication._meta.db_table in tables:
        publications.build_missing()
        if PublicDocument._meta.db_table in tables:
            publications.render_cleared()


def condition_code_changed(sender, instance, raw=False, **kwargs):
    """A condition's code saved or deleted: as if the condition itself was saved. A code deleted
    with its condition (CASCADE) leaves that to the condition's own deletion."""
    if raw:
        return
    condition = Condition.objects.filter(pk=instance.condition_id).first()
    if condition is not None:
        vocabulary_changed(Condition, condition, signal=post_save)


VOCABULARY = [Condition, Risk, Reviewer, Clinic, ContactLink]


def connect() -> None:
    publications_changed.connect(publication_changed, dispatch_uid="api-publications-changed")
    pre_delete.connect(publication_deleting, sender=Publication, dispatch_uid="api-publication-deleting")
    for model in VOCABULARY:
        post_save.connect(
            vocabulary_changed, sender=model, dispatch_uid=f"api-vocabulary-save-{model.__name__}"
        )
        post_delete.connect(
            vocabulary_changed, sender=model, dispatch_uid=f"api-vocabulary-delete-{model.__name__}"
        )
    # A condition's codes show inside it (API, JSON-LD): a change to one is a change to the condition.
    post_save.connect(condition_code_changed, sender=ConditionCode, dispatch_uid="api-condition-code-save")
    post_delete.connect(
        condition_code_changed, sender=ConditionCode, dispatch_uid="api-condition-code-delete"
    )
    for model in (ConditionTranslation, RiskTranslation):
        for signal in (post_save, post_delete):
            signal.connect(
                topic_translation_changed,
                sender=model,
                dispatch_uid=f"api-topic-translation-{signal is post_save}-{model.__name__}",
            )
    pre_save.connect(clinic_saving, sender=Clinic, dispatch_uid="api-clinic-saving")
    pre_save.connect(article_saving, sender=Article, dispatch_uid="api-article-saving")
    post_save.connect(article_saved, sender=Article, dispatch_uid="api-article-saved")
    pre_delete.connect(clinic_saving, sender=Clinic, dispatch_uid="api-clinic-deleting")
    post_migrate.connect(build_missing_rows, dispatch_uid="api-build-missing-rows")
    media_signals.renditions_made.connect(renditions_made, dispatch_uid="api-renditions-made")
