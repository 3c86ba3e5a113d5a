"""Printable handouts: an article as a one- or two-page PDF a clinic hands a patient at the visit.

Plain, large type in Atkinson Hyperlegible (bundled: handout_fonts/): 13 pt body in two columns,
18 pt in one column in large print; when a handout would run past two pages the type steps down,
to 11 pt at the smallest (16 pt in large print), and when even that does not fit two pages it keeps
its full size on as many pages as it takes: nothing is ever cut (layout()). Page 1 opens with the
clinic's name, phone and address and a QR code to the article's page on the clinic's site beside
the title; then the summary, sections, conditions, who is a good candidate, who should not have
it, risks, the "last reviewed by ... on ..." line and the sources. Each page's footer repeats the
clinic's name and phone.

Made by WeasyPrint (it needs Pango, from the system) as a tagged PDF (PDF/UA-1: headings, lists and
paragraphs in the structure tree) with the document language the article's own, so screen readers
read a Spanish handout in Spanish; the fixed labels are in the article's language too.

Two callers: the public API's ``handout.pdf`` (api/handouts.py: the live publication, cached per
publication) and the admin's "Print handout" (the working copy, below: nothing is published).

Pictures inside sections (``<figure>``, articles/figures.py) are left out: a handout is text, and
fetching renditions from storage while rendering is not worth its cost on paper. Nothing is
fetched while rendering but the bundled font files (the fetcher refuses every other URL, whatever
the article links to): the QR code is inline SVG.
"""

import logging
import math
from functools import cache
from pathlib import Path

import nh3
import segno
from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import dateformat, translation
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from articles import rich_text
from articles.admin_preview import working_copy
from articles.snapshots import Snapshot

# WeasyPrint logs each of its seven steps at INFO, for every handout (and its stylesheets when it
# is imported): only its warnings matter here. It is imported when a handout is first made, so
# that loading the admin never loads Pango.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
# fontTools, which subsets the embedded fonts when HarfBuzz's subsetter is not installed, logs every
# table and glyph list it handles at INFO and DEBUG.
logging.getLogger("fontTools").setLevel(logging.WARNING)

TEMPLATE = "articles/handout/handout.html"
CONTENT_TYPE = "application/pdf"
# Body type in points, standard and large print: the size a handout is set in...
SIZES = {"standard": 13, "large": 18}
# ... and the smallest it may go down to, in half-points, to fit on MAX_PAGES pages. Large print
# guidelines ask for 16 to 18 pt. When even this size needs more pages, the handout keeps the size
# above and all its text on as many pages as it takes: nothing is ever cut to fit.
FLOORS = {"standard": 11, "large": 16}
SIZE_STEP = 0.5
# Two columns in standard print (lines of 40-50 characters rather than 85 across letter paper), one
# in large print (two would give lines of under 30 characters).
COLUMNS = {"standard": 2, "large": 1}
MAX_PAGES = 2
PDF_VARIANT = "pdf/ua-1"
DEFAULT_SIZE = "standard"
# Changes whenever the layout does, so that handouts cached by an earlier version are not served.
LAYOUT_VERSION = "2"

# Atkinson Hyperlegible (the Braille Institute's face for readers with low vision, SIL OFL 1.1:
# handout_fonts/OFL.txt), bundled so that a handout has the same line breaks, hence the same
# number of pages, on every machine whatever fonts its system has. The only files a handout reads.
FONT_DIRECTORY = Path(__file__).resolve().parent / "handout_fonts"
FONT_FILES = {
    ("normal", 400): "AtkinsonHyperlegible-Regular.ttf",
    ("italic", 400): "AtkinsonHyperlegible-Italic.ttf",
    ("normal", 700): "AtkinsonHyperlegible-Bold.ttf",
    ("italic", 700): "AtkinsonHyperlegible-BoldItalic.ttf",
}
FONT_FACES = [
    {"style": style, "weight": weight, "url": (FONT_DIRECTORY / name).as_uri()}
    for (style, weight), name in FONT_FILES.items()
]

