"""Pictures brought by an import: into the clinic's image library, and into the draft as figures.

Where pictures come from:

- Word (.docx): the pictures embedded in the file, read through mammoth's image hook (docx.py).
- Markdown (``![alt](pump.png "title")``) and HTML (``<img src="pump.png" alt title>``): only files
  uploaded with the document (chosen with it on the admin's import page, or in the same .zip;
  next to it, or in a folder under it, for the import_article command). A reference is matched by
  file name alone: case, folders, a ``./`` prefix, a query or fragment and URL-encoding do not
  count (``./Images/Pump%20Site.PNG`` is ``pump site.png``). Remote addresses (http:, https:,
  ``//``, data:, any other scheme) are never fetched.

Every picture goes through media_library.uploads.process_upload (type checked by content,
pixel and byte limits, no animation, metadata stripped, encoded again). In the draft, each one is
a figure ``<figure><img alt data-file><figcaption></figcaption></figure>`` (articles/figures.py)
as its own block, right after the paragraph, list item's list, heading or table row it was in (a
figure never sits inside a paragraph). Its ``alt`` is the document's own alt text when that is
usable: not empty, not a file name ("IMG_1234.jpg", "image1.png", the picture's own name), not
Word's automatic description ("... Description automatically generated"); its caption is
Markdown's or HTML's title. The same file (or, in Word, the same bytes) used twice is one library
image, shown in two figures.

What is decided for a picture that cannot come in: the import goes on without it (nothing of it in
the draft, no library image), and the import's report names it: "Picture 3 (“diagram.emf”) was not
imported: <the reason>" (not an allowed image type, damaged, too many pixels, animated, too large;
remote; no such file uploaded; several uploaded files with that name). Beyond MAX_PICTURES
pictures, or MAX_PICTURE_BYTES of them, the whole document is refused, saying so: nothing is saved.

Library images are made only when the draft is saved (drafts.create_draft, in its transaction),
each flagged ``needs_alt_text`` with empty alt text in the library, owned by the import's clinic
and by the importing user. Until they are described (or the figure has alt text from the
document), publishing is blocked by the accessibility check.

When a Markdown or HTML document comes with no picture files at all (``files`` is None or empty),
its pictures are only counted in a note, as before pictures could be imported (common.images_note).
"""

import hashlib
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat

from articles.importing.common import ImportRefused, ParsedDocument, one_line, shortened
from media_library.uploads import ProcessedImage, process_upload

# Pictures a document may bring (distinct files): a long illustrated article has a dozen.
MAX_PICTURES = 50
# Their bytes, all together, as given (before re-encoding).
MAX_PICTURE_BYTES = 50 * 1024 * 1024
# File names taken as pictures among uploaded files: the library's formats, and those a writer
# may have (refused one by one, with the reason, by process_upload).
PICTURE_EXTENSIONS = {
    ".png",
    ".jpg",
    ".jpeg",
    ".jpe",
    ".jfif",
    ".webp",
    ".avif",
    ".gif",
    ".svg",
    ".bmp",
    ".tif",
    ".tiff",
    ".heic",
    ".heif",
    ".emf",
    ".wmf",
}
# The src of a Word picture in mammoth's HTML (docx.py's hook writes it): only ever read while
# reading a Word file, whose HTML is mammoth's, never the document's own.
WORD_SRC = "careleaf-word-picture:"
NOT_UPLOADED = "only pictures uploaded with the document are imported"

_WORD_DRAWINGS = {"image/x-emf", "image/emf", "image/x-wmf", "image/wmf", "image/x-msmetafile"}
# Pictures named one by one in the report; the rest are counted.
MAX_NAMED_PROBLEMS = 10
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.IGNORECASE)
_DRIVE = re.compile(r"^[a-z]:[\\/]", re.IGNORECASE)
_FILE_NAME_ALT = re.compile(
    r"^[^/\\]{0,200}\.(?:png|jpe?g|jpe|jfif|gif|webp|avif|svg|bmp|tiff?|heic|heif|emf|wmf)$"
    r"|^(?:img|image|picture|pic|photo|dsc|dscn|dcim|screenshot|screen shot|clip_image|grafik|bild)"
    r"[\s_\-]*\d*$",
    re.IGNORECASE,
)
_AUTOMATIC_ALT = re.compile(r"automatically generated", re.IGNORECASE)


