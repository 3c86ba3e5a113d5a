"""A .zip uploaded on the admin's import page: documents and the pictures they show, in one file.

Its entries are read in memory, never written to disk, so a name like ``../../etc/passwd`` or
``/abs/path`` cannot reach anywhere: only the file name (its last path component) is kept, which is
all a picture is matched by. Folders inside are fine. Only the entries worth reading are unpacked:
documents (by extension, as the import page takes them) and pictures (pictures.PICTURE_EXTENSIONS);
hidden files, macOS's ``__MACOSX/`` copies, folders and anything else are passed over, and a zip
inside the zip is not opened.

Refused, with the reason and nothing saved (a zip bomb is refused before anything is unpacked,
from the sizes the zip declares, then each entry is read with a cap, as the declared sizes can
lie): not a zip, damaged, encrypted entries, more than MAX_ENTRIES entries, more than
MAX_UNPACKED_BYTES unpacked all together, an entry compressed more than MAX_COMPRESSION_RATIO times
over, a document or a picture over its own limit, or nothing to import in it.
"""

import io
import zipfile
import zlib
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat

from articles.importing.common import ImportRefused, shortened
from articles.importing.pictures import is_picture_name

MAX_ZIP_BYTES = 60 * 1024 * 1024
MAX_ENTRIES = 500
MAX_UNPACKED_BYTES = 80 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_OVER = 1024 * 1024
_DAMAGED = (
    "The .zip file is damaged (cut short while uploading or copying, perhaps), or it is not a zip: "
    "make it again and import that."
)


def is_zip_name(name: str) -> bool:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower() == ".zip"


def unpack(
    data: bytes, *, document_limit, importable: set[str], budget: int | None = None
) -> list[SimpleUploadedFile]:
    """The documents and pictures in the zip ``data``, as uploaded files named by their file name.

    ``importable``: the documents' extensions; ``document_limit(name)``: how many bytes such a
    document may have; ``budget``: how many unpacked bytes this zip may still bring (the whole
    upload's MAX_UNPACKED_BYTES less what its other zips brought; default all of it)."""
    budget = MAX_UNPACKED_BYTES if budget is None else budget
    if len(data) > MAX_ZIP_BYTES:
        raise ImportRefused(f"The .zip file is larger than {filesizeformat(MAX_ZIP_BYTES)}: split it in two.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise ImportRefused(_DAMAGED) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise ImportRefused(
                f"The .zip file holds {len(entries):,} files; at most {MAX_ENTRIES:,} are read. Put only the "
                "documents and their pictures in it."
            )
        wanted = []
        for entry in entries:
            path = PurePosixPath(entry.filename.replace("\\", "/"))
            hidden = any(part.startswith(".") and part not in (".", "..") for part in path.parts)
            if entry.is_dir() or not path.name or hidden:
                continue
            if path.parts and path.parts[0] == "__MACOSX":
                continue
            suffix = path.suffix.lower()
            if suffix in importable:
                limit = document_limit(path.name)
            elif is_picture_name(path.name):
                limit = settings.IMAGE_MAX_BYTES
            else:
                continue
            if entry.flag_bits & 0x1:
                raise ImportRefused(
                    "The .zip file is protected with a password: make it again without one, then import it."
                )
            if entry.file_size > limit:
                raise ImportRefused(
                    f"“{shortened(path.name)}” in the .zip file is larger than {filesizeformat(limit)}."
                )
            if entry.file_size > RATIO_CHECKED_OVER and entry.file_size > MAX_COMPRESSION_RATIO * max(
                entry.compress_size, 1
            ):
                raise ImportRefused(
                    f"“{shortened(path.name)}” in the .zip file is compressed more than "
                    f"{MAX_COMPRESSION_RATIO} times over, as no document or picture is: make the zip again "
                    "from the files themselves."
                )
            wanted.append((entry, path.name, limit))
        unpacked = sum(entry.file_size for entry, _name, _limit in wanted)
        if unpacked > budget:
            raise ImportRefused(
                f"The .zip file's documents and pictures come to {filesizeformat(unpacked)}; at most "
                f"{filesizeformat(MAX_UNPACKED_BYTES)} are imported at once. Split it."
            )
        files = []
        for entry, name, limit in wanted:
            try:
                with archive.open(entry) as member:
                    content = member.read(min(limit, entry.file_size) + 1)
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                NotImplementedError,
                RuntimeError,
                ValueError,
                OSError,
            ):
                raise ImportRefused(_DAMAGED) from None
            if len(content) > entry.file_size:
                raise ImportRefused(_DAMAGED)  # unpacked to more than it declared
            files.append(SimpleUploadedFile(name, content))
    if not files:
        raise ImportRefused(
            "The .zip file holds no document to import (.md, .markdown, .html, .htm, .txt, .docx or a "
            "WordPress export .xml) and no picture."
        )
    return files
