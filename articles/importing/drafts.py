"""A parsed document saved as a draft article of a clinic: all or nothing, never published, with a
record of its source (so importing it again is noticed) and the suggestions the writer confirms.
The document's pictures become library images of the clinic in the same transaction: a refused
draft leaves no image row, and the files written for them are deleted."""

import contextlib
import hashlib
import html
from dataclasses import dataclass

import reversion
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from articles import figures, receivers
from articles.importing.common import MAX_SLUG, ImportRefused, ParsedDocument, Suggestion
from articles.models import Article, ImportedSource, ImportSuggestion, Section
from clinics.models import Clinic
from media_library.models import Image

FALLBACK_SLUG = "imported-article"
# After this many slugs taken under our feet, something else is wrong.
MAX_SLUG_ATTEMPTS = 20


@dataclass(frozen=True)
class ImportResult:
    article: Article
    slug: str
    wanted_slug: str
    section_count: int
    skipped_headings: tuple[str, ...] = ()
    split_sections: tuple[tuple[str, int], ...] = ()
    left_out: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    # Library images made for the document's pictures (each flagged needs_alt_text), and how many
    # of them have alt text from the document on their figures.
    images: tuple = ()
    images_with_alt: int = 0

    @property
    def slug_changed(self) -> bool:
        return self.slug != self.wanted_slug


def source_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def previous_imports(clinic: Clinic, hashes) -> dict[str, ImportedSource]:
    """{hash: the latest import of that source into ``clinic``} for those of ``hashes`` seen before,
    in one query."""
    found = {}
    for imported in ImportedSource.objects.filter(clinic=clinic, sha256__in=set(hashes)).select_related(
        "article"
    ):
        found.setdefault(imported.sha256, imported)  # ordered newest first
    return found


def create_draft(
    document: ParsedDocument,
    *,
    clinic: Clinic,
    by=None,
    source: str = "",
    sha256: str = "",
    slug: str = "",
) -> ImportResult:
    """Save ``document`` as a new draft article of ``clinic``, with its sections and suggestions,
    all or nothing; with ``sha256``, record the source it came from.

    The slug is ``slug`` (a WordPress post's own) or else comes from the title; if another article
    has it, the first free ``-2``, ``-3``... is used instead. No existing article is ever changed.
    """
    wanted_slug = slugify(slug or document.title)[:MAX_SLUG].strip("-") or FALLBACK_SLUG
    fields = {
        "title": document.title,
        "summary": document.summary,
        "clinic": clinic,
        "status": Article.Status.DRAFT,
        "published_at": None,
    }
    # Uniqueness is settled by the insert itself (see _insert_with_free_slug).
    _validate(Article(slug=wanted_slug, **fields), "The article", validate_unique=False)
    sections = [
        Section(position=position, heading=section.heading, body=section.body)
        for position, section in enumerate(document.sections, start=1)
    ]
    for section in sections:
        _validate(
            section,
            f"The section “{section.heading}”",
            exclude=["article", "anchor"],
            validate_unique=False,
            validate_constraints=False,
        )
    suggestions = [
        ImportSuggestion(position=position, kind=item.kind, text=item.text, found_under=item.found_under)
        for position, item in enumerate(document.suggestions, start=1)
    ]
    for suggestion in suggestions:
        _validate(suggestion, f"The suggestion “{suggestion.text}”", exclude=["article"])
    stored_files: list = []  # (storage, name) of each picture's file written
    images: list[Image] = []
    try:
        with transaction.atomic(), reversion.create_revision():
            if by is not None:
                reversion.set_user(by)
            reversion.set_comment(f"Imported from {source}" if source else "Imported")
            article = _insert_with_free_slug(fields, wanted_slug)
            images = _save_pictures(document, sections, clinic, by, stored_files)
            with receivers.grades_once():  # the article's grades once, not once per section
                for section in sections:
                    section.article = article
                    section.save()
            for suggestion in suggestions:
                suggestion.article = article
            ImportSuggestion.objects.bulk_create(suggestions)
            if sha256:
                ImportedSource.objects.create(
                    clinic=clinic,
                    sha256=sha256,
                    name=source[: ImportedSource._meta.get_field("name").max_length],
                    article=article,
                    imported_by=by if by is not None and by.pk else None,
                )
    except BaseException as error:
        # Rolled back: the pictures' rows are gone, and so are their files, deleted here. (Should a
        # caller's own transaction around this one roll back later, the files written stay in
        # storage, unreferenced: harmless, and no row ever names them.)
        _delete_files(stored_files)
        if isinstance(error, ValidationError):
            # Section.save checks again what _validate checked: all rolled back, nothing half-saved.
            raise ImportRefused(f"The document is not valid: {' '.join(error.messages)}") from None
        raise
    used = {reference.image_id for section in sections for reference in figures.references(section.body)}
    return ImportResult(
        article=article,
        slug=article.slug,
        wanted_slug=wanted_slug,
        section_count=len(sections),
        skipped_headings=document.skipped_headings,
        split_sections=document.split_sections,
        left_out=document.left_out,
        notes=document.notes,
        suggestions=document.suggestions,
        images=tuple(image for image in images if image.pk in used),
        images_with_alt=len(
            {ref.image_id for section in sections for ref in figures.references(section.body) if ref.alt}
        ),
    )