def is_picture_name(name: str) -> bool:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower() in PICTURE_EXTENSIONS


def normalized_name(reference: str) -> str:
    """What a reference or a file is matched by: its file name, decoded, in lower case."""
    text = reference.strip()
    text = text.split("#", 1)[0].split("?", 1)[0]
    text = unquote(text).replace("\\", "/")
    name = text.rsplit("/", 1)[-1]
    return unicodedata.normalize("NFC", name).strip().casefold()


def is_remote(reference: str) -> bool:
    """An address elsewhere (never fetched): any scheme (http:, data:, file:...), or ``//host``.
    A Windows path (``C:\\...``) is a local file name."""
    text = unquote(reference.strip())
    return text.startswith(("//", "\\\\")) or bool(_SCHEME.match(text) and not _DRIVE.match(text))


def usable_alt(alt: str | None, *names: str) -> str:
    """The document's alt text, or "" when it says nothing: empty, a file name (or the picture's own
    ``names``), or Word's automatic description."""
    text = one_line(alt or "")
    if not text or _AUTOMATIC_ALT.search(text) or _FILE_NAME_ALT.match(text):
        return ""
    folded = text.casefold()
    for name in names:
        if name and folded in (normalized_name(name), PurePosixPath(normalized_name(name)).stem):
            return ""
    return text


@dataclass(frozen=True)
class LocalFile:
    """A file that came with the document: ``name`` as shown to the writer, ``size`` in bytes
    (None if unknown), ``open`` giving a file object to read it."""

    name: str
    size: int | None
    open: Callable


class LocalFiles:
    """The picture files that came with a document, by normalized name."""

    def __init__(self, files: list[LocalFile] = ()):
        self.by_name: dict[str, list[LocalFile]] = {}
        for local in files:
            self.by_name.setdefault(normalized_name(local.name), []).append(local)

    def __bool__(self) -> bool:
        return bool(self.by_name)

    def __len__(self) -> int:
        return sum(len(files) for files in self.by_name.values())

    @classmethod
    def from_uploads(cls, uploads) -> "LocalFiles":
        """Uploaded files (Django's, with ``name``, ``size``, ``seek`` and ``read``)."""

        def opener(upload):
            def open_upload():
                # A copy: the upload itself stays open for the other documents that show it.
                upload.seek(0)
                return io.BytesIO(upload.read(settings.IMAGE_MAX_BYTES + 1))

            return open_upload

        return cls(
            [LocalFile(upload.name, getattr(upload, "size", None), opener(upload)) for upload in uploads]
        )

    @classmethod
    def from_paths(cls, paths) -> "LocalFiles":
        def opener(path: Path):
            return lambda: path.open("rb")

        files = []
        for path in paths:
            try:
                size = path.stat().st_size
            except OSError:
                size = None
            files.append(LocalFile(path.name, size, opener(path)))
        return cls(files)


@dataclass(frozen=True)
class PendingPicture:
    """A checked, re-encoded picture, to become a library image when the draft is saved. ``key`` is
    the placeholder id its figures carry until then (drafts.create_draft puts the image's id)."""

    key: int
    name: str
    processed: ProcessedImage
    alt: str  # the document's usable alt text, on the first figure ("" for none)


