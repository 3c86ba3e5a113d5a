"""Markdown (CommonMark, with an optional YAML front matter ``title:``), read through the HTML reader.

Bounded work: at most MAX_MARKDOWN_MARKUP characters that start markup (markdown-it's cost per such
character is high, though linear).
"""

import re

from markdown_it import MarkdownIt

from articles.importing.assemble import assemble
from articles.importing.common import (
    NO_CONTEXT,
    Heading,
    ImportContext,
    ImportRefused,
    ParsedDocument,
    with_images_note,
)
from articles.importing.html import html_items
from articles.importing.pictures import with_pictures
from articles.rich_text import plain_text, sanitize_rich_text

# Characters that make markdown-it try its inline rules (its "terminators": *_[]<`! and the like)
# plus line breaks: parsing costs up to ~40 us for each (profiled: 1 MB of "*a_" took 11-26 s, of
# "![" 22 s), while plain words cost next to nothing. A long article has a few thousand; this many
# is about two seconds of parsing.
MAX_MARKDOWN_MARKUP = 30_000
MARKDOWN_MARKUP_CHARACTERS = "\n!#$%&*+-:<=>@[\\]^_`{}~"
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


def parse_markdown(text: str, context: ImportContext = NO_CONTEXT) -> ParsedDocument:
    markup = sum(text.count(character) for character in MARKDOWN_MARKUP_CHARACTERS)
    if markup > MAX_MARKDOWN_MARKUP:
        raise ImportRefused(
            f"The Markdown file has too much markup to read: {markup:,} formatting characters and line "
            f"breaks (such as * _ [ ] < ` # -), and at most {MAX_MARKDOWN_MARKUP:,} are read; a long "
            "article has a few thousand. Check that it is the right file, or split it into several."
        )
    title, body = _front_matter_title(text)
    images: list[str] = []
    pictures = context.pictures
    items = html_items(_markdown.render(body), images, pictures=pictures)
    if title is None and not any(isinstance(item, Heading) for item in items):
        lines = body.strip().split("\n", 1)
        title = plain_text(sanitize_rich_text(_markdown.renderInline(lines[0].strip())))
        images.clear()
        if pictures is not None:
            pictures.reset()  # read again: what was checked is kept, not checked twice
        items = html_items(_markdown.render(lines[1] if len(lines) > 1 else ""), images, pictures=pictures)
    document = assemble(items, title=title, context=context)
    if pictures is not None:
        return with_pictures(document, pictures)
    return with_images_note(document, images)


def _front_matter_title(text: str) -> tuple[str | None, str]:
    """(the ``title:`` of a YAML front-matter block, if any; the text after the block)."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return None, text
    title = _FRONT_MATTER_TITLE.search(match.group(1))
    return (title.group(1).rstrip(" \t").strip("'\"") if title else None), text[match.end() :]
