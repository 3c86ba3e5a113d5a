"""A whole WordPress blog (the WXR file that WordPress's Tools → Export makes) as draft articles.

What becomes a draft: every post and page whose WordPress status is published, draft, pending
review, private or scheduled. Each becomes a *draft* here, whatever it was on WordPress: nothing an
import makes is ever published. Each post is saved on its own (create_draft: its own transaction),
so one post that cannot become an article is listed as failed with its reason and the others still
import; the whole file is refused only when it cannot be read at all.

What is skipped, each with its reason in the report: revisions, attachments (images and files),
menu links and any other item type (reusable blocks, products, forms...), posts in the trash,
WordPress's automatic drafts, items that are part of another post, posts with no text, and posts
this clinic imported before (unless the clinic asks to import them again, as new drafts).

What the content becomes: classic-editor content (paragraphs separated by blank lines, which
WordPress wraps in <p> only when it shows the page) gets its paragraphs first; block-editor
(Gutenberg) content is HTML already, and its <!-- wp:... --> comments are dropped by the HTML reader.
Shortcodes ([gallery], [contact-form-7], [embed]...) never become text: their tags are removed (a
[caption]'s text stays, as a paragraph), embedded media is dropped, and images are not imported
yet; the report says what was left out of each post.

Safety: the file is parsed with defusedxml, with any DTD forbidden. WordPress never writes one, and
a DTD is how XML attacks work (entities expanding to gigabytes, "billion laughs"; external entities
reading the server's files into a post). A file declaring one is refused before anything is read.
The file's size is capped (MAX_EXPORT_BYTES), and each post goes through the HTML reader's own
limits, the editor's limits and the sanitiser, as every import does.
"""

import bisect
import html
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import NamedTuple
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree
from defusedxml import DefusedXmlException
from django.utils import dateformat, timezone

from articles.importing.assemble import assemble, split_report
from articles.importing.common import (
    MAX_SUMMARY,
    OVERVIEW,
    Heading,
    ImportContext,
    ImportRefused,
    ParsedDocument,
    one_line,
    shortened,
)
from articles.importing.drafts import ImportResult, create_draft, previous_imports, source_hash
from articles.importing.html import html_items
from articles.rich_text import plain_text, sanitize_rich_text

# A blog of a few thousand posts exports to a few MB; the XML tree takes about ten times the file's
# size in memory while it is read.
MAX_EXPORT_BYTES = 32 * 1024 * 1024

CONTENT_NAMESPACE = "http://purl.org/rss/1.0/modules/content/"
DC_NAMESPACE = "http://purl.org/dc/elements/1.1/"
# WXR 1.0, 1.1 and 1.2 differ only in this version number: "http://wordpress.org/export/1.2/" (wp:)
# and "http://wordpress.org/export/1.2/excerpt/" (excerpt:).
WORDPRESS_NAMESPACE_PREFIX = "http://wordpress.org/export/"

IMPORTED_TYPES = ("post", "page")
# WordPress status: how the report says what the post was there.
IMPORTED_STATUSES = {
    "publish": "was published",
    "draft": "was a draft",
    "pending": "was pending review",
    "private": "was private",
    "future": "was scheduled",
}
SKIPPED_TYPES = {
    "revision": "a revision of another post",
    "attachment": "an attachment (image or file)",
    "nav_menu_item": "a menu link, not a post or page",
}
SKIPPED_STATUSES = {
    "trash": "in the trash",
    "auto-draft": "an automatic draft WordPress saved, never written",
    "inherit": "part of another post (a revision or an attachment)",
}

DUPLICATE_CHOICES = ("skip", "new")


