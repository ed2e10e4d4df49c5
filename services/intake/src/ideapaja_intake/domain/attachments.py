"""Which files an idea may carry: an allow-list of types recognised by their content, not by what
the browser claims, and a size limit. Nothing that a browser would run (HTML, SVG) is allowed."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
TEXT = "text/plain"
CSV = "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

KNOWN_TYPES = (PDF, PNG, JPEG, GIF, WEBP, TEXT, CSV, DOCX, XLSX, PPTX, ODT, ODS)
# What a browser sends when it does not know; the content decides then.
UNKNOWN_DECLARED = frozenset({"", "application/octet-stream"})
FILENAME_MAX = 200
_ZIP = b"PK\x03\x04"


class AttachmentRejected(ValueError):
    """The file may not be attached; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class CheckedAttachment:
    filename: str
    content_type: str
    size: int


# Control characters that never occur in text people write (binary formats are full of them).
_BINARY_BYTES = frozenset(range(32)) - {9, 10, 12, 13} | {127}


def _is_text(data: bytes) -> bool:
    if not _BINARY_BYTES.isdisjoint(data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _office_type(data: bytes) -> str | None:
    """OOXML and OpenDocument files are zip archives; their first entries tell which kind."""
    if not data.startswith(_ZIP):
        return None
    head = data[:4096]
    # OpenDocument stores an uncompressed 'mimetype' entry first (offset 30 + name).
    if head[30:38] == b"mimetype":
        for kind in (ODT, ODS):
            if head[38 : 38 + len(kind)] == kind.encode():
                return kind
        return None
    # OOXML: the part names appear in the local headers near the start (or in the central
    # directory at the end of the archive).
    names = head + data[-65536:]
    for marker, kind in ((b"word/", DOCX), (b"xl/", XLSX), (b"ppt/", PPTX)):
        if marker in names and b"[Content_Types].xml" in names:
            return kind
    return None


def sniff(data: bytes) -> str | None:
    """The allowed type the bytes really are, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    office = _office_type(data)
    if office is not None:
        return office
    if _is_text(data):
        return TEXT
    return None


# Characters that reorder how the rest of a name is shown (embeddings, overrides, isolates and
# marks): "lasku\u202etxt.bat" shows as "laskutab.txt". A file name has no use for them.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def safe_filename(name: str) -> str:
    """The name to keep: no path, no control or bidi characters, no quotes, at most
    FILENAME_MAX."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c not in BIDI_CONTROLS)
    name = re.sub(r"[\x00-\x1f\x7f-\x9f\"<>|:*?;]", "_", name).strip().lstrip(".")
    if len(name) > FILENAME_MAX:
        stem, dot, ext = name.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        name = (stem if keep else name)[: FILENAME_MAX - len(keep) - 1] + (
            "." + keep if keep else ""
        )
    return name or "attachment"


def check_attachment(
    *, filename: str, declared_type: str, data: bytes, max_bytes: int, allowed: frozenset[str]
) -> CheckedAttachment:
    """Accept the file or say why not (413 too large, 415 type not allowed, 422 otherwise)."""
    if len(data) > max_bytes:
        raise AttachmentRejected(413, f"The file is larger than {max_bytes} bytes.")
    if not data:
        raise AttachmentRejected(422, "The file is empty.")
    declared = declared_type.split(";", 1)[0].strip().lower()
    actual = sniff(data)
    # Plain text declared as CSV is CSV: both are UTF-8 text without NULs.
    if actual == TEXT and declared == CSV:
        actual = CSV
    if actual is None or actual not in allowed:
        raise AttachmentRejected(
            415, f"Files of this type cannot be attached; allowed: {', '.join(sorted(allowed))}."
        )
    if declared not in UNKNOWN_DECLARED and declared != actual:
        raise AttachmentRejected(
            415, f"The file says it is {declared} but its content is {actual}."
        )
    return CheckedAttachment(filename=safe_filename(filename), content_type=actual, size=len(data))
