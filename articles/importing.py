"""Existing articles (Markdown, HTML or plain text) turned into draft articles for a clinic to review.

How a document becomes an article:
  - Title: the first heading (Markdown ``#``, HTML h1-h4). With no heading: in Markdown and plain
    text the first non-empty line, in HTML the first paragraph (if it is short enough to be a title).
    A Markdown front-matter ``title:`` wins over both.
  - Sections: every further heading (Markdown ``#``-``####``, HTML h1-h4; in plain text a short line
    ending in "?", or a short line standing alone between paragraphs) starts a section. h5 and h6
    become a bold paragraph inside the section, a table row a paragraph.
  - Summary: the first paragraph between the title and the first section (the intro) that reads as
    a sentence (so not a byline or a date line); with no intro, the first paragraph of the first
    section. Cut at a sentence end, or else at a word, to at most 300 characters.
  - Overview: the rest of the intro becomes a first section headed "Overview", so no text is lost.
    The summary paragraph is in it too when the summary had to be shortened, or when the document
    has no other section (an article always has a body).
  - Text before the title (usually a date line or a breadcrumb) goes at the top of the Overview.
  - A heading with no text under it (nothing, or only what sanitising removes: a video, a form,
    a script) is left out wherever it is, and reported in ``ImportResult.skipped_headings``: the
    clinic sees what was dropped, and one stray heading does not make them edit the file.
  - A section whose text is over the section limit (SECTION_BODY_MAX_LENGTH, the editor's) is split
    between its blocks (paragraphs, lists, quotes) into parts headed "Heading (part 2)"..., and
    reported in ``ImportResult.split_sections``; a single block over the limit refuses the import.
  - Everything else that is wrong refuses the whole import with ImportRefused, and nothing is saved.

Bounded work: at most MAX_BYTES of input; Markdown with at most MAX_MARKDOWN_MARKUP characters that
start markup (markdown-it's cost per such character is high, though linear); and the HTML reader
stops, refusing the file, once its scanning passes a budget linear in the input (Python's HTML
parser rescans the rest of the document for each unterminated tag or comment: quadratic).

Section bodies go through sanitize_rich_text, like every editor save; Section.save does it again.
"""

import html
import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePath
from typing import NamedTuple

import reversion
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from markdown_it import MarkdownIt

from articles.models import SECTION_BODY_MAX_LENGTH, Article, Section
from articles.rich_text import ALLOWED_TAGS, plain_text, sanitize_rich_text
from clinics.models import Clinic

MAX_BYTES = 1024 * 1024
# Characters that make markdown-it try its inline rules (its "terminators": *_[]<`! and the like)
# plus line breaks: parsing costs up to ~40 us for each (profiled: 1 MB of "*a_" took 11-26 s, of
# "![" 22 s), while plain words cost next to nothing. A long article has a few thousand; this many
# is about two seconds of parsing.
MAX_MARKDOWN_MARKUP = 30_000
MARKDOWN_MARKUP_CHARACTERS = "\n!#$%&*+-:<=>@[\\]^_`{}~"
# The HTML reader's scanning, in characters, may reach this many times the input's length (plus a
# floor for small files): a well-formed page needs about one, each unterminated tag or comment up to
# twice the rest of the document.
HTML_WORK_PER_CHARACTER = 8
HTML_WORK_FLOOR = 200_000
# Tags and runs of text the HTML reader takes (a long page has a few tens of thousands): each costs
# the parser and the sanitiser ~15 us, so 1 MB of "<p>a" took 10 s.
MAX_HTML_EVENTS = 100_000
# A block (paragraph, list, quote) this long before sanitising is refused unread: sanitising keeps
# every character of text, and tags the editor cannot make come off before this point, so it could
# never fit in a section; sanitising 1 MB of "&" took 7 s.
MAX_RAW_BLOCK = 4 * SECTION_BODY_MAX_LENGTH
MAX_SECTIONS = 200
MAX_TITLE = Article._meta.get_field("title").max_length
MAX_HEADING = Section._meta.get_field("heading").max_length
MAX_SLUG = Article._meta.get_field("slug").max_length
MAX_SUMMARY = 300
# A longer plain-text line is prose, not a heading.
MAX_PLAIN_TEXT_HEADING = 100
OVERVIEW = "Overview"
FALLBACK_SLUG = "imported-article"
# After this many slugs taken under our feet, something else is wrong.
MAX_SLUG_ATTEMPTS = 20

FORMATS = ("md", "html", "txt")
EXTENSIONS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".txt": "txt"}
FORMAT_ALIASES = {"markdown": "md", "htm": "html", "text": "txt"}