@dataclass(frozen=True)
class WordPressItem:
    """One <item> of the export, as WordPress wrote it (the title's HTML entities decoded)."""

    title: str
    link: str = ""
    guid: str = ""
    slug: str = ""  # wp:post_name
    post_type: str = ""
    status: str = ""
    post_id: str = ""
    post_parent: str = ""
    post_date: str = ""
    creator: str = ""
    content: str = ""  # HTML, or classic-editor text without <p> tags
    excerpt: str = ""
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How the report names the item: its title, else its type and WordPress id."""
        return self.title or f"(no title: {self.post_type or 'item'} {self.post_id})".replace(" )", ")")


class ImportedPost(NamedTuple):
    title: str
    result: ImportResult
    categories: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass
class WordPressReport:
    """What importing one export did, post by post. ``items`` gives, for each imported article's
    pk, the WordPress item it came from (its type and status there)."""

    imported: list[ImportedPost] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    items: dict[int, WordPressItem] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The report for the whole file: a count line, then one line per post."""
        imported = len(self.imported)
        lines = [
            f"Imported {_count(imported, 'post or page', 'posts and pages')} as "
            f"{'a draft' if imported == 1 else 'drafts'}, "
            f"skipped {len(self.skipped)}, failed {len(self.failed)}."
        ]
        for post in self.imported:
            lines.append(self._imported_line(post))
        lines.extend(f"Skipped “{title}”: {reason}" for title, reason in self.skipped)
        lines.extend(f"Failed “{title}”: {reason}" for title, reason in self.failed)
        return lines

    def _imported_line(self, post: ImportedPost) -> str:
        result = post.result
        item = self.items.get(result.article.pk)
        origin = f" ({item.post_type}, {IMPORTED_STATUSES.get(item.status, item.status)})" if item else ""
        slug = result.slug
        if result.slug_changed:
            slug += f" (“{result.wanted_slug}” was taken)"
        parts = [f"Imported “{post.title}”{origin} → {slug}"]
        if post.categories:
            parts.append("categories: " + ", ".join(post.categories))
        if post.tags:
            parts.append("tags: " + ", ".join(post.tags))
        if result.suggestions:
            parts.append(_count(len(result.suggestions), "suggestion"))
        # Then what the writer should check, in sentences: what was left out, split or made up.
        sentences = list(result.notes)
        if result.left_out:
            sentences.append(
                "Left out as the clinic's own information: "
                + ", ".join(f"“{shortened(text)}”" for text in result.left_out)
                + "."
            )
        if result.skipped_headings:
            sentences.append(
                "Left out, having no text under them: "
                + ", ".join(f"“{heading}”" for heading in result.skipped_headings)
                + "."
            )
        if result.split_sections:
            sentences.append(split_report(result.split_sections))
        return ". ".join(["; ".join(parts), " ".join(sentences)]) if sentences else "; ".join(parts)


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


# --- Reading the export ---------------------------------------------------------------------------

# C0 control characters XML forbids (all but tab, newline, carriage return). Older WordPress
# versions wrote them into exports (pasted from Word), which makes the whole file unreadable XML;
# they are never text. Safe on UTF-8 bytes: these bytes never occur inside a multi-byte character.
_XML_FORBIDDEN_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

_NOT_WXR = (
    "The file is not a WordPress export file (Tools → Export in WordPress makes one): it has no "
    "WordPress posts in it."
)


def read_export(data: bytes) -> list[WordPressItem]:
    """The items of a WordPress export (WXR 1.0 to 1.2), in the file's order. Raises ImportRefused
    when the file cannot be read safely, is not XML, or is not a WordPress export."""
    if len(data) > MAX_EXPORT_BYTES:
        raise ImportRefused(
            f"The file is larger than {MAX_EXPORT_BYTES // (1024 * 1024)} MB. Export the blog in parts "
            "(WordPress's Tools → Export can export one category or a date range at a time)."
        )
    if not data.strip():
        raise ImportRefused("The file is empty.")
    if not data.startswith(_UTF16_BOMS):
        data = _XML_FORBIDDEN_BYTES.sub(b"", data)
    try:
        root = defusedxml.ElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise ImportRefused(
            "The file is not a WordPress export we can read safely: it declares XML entities or a "
            "document type (<!DOCTYPE …>), which WordPress exports never do. Export the blog again "
            "from WordPress (Tools → Export) and import that file unchanged."
        ) from None
    except ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else None
        where = f" (line {line:,})" if line else ""
        raise ImportRefused(
            f"The file is not well-formed XML{where}: it may have been cut short or edited by hand. "
            "Export the blog again from WordPress (Tools → Export) and import that file unchanged."
        ) from None

    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise ImportRefused(_NOT_WXR)
    # A WordPress export says so with wp: elements (wp:wxr_version, wp:post_type...); a plain RSS
    # feed has <item>s too, but only with a post's first lines.
    is_export = any(_is_wordpress(element.tag) for element in channel) or any(
        _is_wordpress(child.tag) for item in channel.iterfind("item") for child in item
    )
    if not is_export:
        raise ImportRefused(_NOT_WXR)
    return [_item(element) for element in channel.iterfind("item")]


