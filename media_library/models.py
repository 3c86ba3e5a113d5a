import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from clinics.models import Clinic

_FRACTION = [MinValueValidator(0.0), MaxValueValidator(1.0)]


def visible_text(text: str) -> str:
    """``text`` without invisible format characters (zero-width spaces, joiners, byte-order
    marks: Unicode category Cf) and with its spaces collapsed: what a screen reader would say."""
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Cf").split())


def image_path(image, filename: str) -> str:
    # ``filename`` is ours (media_library/uploads.py), never the uploaded name.
    return f"images/{image.clinic_id}/{filename}"


class Image(models.Model):
    """A picture in a clinic's library. Its file is always one that media_library.uploads made:
    checked, and re-encoded without the upload's metadata."""

    class Format(models.TextChoices):
        JPEG = "JPEG", "JPEG"
        PNG = "PNG", "PNG"
        WEBP = "WEBP", "WebP"
        AVIF = "AVIF", "AVIF"

    clinic = models.ForeignKey(
        Clinic,
        on_delete=models.PROTECT,
        related_name="images",
        help_text="The clinic whose library holds the image; only its articles can use it.",
    )
    file = models.FileField(
        "image",
        upload_to=image_path,
        max_length=255,
        help_text="A JPEG, PNG or WebP (AVIF where supported) photo or drawing. It is checked and saved "
        "again without its hidden details (camera, place where it was taken).",
    )
    width = models.PositiveIntegerField(editable=False, help_text="In pixels, as stored.")
    height = models.PositiveIntegerField(editable=False, help_text="In pixels, as stored.")
    format = models.CharField(
        max_length=4, choices=Format.choices, editable=False, help_text="The stored file's format."
    )
    byte_size = models.PositiveIntegerField(
        "file size", editable=False, help_text="The stored file's size in bytes."
    )
    alt_text = models.CharField(
        "alt text",
        max_length=300,
        blank=True,
        help_text="What the picture shows, for patients who cannot see it (screen readers read it "
        'aloud), e.g. "The pump sits under the skin of the belly; a thin tube runs to the spine." '
        'Not the file name, and no "image of". Leave empty only for a decorative image.',
    )
    is_decorative = models.BooleanField(
        "decorative",
        default=False,
        help_text="Tick only if the picture adds no information (a background, an ornament): "
        "screen readers then skip it.",
    )
    needs_alt_text = models.BooleanField(
        default=False,
        editable=False,
        help_text="Brought in by an import without alt text: articles using it cannot be published "
        "until it has alt text or is marked decorative.",
    )
    caption = models.CharField(
        max_length=500, blank=True, help_text="Shown under the picture, for every reader. Optional."
    )
    credit = models.CharField(
        max_length=200,
        blank=True,
        help_text='Who made the picture or holds its rights, e.g. "Drawing: Wabash Pain Center". Optional.',
    )
    focal_x = models.FloatField(
        "focal point (across)",
        default=0.5,
        validators=_FRACTION,
        help_text="Where the picture's subject is, from 0 (left edge) to 1 (right edge): cropped "
        "thumbnails keep it in view.",
    )
    focal_y = models.FloatField(
        "focal point (down)",
        default=0.5,
        validators=_FRACTION,
        help_text="Where the picture's subject is, from 0 (top edge) to 1 (bottom edge).",
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the image was uploaded.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who uploaded it.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # An import may bring an image without alt text, flagged; people must describe it.
            models.CheckConstraint(
                condition=~models.Q(alt_text="")
                | models.Q(is_decorative=True)
                | models.Q(needs_alt_text=True),
                name="media_library_image_alt_text_or_decorative",
            ),
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="media_library_image_focal_point_inside",
            ),
        ]

    def __str__(self):
        return self.alt_text or self.file.name.rsplit("/", 1)[-1]

    def save(self, *args, **kwargs):
        self.alt_text = visible_text(self.alt_text)
        if self.alt_text or self.is_decorative:
            self.needs_alt_text = False
        super().save(*args, **kwargs)

    def clean(self):
        self.alt_text = visible_text(self.alt_text)
        if not self.alt_text and not self.is_decorative:
            raise ValidationError(
                {"alt_text": "Describe the picture for patients who cannot see it, or tick decorative."}
            )
        if self.alt_text and self.is_decorative:
            raise ValidationError(
                {"is_decorative": "A decorative image has no alt text: empty the alt text or untick this."}
            )


def rendition_path(rendition, filename: str) -> str:
    # ``filename`` is ours (media_library/renditions.py).
    return f"renditions/{rendition.image.clinic_id}/{filename}"


class Rendition(models.Model):
    """A smaller copy of an Image, made by media_library.renditions.make_renditions in the worker:
    one per fixed width and format, and a square thumbnail cropped around the focal point."""

    class Kind(models.TextChoices):
        WIDTH = "width", "Width"
        THUMBNAIL = "thumbnail", "Thumbnail"

    class Format(models.TextChoices):
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"
        AVIF = "avif", "AVIF"

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    kind = models.CharField(max_length=9, choices=Kind.choices)
    width = models.PositiveIntegerField(help_text="In pixels.")
    height = models.PositiveIntegerField(help_text="In pixels.")
    format = models.CharField(max_length=4, choices=Format.choices)
    file = models.FileField(upload_to=rendition_path, max_length=255)
    byte_size = models.PositiveIntegerField("file size")
    # The focal point a thumbnail was cropped around: when the image's moves, the thumbnail is made again.
    focal_x = models.FloatField(null=True, blank=True)
    focal_y = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["image", "kind", "width", "format"]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "kind", "width", "format"], name="media_library_rendition_unique"
            ),
        ]

    def __str__(self):
        return f"{self.width} × {self.height} {self.get_format_display()}"
