"""What an uploaded file really is, by its bytes (pure: no Django, no database).

Four kinds are accepted: PDF, PNG, JPEG and plain UTF-8 text. The name's extension must
agree with the content, and content that is also something else (a polyglot: a ZIP or
HTML riding inside or after an image or a PDF, or script in an image's comment) is
refused, because another program could open the same bytes as that other thing. A PDF
that launches programs or carries files inside it is refused too (JavaScript in a PDF
is not: government fill-in forms carry it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

PDF, PNG, JPEG, TEXT = "application/pdf", "image/png", "image/jpeg", "text/plain"
EXTENSIONS = {".pdf": PDF, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG, ".txt": TEXT}

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"
_ZIP_MARKERS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x01\x02")
_MARKUP = re.compile(rb"<\s*(!doctype|html|script|svg|iframe|body|\?xml)", re.IGNORECASE)
# Markup a browser would run, searched through a whole image: stricter than _MARKUP (a
# tag name and its delimiter) so that random compressed bytes never match by chance,
# and blind to the XMP metadata (<?xpacket, <x:xmpmeta, <rdf:...) cameras write.
_ACTIVE_MARKUP = re.compile(
    rb"<\s*(script|html|iframe|svg|body|object|embed)[\s/>]|javascript:", re.IGNORECASE
)
# PDF actions that start a program, and files carried inside a PDF.
_PDF_ACTIVE = re.compile(rb"/(Launch|EmbeddedFiles?|RichMedia)\b")
_EXECUTABLES = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")
_UNSAFE_NAME = re.compile(r"[^\w .()\-]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # text keeps \t \n \f \r
_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Rejected(ValueError):
    """The file is refused; `reason` is a short code for the message and the tests."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    file_name: str


def sniff(data: bytes) -> str:
    """The content type the bytes are, or Rejected."""
    if not data:
        raise Rejected("empty")
    if data.startswith(_EXECUTABLES):
        raise Rejected("executable")
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-1024:]:
            raise Rejected("truncated")
        if any(marker in data for marker in _ZIP_MARKERS) or _MARKUP.search(data[:4096]):
            raise Rejected("polyglot")
        if _PDF_ACTIVE.search(data):
            raise Rejected("active_content")
        return PDF
    if data.startswith(_PNG_MAGIC):
        # Nothing may follow the last chunk: that is where ZIP and script payloads hide.
        if not data.endswith(_PNG_END) or _ACTIVE_MARKUP.search(data):
            raise Rejected("polyglot")
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
            raise Rejected("polyglot")
        if any(marker in data for marker in _ZIP_MARKERS[1:]) or _ACTIVE_MARKUP.search(data):
            raise Rejected("polyglot")
        return JPEG
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected("unknown_type") from exc
    if _CONTROL.search(text):
        raise Rejected("unknown_type")
    if _MARKUP.search(data):  # anywhere: a browser sniffs past the first lines
        raise Rejected("markup")
    return TEXT


def clean_file_name(name: str, *, content_type: str) -> str:
    """The last path component, without control or path characters, at most 120
    characters, ending with an extension of its type."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", _NAME_CONTROL.sub("", name))
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if EXTENSIONS.get(f".{extension.lower()}") != content_type:
        extension = next(e for e, t in EXTENSIONS.items() if t == content_type)[1:]
    stem = stem.strip(" ._")[:100] or "document"
    return f"{stem}.{extension.lower()}"


def check(name: str, data: bytes) -> Sniffed:
    """Accept the file only if its name's extension says what its bytes are."""
    content_type = sniff(data)
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if EXTENSIONS.get(extension) != content_type:
        raise Rejected("type_mismatch")
    return Sniffed(
        content_type=content_type, file_name=clean_file_name(name, content_type=content_type)
    )