# The handout's fixed words, in the article's language (English for any language not listed).
LABELS = {
    "en": {
        "conditions": "Conditions it can help",
        "treatment": "Treatment",
        "criteria": "Who may be a good candidate",
        "contraindications": "Who should not have this treatment",
        "risks": "Risks and side effects",
        "references": "Sources",
        "reviewed_by": "Last reviewed by {reviewer} on {date}",
        "reviewed_by_undated": "Last reviewed by {reviewer}",
        "contact": "Questions? Call us",
        "scan": "Scan to read this online",
        "page": "Page",
        "of": "of",
        "date_format": "j F Y",
        "preview": "Preview: not yet approved",
    },
    "es": {
        "conditions": "Afecciones que puede ayudar",
        "treatment": "Tratamiento",
        "criteria": "Quién puede ser un buen candidato",
        "contraindications": "Quién no debe recibir este tratamiento",
        "risks": "Riesgos y efectos secundarios",
        "references": "Fuentes",
        "reviewed_by": "Revisado por última vez por {reviewer} el {date}",
        "reviewed_by_undated": "Revisado por última vez por {reviewer}",
        "contact": "¿Preguntas? Llámenos",
        "scan": "Escanee para leerlo en línea",
        "page": "Página",
        "of": "de",
        "date_format": r"j \d\e F \d\e Y",
        "preview": "Vista previa: aún no aprobado",
    },
}

# Section bodies as the allowlist keeps them (articles/rich_text.py), less their pictures.
_without_figures = nh3.Cleaner(
    tags=rich_text.ALLOWED_TAGS,
    clean_content_tags=rich_text.DROPPED_WITH_CONTENT | {"figure"},
    attributes=rich_text.ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto", "tel"},
    strip_comments=True,
    link_rel=rich_text.LINK_REL,
)


def language_of(article) -> str:
    """The handout's language (``<html lang>``, the PDF's /Lang): the article's, else the site's."""
    return article.language or settings.LANGUAGE_CODE.split("-")[0]


def labels_for(language: str) -> dict:
    return LABELS.get(language.split("-")[0].lower(), LABELS["en"])


def reviewed_line(article, labels: dict, language: str) -> str:
    """The line "Last reviewed by <reviewer> on <date>"; "" when no clinician has reviewed it."""
    reviewer = article.reviewed_by
    if reviewer is None:
        return ""
    if article.last_reviewed_on is None:
        return labels["reviewed_by_undated"].format(reviewer=reviewer)
    with translation.override(language):
        day = dateformat.format(article.last_reviewed_on, labels["date_format"])
    return labels["reviewed_by"].format(reviewer=reviewer, date=day)


def qr_svg(url: str, title: str) -> str:
    """The page address as an inline SVG QR code (medium error correction: survives a crease)."""
    code = segno.make(url, error="m", micro=False)
    return code.svg_inline(scale=4, border=4, title=title, omitsize=False)


def filename(slug: str, size: str = DEFAULT_SIZE) -> str:
    """A safe download name from the slug: ``pump.pdf``, ``pump-large-print.pdf``."""
    stem = slugify(slug)[:100] or "handout"
    return f"{stem}-large-print.pdf" if size == "large" else f"{stem}.pdf"


def render_html(
    snap: Snapshot,
    page_url: str,
    *,
    size: str = DEFAULT_SIZE,
    preview: bool = False,
    body_size: float | None = None,
) -> str:
    """The handout's HTML. ``snap``: a snapshot whose article has its clinic (with contact links)
    and reviewer, and whose topic links have their condition and risk (as rendering.attach_vocabulary
    and admin_preview.working_copy prepare them). ``body_size``: the body type in points, the size's
    own (SIZES) unless given."""
    article = snap.article
    clinic = article.clinic
    language = language_of(article)
    labels = labels_for(language)
    large = size == "large"
    sections = [
        (section.heading, mark_safe(_without_figures.clean(section.body or "")))  # noqa: S308 (sanitised)
        for section in snap.sections
    ]
    context = {
        "article": article,
        "clinic": clinic,
        "language": language,
        "labels": labels,
        "font_faces": FONT_FACES,
        "body_size": f"{body_size or SIZES[size]:g}",
        "footer_size": 12 if large else 9,
        "columns": COLUMNS[size],
        "qr_width": "1.45in" if large else "1.2in",
        "large": large,
        "sections": sections,
        "conditions": snap.conditions,
        "risks": snap.risks,
        "criteria": snap.criteria,
        "contraindications": snap.contraindications,
        "references": snap.references,
        "reviewed": reviewed_line(article, labels, language),
        "page_url": page_url,
        "qr": mark_safe(qr_svg(page_url, labels["scan"])),  # noqa: S308 (segno's own markup)
        "preview": preview,
    }
    return render_to_string(TEMPLATE, context)


