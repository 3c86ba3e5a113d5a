"""Plain text as people paste it: copied from a web page (one paragraph per line, no blank lines,
no title line) or typed in an editor (blank lines between paragraphs, lines wrapped at ~72
characters). Nothing here depends on one document: only on the shape of lines.

- Paragraphs: each line is a paragraph, unless the text is hard-wrapped (lines that stop mid-sentence
  and go on in lower case on the next): then the lines between blank lines are one paragraph.
- Headings by shape, never from a long sentence: a short line that is a question, or a short line
  without final punctuation followed by body text (a paragraph or a list). A byline or a date line
  ("Posted by ... on May 4, 2023") is not a heading.
- Title: the first line, when it is shaped like a heading; otherwise the text has no title line, and
  one is made from the first heading's subject or the file's name (assemble.made_up_title), which
  the import reports.
- Lists: lines starting with "- ", "* ", "• ", "– " or "1." / "1)"; the sentence that introduces a
  list ("conditions such as:") stays a paragraph before it. An indented line continues an item.
- A paragraph of several short lines (an address) keeps its line breaks; web addresses become links;
  typographic quotes and apostrophes are kept as typed.
"""

import html
import re
from dataclasses import dataclass, replace

from articles.importing.assemble import assemble, made_up_title
from articles.importing.common import (
    NO_CONTEXT,
    Heading,
    ImportContext,
    ImportRefused,
    ParsedDocument,
    one_line,
    sanitized_block,
)

# A longer line is prose, not a heading; nor is one of more words.
MAX_PLAIN_TEXT_HEADING = 100
MAX_HEADING_WORDS = 14
# A heading that is not a question is a label: a few words.
MAX_LABEL_WORDS = 10

_BULLET = re.compile(r"^(?:[-*–]\s+|•\s*)(.*)$")
_NUMBERED = re.compile(r"^\d{1,3}[.)]\s+(.*)$")
_RULE = re.compile(r"^[-=*_~#](?:\s*[-=*_~#]){2,}$")
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)”’]")
_FINAL_PUNCTUATION = (".", "!", ":", ";", ",", "…")
_SENTENCE_END = (".", "!", "?", ":", ";", '"', "”", "’", ")", "…")
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_BYLINE = re.compile(
    rf"^(?:by|posted|updated|published|written|reviewed|last (?:updated|reviewed))\b"
    rf"|\b(?:{_MONTHS}|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.? \d{{1,2}},? \d{{4}}\b"
    r"|^\d{1,2}/\d{1,2}/\d{2,4}$|^\d{4}-\d{2}-\d{2}$",
    re.IGNORECASE,
)
# Lines of a paragraph that are all shorter than this (an address, a signature) keep their breaks.
_SHORT_LINE = 40
# A list item's line this long probably wrapped, so an unindented next line continues it.
_WRAPPED_LINE = 50


@dataclass
class _Unit:
    """A paragraph (its lines) or a list (the lines of each item), in document order."""

    kind: str  # "p", "ul" or "ol"
    parts: list
    starts_chunk: bool = False  # first unit after a blank line (or of the text)


def parse_plain_text(text: str, context: ImportContext = NO_CONTEXT) -> ParsedDocument:
    chunks = _chunks(text)
    if not chunks:
        raise ImportRefused("The document has no title: start it with a heading.")
    wrapped = _hard_wrapped(chunks)
    width = max(len(line) for chunk in chunks for line in chunk)
    units = _joined_lists([unit for chunk in chunks for unit in _units(chunk, wrapped=wrapped, width=width)])
    items = _headings_and_blocks(units)

    if isinstance(items[0], Heading):
        return assemble([_render(item) for item in items[1:]], title=items[0].text, context=context)
    bylines = 0
    while bylines < len(items) and _is_byline(items[bylines]):
        bylines += 1
    if 0 < bylines < len(items) and isinstance(items[bylines], Heading):
        # A date or byline above the title ("June 15, 2024"): the heading under it is the title,
        # and the line goes at the top of the article's first section.
        return assemble([_render(item) for item in items], context=context)
    rendered = [_render(item) for item in items]
    title, note = made_up_title(rendered, context)
    document = assemble(rendered, title=title, context=context)
    return _with_note(document, note)


def _is_byline(item) -> bool:
    return (
        isinstance(item, _Unit)
        and item.kind == "p"
        and len(item.parts) == 1
        and bool(_BYLINE.search(item.parts[0]))
    )


def _with_note(document: ParsedDocument, note: str) -> ParsedDocument:
    return replace(document, notes=(note, *document.notes))