@dataclass
class PictureCollector:
    """Collects a document's pictures while a reader reads it: each reference is numbered
    (“picture N”), checked, and given a placeholder figure, or reported."""

    files: LocalFiles | None = None
    word: bool = False
    pictures: list[PendingPicture] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    count: int = 0  # references met, in document order
    total_bytes: int = 0
    # Pictures already checked, by source (a file name, or a Word picture's bytes): one library image
    # each, however often they are used; a reader that reads the document again (Markdown without a
    # title line) finds them here.
    _checked: dict = field(default_factory=dict)
    _word_pictures: dict[int, tuple[int | None, str]] = field(default_factory=dict)
    _placeholders: dict = field(default_factory=dict)

    def reset(self) -> None:
        """Forget the references met (the document is being read again); keep what was checked."""
        self.pictures.clear()
        self.problems.clear()
        self.count = 0
        self._placeholders.clear()

    # --- Markdown and HTML -------------------------------------------------------------------

    def figure_for(self, attrs: dict) -> str | None:
        """The placeholder figure for an ``<img>`` of the document, or None (reported, or nothing
        to show)."""
        src = (attrs.get("src") or "").strip()
        if self.word:
            return self._word_figure(src)
        self.count += 1
        number, shown = self.count, shortened(src or "no address", 80)
        if not src:
            return self._refused(number, shown, "it names no file")
        if is_remote(src):
            return self._refused(number, shown, NOT_UPLOADED)
        matches = (self.files.by_name if self.files else {}).get(normalized_name(src), [])
        if not matches:
            return self._refused(
                number, shown, f"no file of that name came with the document ({NOT_UPLOADED})"
            )
        if len(matches) > 1:
            return self._refused(
                number, shown, f"{len(matches)} files named “{matches[0].name}” came with it: rename one"
            )
        local = matches[0]
        key = ("file", normalized_name(src))
        alt = usable_alt(attrs.get("alt"), local.name, src)
        outcome = self._checked.get(key)
        if outcome is None:
            outcome = self._check(local.name, local.size, local.open)
            self._checked[key] = outcome
        return self._figure(number, local.name, key, outcome, alt, one_line(attrs.get("title") or ""))

    # --- Word ------------------------------------------------------------------------------

    def word_image(self, image) -> dict:
        """mammoth's image hook (wrapped in mammoth.images.img_element by docx.py): the picture's
        bytes read and checked now; its img carries a WORD_SRC (an empty src: left out)."""
        self.count += 1
        number = self.count
        name = f"picture {number}"
        content_type = (image.content_type or "").strip() or "unknown type"
        # Named by its description in Word when it has one: the writer knows the picture by it.
        description = one_line(image.alt_text or "")
        shown = f"“{shortened(description, 60)}”, {content_type}" if description else content_type
        try:
            with image.open() as stream:
                data = stream.read(settings.IMAGE_MAX_BYTES + 1)
        except ImportRefused:
            raise
        except Exception:  # mammoth raises what the zip raises: missing, linked, or left out
            self.problems.append(
                f"Picture {number} ({shown}) was not imported: its file is linked from outside the "
                "Word file, missing from it, or larger than "
                f"{filesizeformat(settings.IMAGE_MAX_BYTES)}. Add it to the article by hand."
            )
            self._word_pictures[number] = (None, "")
            return {"src": "", "alt": ""}
        key = ("word", hashlib.sha256(data).hexdigest())
        outcome = self._checked.get(key)
        if outcome is None:
            outcome = self._check(name, len(data), lambda: _BytesFile(data, content_type))
            self._checked[key] = outcome
        alt = usable_alt(image.alt_text)
        if isinstance(outcome, str):
            if content_type.lower() in _WORD_DRAWINGS:
                outcome = (
                    "it is a Word drawing (EMF or WMF), which web pages cannot show. Save it as a PNG "
                    "picture (right-click it in Word → Save as Picture) and add that to the article."
                )
            self.problems.append(f"Picture {number} ({shown}) was not imported: {outcome}")
            self._word_pictures[number] = (None, "")
            return {"src": "", "alt": ""}
        self._word_pictures[number] = (self._pending(name, key, outcome, alt), alt)
        return {"src": f"{WORD_SRC}{number}", "alt": alt}

    def _word_figure(self, src: str) -> str | None:
        if not src.startswith(WORD_SRC):
            return None
        number = src[len(WORD_SRC) :]
        key, alt = self._word_pictures.get(int(number) if number.isdigit() else 0, (None, ""))
        return None if key is None else figure_markup(key, alt, "")

    # --- Shared ------------------------------------------------------------------------------

    def _check(self, name: str, size: int | None, opener: Callable) -> ProcessedImage | str:
        """The processed picture, or why it cannot come in. Raises ImportRefused beyond the limits."""
        if len(self._checked) >= MAX_PICTURES:
            raise ImportRefused(
                f"The document has more than {MAX_PICTURES} pictures; at most {MAX_PICTURES} are imported "
                "with one article. Split it into several articles, or import it without its pictures."
            )
        if size is not None:
            self.total_bytes += size
            if self.total_bytes > MAX_PICTURE_BYTES:
                raise ImportRefused(
                    f"The document's pictures come to more than {filesizeformat(MAX_PICTURE_BYTES)}; at most "
                    "that much is imported with one article. Make them smaller (export them at a lower "
                    "resolution), or import the document without some of them."
                )
        try:
            with opener() as stream:
                upload = SimpleUploadedFile(name, stream.read(settings.IMAGE_MAX_BYTES + 1))
        except (OSError, ValueError) as error:
            return f"it could not be read ({getattr(error, 'strerror', None) or error})."
        if len(upload) > settings.IMAGE_MAX_BYTES:
            return f"it is larger than {filesizeformat(settings.IMAGE_MAX_BYTES)}."
        try:
            return process_upload(upload)
        except ValidationError as error:
            return " ".join(error.messages)

    def _refused(self, number: int, shown: str, reason: str) -> None:
        self.problems.append(f"Picture {number} (“{shown}”) was not imported: {reason.rstrip('.')}.")
        return None

    def _pending(self, name: str, key, processed: ProcessedImage, alt: str) -> int:
        """The placeholder of the picture from ``key``, one per source."""
        if key not in self._placeholders:
            self._placeholders[key] = len(self.pictures) + 1
            self.pictures.append(
                PendingPicture(key=self._placeholders[key], name=name, processed=processed, alt=alt)
            )
        return self._placeholders[key]

    def _figure(self, number, name, key, outcome, alt, caption) -> str | None:
        if isinstance(outcome, str):
            return self._refused(number, name, outcome)
        return figure_markup(self._pending(name, key, outcome, alt), alt, caption)

    def notes(self) -> tuple[str, ...]:
        named = self.problems[:MAX_NAMED_PROBLEMS]
        if len(self.problems) > MAX_NAMED_PROBLEMS:
            more = len(self.problems) - MAX_NAMED_PROBLEMS
            named.append(
                f"… and {more} more picture{'' if more == 1 else 's'} not imported, for the same kinds "
                f"of reasons ({NOT_UPLOADED}; each must be a PNG, JPEG or WebP picture)."
            )
        return tuple(named)


class _BytesFile:
    def __init__(self, data: bytes, name: str):
        self.data, self.name = data, name

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self, size: int = -1) -> bytes:
        return self.data if size < 0 else self.data[:size]


def figure_markup(key: int, alt: str, caption: str) -> str:
    """A figure for placeholder ``key``, as articles.figures keeps it."""
    alt_attribute = f' alt="{escape(alt, quote=True)}"' if alt else ""
    caption_element = f"<figcaption>{escape(caption, quote=False)}</figcaption>" if caption else ""
    return f'<figure><img{alt_attribute} data-file="{key}">{caption_element}</figure>'


def with_pictures(document: ParsedDocument, collector: PictureCollector) -> ParsedDocument:
    """``document`` with the pictures collected while reading it, and the report of those left out."""
    return replace(
        document,
        pictures=tuple(collector.pictures),
        notes=(*document.notes, *collector.notes()),
    )