@cache
def _fonts_only_fetcher_class():
    """A WeasyPrint URL fetcher that answers the bundled fonts' file: URLs, read from
    FONT_DIRECTORY, and refuses every other URL (http, file, data...) without opening it: whatever
    an article's text links to, making its handout fetches nothing."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    fonts = {face["url"]: FONT_DIRECTORY / FONT_FILES[face["style"], face["weight"]] for face in FONT_FACES}

    class FontsOnly(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=(), allow_redirects=False)

        def fetch(self, url, headers=None):
            path = fonts.get(url)
            if path is None:
                raise ValueError(f"A handout fetches nothing but its fonts: {url[:100]}")
            return URLFetcherResponse(url, body=_font_bytes(path), headers={"Content-Type": "font/ttf"})

    return FontsOnly


@cache
def _font_bytes(path: Path) -> bytes:
    return path.read_bytes()


def _pages_filled(document) -> float:
    """How many pages the document's content fills: its pages but the last, plus the share of the
    last page's height that the content reaches down to (balanced columns end level)."""
    page_box = getattr(document.pages[-1], "_page_box", None)  # WeasyPrint's own, not its API
    if page_box is None:
        return float(len(document.pages))  # as if full: the estimate errs towards smaller type
    top, height = page_box.content_box_y(), page_box.height
    bottom = top
    stack = list(page_box.children[:1])  # the root element's box: the margin boxes (footer) follow
    while stack:
        box = stack.pop()
        if isinstance(getattr(box, "height", None), (int, float)):
            bottom = max(bottom, box.position_y + box.margin_height())
        stack.extend(getattr(box, "children", ()))
    return len(document.pages) - 1 + min(1.0, max(0.0, (bottom - top) / height))


def layout(snap: Snapshot, page_url: str, *, size: str = DEFAULT_SIZE, preview: bool = False):
    """The handout laid out (a WeasyPrint Document, not yet written): at SIZES[size] if that fits
    on MAX_PAGES pages, else at the largest type, in steps of SIZE_STEP down to FLOORS[size], that
    does. When even the floor needs more pages, at SIZES[size] on as many pages as it takes: smaller
    type that still misses two pages would only be harder to read. Nothing is ever left out.

    One layout when the preferred size fits or the floor cannot, else usually two: the first tells
    how much paper the content needs, and text takes room as the square of its size, which gives
    the size to try; a miss steps down from there."""
    import weasyprint  # here, not at the top: see above
    from PIL import ImageFile
    from weasyprint.text.fonts import FontConfiguration

    # Importing WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES; uploads must never
    # accept a truncated picture (media_library.uploads), and a handout loads no picture at all.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    fetcher = _fonts_only_fetcher_class()()
    fonts = FontConfiguration()  # shared by the attempts: the fonts are read and loaded once

    def attempt(body_size: float):
        html = render_html(snap, page_url, size=size, preview=preview, body_size=body_size)
        document = weasyprint.HTML(string=html, url_fetcher=fetcher).render(
            font_config=fonts, pdf_variant=PDF_VARIANT
        )
        document.body_size = body_size  # the size chosen, for bench/handout_timing.py
        return document

    preferred, floor = SIZES[size], FLOORS[size]
    first = attempt(preferred)
    if len(first.pages) <= MAX_PAGES:
        return first
    estimate = preferred * math.sqrt(MAX_PAGES / _pages_filled(first))
    # The estimate is good to a few per cent (the margins and the QR code do not scale with the
    # type): well under the floor, the floor would not fit either.
    if estimate < floor * 0.95:
        return first
    body_size = min(preferred - SIZE_STEP, max(floor, round(estimate / SIZE_STEP) * SIZE_STEP))
    while True:
        document = attempt(body_size)
        if len(document.pages) <= MAX_PAGES:
            return document
        if body_size <= floor:
            return first
        body_size = max(floor, body_size - SIZE_STEP)


def render_pdf(
    snap: Snapshot,
    page_url: str,
    *,
    size: str = DEFAULT_SIZE,
    preview: bool = False,
) -> bytes:
    """The handout as a tagged PDF (PDF/UA-1) in the article's language, on at most MAX_PAGES
    pages when the content allows it (layout())."""
    document = layout(snap, page_url, size=size, preview=preview)
    return document.write_pdf(pdf_variant=PDF_VARIANT)


@require_safe
def preview_handout_view(request, object_id, *, model_admin):
    """The admin's "Print handout": the working copy (what approving would publish), for staff
    who may view the article; 404 for an article the user's clinics do not hold. Never cached."""
    article = model_admin._article_or_404(request, object_id)
    snap = working_copy(article)
    shown = snap.article
    size = "large" if request.GET.get("size") == "large" else DEFAULT_SIZE
    pdf = render_pdf(snap, shown.clinic.article_url(shown.slug), size=size, preview=True)
    response = HttpResponse(pdf, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename(shown.slug, size)}"'
    response["Cache-Control"] = "private, no-store"
    return response
