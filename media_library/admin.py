import re

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join

from clinics.roles import ClinicScopedAdmin
from media_library.models import Image, Rendition
from media_library.uploads import allowed_formats, process_upload


class ImageAdminForm(forms.ModelForm):
    """The upload goes through media_library.uploads: what is saved is its re-encoded copy."""

    class Meta:
        model = Image
        fields = ["clinic", "file", "alt_text", "is_decorative", "caption", "credit", "focal_x", "focal_y"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            # The browser's file chooser offers these; the server decides by content anyway.
            accepted = ",".join(f"image/{name.lower()}" for name in allowed_formats())
            self.fields["file"].widget.attrs["accept"] = accepted

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):
            processed = process_upload(upload)
            processed.apply_to(self.instance)  # width, height, format and size of the new file
            return processed.content
        return upload


@admin.register(Image)
class ImageAdmin(ClinicScopedAdmin, admin.ModelAdmin):
    """The clinics' image libraries: writers and reviewers upload to their clinics' (the data
    migration grants them), and see no other clinic's images. An uploaded file is not replaced:
    articles will show it; a better picture is a new upload."""

    form = ImageAdminForm
    list_display = ["thumbnail", "description", "clinic", "format", "dimensions", "created_at"]
    list_display_links = ["thumbnail", "description"]
    list_select_related = ["clinic"]
    list_filter = ["is_decorative", "needs_alt_text", "format"]
    search_fields = ["alt_text", "caption", "credit"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            picture = ["clinic", "file"]
        else:
            picture = ["preview", "clinic", "dimensions", "format", "file_size", "needs_alt_text"]
        return [
            (None, {"fields": picture}),
            ("For patients", {"fields": ["alt_text", "is_decorative", "caption", "credit"]}),
            *([("Renditions", {"fields": ["rendition_list"]})] if obj is not None else []),
            (
                "Cropping",
                {
                    "fields": ["focal_x", "focal_y"],
                    "description": "Where the subject is: cropped versions of the picture keep it in view.",
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["preview", "clinic", "dimensions", "format", "file_size", "needs_alt_text", "rendition_list"]

    @admin.display(description="image")
    def thumbnail(self, image):
        return self._img(image, 80)

    @admin.display(description="preview")
    def preview(self, image):
        return self._img(image, 400)

    @staticmethod
    def _img(image, box: int):
        if not image.file or not image.width or not image.height:
            return "—"
        scale = min(1, box / max(image.width, image.height))
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
            image.file.url,
            image.alt_text,
            max(1, round(image.width * scale)),
            max(1, round(image.height * scale)),
        )

    @admin.display(description="renditions")
    def rendition_list(self, image):
        """The smaller copies the worker made (media_library.renditions), read-only."""
        renditions = list(image.renditions.all())
        if not renditions:
            return "None yet: the worker makes them shortly after the upload."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}: {} × {} px, {}, {} KB</li>",
                (
                    (
                        r.get_kind_display(),
                        r.width,
                        r.height,
                        r.get_format_display(),
                        f"{r.byte_size / 1024:.0f}",
                    )
                    for r in renditions
                ),
            ),
        )

    @admin.display(description="alt text", ordering="alt_text")
    def description(self, image):
        if image.is_decorative:
            return "(decorative)"
        return image.alt_text or "(needs alt text)"

    @admin.display(description="size")
    def dimensions(self, image):
        return f"{image.width} × {image.height} px"

    @admin.display(description="file size", ordering="byte_size")
    def file_size(self, image):
        return f"{image.byte_size / 1024:.0f} KB"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("choose/", wrap(self.choose_view), name="media_library_image_choose"),
            path("<int:image_id>/picture/", wrap(self.picture_view), name="media_library_image_picture"),
            *super().get_urls(),
        ]

    def _visible(self, request):
        return self.get_queryset(request)

    def picture_view(self, request, image_id: int):
        """The picture for the editor (the src articles.figures stores): a 640-wide copy once the
        worker has made it, else the stored file; only for people who may see the image."""
        image = self._visible(request).filter(pk=image_id).first()
        if image is None or not self.has_view_permission(request, image):
            raise Http404("No such image in your clinics' libraries.")
        rendition = (
            image.renditions.filter(kind=Rendition.Kind.WIDTH, format=Rendition.Format.JPEG, width__lte=640)
            .order_by("-width")
            .first()
        )
        return HttpResponseRedirect((rendition or image).file.url)

    def choose_view(self, request):
        """The section editor's picker (a popup): the images the user may use, newest first, with a
        search. Choosing one hands its id, alt text and caption back to the editor's dialog, where
        the writer sees the alt text and may change it before inserting."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        images = self._visible(request).select_related("clinic")
        clinic = request.GET.get("clinic", "")
        if not re.fullmatch(r"[0-9]{1,18}", clinic):
            clinic = ""  # anything but an id is no filter
        if clinic:
            images = images.filter(clinic_id=int(clinic))
        query = request.GET.get("q", "").strip()[:100]
        if query:
            images, _ = self.get_search_results(request, images, query)
        page = Paginator(images, 24).get_page(request.GET.get("page"))
        callback = request.GET.get("CKEditorFuncNum", "")
        context = {
            **self.admin_site.each_context(request),
            "title": "Choose a picture",
            "page": page,
            "query": query,
            "clinic": clinic,
            "callback": callback if re.fullmatch(r"-?[0-9]{1,9}", callback) else "",
            "is_popup": True,
            "opts": self.model._meta,
            "can_add": self.has_add_permission(request),
        }
        return TemplateResponse(request, "admin/media_library/image/choose.html", context)
