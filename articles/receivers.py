"""What a section change sets off on its article, whichever path made it (admin, revert, scripts):
the article's reading grades are its sections' counts taken together, so they follow every
section save or delete. Connected in ArticlesConfig.ready()."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save, pre_save

from articles.models import Article, Section
from media_library.models import Image

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


# What an article shows of a library picture: editing any of these in the library changes what a
# reviewer would approve (a publication freezes them).
IMAGE_SHOWN_FIELDS = ["alt_text", "is_decorative", "caption", "credit", "focal_x", "focal_y"]


def image_saving(sender, instance, raw=False, **kwargs):
    if not raw and instance.pk:
        instance._shown_before = Image.objects.filter(pk=instance.pk).values_list(*IMAGE_SHOWN_FIELDS).first()


def image_saved(sender, instance, created, raw=False, **kwargs):
    """A library edit of what articles show counts as an edit of each article that shows the
    picture: its lock version moves, so a reviewer who opened it before the edit must open it
    again to approve (workflow._approve), and nobody approves a caption they have not read."""
    before = getattr(instance, "_shown_before", None)
    if raw or created or before is None:
        return
    if before == tuple(getattr(instance, name) for name in IMAGE_SHOWN_FIELDS):
        return
    showing = Q(lead_image=instance.pk) | Q(
        pk__in=Section.objects.filter(body__contains=f'data-file="{instance.pk}"').values("article_id")
    )
    Article.objects.filter(showing, clinic_id=instance.clinic_id).update(lock_version=F("lock_version") + 1)


def connect() -> None:
    pre_save.connect(image_saving, sender=Image, dispatch_uid="articles-image-saving")
    post_save.connect(image_saved, sender=Image, dispatch_uid="articles-image-saved")
    post_save.connect(section_changed, sender=Section, dispatch_uid="articles-section-saved")
    post_delete.connect(section_changed, sender=Section, dispatch_uid="articles-section-deleted")
