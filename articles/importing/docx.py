"""Word (.docx) files as draft articles.

A .docx file is a zip of XML parts. It is checked before anything reads it, then converted by mammoth
into plain semantic HTML, which the HTML reader (html.py) turns into an article like any web page:

- Headings by Word style: Title and Heading 1 to 4 start sections (the first heading is the title),
  a Subtitle is a paragraph. Headings by shape too, for files where the writer bolded a line instead
  of choosing a heading style: a short paragraph that is all bold, not ending like a sentence part
  (no final “.”, “,”, “;” or “:”) and followed by text, is a heading; as the document's first
  paragraph, in a file with no Title or Heading 1, it is the title.
- Lists (nested too), bold, italic and links are kept; a table row becomes a paragraph of its cells.
- Pictures, when the caller collects them (``context.pictures``: the admin's import page, the
  import_article command): each embedded picture is read through mammoth's image hook, checked and
  re-encoded (media_library.uploads.process_upload), and becomes a figure at its place, with
  Word's Alt Text as its alt unless Word made that up ("... Description automatically generated")
  or it is a file name. One that cannot come in (an EMF or WMF drawing, a picture linked from
  outside the file, a damaged or oversized one) is left out and named in the report ("Picture 2
  (image/x-emf) was not imported: ..."); the rest of the document is imported. See pictures.py.
  Without a collector (parse_docx alone), pictures are counted, and a note names them by their
  description so the writer can add them by hand; their bytes are then never unpacked.
  mammoth's own warnings (styles it does not know) are left out: the writer can do nothing with them.

Refused, with the reason and nothing saved: an old Word .doc file (or a .docx protected with a
password, which Word stores the same way), a file over MAX_DOCX_BYTES, an empty file, anything that
is not a Word file (text, a PDF, a picture, a spreadsheet renamed .docx, a damaged or truncated zip),
a zip that would unpack into far more than it holds (a “zip bomb”: too many entries, too large, or
too highly compressed), encrypted entries, XML parts with a DTD (entity expansion, external
entities: Word never writes one), and a Word file with no text.
"""

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from html import unescape

import mammoth
import mammoth.images
from django.conf import settings

from articles.importing.common import (
    NO_CONTEXT,
    ImportContext,
    ImportRefused,
    ParsedDocument,
    one_line,
    shortened,
    with_images_note,
)
from articles.importing.html import parse_html
from articles.importing.pictures import PictureCollector, is_picture_name

MAX_DOCX_BYTES = 10 * 1024 * 1024
MAX_ZIP_ENTRIES = 1_000
# What the entries may unpack to, all together, by their declared sizes: a long illustrated Word
# article is a few MB.
MAX_UNPACKED_BYTES = 30 * 1024 * 1024
# Deflate reaches about 1,000:1 on a run of one byte; Word's XML compresses 10 to 40:1, pictures
# hardly at all. Small entries are exempt: they cannot unpack to much whatever their ratio.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_OVER = 1024 * 1024
# The XML parts, as read: mammoth holds a part as a DOM, and converts in pure Python: a 3.5 MB
# document.xml (20,000 paragraphs, from a 100 KB .docx) took 10 s and 340 MB, and holds more than
# the HTML reader then takes (MAX_HTML_EVENTS) anyway. A long Word article's is well under 1 MB;
# at these limits the worst file costs a few seconds, not tens.
MAX_XML_PART_BYTES = 2 * 1024 * 1024
MAX_XML_BYTES = 4 * 1024 * 1024
MAIN_DOCUMENT = "word/document.xml"
# Elements (paragraphs, runs, table cells...) of the main document: mammoth's time grows with them,
# not with bytes (55,000 paragraphs in one table cell, 1.9 MB, took 10 s); at this many, about 2 s.
# A long article has a few thousand.
MAX_DOCUMENT_ELEMENTS = 40_000