class ImportRefused(Exception):
    """The document cannot become an article; ``reason`` says why, in words a clinic understands."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedSection:
    heading: str
    body: str  # sanitised HTML


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    summary: str
    sections: tuple[ParsedSection, ...]
    skipped_headings: tuple[str, ...] = ()
    # (heading, number of parts) of each section split for being over the section limit.
    split_sections: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ImportResult:
    article: Article
    slug: str
    wanted_slug: str
    section_count: int
    skipped_headings: tuple[str, ...] = ()
    split_sections: tuple[tuple[str, int], ...] = ()

    @property
    def slug_changed(self) -> bool:
        return self.slug != self.wanted_slug


def import_article(
    data: bytes, *, filename: str, clinic: Clinic, file_format: str | None = None, by=None
) -> ImportResult:
    """Parse ``data`` (the bytes of ``filename``) and save it as a draft of ``clinic``.

    ``file_format`` ("md", "html" or "txt") overrides the file name's extension. Raises
    ImportRefused, having saved nothing, when the document cannot become an article.
    """
    document = parse_document(data, filename=filename, file_format=file_format)
    return create_draft(document, clinic=clinic, by=by, source=PurePath(filename).name)


def parse_document(data: bytes, *, filename: str, file_format: str | None = None) -> ParsedDocument:
    chosen_format = detect_format(filename, file_format)
    return parse_text(decode_document(data), chosen_format)


def detect_format(filename: str, file_format: str | None = None) -> str:
    if file_format:
        name = file_format.strip().lower().lstrip(".")
        name = FORMAT_ALIASES.get(name, name)
        if name not in FORMATS:
            raise ImportRefused(f"Unknown format “{file_format}”: use md, html or txt.")
        return name
    suffix = PurePath(filename).suffix.lower()
    if suffix not in EXTENSIONS:
        shown = f"“{suffix}”" if suffix else "without an extension"
        raise ImportRefused(
            f"Unknown file type {shown}: import a .md, .markdown, .html, .htm or .txt file, "
            "or choose the format."
        )
    return EXTENSIONS[suffix]


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# C0 control characters other than tab, newline, carriage return and form feed: invisible leftovers
# of old editors (a DOS end-of-file mark), never text.
_CONTROL_CHARACTERS = re.compile(r"[\x01-\x08\x0b\x0e-\x1f\x7f]")


def decode_document(data: bytes) -> str:
    """The text of ``data``: UTF-8 (a byte-order mark is allowed), newlines normalised."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if data.startswith(_UTF16_BOMS):
        raise ImportRefused("The file is UTF-16 text: save it as UTF-8 and import it again.")
    if b"\x00" in data:
        raise ImportRefused("The file is not a text document (it contains binary data).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            f"The file is not UTF-8 text (the first unreadable byte is at position {error.start}): "
            "save it as UTF-8 and import it again."
        ) from None
    text = _CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise ImportRefused("The file is empty.")
    return text


def parse_text(text: str, file_format: str) -> ParsedDocument:
    parsers = {"md": _parse_markdown, "html": _parse_html, "txt": _parse_plain_text}
    return parsers[file_format](text)


def create_draft(document: ParsedDocument, *, clinic: Clinic, by=None, source: str = "") -> ImportResult:
    """Save ``document`` as a new draft article of ``clinic``, with its sections, all or nothing.

    The slug comes from the title; if another article has it, the first free ``-2``, ``-3``...
    is used instead. No existing article is ever changed.
    """
    wanted_slug = slugify(document.title)[:MAX_SLUG].strip("-") or FALLBACK_SLUG
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
    try:
        with transaction.atomic(), reversion.create_revision():
            if by is not None:
                reversion.set_user(by)
            reversion.set_comment(f"Imported from {source}" if source else "Imported")
            article = _insert_with_free_slug(fields, wanted_slug)
            for section in sections:
                section.article = article
                section.save()
    except ValidationError as error:
        # Section.save checks again what _validate checked: all rolled back, nothing half-saved.
        raise ImportRefused(f"The document is not valid: {' '.join(error.messages)}") from None
    return ImportResult(
        article=article,
        slug=article.slug,
        wanted_slug=wanted_slug,
        section_count=len(sections),
        skipped_headings=document.skipped_headings,
        split_sections=document.split_sections,
    )


def _validate(instance, label: str, **options) -> None:
    try:
        instance.full_clean(**options)
    except ValidationError as error:
        raise ImportRefused(f"{label} is not valid: {' '.join(error.messages)}") from None


