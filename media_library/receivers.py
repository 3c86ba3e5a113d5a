"""A deleted image's file goes with it, and so do its renditions' files, once the deletion is
committed (a rolled-back deletion keeps its files). Nothing else removes files from the storage.

A new image gets its renditions from the worker once its row is committed; an image whose focal
point moved gets new thumbnails the same way (media_library.renditions)."""

from django.db import transaction

from media_library.models import Rendition
from media_library.renditions import make_renditions


def delete_file(sender, instance, **kwargs):
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def enqueue_renditions(sender, instance, created, raw=False, **kwargs):
    if raw:
        return  # a restore (import_content) brings rows, not new pictures
    if not created:
        moved = (
            Rendition.objects.filter(image=instance, kind=Rendition.Kind.THUMBNAIL)
            .exclude(focal_x=instance.focal_x, focal_y=instance.focal_y)
            .exists()
        )
        if not moved:
            return
    image_id = instance.pk
    transaction.on_commit(lambda: make_renditions.enqueue(image_id))