OLD_WORD_MESSAGE = (
    "This is an old Word .doc file: open it in Word and save it as .docx "
    "(File → Save As → Word Document), then import that."
)
PASSWORD_MESSAGE = (
    "This Word file is protected with a password: open it in Word, remove the password (File → Info "
    "→ Protect Document → Encrypt with Password, and clear it), save it, then import it again."
)
NOT_WORD_MESSAGE = (
    "This file is not a Word document (.docx), or it is damaged (cut short while downloading or "
    "copying, perhaps): open it in Word and save it again as a Word Document (.docx), then import that."
)
_ZIP_BOMB_ADVICE = "open it in Word and save it again as a Word Document (.docx), then import that."

# Every OLE2 compound file (Word 97-2003 .doc, and a password-protected .docx) starts so.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream a password-protected .docx keeps its encrypted zip in, named (UTF-16) in the OLE2 file.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_ZIP_MAGIC = b"PK\x03\x04"
# Other files a writer may take for a Word file, by how they start: (magic, what to say).
_OTHER_FORMATS = (
    (b"%PDF", "This is a PDF file, not a Word document: import the Word file it was made from, or "),
    (b"{\\rtf", "This is a Rich Text (.rtf) file, not a Word document: "),
)
# Other zip-based documents, by a part only they have.
_OTHER_ZIPS = (
    ("xl/workbook.xml", "This is an Excel spreadsheet, not a Word document."),
    ("ppt/presentation.xml", "This is a PowerPoint presentation, not a Word document."),
    ("content.xml", "This is an OpenDocument file (LibreOffice, .odt), not a Word document: "),
)
# The parts mammoth reads. Every other entry (pictures, fonts, thumbnails, embedded objects, macros)
# is left out of what mammoth is given, so nothing ever unpacks it (see _verified_parts).
_XML_PART = re.compile(r"\.(?:xml|rels)$", re.IGNORECASE)
# Word never writes a DTD; with one, a part can define entities: billions of copies of a string
# (“billion laughs”) or the content of a file on the server (an external entity).
_DTD = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_XML_ENCODING = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([^"']{1,40})["']"""
)

STYLE_MAP = """
p[style-name='Title'] => h1:fresh
p[style-name='title'] => h1:fresh
p[style-name='Subtitle'] => p:fresh
p[style-name='subtitle'] => p:fresh
"""

# A heading by shape: at most this long, and not ending like part of a sentence.
MAX_BOLD_HEADING = 100
_SENTENCE_PART_END = (".", ",", ";", ":")
_BOLD_PARAGRAPH = re.compile(r"<p><strong>(?P<inner>(?:(?!</?(?:strong|a|br)\b).)*)</strong></p>", re.DOTALL)
_TAG = re.compile(r"<(?P<end>/?)(?P<name>[a-zA-Z][a-zA-Z0-9]*)[^>]*?(?P<self_closing>/?)>")
_BODY_TAGS = {"p", "ul", "ol", "table", "blockquote"}
_VOID = {"br", "hr", "img"}
_CELLS = {"td", "th"}


def refuse_old_word_format() -> None:
    """Refuse an old Word .doc file: for a caller that knows the file by its name (``.doc``)."""
    raise ImportRefused(OLD_WORD_MESSAGE)


def parse_docx(data: bytes, context: ImportContext = NO_CONTEXT) -> ParsedDocument:
    """The article in the Word (.docx) file ``data``; ImportRefused when it cannot be read as one."""
    _refuse_other_formats(data)
    collector = PictureCollector(word=True) if context.pictures is not None else None
    parts = _verified_parts(data, with_pictures=collector is not None)
    images = _Images()
    try:
        result = mammoth.convert_to_html(
            io.BytesIO(_rebuilt_zip(parts)),
            style_map=STYLE_MAP,
            convert_image=mammoth.images.img_element(collector.word_image) if collector else images.convert,
            # The file's own style map (a part mammoth looks for) would let the file choose our HTML.
            include_embedded_style_map=False,
            external_file_access=False,
        )
    except ImportRefused:
        raise  # too many pictures, or too large together
    except Exception:  # mammoth has no error type of its own: a malformed part raises anything
        raise ImportRefused(NOT_WORD_MESSAGE) from None
    markup = _headings_by_shape(_cells_as_lines(result.value))
    total = collector.count if collector else images.total
    if not _text_of(markup):
        described = f" (only {_count(total, 'image')})" if total else ""
        raise ImportRefused(
            f"The Word file has no text to import{described}: check it is the right file, with the "
            "article's text typed in (not pictures of text)."
        )
    if collector is not None:
        return parse_html(markup, replace(context, pictures=collector))
    document = parse_html(markup, context)
    return with_images_note(document, images.descriptions)


def _refuse_other_formats(data: bytes) -> None:
    if not data:
        raise ImportRefused("The file is empty.")
    if len(data) > MAX_DOCX_BYTES:
        raise ImportRefused(
            f"The Word file is larger than {MAX_DOCX_BYTES // (1024 * 1024)} MB: pictures usually make a "
            "Word file large. Compress them (File → Compress Pictures), or save a copy without some of "
            "them, then import that."
        )
    if data.startswith(_OLE2_MAGIC):
        raise ImportRefused(PASSWORD_MESSAGE if _ENCRYPTED_PACKAGE in data else OLD_WORD_MESSAGE)
    for magic, message in _OTHER_FORMATS:
        if data.startswith(magic):
            raise ImportRefused(message + "open it in Word and save it as a Word Document (.docx).")
    if not data.startswith(_ZIP_MAGIC):
        raise ImportRefused(NOT_WORD_MESSAGE)


def _verified_parts(data: bytes, *, with_pictures: bool = False) -> dict[str, bytes]:
    """{name: content} of the file's XML parts, once the whole zip is known to be safe to unpack.

    Declared sizes are checked first, from the zip's directory, before anything is unpacked. They
    can lie, so each XML part is then read with a cap (and Python's zipfile stops at the declared
    size and checks the CRC, so a part larger than declared fails anyway). mammoth is then given a
    zip rebuilt in memory from these verified parts only, never the original: it cannot unpack an
    entry nobody measured, and the parts it gets are exactly the ones scanned for a DTD. Pictures
    and other binary entries are neither unpacked nor passed on: images are counted from the
    document's XML, and their bytes are not needed. ``with_pictures``: the pictures are passed on
    too (an entry with a picture's extension, or under word/media/), each read with a cap
    (IMAGE_MAX_BYTES; a larger one is left out, and reported by the image hook as missing); fonts,
    embedded objects and macros never are."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise ImportRefused(NOT_WORD_MESSAGE) from None
    with archive:
        entries = archive.infolist()
        names = [entry.filename for entry in entries]
        if len(entries) > MAX_ZIP_ENTRIES:
            raise ImportRefused(
                f"The file holds {len(entries):,} files inside it; a Word document has a few dozen at "
                f"most (the limit is {MAX_ZIP_ENTRIES:,}). It is not an ordinary Word file: "
                + _ZIP_BOMB_ADVICE
            )
        if len(set(names)) != len(names):
            raise ImportRefused(NOT_WORD_MESSAGE)  # Word never writes two entries of one name
        if any(entry.flag_bits & 0x1 for entry in entries):
            raise ImportRefused(PASSWORD_MESSAGE)
        unpacked = sum(entry.file_size for entry in entries)
        if unpacked > MAX_UNPACKED_BYTES:
            raise ImportRefused(
                f"The Word file would unpack to {unpacked / (1024 * 1024):,.0f} MB; the limit is "
                f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB. It is not an ordinary Word file: "
                + _ZIP_BOMB_ADVICE
            )
        for entry in entries:
            if entry.file_size > RATIO_CHECKED_OVER and entry.file_size > MAX_COMPRESSION_RATIO * max(
                entry.compress_size, 1
            ):
                raise ImportRefused(
                    f"The Word file holds a part (“{shortened(entry.filename)}”) compressed more than "
                    f"{MAX_COMPRESSION_RATIO} times over, as no Word document is. It is not an ordinary "
                    "Word file: " + _ZIP_BOMB_ADVICE
                )
        if MAIN_DOCUMENT not in names:
            for part, message in _OTHER_ZIPS:
                if part in names:
                    if message.endswith(": "):
                        message += "open it and save it as a Word Document (.docx), then import that."
                    raise ImportRefused(message)
            raise ImportRefused(NOT_WORD_MESSAGE)

        parts, total = {}, 0
        for entry in entries:
            if with_pictures and not entry.is_dir() and _is_picture_entry(entry.filename):
                picture = _bounded_picture_read(archive, entry)
                if picture is not None:
                    parts[entry.filename] = picture
                continue
            if entry.is_dir() or not _XML_PART.search(entry.filename):
                continue
            content = _bounded_read(archive, entry)
            total += len(content)
            if total > MAX_XML_BYTES:
                raise ImportRefused(
                    f"The Word file's text parts come to more than {MAX_XML_BYTES // (1024 * 1024)} MB, far "
                    "more than an article. Split the document into several articles."
                )
            _refuse_unsafe_xml(entry.filename, content)
            parts[entry.filename] = content
    elements = parts[MAIN_DOCUMENT].count(b"<") - parts[MAIN_DOCUMENT].count(b"</")
    if elements > MAX_DOCUMENT_ELEMENTS:
        raise ImportRefused(
            f"The Word document is far longer than an article ({elements:,} pieces of text and formatting; "
            f"at most {MAX_DOCUMENT_ELEMENTS:,} are read, and a long article has a few thousand). Split it "
            "into several documents."
        )
    return parts


def _bounded_read(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    if entry.file_size > MAX_XML_PART_BYTES:
        raise ImportRefused(_xml_part_too_large(entry.filename))
    try:
        with archive.open(entry) as part:
            content = part.read(MAX_XML_PART_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError):
        raise ImportRefused(NOT_WORD_MESSAGE) from None  # damaged, or a compression Word never uses
    if len(content) > MAX_XML_PART_BYTES:
        raise ImportRefused(_xml_part_too_large(entry.filename))
    if len(content) > entry.file_size:
        raise ImportRefused(NOT_WORD_MESSAGE)  # unpacked to more than it declared
    return content


def _is_picture_entry(name: str) -> bool:
    return not _XML_PART.search(name) and (name.startswith("word/media/") or is_picture_name(name))


def _bounded_picture_read(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes | None:
    """A picture's bytes, or None when too large or unreadable (the image hook then reports it)."""
    limit = settings.IMAGE_MAX_BYTES
    if entry.file_size > limit:
        return None
    try:
        with archive.open(entry) as part:
            content = part.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError):
        return None
    return content if len(content) <= min(limit, entry.file_size) else None


