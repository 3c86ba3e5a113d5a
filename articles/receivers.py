"""What a section change sets off on its article, whichever path made it (admin, revert, scripts):
the article's reading grades are its sections' counts taken together, so they follow every
section save or delete. Connected in ArticlesConfig.ready()."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import post_delete, post_save

from articles.models import Article, Section

# Inside grades_once(): the articles whose sections changed, graded once at the end.
_deferred: ContextVar[set | None] = ContextVar("deferred_grades", default=None)


@contextmanager
def grades_once():
    """Within it, section saves and deletes grade their article once, at the end, instead of once
    per section (a restore of a long article changes every section)."""
    token = _deferred.set(set())
    try:
        yield
        changed = _deferred.get()
    finally:
        _deferred.reset(token)
    if changed:
        Article.objects.filter(pk__in=changed).update_readability()


def section_changed(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata and import_content: the stored grades come back as they were
        return
    deferred = _deferred.get()
    if deferred is not None:
        deferred.add(instance.article_id)
        return
    Article.objects.filter(pk=instance.article_id).update_readability()


def connect() -> None:
    post_save.connect(section_changed, sender=Section, dispatch_uid="articles-section-saved")
    post_delete.connect(section_changed, sender=Section, dispatch_uid="articles-section-deleted")
