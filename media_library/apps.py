from django.apps import AppConfig
from django.db.models.signals import post_delete


class MediaLibraryConfig(AppConfig):
    name = "media_library"
    verbose_name = "Image library"

    def ready(self):
        from media_library import receivers
        from media_library.models import Image

        post_delete.connect(receivers.delete_file, sender=Image, dispatch_uid="image-file-deleted")