def _xml_part_too_large(name: str) -> str:
    return (
        f"The Word file's part “{shortened(name)}” is larger than {MAX_XML_PART_BYTES // (1024 * 1024)} MB "
        "of text and formatting, far more than an article. Split the document into several articles."
    )


def _refuse_unsafe_xml(name: str, content: bytes) -> None:
    if _DTD.search(content):
        raise ImportRefused(
            f"The Word file's part “{shortened(name)}” contains a document type declaration, which Word "
            "never writes and which can make the import read files on the server or run out of "
            "memory. It was not made by Word: open it in Word and save it as a Word Document "
            "(.docx), then import that."
        )
    # Word writes UTF-8, and says so. Another encoding (UTF-16 with NUL bytes, or a single-byte one
    # named in the XML declaration) would let a declaration hide from the scan above.
    declared = _XML_ENCODING.match(content)
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise ImportRefused(NOT_WORD_MESSAGE)
    if b"\x00" in content:
        raise ImportRefused(NOT_WORD_MESSAGE)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        raise ImportRefused(NOT_WORD_MESSAGE) from None


def _rebuilt_zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as rebuilt:
        for name, content in parts.items():
            rebuilt.writestr(name, content)
    return buffer.getvalue()


@dataclass
class _Images:
    """mammoth's image hook: each image's description kept ("" for none), and left out of the HTML."""

    descriptions: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.descriptions)

    def convert(self, image) -> list:
        self.descriptions.append(one_line(image.alt_text or ""))
        return []  # no <img>: the picture's bytes are never read


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _top_level(markup: str) -> list[str]:
    """mammoth's HTML as its top-level elements (and any text between them).

    A tag scan is enough: mammoth writes well-formed HTML and escapes “<” and “>” in text and in
    attribute values."""
    blocks, depth, start = [], 0, 0
    for match in _TAG.finditer(markup):
        name = match["name"].lower()
        if match["end"]:
            depth -= 1
        elif not match["self_closing"] and name not in _VOID:
            depth += 1
        else:
            continue
        if depth == 0:
            if markup[start : match.end()].strip():
                blocks.append(markup[start : match.end()])
            start = match.end()
        elif depth == 1 and not match["end"] and markup[start : match.start()].strip():
            blocks.append(markup[start : match.start()])  # text before an element
            start = match.start()
    if markup[start:].strip():
        blocks.append(markup[start:])
    return blocks