def _namespace(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag ("{uri}name")."""
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        return uri, local
    return "", tag


def _is_wordpress(tag) -> bool:
    if not isinstance(tag, str):
        return False  # a comment or processing instruction
    uri, _local = _namespace(tag)
    return uri.startswith(WORDPRESS_NAMESPACE_PREFIX) and not uri.endswith("/excerpt/")


def _item(element: Element) -> WordPressItem:
    values, categories, tags = {}, [], []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        uri, local = _namespace(child.tag)
        text = child.text or ""
        if uri == "" and local == "category":
            name = one_line(html.unescape(text))  # WordPress escapes "&" in names twice
            domain = child.get("domain", "")
            target = categories if domain == "category" else tags if domain == "post_tag" else None
            if name and target is not None and name not in target:
                target.append(name)
        elif uri == "":
            values.setdefault(local, text)
        elif uri == CONTENT_NAMESPACE and local == "encoded":
            values["content"] = text
        elif uri.startswith(WORDPRESS_NAMESPACE_PREFIX) and uri.endswith("/excerpt/") and local == "encoded":
            values["excerpt"] = text
        elif uri.startswith(WORDPRESS_NAMESPACE_PREFIX):
            values.setdefault(f"wp:{local}", text)
        elif uri == DC_NAMESPACE and local == "creator":
            values["creator"] = text
    return WordPressItem(
        title=_title(values.get("title", "")),
        link=values.get("link", "").strip(),
        guid=values.get("guid", "").strip(),
        slug=values.get("wp:post_name", "").strip(),
        post_type=values.get("wp:post_type", "").strip(),
        status=values.get("wp:status", "").strip(),
        post_id=values.get("wp:post_id", "").strip(),
        post_parent=values.get("wp:post_parent", "").strip(),
        post_date=(values.get("wp:post_date") or values.get("pubDate", "")).strip(),
        creator=values.get("creator", "").strip(),
        content=values.get("content", ""),
        excerpt=values.get("excerpt", ""),
        categories=tuple(categories),
        tags=tuple(tags),
    )


_TAG = re.compile(r"<[^<>]*>")


def _title(raw: str) -> str:
    # WordPress stores titles with HTML entities ("Pain &#038; pumps", "Don&#8217;t") and allows
    # tags in them (<em>); the article's title is plain text.
    return one_line(html.unescape(_TAG.sub("", raw)))


# --- A post's content as HTML ---------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedContent:
    html: str
    shortcodes: tuple[str, ...] = ()  # names of the shortcodes removed, each once, in order
    images: int = 0
    embeds: int = 0  # block-editor embeds (videos, posts of other sites) dropped


def prepare_content(content: str) -> PreparedContent:
    """The post's content as the HTML a browser would get, without shortcodes and embeds."""
    images = len(_IMAGE.findall(content))
    content, embeds = _without_embed_blocks(content)
    content, shortcodes = _without_shortcodes(content)
    # WordPress itself wraps paragraphs only in classic content: block content is HTML already.
    if "<!-- wp:" not in content:
        content = autop(content)
    return PreparedContent(html=content, shortcodes=shortcodes, images=images, embeds=embeds)


_IMAGE = re.compile(r"<img\b", re.IGNORECASE)

# Block-editor blocks whose HTML is only a link to media elsewhere: a YouTube URL left as a
# paragraph would read as nonsense to a patient.
_EMBED_BLOCK = re.compile(r"<!-- wp:((?:core-)?embed(?:/[\w-]+)?|video|audio)[\s/-]")


def _without_embed_blocks(content: str) -> tuple[str, int]:
    # str.find from a moving position: linear, even for a post of unclosed block comments.
    parts, position, count = [], 0, 0
    while match := _EMBED_BLOCK.search(content, position):
        parts.append(content[position : match.start()])
        count += 1
        end_marker = f"<!-- /wp:{match.group(1)} -->"
        end = content.find(end_marker, match.end())
        if end < 0:
            comment_end = content.find("-->", match.end())
            position = len(content) if comment_end < 0 else comment_end + 3
        else:
            position = end + len(end_marker)
    parts.append(content[position:])
    return "".join(parts), count


# [name attributes], [name/], [/name], and [[name]] (WordPress's way of writing a shortcode as text).
# Attributes stop at the next bracket, so a scan never runs further than that: linear.
_SHORTCODE = re.compile(r"(\[?)\[(/?)([A-Za-z][\w-]*)(\s[^\[\]]*)?\](\]?)")
# Shortcodes whose content is media elsewhere, not text: dropped with it.
_DROPPED_WITH_CONTENT = {"embed", "video", "audio", "playlist"}
_CAPTIONS = {"caption", "wp_caption"}
# Common shortcodes that are never closed ([gallery ids="1,2"]). Any name closed somewhere in the
# post, or with an underscore (page builders: vc_row, et_pb_text, fusion_builder_container), is a
# shortcode too; a bracketed word such as "[sic]" is not.
_KNOWN_SHORTCODES = {
    "gallery",
    "contact-form",
    "contact-form-7",
    "gravityform",
    "gravityforms",
    "wpforms",
    "formidable",
    "ninja_form",
    "mc4wp_form",
    "embed",
    "video",
    "audio",
    "playlist",
    "caption",
    "wp_caption",
    "button",
    "map",
    "google_map",
    "instagram-feed",
    "custom-facebook-feed",
    "ultimatemember",
    "ctct",
}
_CAPTION_ATTRIBUTE = re.compile(r"""\bcaption=(?:"([^"]*)"|'([^']*)')""")
_IMAGE_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_EMPTY_LINK = re.compile(r"<a\b[^>]*>\s*</a>", re.IGNORECASE)


def _without_shortcodes(content: str) -> tuple[str, tuple[str, ...]]:
    tokens = list(_SHORTCODE.finditer(content))
    closings = defaultdict(list)  # name: indexes in tokens of its closing tags
    for index, token in enumerate(tokens):
        if token.group(2) and not (token.group(1) and token.group(5)):
            closings[token.group(3).lower()].append(index)

    parts, position, removed, index = [], 0, {}, 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        opening_bracket, closing, name, attributes, closing_bracket = token.groups()
        if opening_bracket and closing_bracket:  # [[gallery]]: the text "[gallery]"
            parts.append(content[position : token.start()] + token.group()[1:-1])
            position = token.end()
            continue
        name_key = name.lower()
        if name_key not in _KNOWN_SHORTCODES and name_key not in closings and "_" not in name_key:
            continue  # "[sic]": text
        # The tag only, not a bracket before or after it that belongs to the text.
        start = token.start() + len(opening_bracket)
        end = token.end() - len(closing_bracket)
        parts.append(content[position:start])
        position = end
        removed.setdefault(name_key, None)
        if closing or name_key not in _DROPPED_WITH_CONTENT | _CAPTIONS:
            continue
        following = closings.get(name_key, [])
        close_at = bisect.bisect_right(following, index - 1)
        if close_at == len(following):
            continue  # never closed: only its tag goes
        close_index = following[close_at]
        inner = content[end : tokens[close_index].start()]
        position = tokens[close_index].end()
        index = close_index + 1
        if name_key in _CAPTIONS:
            parts.append(_caption_paragraph(inner, attributes or ""))
    parts.append(content[position:])
    return "".join(parts), tuple(f"[{name}]" for name in removed)


def _caption_paragraph(inner: str, attributes: str) -> str:
    """A caption's text as a paragraph of its own (its image is not imported)."""
    text = _EMPTY_LINK.sub("", _IMAGE_TAG.sub("", inner)).strip()
    if not text:  # WordPress before 3.4 kept the caption in an attribute
        match = _CAPTION_ATTRIBUTE.search(attributes)
        text = html.unescape(next((group for group in match.groups() if group), "")) if match else ""
        text = html.escape(text, quote=False)
    return f"\n\n<p>{text}</p>\n\n" if text else "\n\n"


_AUTOP_BLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area"
    r"|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header"
    r"|footer|nav|figure|figcaption|details|menu|summary)"
)
_AROUND_BLOCK_TAG = re.compile(rf"(<{_AUTOP_BLOCKS}[\s/>]|</{_AUTOP_BLOCKS}>)", re.IGNORECASE)
_STARTS_BLOCK = re.compile(rf"^(?:</?{_AUTOP_BLOCKS}[\s/>]|<!--)", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n\s*\n")
# The lookbehind starts a match at the beginning of a run of spaces only: "[ \t]*\n" alone would
# retry a long run from each of its positions (quadratic).
_LINE_BREAK = re.compile(r"(?<![ \t])[ \t]*\n\s*")


def autop(text: str) -> str:
    """WordPress's wpautop, in small: runs of text separated by blank lines become paragraphs, a
    single newline inside one a line break. Block elements (lists, headings, paragraphs already
    marked) stay as they are."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Each block tag on its own paragraph, so text next to one ("Intro<ul>") is a paragraph too.
    text = _AROUND_BLOCK_TAG.sub(lambda match: "\n\n" + match.group(1), text)
    text = re.sub(rf"(</{_AUTOP_BLOCKS}>)", r"\1\n\n", text, flags=re.IGNORECASE)
    chunks = []
    for chunk in _BLANK_LINES.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if _STARTS_BLOCK.match(chunk):
            chunks.append(chunk)
        else:
            chunks.append("<p>" + _LINE_BREAK.sub("<br>", chunk) + "</p>")
    return "\n\n".join(chunks)


# --- Importing ------------------------------------------------------------------------------------


def import_export(
    data: bytes,
    *,
    clinic,
    by=None,
    filename: str,
    on_duplicate: str = "skip",
    max_posts: int | None = None,
) -> WordPressReport:
    """Import every post and page of the export ``data`` (the bytes of ``filename``) as a draft of
    ``clinic``; ``on_duplicate``: "skip" the posts this clinic imported before, or import them again
    as "new" drafts. Raises ImportRefused, having saved nothing, only when the file cannot be read."""
    if on_duplicate not in DUPLICATE_CHOICES:
        raise ValueError(f"on_duplicate must be one of {DUPLICATE_CHOICES}, not {on_duplicate!r}")
    items = read_export(data)
    if not items:
        raise ImportRefused("The WordPress export has no posts or pages in it.")
    report = WordPressReport()
    context = ImportContext(filename=filename, clinic_names=(clinic.name,))

    wanted = []  # (item, its hash)
    for item in items:
        reason = skip_reason(item)
        if reason:
            report.skipped.append((item.label, reason))
        elif not item.title:
            report.failed.append((item.label, "no title"))
        else:
            wanted.append((item, post_hash(item)))

    if max_posts is not None and len(wanted) > max_posts:
        raise ImportRefused(
            f"The export has {len(wanted):,} posts and pages to import; this page takes at most "
            f"{max_posts:,} at once. Import the file with the import_article command, or export one "
            "category or date range at a time (WordPress's Tools → Export has both filters)."
        )
    found = previous_imports(clinic, [sha256 for _item, sha256 in wanted])
    seen = set()
    for item, sha256 in wanted:
        previous = found.get(sha256)
        if sha256 in seen:
            report.skipped.append((item.title, "the same post appears twice in the file"))
            continue
        seen.add(sha256)
        if previous is not None and on_duplicate == "skip":
            report.skipped.append((item.title, _imported_before(previous)))
            continue
        try:
            document = post_document(item, context)
        except _NoText as no_text:
            report.skipped.append((item.title, no_text.reason))
            continue
        except ImportRefused as refusal:
            report.failed.append((item.title, refusal.reason))
            continue
        try:
            result = create_draft(
                document,
                clinic=clinic,
                by=by,
                source=f"{filename}: {item.title}",
                sha256=sha256,
                slug=item.slug,
            )
        except ImportRefused as refusal:
            report.failed.append((item.title, refusal.reason))
            continue
        report.imported.append(ImportedPost(item.title, result, item.categories, item.tags))
        report.items[result.article.pk] = item
    return report


def skip_reason(item: WordPressItem) -> str:
    """Why the item does not become a draft; "" when it does."""
    if item.post_type in SKIPPED_TYPES:
        return SKIPPED_TYPES[item.post_type]
    if item.post_type not in IMPORTED_TYPES:
        return f"a {item.post_type}, not a post or page" if item.post_type else "not a post or page"
    if item.status in SKIPPED_STATUSES:
        return SKIPPED_STATUSES[item.status]
    if item.status not in IMPORTED_STATUSES:
        return f"its WordPress status is “{item.status}”" if item.status else "it has no WordPress status"
    if not item.content.strip():
        return "no text"
    return ""


def post_hash(item: WordPressItem) -> str:
    """The post's identity and content: the same post exported again is recognised, an edited one
    is new."""
    identity = f"{item.guid}\n{item.post_id}\n{item.post_type}\n{item.slug}"
    return source_hash(f"{identity}\n{item.title}\n{item.excerpt}\n{item.content}".encode())


def _imported_before(previous) -> str:
    when = dateformat.format(timezone.localtime(previous.imported_at), "j F Y")
    if previous.article is None:
        return f"imported before on {when} (that draft has since been deleted)"
    return f"imported before as “{previous.article.title}” on {when}"


class _NoText(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def post_document(item: WordPressItem, context: ImportContext) -> ParsedDocument:
    """The post as a document to save: its sections from the content, its title, its excerpt as the
    summary, and notes on what was left out. Raises ImportRefused when it cannot be an article."""
    prepared = prepare_content(item.content)
    items = html_items(prepared.html, page=False)  # a post's own asides and footers are its text
    if not items:
        only = [
            *([_count(prepared.images, "image")] if prepared.images else []),
            *([_count(prepared.embeds, "embed")] if prepared.embeds else []),
            *prepared.shortcodes,
        ]
        raise _NoText("no text" + (f" (only {', '.join(only)})" if only else ""))
    excerpt = excerpt_summary(item.excerpt)
    if excerpt and items and not isinstance(items[0], Heading) and not _same_text(items[0], excerpt):
        # The excerpt is the summary, so the introduction stays in the body whole: under its own
        # heading, assemble keeps it as it keeps any section (it would take its first paragraph
        # out as the summary otherwise).
        items = [Heading(OVERVIEW), *items]
    document = assemble(items, title=item.title, context=context)
    if excerpt:
        document = replace(document, summary=excerpt)
    return replace(document, notes=(*document.notes, *_left_out_notes(prepared)))


def _same_text(block: str, text: str) -> bool:
    return one_line(plain_text(block)) == text


def excerpt_summary(excerpt: str) -> str:
    """The excerpt as plain text, at most MAX_SUMMARY characters, cut at a word."""
    if not excerpt.strip():
        return ""
    text = one_line(plain_text(sanitize_rich_text(excerpt[: MAX_SUMMARY * 20])))
    if len(text) <= MAX_SUMMARY:
        return text
    return text[: MAX_SUMMARY - 1].rsplit(" ", 1)[0].rstrip(" ,;:–—-") + "…"


def _left_out_notes(prepared: PreparedContent) -> tuple[str, ...]:
    left_out = []
    if prepared.images:
        left_out.append(f"{_count(prepared.images, 'image')} (images are not imported yet)")
    if prepared.embeds:
        left_out.append(_count(prepared.embeds, "embedded video or link", "embedded videos or links"))
    if prepared.shortcodes:
        left_out.append("the WordPress shortcodes " + ", ".join(prepared.shortcodes))
    return ("Left out: " + "; ".join(left_out) + ".",) if left_out else ()
