"""Library pictures on the public side: the lead image's JSON, figures' HTML inside section bodies,
and JSON-LD images, from a snapshot's pictures (a publication's own copy of their alt text,
caption and credit: what the reviewer approved) and today's renditions (made by the worker from the
picture's file, which never changes; more of them may exist later, never different ones).

Until the worker has made a picture's renditions, its src and srcset are the stored file itself
(checked and re-encoded on upload). When they appear, the public rows that show the picture are
rendered again (api/receivers.py: media_library.signals.renditions_made). The public API and the
admin's patient preview both show pictures through here.
"""

import html
from dataclasses import dataclass

from django.core.files.storage import default_storage

from articles import figures
from articles.snapshots import Snapshot, attach_images
from media_library.models import Image, Rendition

# What the figure's picture fills in a typical article column: a hint for the browser's choice
# among the srcset's widths (front ends with another layout can build their own from the JSON).
FIGURE_SIZES = "(min-width: 48rem) 48rem, 100vw"
# src: the JPEG rendition nearest below this width (every browser shows JPEG).
SRC_WIDTH = 1280
SOURCE_TYPES = [(Rendition.Format.AVIF, "image/avif"), (Rendition.Format.WEBP, "image/webp")]


@dataclass
class PublicImage:
    """One picture as the public API shows it."""

    image: Image
    alt: str | None  # "" for a decorative picture; None: no alt text (publishing was allowed anyway)
    src: str
    srcset: str
    sources: list[dict]
    largest: str  # the largest JPEG's address (JSON-LD)

    def as_json(self) -> dict:
        image = self.image
        return {
            "alt": self.alt,
            "caption": image.caption or None,
            "credit": image.credit or None,
            "width": image.width,
            "height": image.height,
            "src": self.src,
            "srcset": self.srcset,
            "sources": self.sources,
            "focal_point": {"x": image.focal_x, "y": image.focal_y},
        }


def library_alt(image: Image) -> str | None:
    """The library's own alt text: "" when decorative, None when it has none yet."""
    if image.is_decorative:
        return ""
    return figures.visible_text(image.alt_text) or None


def _address(file_name: str, origin: str) -> str:
    url = default_storage.url(file_name)
    return url if "://" in url or url.startswith("//") else origin + url


def _srcset(renditions: list[Rendition], origin: str) -> str:
    return ", ".join(f"{_address(r.file.name, origin)} {r.width}w" for r in renditions)


def public_image(image: Image, renditions: list[Rendition], origin: str) -> PublicImage:
    by_format = {}
    for rendition in sorted(renditions, key=lambda r: r.width):
        by_format.setdefault(rendition.format, []).append(rendition)
    jpegs = by_format.get(Rendition.Format.JPEG, [])
    if jpegs:
        below = [r for r in jpegs if r.width <= SRC_WIDTH]
        src = _address((below[-1] if below else jpegs[0]).file.name, origin)
        srcset = _srcset(jpegs, origin)
        largest = _address(jpegs[-1].file.name, origin)
    else:
        src = largest = _address(image.file.name, origin)
        srcset = f"{src} {image.width}w"
    sources = [
        {"type": mime, "srcset": _srcset(by_format[fmt], origin)}
        for fmt, mime in SOURCE_TYPES
        if by_format.get(fmt)
    ]
    return PublicImage(
        image=image, alt=library_alt(image), src=src, srcset=srcset, sources=sources, largest=largest
    )


def attach(snaps: list[Snapshot], origin: str) -> None:
    """Give each snapshot's article ``public_images`` ({id: PublicImage}) and each section a
    ``public_body`` (figures made by us), with one query for the renditions of all of them.
    Snapshots without their own copy of the pictures get today's library rows first."""
    attach_images(snaps)
    ids = {image_id for snap in snaps for image_id in snap.images}
    renditions: dict[int, list[Rendition]] = {}
    if ids:
        for rendition in Rendition.objects.filter(image_id__in=ids, kind=Rendition.Kind.WIDTH):
            renditions.setdefault(rendition.image_id, []).append(rendition)
    for snap in snaps:
        shown = {
            image_id: public_image(image, renditions.get(image_id, []), origin)
            for image_id, image in snap.images.items()
        }
        snap.article.public_images = shown
        for section in snap.sections:
            section.public_body = figures.replace(
                section.body, lambda ref, shown=shown: figure_html(ref, shown)
            )


def figure_alt(ref: figures.FigureRef, picture: PublicImage) -> str | None:
    """The figure's alt text: the writer's at insertion, else the library's."""
    return ref.alt if ref.alt else picture.alt


def figure_html(ref: figures.FigureRef, shown: dict[int, PublicImage]) -> str:
    """A figure of a section body as readers get it; "" for a picture that is not there (deleted,
    or another clinic's: articles.accessibility reports it, and blocks publishing)."""
    picture = shown.get(ref.image_id)
    if picture is None:
        return ""
    image = picture.image
    alt = figure_alt(ref, picture)
    alt_attribute = f' alt="{html.escape(alt)}"' if alt is not None else ""
    sources = "".join(
        f'<source type="{source["type"]}" srcset="{html.escape(source["srcset"])}" sizes="{FIGURE_SIZES}">'
        for source in picture.sources
    )
    img = (
        f'<img src="{html.escape(picture.src)}" srcset="{html.escape(picture.srcset)}" '
        f'sizes="{FIGURE_SIZES}" width="{image.width}" height="{image.height}"{alt_attribute} '
        'loading="lazy" decoding="async">'
    )
    caption_parts = []
    if ref.caption_html:
        caption_parts.append(ref.caption_html)
    if image.credit:
        caption_parts.append(f"<small>{html.escape(image.credit)}</small>")
    caption = f"<figcaption>{' '.join(caption_parts)}</figcaption>" if caption_parts else ""
    return f"<figure><picture>{sources}{img}</picture>{caption}</figure>"


def jsonld_images(article) -> list[dict]:
    """schema.org ImageObjects: the lead image, then the figures, each once."""
    shown = getattr(article, "public_images", {})
    # {image id: the alt text it is shown with first}: the lead image's is the library's, a
    # figure's the writer's at insertion (else the library's).
    alts = {article.lead_image_id: shown[article.lead_image_id].alt} if article.lead_image_id in shown else {}
    for section in article.sections.all():
        for ref in figures.references(section.body):
            if ref.image_id in shown and ref.image_id not in alts:
                alts[ref.image_id] = figure_alt(ref, shown[ref.image_id])
    nodes = []
    for image_id, alt in alts.items():
        picture = shown[image_id]
        node = {
            "@type": "ImageObject",
            "contentUrl": picture.largest,
            "url": picture.largest,
            "width": picture.image.width,
            "height": picture.image.height,
        }
        if picture.image.caption:
            node["caption"] = picture.image.caption
        if alt:
            node["description"] = alt
        if picture.image.credit:
            node["creditText"] = picture.image.credit
        nodes.append(node)
    return nodes
