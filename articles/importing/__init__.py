"""Existing articles (Markdown, HTML, plain text, Word, a WordPress export) turned into draft
articles for a clinic to review. One module per format; what they share is in common.py, how their
items become a document in assemble.py, and saving in drafts.py.

Pictures (pictures.py): a Word file's own, and the files uploaded with a Markdown or HTML document
that it shows, become library images of the clinic, flagged as needing alt text, and figures in the
draft; one that cannot come in is left out and named in the report.

Every path ends in create_draft: never published, sanitised like every editor save (Section.save
sanitises again), within the editor's limits, and all or nothing: a document that cannot become an
article raises ImportRefused with the reason, and nothing is saved.
"""

from pathlib import PurePath

from articles.importing.assemble import split_report
from articles.importing.common import (
    MAX_BYTES,
    MAX_SUMMARY,
    NO_CONTEXT,
    ImportContext,
    ImportRefused,
    ParsedDocument,
    ParsedSection,
    Suggestion,
)
from articles.importing.docx import MAX_DOCX_BYTES, OLD_WORD_MESSAGE, parse_docx
from articles.importing.drafts import ImportResult, create_draft, previous_imports, source_hash
from articles.importing.html import parse_html
from articles.importing.markdown import parse_markdown
from articles.importing.pictures import (
    MAX_PICTURE_BYTES,
    MAX_PICTURES,
    LocalFile,
    LocalFiles,
    PictureCollector,
    is_picture_name,
)
from articles.importing.plain_text import parse_plain_text
from articles.importing.text import decode_document
from articles.importing.wordpress import MAX_EXPORT_BYTES
from articles.importing.wordpress import import_export as import_wordpress
from clinics.models import Clinic

__all__ = [
    "MAX_BYTES",
    "MAX_DOCX_BYTES",
    "MAX_SUMMARY",
    "MAX_PICTURES",
    "MAX_PICTURE_BYTES",
    "FORMATS",
    "LocalFile",
    "LocalFiles",
    "is_picture_name",
    "ImportContext",
    "ImportRefused",
    "ImportResult",
    "ParsedDocument",
    "ParsedSection",
    "Suggestion",
    "create_draft",
    "decode_document",
    "detect_format",
    "import_article",
    "import_wordpress",
    "is_wordpress_export",
    "max_bytes",
    "parse_document",
    "parse_text",
    "previous_imports",
    "source_hash",
    "document_hash",
    "split_report",
]

FORMATS = ("md", "html", "txt", "docx")
EXTENSIONS = {
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".txt": "txt",
    ".docx": "docx",
}
FORMAT_ALIASES = {"markdown": "md", "htm": "html", "text": "txt", "word": "docx"}
WORDPRESS_EXTENSION = ".xml"
# What a folder import picks up: every format, the WordPress export, and old .doc files (refused
# with a message that says how to save them as .docx, rather than passed over in silence).
IMPORTABLE_EXTENSIONS = {*EXTENSIONS, WORDPRESS_EXTENSION, ".doc"}
_LIMITS = {".docx": MAX_DOCX_BYTES, WORDPRESS_EXTENSION: MAX_EXPORT_BYTES}


def is_wordpress_export(filename: str, file_format: str | None = None) -> bool:
    """Whether the file is a WordPress export (many articles), imported with import_wordpress."""
    return not file_format and PurePath(filename).suffix.lower() == WORDPRESS_EXTENSION


def max_bytes(filename: str) -> int:
    """How much of the file may be read: a Word file or a whole blog's export is larger than text."""
    return _LIMITS.get(PurePath(filename).suffix.lower(), MAX_BYTES)


def import_article(
    data: bytes,
    *,
    filename: str,
    clinic: Clinic,
    file_format: str | None = None,
    by=None,
    pictures: LocalFiles | None = None,
) -> ImportResult:
    """Parse ``data`` (the bytes of ``filename``) and save it as a draft of ``clinic``.

    ``file_format`` ("md", "html" or "txt") overrides the file name's extension. ``pictures``: the
    picture files that came with the document (see parse_document). Raises ImportRefused, having
    saved nothing, when the document cannot become an article.
    """
    document = parse_document(
        data, filename=filename, file_format=file_format, clinic=clinic, pictures=pictures
    )
    return create_draft(
        document, clinic=clinic, by=by, source=PurePath(filename).name, sha256=document_hash(data, filename)
    )


def parse_document(
    data: bytes,
    *,
    filename: str,
    file_format: str | None = None,
    clinic: Clinic | None = None,
    pictures: LocalFiles | None = None,
) -> ParsedDocument:
    """``pictures``: None to leave pictures out (counted in a note); else the picture files that came
    with the document (maybe none): a Word file's own pictures are then imported, and a Markdown or
    HTML file's references to these files (importing/pictures.py). The pictures are checked now;
    their library images are made by create_draft."""
    chosen_format = detect_format(filename, file_format)
    collector = None
    if pictures is not None and (chosen_format == "docx" or pictures):
        collector = PictureCollector(files=pictures)
    context = ImportContext(
        filename=PurePath(filename).name, clinic_names=clinic_names(clinic), pictures=collector
    )
    if chosen_format == "docx":
        return parse_docx(data, context)
    return parse_text(decode_document(data), chosen_format, context)


def document_hash(data: bytes, filename: str) -> str:
    """The source's hash, as kept to notice a second import: of a text file, its text (so the same
    text saved again with a byte-order mark, Windows line endings or trailing spaces is the same
    source); of a Word file, its bytes."""
    if PurePath(filename).suffix.lower() in (".docx", ".doc", WORDPRESS_EXTENSION):
        return source_hash(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return source_hash(data)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return source_hash("\n".join(line.rstrip() for line in lines).strip("\n").encode())


def clinic_names(clinic: Clinic | None) -> tuple[str, ...]:
    """The names a clinic's own closing paragraph would use: its name as patients know it."""
    return (clinic.name,) if clinic is not None else ()


def detect_format(filename: str, file_format: str | None = None) -> str:
    if file_format:
        name = file_format.strip().lower().lstrip(".")
        name = FORMAT_ALIASES.get(name, name)
        if name not in FORMATS:
            raise ImportRefused(f"Unknown format “{file_format}”: use md, html, txt or docx.")
        return name
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".doc":
        raise ImportRefused(OLD_WORD_MESSAGE)
    if suffix == WORDPRESS_EXTENSION:
        raise ImportRefused(
            "A WordPress export holds a whole blog: import it on the admin's import page or with "
            "the import_article command, which make a draft of every post and page."
        )
    if suffix not in EXTENSIONS:
        shown = f"“{suffix}”" if suffix else "without an extension"
        raise ImportRefused(
            f"Unknown file type {shown}: import a .md, .markdown, .html, .htm, .txt or .docx file, a "
            "WordPress export (.xml), or choose the format."
        )
    return EXTENSIONS[suffix]


def parse_text(text: str, file_format: str, context: ImportContext = NO_CONTEXT) -> ParsedDocument:
    """A text document (not Word: parse_docx reads bytes) in ``file_format``."""
    parsers = {"md": parse_markdown, "html": parse_html, "txt": parse_plain_text}
    return parsers[file_format](text, context)
