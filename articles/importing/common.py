"""What every format's reader shares: the limits, the refusal, the parsed document and its items."""

import re
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from articles.models import SECTION_BODY_MAX_LENGTH, Article, Section
from articles.rich_text import plain_text, sanitize_rich_text

MAX_BYTES = 1024 * 1024
# A block (paragraph, list, quote) this long before sanitising is refused unread: sanitising keeps
# every character of text, and tags the editor cannot make come off before this point, so it could
# never fit in a section; sanitising 1 MB of "&" took 7 s.
MAX_RAW_BLOCK = 4 * SECTION_BODY_MAX_LENGTH
MAX_SECTIONS = 200
MAX_TITLE = Article._meta.get_field("title").max_length
MAX_HEADING = Section._meta.get_field("heading").max_length
MAX_SLUG = Article._meta.get_field("slug").max_length
MAX_SUMMARY = 300
OVERVIEW = "Overview"


class ImportRefused(Exception):
    """The document cannot become an article; ``reason`` says why, in words a clinic understands."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ImportContext:
    """What a reader may know besides the bytes: the file's name (a title can come from it) and the
    names of the importing clinic (its own closing paragraph is recognised and left out); the
    collector of the document's pictures (pictures.PictureCollector), None to leave them out with
    a note."""

    filename: str = ""
    clinic_names: tuple[str, ...] = ()
    pictures: object = field(default=None, compare=False)


NO_CONTEXT = ImportContext()


@dataclass(frozen=True)
class ParsedSection:
    heading: str
    body: str  # sanitised HTML


@dataclass(frozen=True)
class Suggestion:
    """A list item proposed as one of the article's structured rows; the writer confirms it."""

    kind: str  # one of articles.models.ImportSuggestion.Kind
    text: str
    found_under: str  # the heading or lead-in sentence that said what the list is


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    summary: str
    sections: tuple[ParsedSection, ...]
    skipped_headings: tuple[str, ...] = ()
    # (heading, number of parts) of each section split for being over the section limit.
    split_sections: tuple[tuple[str, int], ...] = ()
    # Closing paragraphs about the clinic itself (plain text), not made into sections.
    left_out: tuple[str, ...] = ()
    # What the writer should check: a title made up, a long introduction kept as a section...
    notes: tuple[str, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    # Pictures to add to the clinic's library when the draft is saved (pictures.PendingPicture):
    # the sections' figures name them by their placeholder key until then.
    pictures: tuple = ()


class Heading(NamedTuple):
    """An item of a reader's output: a heading. The other items are blocks of sanitised HTML (str)."""

    text: str


_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def shortened(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sanitized_block(markup: str) -> str:
    """One block's HTML, sanitised; refused first if it could never fit in a section."""
    if len(markup) > MAX_RAW_BLOCK:
        raise ImportRefused(block_too_long(markup))
    return sanitize_rich_text(markup)


def block_too_long(markup: str, heading: str | None = None, length: int | None = None) -> str:
    # The start of the text only: sanitising a prefix costs nothing, and copes with a cut tag.
    start = shortened(one_line(plain_text(sanitize_rich_text(markup[:2000]))))
    where = f"In the section “{shortened(heading)}”, the" if heading else "The"
    part = f"part starting “{start}”" if start else "part with no text at its start"
    size = f"is {length:,} characters long" if length else "is too long for one section"
    return (
        f"{where} {part} {size} (formatting included); a section can hold at most "
        f"{SECTION_BODY_MAX_LENGTH:,}. Break it into shorter paragraphs or lists, or into several sections."
    )


# Descriptions named in an images note; the rest are counted.
MAX_NAMED_IMAGES = 5


def images_note(descriptions: list[str]) -> str:
    """What the writer is told of the images a file had (each one's description, "" for none):
    images are not imported yet."""
    described = [description for description in descriptions if description]
    undescribed = len(descriptions) - len(described)
    named = [f"“{shortened(description)}”" for description in described[:MAX_NAMED_IMAGES]]
    if len(described) > MAX_NAMED_IMAGES:
        named.append(f"{len(described) - MAX_NAMED_IMAGES} more with a description")
    if undescribed and named:
        named.append(
            "one without a description" if undescribed == 1 else f"{undescribed} without a description"
        )
    elif undescribed:
        named.append("without a description" if undescribed == 1 else "none with a description")
    count = "1 image" if len(descriptions) == 1 else f"{len(descriptions)} images"
    pronoun = "it" if len(descriptions) == 1 else "them"
    return (
        f"The file has {count} ({', '.join(named)}): images are not imported yet; add {pronoun} to the "
        "article by hand."
    )


def with_images_note(document: ParsedDocument, descriptions: list[str]) -> ParsedDocument:
    """``document`` with a note on the images its source had, if it had any."""
    if not descriptions:
        return document
    return replace(document, notes=(*document.notes, images_note(descriptions)))