def _chunks(text: str) -> list[list[str]]:
    """The text's runs of non-blank lines; a rule or a heading's underline ("=====") separates
    like a blank line."""
    chunks, current = [], []
    for line in text.split("\n"):
        if line.strip() and not _RULE.match(line.strip()):
            current.append(line.rstrip())
        elif current:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def _hard_wrapped(chunks: list[list[str]]) -> bool:
    """Whether line breaks inside a paragraph are the editor's wrapping, not the writer's: some
    lines reach near the wrap width, stop mid-sentence, and the next goes on in lower case. A short
    line that goes on in lower case is something else: a list typed without bullets under "used
    for", which must not join the whole text into one paragraph."""
    lengths = sorted(len(line.strip()) for chunk in chunks for line in chunk)
    width = lengths[(len(lengths) * 9) // 10]  # most lines' length, not one long address's
    near_width = max(_WRAPPED_LINE, 0.6 * width)
    breaks = soft = 0
    for chunk in chunks:
        for line, following in zip(chunk, chunk[1:], strict=False):
            line, following = line.strip(), following.strip()
            if _list_item(line) or _list_item(following):
                continue
            breaks += 1
            if len(line) >= near_width and not line.endswith(_SENTENCE_END) and following[:1].islower():
                soft += 1
    return soft >= 2 or (soft == 1 and breaks <= 4)


def _list_item(line: str):
    return _BULLET.match(line) or _NUMBERED.match(line)


def _units(chunk: list[str], *, wrapped: bool, width: int) -> list[_Unit]:
    units: list[_Unit] = []
    previous_line = ""
    for raw in chunk:
        line = raw.strip()
        item = _list_item(line)
        current = units[-1] if units else None
        if item:
            kind = "ul" if _BULLET.match(line) else "ol"
            if current is not None and current.kind == kind:
                current.parts.append([item.group(1)])
            else:
                units.append(_Unit(kind, [[item.group(1)]]))
        elif current is not None and current.kind != "p" and _continues_item(raw, previous_line, wrapped):
            current.parts[-1].append(line)
        elif (
            wrapped and current is not None and current.kind == "p" and not _heads_chunk(current, line, width)
        ):
            current.parts.append(line)
        else:
            units.append(_Unit("p", [line], starts_chunk=not units))
        previous_line = line
    return units


def _joined_lists(units: list[_Unit]) -> list[_Unit]:
    """A list whose items are separated by blank lines is still one list."""
    joined: list[_Unit] = []
    for unit in units:
        if joined and unit.kind != "p" and joined[-1].kind == unit.kind:
            joined[-1].parts.extend(unit.parts)
        else:
            joined.append(unit)
    return joined


def _heads_chunk(current: _Unit, following: str, width: int) -> bool:
    """In wrapped text, whether a paragraph's first line is a heading above the rest: a question, or
    a short label well inside the wrap width followed by a capital (a wrapped line goes on in lower
    case, and reaches near the width)."""
    if len(current.parts) != 1 or not current.starts_chunk:
        return False
    line = current.parts[0]
    if not _heading_shaped(line):
        return False
    return line.endswith("?") or (_label_shaped(line) and following[:1].isupper() and len(line) < 0.6 * width)


def _label_shaped(line: str) -> bool:
    return len(line.split()) <= MAX_LABEL_WORDS and not _BYLINE.search(line) and line[:1].isupper()


def _continues_item(raw: str, previous_line: str, wrapped: bool) -> bool:
    if raw[:1].isspace():
        return True
    # Only wrapped text breaks an item over lines; in text pasted a paragraph a line, a line after
    # an item is the next paragraph.
    return wrapped and len(previous_line) >= _WRAPPED_LINE and not previous_line.endswith(_SENTENCE_END)


def _headings_and_blocks(units: list[_Unit]) -> list:
    """Units with the one-line paragraphs that are headings by their shape and place made Headings."""
    items = []
    for index, unit in enumerate(units):
        following = units[index + 1] if index + 1 < len(units) else None
        if unit.kind == "p" and len(unit.parts) == 1 and _is_heading(unit, following, index=index):
            items.append(Heading(one_line(unit.parts[0])))
        else:
            items.append(unit)
    return items


def _is_heading(unit: _Unit, following: _Unit | None, *, index: int) -> bool:
    line = unit.parts[0].strip()
    if not _heading_shaped(line):
        return False
    if index == 0:
        return not _BYLINE.search(line)  # the title line; a byline first means there is none
    if following is None:
        return False  # a last short line is a sign-off, not a heading over nothing
    if line.endswith("?"):
        return True
    if not _label_shaped(line):
        return False
    # A label heads body text: a list, or a paragraph that is not itself shaped like a heading.
    return (
        following.kind != "p" or not _heading_shaped(following.parts[0].strip()) or len(following.parts) > 1
    )


def _heading_shaped(line: str) -> bool:
    return (
        len(line) <= MAX_PLAIN_TEXT_HEADING
        and len(line.split()) <= MAX_HEADING_WORDS
        and any(character.isalpha() for character in line)
        and not line.endswith(_FINAL_PUNCTUATION)
        and not _list_item(line)
        and not any(marker in line for marker in ("://", "www.", "@"))
    )


def _render(item):
    if isinstance(item, Heading):
        return item
    if item.kind == "p":
        lines = [_inline_text(line) for line in item.parts]
        is_address = len(lines) > 1 and all(len(line) < _SHORT_LINE for line in item.parts)
        return sanitized_block(f"<p>{('<br>' if is_address else ' ').join(lines)}</p>")
    entries = "".join(f"<li>{' '.join(_inline_text(line) for line in entry)}</li>" for entry in item.parts)
    return sanitized_block(f"<{item.kind}>{entries}</{item.kind}>")


def _inline_text(line: str) -> str:
    """Escaped text, with web addresses made into links."""
    escaped = html.escape(line, quote=False)
    return _URL.sub(lambda match: f'<a href="{match.group(0)}">{match.group(0)}</a>', escaped)
