"""The bytes of a text document (Markdown, HTML, plain text) as text."""

import re

from articles.importing.common import MAX_BYTES, ImportRefused

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