def _insert_with_free_slug(fields: dict, wanted_slug: str) -> Article:
    suffix = 1
    for _attempt in range(MAX_SLUG_ATTEMPTS):
        slug, suffix = _first_free_slug(wanted_slug, suffix)
        try:
            # A savepoint: the slug can be taken between the check and the insert.
            with transaction.atomic():
                return Article.objects.create(slug=slug, **fields)
        except IntegrityError:
            if not Article.objects.filter(slug=slug).exists():
                raise
            suffix += 1
    raise ImportRefused("No free web address (slug) was found for the article: import it again.")


def _first_free_slug(wanted_slug: str, suffix: int) -> tuple[str, int]:
    """The first of ``wanted_slug`` (suffix 1), ``wanted_slug-2``... from ``suffix`` that is free."""
    while Article.objects.filter(slug=(slug := _slug_with_suffix(wanted_slug, suffix))).exists():
        suffix += 1
    return slug, suffix


def _slug_with_suffix(wanted_slug: str, suffix: int) -> str:
    if suffix == 1:
        return wanted_slug
    tail = f"-{suffix}"
    return wanted_slug[: MAX_SLUG - len(tail)].rstrip("-") + tail


# --- From parsed items to a document -------------------------------------------------------------
# Each format yields a flat list of items: a _Heading, or one block of sanitised body HTML (a str).


class _Heading(NamedTuple):
    text: str