def _cells_as_lines(markup: str) -> str:
    """Table cells without their paragraphs: mammoth puts each cell's text in <p>, which would end
    the HTML reader's row (a paragraph of its cells) at the first cell. A cell's paragraphs become
    lines."""
    depth = 0
    pieces, position = [], 0
    for match in _TAG.finditer(markup):
        name = match["name"].lower()
        if name in _CELLS and not match["self_closing"]:
            depth += -1 if match["end"] else 1
        elif name == "p" and depth > 0:
            pieces.append(markup[position : match.start()])
            # A cell's paragraphs end in a line break, and the break at the cell's end is dropped.
            closing_cell = re.match(r"</t[dh]>", markup[match.end() :])
            pieces.append("<br />" if match["end"] and not closing_cell else "")
            position = match.end()
    pieces.append(markup[position:])
    return "".join(pieces)


def _headings_by_shape(markup: str) -> str:
    blocks = _top_level(markup)
    has_title = any(block.startswith("<h1") for block in blocks)
    result = []
    for index, block in enumerate(blocks):
        text = _bold_line_text(block)
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        question = _question_line_text(block)
        if text is None and question is not None and index > 0 and following is not None:
            # The plain-text rule: a short question on a line of its own heads the text under it.
            result.append(f"<h2>{question}</h2>" if _is_body_text(following) else block)
        elif text is None:
            result.append(block)
        elif index == 0 and not has_title:
            result.append(f"<h1>{text}</h1>")
        elif index > 0 and following is not None and _is_body_text(following):
            result.append(f"<h2>{text}</h2>")
        else:
            result.append(block)
    return "".join(result)


