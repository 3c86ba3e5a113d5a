"""What a section change sets off on its article, whichever path made it (admin, revert, scripts):
the article's reading grades are its sections' counts taken together, so they follow every
section save or delete. Connected in ArticlesConfig.ready()."""

from django.db.models.signals import post_delete, post_save

from articles.models import Article, Section


def section_changed(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata and import_content: the stored grades come back as they were
        return
    Article.objects.filter(pk=instance.article_id).update_readability()


def connect() -> None:
    post_save.connect(section_changed, sender=Section, dispatch_uid="articles-section-saved")
    post_delete.connect(section_changed, sender=Section, dispatch_uid="articles-section-deleted")
