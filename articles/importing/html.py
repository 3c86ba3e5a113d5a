"""HTML (a saved web page, an export, or what the Markdown and Word readers make) as headings and
blocks.

Bounded work: the reader stops, refusing the file, once its scanning passes a budget linear in the
input (Python's HTML parser rescans the rest of the document for each unterminated tag or comment:
quadratic), and after MAX_HTML_EVENTS tags and runs of text.
"""

import html
import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import NamedTuple

from articles.importing.assemble import assemble
from articles.importing.common import (
    NO_CONTEXT,
    Heading,
    ImportContext,
    ImportRefused,
    ParsedDocument,
    one_line,
    sanitized_block,
    with_images_note,
)
from articles.importing.pictures import with_pictures
from articles.rich_text import ALLOWED_TAGS

# The HTML reader's scanning, in characters, may reach this many times the input's length (plus a
# floor for small files): a well-formed page needs about one, each unterminated tag or comment up to
# twice the rest of the document.
HTML_WORK_PER_CHARACTER = 8
HTML_WORK_FLOOR = 200_000
# Tags and runs of text the HTML reader takes (a long page has a few tens of thousands): each costs
# the parser and the sanitiser ~15 us, so 1 MB of "<p>a" took 10 s.
MAX_HTML_EVENTS = 100_000

_SECTION_HEADINGS = {"h1", "h2", "h3", "h4"}
_ALL_HEADINGS = _SECTION_HEADINGS | {"h5", "h6"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Dropped with everything inside: page furniture and things that are not prose.
_PAGE_FURNITURE = {"nav", "aside", "footer"}
_DROPPED = (
    {"head", "title"}
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
# Two patterns, each linear: "\s*(<tag>)" would retry a long run of spaces from each of its
# positions (quadratic: 100,000 spaces took a minute).
_SPACE_BEFORE_BLOCK_TAG = re.compile(r"(?<!\s)\s+(?=</?(?:p|ul|ol|li|blockquote)>)")
_SPACE_AFTER_BLOCK_TAG = re.compile(r"(</?(?:p|ul|ol|li|blockquote)>)\s+")
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


def html_items(source: str, images: list[str] | None = None, *, page: bool = True, pictures=None) -> list:
    """The headings and blocks of ``source``; with ``images``, the alt text of each image in the
    content is appended to it ("" for none), for a note. With ``pictures`` (a
    pictures.PictureCollector), each image is looked up there instead, and one it takes becomes a
    figure block of its own, right after the block (or heading) it was in. The document's own
    ``<img>`` never reaches the HTML: a ``data-file`` in it would name another clinic's picture.
    ``page``: a whole web page, whose navigation, asides and footer are the site's, not the
    article's; False for an article's own HTML (a WordPress post), where they are its text."""
    collector = _EventCollector(budget=HTML_WORK_FLOOR + HTML_WORK_PER_CHARACTER * len(source))
    try:
        collector.feed(source)
        collector.close()
    except _TooMuchWork as refusal:
        raise ImportRefused(refusal.reason) from None
    builder = _BodyBuilder()
    for event in _content_events(collector.events, page=page):
        if event.kind == "start" and event.tag == "img":
            if pictures is not None:
                figure = pictures.figure_for(dict(event.attrs))
                if figure is not None:
                    builder.figure(figure)
            elif images is not None:
                images.append(one_line(dict(event.attrs).get("alt") or ""))
            continue
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


def _content_events(events: list[_Event], *, page: bool = True) -> list[_Event]:
    """The events of the article itself: inside <main> (or the only <article>) if the page has one,
    without page furniture."""
    dropped = _DROPPED | _PAGE_FURNITURE if page else _DROPPED
    dropped_unless_holding_headings = _DROPPED_UNLESS_HOLDING_HEADINGS if page else {"form"}
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
            event.tag in dropped or (event.tag in dropped_unless_holding_headings and not holds_headings)
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
    # Figures met inside the open heading, block or inline run: added right after it.
    pending_figures: list[str] = field(default_factory=list)

    def figure(self, markup: str) -> None:
        if self.heading is not None or self.block is not None or self.loose:
            self.pending_figures.append(markup)
        else:
            self._add([markup])

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
            text = one_line("".join(self.heading))
            if text:  # an empty heading (an image, say) starts nothing: its text joins the section above
                self.items.append(Heading(text))
            self.heading = None
        self._add_pending_figures()

    def _add_pending_figures(self) -> None:
        figures, self.pending_figures = self.pending_figures, []
        for markup in figures:
            self._add([markup])

    def _end_block(self) -> None:
        if self.block is not None:
            self._add(["".join(self.block.parts), _BLOCKS[self.block.tag][1]])
            self.block = None
        self._add_pending_figures()

    def _end_loose(self) -> None:
        if self.loose:
            self._add(["<p>", *self.loose, "</p>"])
            self.loose = []
        self._add_pending_figures()

    def _add(self, parts: list[str]) -> None:
        self.nested.clear()
        self.too_deep.clear()
        cleaned = _SPACE_BEFORE_BLOCK_TAG.sub("", sanitized_block("".join(parts)))
        cleaned = _SPACE_AFTER_BLOCK_TAG.sub(r"\1", cleaned)
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


def parse_html(text: str, context: ImportContext = NO_CONTEXT) -> ParsedDocument:
    if context.pictures is not None:
        items = html_items(text, pictures=context.pictures)
        return with_pictures(assemble(items, context=context), context.pictures)
    images: list[str] = []
    return with_images_note(assemble(html_items(text, images), context=context), images)