def _bold_line_text(block: str) -> str | None:
    """The (escaped) text of a paragraph shaped like a heading: all bold, short, not ending like
    part of a sentence; None for any other block."""
    match = _BOLD_PARAGRAPH.fullmatch(block)
    if match is None:
        return None
    text = one_line(unescape(re.sub(r"<[^>]*>", "", match["inner"])))
    if not text or len(text) > MAX_BOLD_HEADING or text.endswith(_SENTENCE_PART_END):
        return None
    return match["inner"]


_PLAIN_PARAGRAPH = re.compile(r"<p>(?P<inner>[^<>]*)</p>")
# A longer question is a sentence of the text, not a heading above it (as in plain text).
MAX_QUESTION_WORDS = 14


def _question_line_text(block: str) -> str | None:
    """The (escaped) text of an unformatted paragraph that is a short question; None otherwise."""
    match = _PLAIN_PARAGRAPH.fullmatch(block)
    if match is None:
        return None
    text = one_line(unescape(match["inner"]))
    if not text.endswith("?") or len(text) > MAX_BOLD_HEADING or len(text.split()) > MAX_QUESTION_WORDS:
        return None
    return match["inner"]


def _is_body_text(block: str) -> bool:
    tag = _TAG.match(block)
    if tag is None:
        return bool(block.strip())
    name = tag["name"].lower()
    return name in _BODY_TAGS and _bold_line_text(block) is None and bool(_text_of(block))


def _text_of(markup: str) -> str:
    return one_line(unescape(re.sub(r"<[^>]*>", " ", markup)))
