"""Renditions: smaller copies of each library image, made once after upload by the worker
(``make_renditions``, enqueued by media_library.receivers when an Image is created).

- Each width of RENDITION_WIDTHS below the original's, and the original width itself (never
  upscaled), in WebP and JPEG (and AVIF where this Pillow has it).
- A square thumbnail (THUMBNAIL_SIZE, smaller if the image is) cropped around the focal point.

Made with Pillow directly: the maintained renditions packages (easy-thumbnails, sorl-thumbnail,
django-imagekit) bring their own storage and caching layers and template tags we don't need, and
Wagtail's renditions are tied to Wagtail. We already decode and encode with Pillow in uploads.py.

Renditions decode the stored file (checked and re-encoded by uploads.py, in sRGB), never the
uploaded bytes; they are resampled with Lanczos; JPEG has no alpha, so transparency is flattened
on white. The task is idempotent: existing renditions are kept, except thumbnails cropped around
a focal point that has since moved, which are made again.
"""

import io
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django_tasks import task
from PIL import Image as PILImage
from PIL import features

from media_library.models import Image, Rendition
from media_library.signals import renditions_made

RENDITION_WIDTHS = (320, 640, 960, 1280, 1920)
THUMBNAIL_SIZE = 320

_ENCODERS = {
    Rendition.Format.WEBP: ("WEBP", "webp", {"quality": 80, "method": 4}),
    Rendition.Format.JPEG: ("JPEG", "jpg", {"quality": 82, "optimize": True, "progressive": True}),
    Rendition.Format.AVIF: ("AVIF", "avif", {"quality": 60}),
}


def rendition_formats() -> list[str]:
    """WebP and JPEG, and AVIF where this Pillow was built with it."""
    return [name for name in _ENCODERS if name != Rendition.Format.AVIF or features.check("avif")]


def rendition_widths(original_width: int) -> list[int]:
    """The fixed widths below ``original_width``, and the original width itself."""
    return [width for width in RENDITION_WIDTHS if width < original_width] + [original_width]


@task()
def make_renditions(image_id: int) -> int:
    """Make the missing renditions of image ``image_id`` (none if it was deleted meanwhile), and
    thumbnails again if the focal point moved. Returns how many were made."""
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        return 0
    existing = {(r.kind, r.width, r.format): r for r in image.renditions.all()}
    focal = (image.focal_x, image.focal_y)
    stale = [
        r for r in existing.values() if r.kind == Rendition.Kind.THUMBNAIL and (r.focal_x, r.focal_y) != focal
    ]
    for rendition in stale:
        rendition.delete()  # its file goes after commit (media_library.receivers)
        del existing[(rendition.kind, rendition.width, rendition.format)]

    wanted = [(Rendition.Kind.WIDTH, width) for width in rendition_widths(image.width)]
    wanted.append((Rendition.Kind.THUMBNAIL, min(THUMBNAIL_SIZE, image.width, image.height)))
    formats = rendition_formats()
    missing = [
        (kind, width) for kind, width in wanted if any((kind, width, f) not in existing for f in formats)
    ]
    if not missing:
        return 0
    made = 0
    with _open_stored(image) as source:
        for kind, width in missing:
            if kind == Rendition.Kind.THUMBNAIL:
                pixels = _crop_square(source, width, focal)
            else:
                pixels = _resize_to_width(source, width)
            for rendition_format in formats:
                if (kind, width, rendition_format) not in existing:
                    made += _save(image, kind, pixels, rendition_format, focal)
    if made and any(kind == Rendition.Kind.WIDTH for kind, _ in missing):
        renditions_made.send(sender=Image, image_id=image.pk)
    return made


def _open_stored(image: Image) -> PILImage.Image:
    with default_storage.open(image.file.name, "rb") as file:
        data = file.read()
    source = PILImage.open(io.BytesIO(data), formats=[image.format])
    source.load()
    if source.mode not in ("RGB", "RGBA"):
        has_alpha = source.mode in ("LA", "PA", "RGBa", "La") or "transparency" in source.info
        source = source.convert("RGBA" if has_alpha else "RGB")
    source.info.pop("icc_profile", None)  # stored files are sRGB already (uploads.py)
    return source


def _resize_to_width(source: PILImage.Image, width: int) -> PILImage.Image:
    if width == source.width:
        return source.copy()
    height = max(1, round(source.height * width / source.width))
    return source.resize((width, height), PILImage.Resampling.LANCZOS)


def _crop_square(source: PILImage.Image, side: int, focal: tuple[float, float]) -> PILImage.Image:
    """The largest square of ``source`` centred on the focal point (pushed inside the picture),
    scaled to ``side``."""
    crop = min(source.width, source.height)
    left = _clamp(focal[0] * source.width - crop / 2, 0, source.width - crop)
    top = _clamp(focal[1] * source.height - crop / 2, 0, source.height - crop)
    box = (left, top, left + crop, top + crop)
    return source.resize((side, side), PILImage.Resampling.LANCZOS, box=box)


def _clamp(value: float, low: float, high: float) -> int:
    return round(min(max(value, low), high))


def _encode(pixels: PILImage.Image, rendition_format: str) -> tuple[bytes, str]:
    pillow_format, extension, options = _ENCODERS[rendition_format]
    if rendition_format == Rendition.Format.JPEG and pixels.mode == "RGBA":
        flat = PILImage.new("RGB", pixels.size, (255, 255, 255))
        flat.paste(pixels, mask=pixels.getchannel("A"))
        pixels = flat
    buffer = io.BytesIO()
    pixels.save(buffer, pillow_format, **options)
    return buffer.getvalue(), extension


def _save(image: Image, kind: str, pixels: PILImage.Image, rendition_format: str, focal) -> int:
    data, extension = _encode(pixels, rendition_format)
    stem = image.file.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    # A new name for every file made: a thumbnail made again is a new address (no stale caches).
    name = f"{stem}-{kind}-{pixels.width}-{uuid.uuid4().hex[:8]}.{extension}"
    is_thumbnail = kind == Rendition.Kind.THUMBNAIL
    rendition = Rendition(
        image=image,
        kind=kind,
        width=pixels.width,
        height=pixels.height,
        format=rendition_format,
        byte_size=len(data),
        focal_x=focal[0] if is_thumbnail else None,
        focal_y=focal[1] if is_thumbnail else None,
    )
    rendition.file.save(name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            rendition.save()
    except IntegrityError:
        # Another worker made it meanwhile, or the image was deleted: this file is not needed.
        default_storage.delete(rendition.file.name)
        return 0
    return 1
