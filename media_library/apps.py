from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class MediaLibraryConfig(AppConfig):
    name = "media_library"
    verbose_name = "Image library"

    def ready(self):
        from media_library import receivers
        from media_library.models import Image, Rendition

        post_delete.connect(receivers.delete_file, sender=Image, dispatch_uid="image-file-deleted")
        post_delete.connect(receivers.delete_file, sender=Rendition, dispatch_uid="rendition-file-deleted")
        post_save.connect(receivers.enqueue_renditions, sender=Image, dispatch_uid="image-renditions")