def _save_pictures(document: ParsedDocument, sections: list[Section], clinic, by, stored_files) -> list:
    """The document's pictures as new library images of ``clinic`` (flagged needs_alt_text), and
    each section's figures pointed at them: a figure's placeholder key becomes its image's id. A
    figure naming anything else (a ``data-file`` the document carried) is dropped: an import only
    ever shows the pictures it brought."""
    referenced = {
        reference.image_id for section in sections for reference in figures.references(section.body)
    }
    ids, images = {}, []
    for picture in document.pictures:
        if picture.key not in referenced:
            continue  # its figure went with a block the document left out
        image = Image(clinic=clinic, alt_text="", needs_alt_text=True)
        if by is not None and by.pk:
            image.created_by = by
        picture.processed.content.seek(0)
        picture.processed.apply_to(image)
        image.save()
        stored_files.append((image.file.storage, image.file.name))
        ids[picture.key] = image.pk
        images.append(image)

    def render(reference: figures.FigureRef) -> str:
        if reference.image_id not in ids:
            return ""
        alt = f' alt="{html.escape(reference.alt, quote=True)}"' if reference.alt else ""
        caption = f"<figcaption>{reference.caption_html}</figcaption>" if reference.caption_html else ""
        return f'<figure><img{alt} data-file="{ids[reference.image_id]}">{caption}</figure>'

    for section in sections:
        section.body = figures.replace(section.body, render)
    return images


def _delete_files(stored: list) -> None:
    for storage, name in stored:
        with contextlib.suppress(Exception):  # a file left behind is harmless; the refusal matters
            storage.delete(name)


def _validate(instance, label: str, **options) -> None:
    try:
        instance.full_clean(**options)
    except ValidationError as error:
        raise ImportRefused(f"{label} is not valid: {' '.join(error.messages)}") from None


def _insert_with_free_slug(fields: dict, wanted_slug: str) -> Article:
    suffix = 1
    for _attempt in range(MAX_SLUG_ATTEMPTS):
        slug, suffix = first_free_slug(wanted_slug, suffix)
        try:
            # A savepoint: the slug can be taken between the check and the insert.
            with transaction.atomic():
                return Article.objects.create(slug=slug, **fields)
        except IntegrityError:
            if not Article.objects.filter(slug=slug).exists():
                raise
            suffix += 1
    raise ImportRefused("No free web address (slug) was found for the article: import it again.")


def first_free_slug(wanted_slug: str, suffix: int) -> tuple[str, int]:
    """The first of ``wanted_slug`` (suffix 1), ``wanted_slug-2``... from ``suffix`` that is free."""
    while Article.objects.filter(slug=(slug := _slug_with_suffix(wanted_slug, suffix))).exists():
        suffix += 1
    return slug, suffix


def _slug_with_suffix(wanted_slug: str, suffix: int) -> str:
    if suffix == 1:
        return wanted_slug
    tail = f"-{suffix}"
    return wanted_slug[: MAX_SLUG - len(tail)].rstrip("-") + tail
