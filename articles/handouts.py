"""Printable handouts: an article as a one- or two-page PDF a clinic hands a patient at the visit.

Plain, large type (13 pt; 18 pt in large print), the title, summary, sections, conditions, who is a
good candidate, who should not have it, risks, the "last reviewed by ... on ..." line, the sources,
the clinic's name, phone and address, and a QR code to the article's page on the clinic's site.

Made by WeasyPrint (it needs Pango, from the system) as a tagged PDF (PDF/UA-1: headings, lists and
paragraphs in the structure tree) with the document language the article's own, so screen readers
read a Spanish handout in Spanish; the fixed labels are in the article's language too.

Two callers: the public API's ``handout.pdf`` (api/handouts.py: the live publication, cached per
publication) and the admin's "Print handout" (the working copy, below: nothing is published).

Pictures inside sections (``<figure>``, articles/figures.py) are left out: a handout is text, and
fetching renditions from storage while rendering is not worth its cost on paper. Nothing is
fetched at all while rendering (the fetcher refuses every URL): the QR code is inline SVG.
"""

import logging

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

TEMPLATE = "articles/handout/handout.html"
CONTENT_TYPE = "application/pdf"
# Body type in points: standard and large print.
SIZES = {"standard": 13, "large": 18}
DEFAULT_SIZE = "standard"
# Changes whenever the layout does, so that handouts cached by an earlier version are not served.
LAYOUT_VERSION = "1"

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


def render_html(snap: Snapshot, page_url: str, *, size: str = DEFAULT_SIZE, preview: bool = False) -> str:
    """The handout's HTML. ``snap``: a snapshot whose article has its clinic (with contact links)
    and reviewer, and whose topic links have their condition and risk (as rendering.attach_vocabulary
    and admin_preview.working_copy prepare them)."""
    article = snap.article
    clinic = article.clinic
    language = language_of(article)
    labels = labels_for(language)
    sections = [
        (section.heading, mark_safe(_without_figures.clean(section.body or "")))  # noqa: S308 (sanitised)
        for section in snap.sections
    ]
    context = {
        "article": article,
        "clinic": clinic,
        "language": language,
        "labels": labels,
        "body_size": SIZES[size],
        "large": size == "large",
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


def render_pdf(
    snap: Snapshot,
    page_url: str,
    *,
    size: str = DEFAULT_SIZE,
    preview: bool = False,
) -> bytes:
    """The handout as a tagged PDF (PDF/UA-1) in the article's language."""
    import weasyprint  # here, not at the top: see above
    from PIL import ImageFile
    from weasyprint.urls import URLFetcher

    # Importing WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES; uploads must never
    # accept a truncated picture (media_library.uploads), and a handout loads no picture at all.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    html = render_html(snap, page_url, size=size, preview=preview)
    document = weasyprint.HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=()))
    return document.write_pdf(pdf_variant="pdf/ua-1")


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
