"""What a content change sets off, whichever path made it (admin, workflow, revert, scripts).

For every model the public API shows, after a save or delete, in the same transaction:
  1. the stored JSON of the articles it appears in is cleared, and rendered again after commit
     (articles/rendering.py);
  2. the search index entries of those articles are refreshed, for text changes (articles/search.py);
  3. the content version changes, so cached responses and ETags are renewed (cms/caching.py).
Connected in ApiConfig.ready(). Bulk operations (QuerySet.update, bulk_create) send no
signals: code that uses them calls these functions itself (see bench/generate.py).
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from api.caching import bump_content_version
from api.rendering import forget
from api.search import reindex_articles
from articles.models import (
    Article,
    ArticleCondition,
    ArticleRisk,
    CandidateCriterion,
    Condition,
    Contraindication,
    Reference,
    Reviewer,
    Risk,
    Section,
)
from clinics.models import Clinic, ContactLink


def _articles_showing(instance):
    """Ids of the articles whose API JSON shows ``instance``."""
    if isinstance(instance, Article):
        return [instance.pk]
    if isinstance(
        instance, (Section, CandidateCriterion, Contraindication, Reference, ArticleCondition, ArticleRisk)
    ):
        return [instance.article_id]
    related = {
        Condition: "article_conditions__condition",
        Risk: "article_risks__risk",
        Reviewer: "reviewed_by",
        Clinic: "clinic",
    }
    if isinstance(instance, ContactLink):
        return Article.objects.filter(clinic_id=instance.clinic_id).values_list("pk", flat=True)
    lookup = related[type(instance)]
    return Article.objects.filter(**{lookup: instance.pk}).values_list("pk", flat=True)


@transaction.atomic  # a save outside any transaction (a script, the shell) still gets one here
def content_changed(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata: the fixture's rows are not live edits
        return
    article_ids = list(_articles_showing(instance))
    forget(article_ids)
    if isinstance(instance, (Article, Section)):
        reindex_articles(article_ids)
    bump_content_version()


CONTENT_MODELS = [
    Article,
    Section,
    CandidateCriterion,
    Contraindication,
    Reference,
    ArticleCondition,
    ArticleRisk,
    Condition,
    Risk,
    Reviewer,
    Clinic,
    ContactLink,
]


def connect() -> None:
    for model in CONTENT_MODELS:
        post_save.connect(
            content_changed, sender=model, dispatch_uid=f"content-changed-save-{model.__name__}"
        )
        post_delete.connect(
            content_changed, sender=model, dispatch_uid=f"content-changed-delete-{model.__name__}"
        )