_SPACES = re.compile(r"\s+")


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _shortened(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _assemble(items: list, *, title: str | None = None) -> ParsedDocument:
    before_title = []
    if title is None:
        title, before_title, items = _take_title(items)
    title = _one_line(title)
    if not title:
        raise ImportRefused("The document has no title: start it with a heading.")
    if len(title) > MAX_TITLE:
        raise ImportRefused(
            f"The title “{_shortened(title)}” is longer than {MAX_TITLE} characters: "
            "start the document with a short heading."
        )

    intro, sections = [], []  # sections: [heading, [blocks]]
    for item in items:
        if isinstance(item, _Heading):
            heading = _one_line(item.text)
            if len(heading) > MAX_HEADING:
                raise ImportRefused(
                    f"The heading “{_shortened(heading)}” is longer than {MAX_HEADING} characters."
                )
            sections.append((heading, []))
        elif sections:
            sections[-1][1].append(item)
        else:
            intro.append(item)
    skipped = tuple(heading for heading, blocks in sections if not blocks)
    sections = [(heading, blocks) for heading, blocks in sections if blocks]
    if not (before_title or intro or sections):
        raise ImportRefused("The document has a title but no text under it.")

    # Where the summary comes from: the intro, else the first section, else text before the title.
    source = intro or (sections[0][1] if sections else before_title)
    lead = _first_paragraph(source)
    summary, is_shortened = _summary(plain_text(source[lead]))
    # The summary paragraph stays in the body only if it was shortened, or if it is the only text.
    if source is intro and not is_shortened and (sections or len(intro) > 1):
        intro = intro[:lead] + intro[lead + 1 :]
    overview = before_title + intro
    if overview:
        sections.insert(0, (OVERVIEW, overview))
    sections, split = _within_section_limit(sections)
    if len(sections) > MAX_SECTIONS:
        raise ImportRefused(
            f"The document has {len(sections)} sections; an article can have at most {MAX_SECTIONS}. "
            "Split it into several articles."
        )
    return ParsedDocument(
        title=title,
        summary=summary,
        sections=tuple(ParsedSection(heading, body) for heading, body in sections),
        skipped_headings=skipped,
        split_sections=split,
    )


def _within_section_limit(sections: list) -> tuple[list[tuple[str, str]], tuple[tuple[str, int], ...]]:
    """([(heading, body)], split): each section's blocks joined into its body; a body over the
    section limit is split into parts, between blocks, headed "Heading (part 2)"...

    Split rather than refused: the limit is the editor's, not a judgement on the document, and every
    block is one whole sanitised element (a paragraph, a list, a quote), so a cut between two never
    falls inside a tag and no text is lost; the clinic sees the parts reported and can rearrange
    them. A single block over the limit cannot be cut without breaking an element: that refuses
    the import, naming it."""
    result, split = [], []
    for heading, blocks in sections:
        parts, current, size = [], [], 0
        for block in blocks:
            if len(block) > SECTION_BODY_MAX_LENGTH:
                raise ImportRefused(_block_too_long(block, heading, length=len(block)))
            if current and size + len(block) > SECTION_BODY_MAX_LENGTH:
                parts.append(current)
                current, size = [], 0
            current.append(block)
            size += len(block)
        parts.append(current)
        for number, part in enumerate(parts, start=1):
            result.append((_part_heading(heading, number), sanitize_rich_text("".join(part))))
        if len(parts) > 1:
            split.append((heading, len(parts)))
    return result, tuple(split)


def _sanitized_block(markup: str) -> str:
    """One block's HTML, sanitised; refused first if it could never fit in a section."""
    if len(markup) > MAX_RAW_BLOCK:
        raise ImportRefused(_block_too_long(markup))
    return sanitize_rich_text(markup)


def _block_too_long(markup: str, heading: str | None = None, length: int | None = None) -> str:
    # The start of the text only: sanitising a prefix costs nothing, and copes with a cut tag.
    start = _shortened(_one_line(plain_text(sanitize_rich_text(markup[:2000]))))
    where = f"In the section “{_shortened(heading)}”, the" if heading else "The"
    part = f"part starting “{start}”" if start else "part with no text at its start"
    size = f"is {length:,} characters long" if length else "is too long for one section"
    return (
        f"{where} {part} {size} (formatting included); a section can hold at most "
        f"{SECTION_BODY_MAX_LENGTH:,}. Break it into shorter paragraphs or lists, or into several sections."
    )


def split_report(split_sections) -> str:
    """What an import tells the clinic about the sections it split."""
    sections = ", ".join(f"“{heading}” into {parts} parts" for heading, parts in split_sections)
    return (
        f"Split sections longer than {SECTION_BODY_MAX_LENGTH:,} characters (what a section can hold), "
        f"between paragraphs, lists and quotes: {sections}. Check where each part starts."
    )


def _part_heading(heading: str, number: int) -> str:
    if number == 1:
        return heading
    suffix = f" (part {number})"
    return heading[: MAX_HEADING - len(suffix)].rstrip() + suffix


def _take_title(items: list) -> tuple[str, list, list]:
    """(title, the blocks before it, the items after it)."""
    for index, item in enumerate(items):
        if isinstance(item, _Heading) and _one_line(item.text):
            return item.text, items[:index], items[index + 1 :]
    if not items:
        raise ImportRefused("The document has no title: start it with a heading.")
    title = plain_text(items[0])
    if len(title) > MAX_TITLE:
        raise ImportRefused(
            "The document has no heading, and its first paragraph is too long to be the title: "
            "start it with a heading."
        )
    return title, [], items[1:]


def _first_paragraph(blocks: list[str]) -> int:
    """Index of the block to summarise: the first paragraph that reads as a sentence (not a byline
    or a date), else the first paragraph, else the first block."""
    paragraphs = [index for index, block in enumerate(blocks) if block.startswith("<p>")]
    sentences = (index for index in paragraphs if _reads_as_sentence(plain_text(blocks[index])))
    return next(sentences, paragraphs[0] if paragraphs else 0)


_SENTENCE = re.compile(r"[.!?][\"'”’)]*$")
# Fewer words than this make a label or a byline, not a sentence that sums up an article.
_MIN_SENTENCE_WORDS = 6


def _reads_as_sentence(text: str) -> bool:
    return len(text.split()) >= _MIN_SENTENCE_WORDS and bool(_SENTENCE.search(text))


_SENTENCE_END = re.compile(r"[.!?](?=\s)")


def _summary(text: str) -> tuple[str, bool]:
    """``text`` cut to MAX_SUMMARY characters: at a sentence end if one is not too early, else at a
    word, with an ellipsis. Second value: whether it was cut."""
    text = _one_line(text)
    if len(text) <= MAX_SUMMARY:
        return text, False
    ends = [match.end() for match in _SENTENCE_END.finditer(text[: MAX_SUMMARY + 1])]
    if ends and ends[-1] >= MAX_SUMMARY // 3:
        return text[: ends[-1]], True
    words = text[: MAX_SUMMARY - 1].rsplit(" ", 1)[0]
    return words.rstrip(" ,;:–—-") + "…", True


# --- HTML ---------------------------------------------------------------------------------------

_SECTION_HEADINGS = {"h1", "h2", "h3", "h4"}
_ALL_HEADINGS = _SECTION_HEADINGS | {"h5", "h6"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Dropped with everything inside: page furniture and things that are not prose.
_DROPPED = (
    {"head", "title", "nav", "aside", "footer"}  # page furniture
    | {"script", "style", "noscript", "template"}  # code
    | {"button", "select", "textarea", "dialog"}  # controls
    | {"iframe", "object", "svg", "math", "canvas", "video", "audio"}  # embedded media
)
# Dropped unless they hold the content: a page header is the site's banner, but an article's own
# header holds its h1; a comment form is noise, but some sites wrap the whole page in one form.
_DROPPED_UNLESS_HOLDING_HEADINGS = {"header", "form"}
_INLINE = (
    {"a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "font", "i"}
    | {"img", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub"}
    | {"sup", "time", "u", "var", "wbr"}
)
_BOLD_PARAGRAPH = ("<p><strong>", "</strong></p>")
# Block elements kept as one block of a section body, with the HTML they open and close with.
_BLOCKS = {
    "p": ("<p>", "</p>"),
    "ul": ("<ul>", "</ul>"),
    "ol": ("<ol>", "</ol>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "pre": ("<p>", "</p>"),
    "h5": _BOLD_PARAGRAPH,
    "h6": _BOLD_PARAGRAPH,
    "dt": _BOLD_PARAGRAPH,
    "dd": ("<p>", "</p>"),
    "li": ("<p>", "</p>"),  # an item outside any list
    "tr": ("<p>", "</p>"),  # a table row, its cells separated by dashes
    "figcaption": ("<p>", "</p>"),
    "address": ("<p>", "</p>"),
}
# Blocks that cannot hold other blocks: the start of one ends them, as in browsers.
_LEAF_BLOCKS = set(_BLOCKS) - {"ul", "ol", "blockquote"}
_RENAMED = {"b": "strong", "i": "em"}
_NESTABLE = {"ul", "ol", "blockquote", "strong", "em", "a"}
# Deeper nesting is an accident or an attack: the sanitiser's HTML parser takes time that grows with
# the square of the depth (100,000 nested lists: minutes), and no patient reads ten levels of lists.
MAX_NESTING = 10
# Source indentation next to a block tag: invisible in a browser, noise in the editor.
_BLOCK_TAG_SPACE = re.compile(r"\s*(</?(?:p|ul|ol|li|blockquote)>)\s*")
_CELL_SEPARATOR = " – "


class _Event(NamedTuple):
    kind: str  # "start", "end" or "data"
    tag: str = ""
    attrs: tuple = ()
    text: str = ""


class _TooMuchWork(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


_UNTERMINATED = (
    "The file has too much broken HTML to read: tags or comments that are never closed (a “<” "
    "with no “>” after it, or a “<!--” with no “-->”). Save the page again from the browser or the "
    "editor it came from, or import it as plain text."
)
_TOO_MANY_EVENTS = (
    f"The file has too much HTML to read: more than {MAX_HTML_EVENTS:,} tags and pieces of text; a "
    "long web page has a few tens of thousands. Save only the article's part of the page, or split it."
)


class _EventCollector(HTMLParser):
    """The HTML as a list of events, read within a budget of scanning work.

    Python's parser (before 3.11.13, 3.12.11 and 3.13.4: CVE-2025-6069) reads an unterminated tag or
    comment by scanning to the end of the document, then moves one tag on and scans again: 100 KB
    of "<a" took 17 s, of "<!--" 10 s. Each construct's scan is charged here (the rest of the
    document when it found no end), and the file is refused once the total passes the budget."""

    def __init__(self, budget: int):
        super().__init__(convert_charrefs=True)
        self.events: list[_Event] = []
        self.work, self.budget = 0, budget

    def _charged(self, start: int, end: int) -> int:
        self.work += (len(self.rawdata) if end < 0 else end) - start
        if self.work > self.budget:
            raise _TooMuchWork(_UNTERMINATED)
        return end

    def _append(self, event: _Event) -> None:
        if len(self.events) >= MAX_HTML_EVENTS:
            raise _TooMuchWork(_TOO_MANY_EVENTS)
        self.events.append(event)

    def parse_starttag(self, i):
        return self._charged(i, super().parse_starttag(i))

    def parse_endtag(self, i):
        return self._charged(i, super().parse_endtag(i))

    def parse_comment(self, i, report=1):
        return self._charged(i, super().parse_comment(i, report))

    def parse_pi(self, i):
        return self._charged(i, super().parse_pi(i))

    def parse_html_declaration(self, i):
        return self._charged(i, super().parse_html_declaration(i))

    def handle_starttag(self, tag, attrs):
        self._append(_Event("start", tag, tuple(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag not in _VOID:
            self._append(_Event("end", tag))

    def handle_data(self, data):
        self._append(_Event("data", text=data))


def _html_items(source: str) -> list:
    collector = _EventCollector(budget=HTML_WORK_FLOOR + HTML_WORK_PER_CHARACTER * len(source))
    try:
        collector.feed(source)
        collector.close()
    except _TooMuchWork as refusal:
        raise ImportRefused(refusal.reason) from None
    builder = _BodyBuilder()
    for event in _content_events(collector.events):
        if event.kind == "start":
            builder.start(event.tag, event.attrs)
        elif event.kind == "end":
            builder.end(event.tag)
        else:
            builder.data(event.text)
    return builder.finish()


def _element_ends(events: list[_Event]) -> dict[int, int]:
    """{index of a start tag: index of the end tag closing it}, in one pass (an unclosed element has
    no entry). Rescanning for each element would make a file of nested elements quadratic."""
    ends, open_starts = {}, defaultdict(list)
    for index, event in enumerate(events):
        if event.kind == "start":
            if event.tag == "body":
                for start in open_starts.pop("head", []):
                    ends[start] = index - 1  # an unclosed <head> ends where <body> starts
            if event.tag not in _VOID:
                open_starts[event.tag].append(index)
        elif event.kind == "end" and open_starts[event.tag]:
            ends[open_starts[event.tag].pop()] = index
    return ends


def _content_events(events: list[_Event]) -> list[_Event]:
    """The events of the article itself: inside <main> (or the only <article>) if the page has one,
    without page furniture."""
    starts = [index for index, event in enumerate(events) if event.kind == "start"]
    main = next((index for index in starts if events[index].tag == "main"), None)
    articles = [index for index in starts if events[index].tag == "article"]
    root = main if main is not None else articles[0] if len(articles) == 1 else None
    if root is not None:
        events = events[root + 1 : _element_ends(events).get(root, len(events))]

    ends = _element_ends(events)
    headings_before = list(
        itertools.accumulate(
            (event.kind == "start" and event.tag in _SECTION_HEADINGS for event in events), initial=0
        )
    )
    kept, index = [], 0
    while index < len(events):
        event, end = events[index], ends.get(index, len(events))
        holds_headings = headings_before[end] > headings_before[index]
        if event.kind == "start" and (
            event.tag in _DROPPED or (event.tag in _DROPPED_UNLESS_HOLDING_HEADINGS and not holds_headings)
        ):
            index = end + 1
            continue
        kept.append(event)
        index += 1
    return kept


@dataclass
class _OpenBlock:
    tag: str
    parts: list[str]
    depth: int = 1
    has_cells: bool = False


@dataclass
class _BodyBuilder:
    """Turns a stream of HTML events into headings and self-contained, sanitised blocks."""

    items: list = field(default_factory=list)
    loose: list[str] = field(default_factory=list)  # inline content outside any block
    block: _OpenBlock | None = None
    heading: list[str] | None = None
    # Nestable tags open in the current block, and those dropped for being too deep.
    nested: Counter = field(default_factory=Counter)
    too_deep: Counter = field(default_factory=Counter)

    def start(self, tag: str, attrs: tuple) -> None:
        if tag in _SECTION_HEADINGS:
            self._end_heading()
            self._end_block()
            self._end_loose()
            self.heading = []
            return
        if self.heading is not None:
            if tag == "br":
                self.heading.append(" ")
            if tag not in _BLOCKS:
                return
            self._end_heading()  # an unclosed heading ends where a block starts
        if self.block is not None:
            if self.block.tag == "tr" and tag in ("td", "th"):
                if self.block.has_cells:
                    self.block.parts.append(_CELL_SEPARATOR)
                self.block.has_cells = True
                return
            if self.block.tag not in _LEAF_BLOCKS or tag in _INLINE:
                self.block.depth += tag == self.block.tag
                self.block.parts.append(self._start_tag(tag, attrs))
                return
            self._end_block()
        if tag in _BLOCKS:
            self._end_loose()
            self.block = _OpenBlock(tag, [_BLOCKS[tag][0]])
        elif tag in _INLINE:
            self.loose.append(self._start_tag(tag, attrs))
        else:
            self._end_loose()

    def end(self, tag: str) -> None:
        if self.heading is not None:
            if tag in _ALL_HEADINGS:
                self._end_heading()
            return
        if self.block is not None:
            if self.block.tag == "tr" and tag in ("td", "th"):
                return
            if tag == self.block.tag:
                self.block.depth -= 1
                if self.block.depth == 0:
                    self._end_block()
                else:
                    self.block.parts.append(self._end_tag(tag))
                return
            if self.block.tag not in _LEAF_BLOCKS or tag in _INLINE:
                self.block.parts.append(self._end_tag(tag))
                return
            self._end_block()
        if tag in _INLINE:
            self.loose.append(self._end_tag(tag))
        else:
            self._end_loose()

    def data(self, text: str) -> None:
        if self.heading is not None:
            self.heading.append(text)
            return
        escaped = html.escape(text, quote=False)
        if self.block is None:
            self.loose.append(escaped)
        else:
            self.block.parts.append(escaped.replace("\n", "<br>") if self.block.tag == "pre" else escaped)

    def finish(self) -> list:
        self._end_heading()
        self._end_block()
        self._end_loose()
        return self.items

    def _end_heading(self) -> None:
        if self.heading is not None:
            text = _one_line("".join(self.heading))
            if text:  # an empty heading (an image, say) starts nothing: its text joins the section above
                self.items.append(_Heading(text))
            self.heading = None

    def _end_block(self) -> None:
        if self.block is not None:
            self._add(["".join(self.block.parts), _BLOCKS[self.block.tag][1]])
            self.block = None

    def _end_loose(self) -> None:
        if self.loose:
            self._add(["<p>", *self.loose, "</p>"])
            self.loose = []

    def _add(self, parts: list[str]) -> None:
        self.nested.clear()
        self.too_deep.clear()
        cleaned = _BLOCK_TAG_SPACE.sub(r"\1", _sanitized_block("".join(parts)))
        if cleaned:
            self.items.append(cleaned)

    def _start_tag(self, tag: str, attrs: tuple) -> str:
        """The tag as the sanitiser will see it; '' for one it would remove anyway (its text stays)."""
        name = _RENAMED.get(tag, tag)
        if name not in ALLOWED_TAGS:
            return ""
        if name in _NESTABLE:
            if self.nested.total() >= MAX_NESTING:
                self.too_deep[name] += 1
                return ""
            self.nested[name] += 1
        rendered = "".join(
            f" {attribute}" if value is None else f' {attribute}="{html.escape(value)}"'
            for attribute, value in attrs
        )
        return f"<{name}{rendered}>"

    def _end_tag(self, tag: str) -> str:
        name = _RENAMED.get(tag, tag)
        if name not in ALLOWED_TAGS or name == "br":
            return ""
        if name in _NESTABLE:
            if self.too_deep[name]:
                self.too_deep[name] -= 1
                return ""
            if not self.nested[name]:
                return ""  # closes nothing we opened
            self.nested[name] -= 1
        return f"</{name}>"


def _parse_html(text: str) -> ParsedDocument:
    return _assemble(_html_items(text))


# --- Markdown -----------------------------------------------------------------------------------

# Raw HTML is allowed through to the HTML reader, which drops scripts and page furniture; the
# sanitiser then removes the rest, so an export with a stray <br> or <strong> keeps its meaning.
_markdown = MarkdownIt("commonmark", {"html": True})
# "---", then "key: value" lines (indented or "- " lines for nested values), then "---" or "...".
# Each line can match one alternative only (they start with a word character, a space, tab or
# hyphen, or nothing): overlapping ones made an unterminated block of blank lines backtrack
# exponentially (40 lines: hours).
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n((?:\w[\w-]*:.*\n|[ \t-].*\n|\n)*?)(?:---|\.\.\.)[ \t]*(?:\n|\Z)")
# Stripped in Python: a lazy group before [ \t]*$ is quadratic in a line's run of spaces.
_FRONT_MATTER_TITLE = re.compile(r"^title:[ \t]*([^ \t\n].*)$", re.M)


def _parse_markdown(text: str) -> ParsedDocument:
    markup = sum(text.count(character) for character in MARKDOWN_MARKUP_CHARACTERS)
    if markup > MAX_MARKDOWN_MARKUP:
        raise ImportRefused(
            f"The Markdown file has too much markup to read: {markup:,} formatting characters and line "
            f"breaks (such as * _ [ ] < ` # -), and at most {MAX_MARKDOWN_MARKUP:,} are read; a long "
            "article has a few thousand. Check that it is the right file, or split it into several."
        )
    title, body = _front_matter_title(text)
    items = _html_items(_markdown.render(body))
    if title is None and not any(isinstance(item, _Heading) for item in items):
        lines = body.strip().split("\n", 1)
        title = plain_text(sanitize_rich_text(_markdown.renderInline(lines[0].strip())))
        items = _html_items(_markdown.render(lines[1] if len(lines) > 1 else ""))
    return _assemble(items, title=title)


def _front_matter_title(text: str) -> tuple[str | None, str]:
    """(the ``title:`` of a YAML front-matter block, if any; the text after the block)."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return None, text
    title = _FRONT_MATTER_TITLE.search(match.group(1))
    return (title.group(1).rstrip(" \t").strip("'\"") if title else None), text[match.end() :]


# --- Plain text ---------------------------------------------------------------------------------

_BULLET = re.compile(r"^(?:[-*]\s+|•\s*)(.*)$")
_NUMBERED = re.compile(r"^\d{1,3}[.)]\s+(.*)$")
_RULE = re.compile(r"^[-=*_~#](?:\s*[-=*_~#]){2,}$")
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]")
# Lines of a paragraph that are all shorter than this (an address, a signature) keep their breaks.
_SHORT_LINE = 40
# A list item's line this long probably wrapped, so an unindented next line continues it.
_WRAPPED_LINE = 50


@dataclass
class _Run:
    kind: str  # "p", "ul" or "ol"
    parts: list  # "p": its lines; lists: the lines of each item


def _parse_plain_text(text: str) -> ParsedDocument:
    chunks = _paragraph_chunks(text)
    if not chunks:
        raise ImportRefused("The document has no title: start it with a heading.")
    title, rest = chunks[0][0].strip(), chunks[0][1:]
    runs: list[_Heading | _Run] = _runs(rest)
    for index, chunk in enumerate(chunks[1:], start=2):
        follows_text = bool(runs) and isinstance(runs[-1], _Run)
        heading, lines = _plain_heading(chunk, is_last=index == len(chunks), follows_text=follows_text)
        if heading is not None:
            runs.append(_Heading(heading))
        new_runs = _runs(lines)
        previous = runs[-1] if runs else None
        # A list whose items are separated by blank lines is still one list.
        if (
            heading is None
            and len(new_runs) == 1
            and new_runs[0].kind != "p"
            and isinstance(previous, _Run)
            and previous.kind == new_runs[0].kind
        ):
            previous.parts.extend(new_runs[0].parts)
        else:
            runs.extend(new_runs)
    items = [run if isinstance(run, _Heading) else _render_run(run) for run in runs]
    return _assemble([item for item in items if item], title=title)


def _paragraph_chunks(text: str) -> list[list[str]]:
    chunks, current = [], []
    for line in text.split("\n"):
        # A rule or a heading's underline ("=====") separates like a blank line.
        if line.strip() and not _RULE.match(line.strip()):
            current.append(line.rstrip())
        elif current:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def _plain_heading(chunk: list[str], *, is_last: bool, follows_text: bool) -> tuple[str | None, list[str]]:
    """(the heading this paragraph starts with, if any; the lines after it).

    A question heads what follows it. Another short line is a heading only standing alone between
    paragraphs: right under the title it is more often a byline ("Posted on May 4, 2023")."""
    first = chunk[0].strip()
    if not _could_be_heading(first):
        return None, chunk
    if first.endswith("?") and (len(chunk) > 1 or not is_last):
        return first, chunk[1:]
    if len(chunk) == 1 and follows_text and not is_last:
        return first, []
    return None, chunk


def _could_be_heading(line: str) -> bool:
    return (
        len(line) <= MAX_PLAIN_TEXT_HEADING
        and any(character.isalpha() for character in line)
        and not line.endswith((".", "!", ":", ";", ","))
        and not _BULLET.match(line)
        and not _NUMBERED.match(line)
        and not any(marker in line for marker in ("://", "www.", "@"))
    )


def _runs(lines: list[str]) -> list[_Run]:
    runs: list[_Run] = []
    previous_line = ""
    for raw in lines:
        line = raw.strip()
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        current = runs[-1] if runs else None
        if bullet or numbered:
            kind = "ul" if bullet else "ol"
            item = [(bullet or numbered).group(1)]
            if current is not None and current.kind == kind:
                current.parts.append(item)
            else:
                runs.append(_Run(kind, [item]))
        elif current is not None and current.kind != "p" and _continues_item(raw, previous_line):
            current.parts[-1].append(line)
        elif current is not None and current.kind == "p":
            current.parts.append(line)
        else:
            runs.append(_Run("p", [line]))
        previous_line = line
    return runs


def _continues_item(raw: str, previous_line: str) -> bool:
    indented = raw[:1].isspace()
    wrapped = len(previous_line) >= _WRAPPED_LINE and not previous_line.endswith((".", "!", "?", ":"))
    return indented or wrapped


def _render_run(run: _Run) -> str:
    if run.kind == "p":
        lines = [_inline_text(line) for line in run.parts]
        is_address = len(lines) > 1 and all(len(line) < _SHORT_LINE for line in run.parts)
        return _sanitized_block(f"<p>{('<br>' if is_address else ' ').join(lines)}</p>")
    items = "".join(f"<li>{' '.join(_inline_text(line) for line in item)}</li>" for item in run.parts)
    return _sanitized_block(f"<{run.kind}>{items}</{run.kind}>")


def _inline_text(line: str) -> str:
    """Escaped text, with web addresses made into links."""
    escaped = html.escape(line, quote=False)
    return _URL.sub(lambda match: f'<a href="{match.group(0)}">{match.group(0)}</a>', escaped)
