"""Addresses of library pictures inside the admin (media_library.admin serves them)."""

from django.urls import reverse


def picture_path(image_id: int) -> str:
    """Where the editor shows library image ``image_id``: an admin view that checks the user may
    see it, then redirects to a rendition. Stored in section bodies (articles/figures.py), never
    served to the public."""
    return reverse("admin:media_library_image_picture", args=[image_id])


def chooser_path() -> str:
    """The editor's picker: the library images the user may use, to insert one."""
    return reverse("admin:media_library_image_choose")
