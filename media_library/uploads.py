"""Every image that enters the library passes through ``process_upload``: the admin form now, the
imports later. It guarantees that what is stored is a JPEG, PNG, WebP (or AVIF, where this Pillow
has it) decoded and encoded again by us from its pixels alone, within IMAGE_MAX_BYTES and
IMAGE_MAX_PIXELS: never the uploaded bytes, so no EXIF (a phone photo's GPS position), no comment
(a JPEG comment carrying HTML), no colour profile and no trailing data survive.

- The type is what Pillow recognises in the content, among the allowed formats only; the file's
  name and the browser's content type are never read.
- The pixel limit is checked on the dimensions in the header, before a single pixel is decoded: a
  PNG of a few hundred bytes can claim 100000 × 100000 pixels (40 GB of memory once decoded).
- Animated images (animated PNG, WebP, AVIF) are refused, not cut to their first frame: an
  animation in patient education shows a movement, and its first frame alone may show something
  else. The editor is told, and chooses the still picture to upload.
- EXIF orientation is applied before the metadata goes, so a portrait phone photo stays upright.
- Colour: CMYK (print files) and images with an ICC profile are converted to sRGB, what browsers
  assume; palette images become RGB or RGBA (keeping their transparency).
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError, features

# Pillow's format name: (file extension, save options). High quality: renditions are made from it.
_ENCODERS = {
    "JPEG": ("jpg", {"quality": 90, "optimize": True}),
    "PNG": ("png", {}),
    "WEBP": ("webp", {"quality": 90, "method": 4}),
    "AVIF": ("avif", {"quality": 85}),
}


def allowed_formats() -> list[str]:
    """The formats accepted here: AVIF only where this Pillow was built with it."""
    return [name for name in _ENCODERS if name != "AVIF" or features.check("avif")]


def _names(formats) -> str:
    names = [{"WEBP": "WebP"}.get(name, name) for name in formats]
    return ", ".join(names[:-1]) + " or " + names[-1]


@dataclass(frozen=True)
class ProcessedImage:
    """A checked, re-encoded image, ready to store (``apply_to`` an Image)."""

    content: ContentFile
    width: int
    height: int
    format: str
    byte_size: int

    def apply_to(self, image) -> None:
        image.file = self.content
        image.width, image.height = self.width, self.height
        image.format = self.format
        image.byte_size = self.byte_size


def process_upload(upload) -> ProcessedImage:
    """Check ``upload`` (a Django File, or anything with ``read``) and return it re-encoded.

    Raises ValidationError with a message for the editor: empty, too large, not an allowed image,
    too many pixels, animated, truncated or otherwise undecodable.
    """
    # A library may have told Pillow to accept truncated files for the whole process (WeasyPrint
    # does, on import): an upload never is accepted cut short.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    max_bytes = settings.IMAGE_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _too_large(max_bytes)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if not data:
        raise ValidationError("The file is empty (0 bytes): upload the image again.", code="empty")
    if len(data) > max_bytes:
        raise _too_large(max_bytes)

    formats = allowed_formats()
    with warnings.catch_warnings():
        # Pillow's own bomb check warns between its two limits: an error here, like above them.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            source = Image.open(io.BytesIO(data), formats=formats)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(None) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError(
                f"This file is not a {_names(formats)} image (whatever its name says).", code="not_an_image"
            ) from None
        width, height = source.size
        if width * height > settings.IMAGE_MAX_PIXELS:
            raise _too_many_pixels((width, height))
        if width < 1 or height < 1:
            raise ValidationError("The image has no pixels.", code="not_an_image")
        if getattr(source, "n_frames", 1) > 1:
            raise ValidationError(
                "Animated images are not accepted: upload a still picture (PNG, JPEG or WebP).",
                code="animated",
            )
        image_format = source.format
        try:
            source.load()
            pixels = _to_srgb(ImageOps.exif_transpose(source), image_format)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels((width, height)) from None
        except (OSError, SyntaxError, ValueError, ImageCms.PyCMSError, EOFError):
            raise ValidationError(
                "The image could not be read to the end: the file is damaged or was cut short. "
                "Export or download it again and upload the new copy.",
                code="damaged",
            ) from None

    # A new image made of the pixels alone: nothing from the upload's info (EXIF, XMP, comments,
    # text chunks, profiles) can reach the encoder, whose save() reads some of them from im.info.
    # Hidden cost: a second copy of the pixels in memory (at most IMAGE_MAX_PIXELS × 4 bytes).
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    pixels.close()
    source.close()
    extension, options = _ENCODERS[image_format]
    buffer = io.BytesIO()
    clean.save(buffer, image_format, **options)
    encoded = buffer.getvalue()
    return ProcessedImage(
        content=ContentFile(encoded, name=f"{uuid.uuid4().hex}.{extension}"),
        width=clean.width,
        height=clean.height,
        format=image_format,
        byte_size=len(encoded),
    )


def _to_srgb(image: Image.Image, image_format: str) -> Image.Image:
    """``image`` in a mode its format stores, in sRGB: L, LA (PNG), RGB or RGBA."""
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    profile = image.info.get("icc_profile")
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        # 16-bit or 32-bit greyscale (PNG): down to 8 bits, not clipped to white.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
        has_alpha = False
    if image.mode not in ("RGB", "RGBA") or (has_alpha and image.mode == "RGB"):
        keeps_grey = image.mode in ("1", "L", "LA", "La")
        target = ("LA" if has_alpha else "L") if keeps_grey else ("RGBA" if has_alpha else "RGB")
        if profile and image.mode == "CMYK":
            image = _convert_profile(image, profile, target)
            profile = None
        else:
            image = image.convert(target)
    if profile and image.mode in ("RGB", "RGBA"):
        image = _convert_profile(image, profile, image.mode)
    if image_format == "JPEG" and image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    if image_format in ("WEBP", "AVIF") and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if image.mode == "LA" else "RGB")
    return image


def _convert_profile(image: Image.Image, profile: bytes, mode: str) -> Image.Image:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        # A broken profile: the pixels as they are, read as sRGB (what a browser does without one).
        return image.convert(mode)


def _too_large(max_bytes: int) -> ValidationError:
    return ValidationError(
        f"The file is larger than {filesizeformat(max_bytes)}: make it smaller (export it at a lower "
        "resolution or quality) and upload it again.",
        code="too_large",
    )


def _too_many_pixels(size) -> ValidationError:
    limit = settings.IMAGE_MAX_PIXELS / 1_000_000
    claimed = f" ({size[0]} × {size[1]} pixels)" if size else ""
    return ValidationError(
        f"The image is too large{claimed}: at most {limit:g} megapixels. Resize it and upload it again.",
        code="too_many_pixels",
    )
