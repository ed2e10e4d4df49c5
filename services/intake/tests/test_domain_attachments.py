"""Attachments: recognised by content, limited in size, never something a browser would run."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from intake_testkit import docx_bytes

from ideapaja_intake.domain.attachments import (
    BIDI_CONTROLS,
    DOCX,
    FILENAME_MAX,
    JPEG,
    KNOWN_TYPES,
    ODT,
    PDF,
    PNG,
    TEXT,
    AttachmentRejected,
    check_attachment,
    safe_filename,
    sniff,
)

ALLOWED = frozenset(KNOWN_TYPES)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODT, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def check(data: bytes, declared: str = "", name: str = "liite.bin", max_bytes: int = 1000):
    return check_attachment(
        filename=name, declared_type=declared, data=data, max_bytes=max_bytes, allowed=ALLOWED
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG_BYTES, PNG),
        (PDF_BYTES, PDF),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", JPEG),
        ("Hei, tässä muistiinpanot.\n".encode(), TEXT),
    ],
)
def test_types_are_recognised_by_their_content(data: bytes, expected: str) -> None:
    assert sniff(data) == expected
    assert check(data).content_type == expected


def test_office_documents_are_told_apart() -> None:
    assert sniff(docx_bytes()) == DOCX
    assert sniff(odt_bytes()) == ODT
    assert check(docx_bytes(), DOCX, max_bytes=100_000).content_type == DOCX


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows executable
        b"\x7fELF\x02\x01\x01",  # a Linux executable
        b"PK\x03\x04\x14\x00random zip",  # a zip that is no office document
        b"text with a \x00 NUL byte",
        b"\xff\xfe\x00\x00not utf-8",
    ],
)
def test_other_content_is_415(data: bytes) -> None:
    with pytest.raises(AttachmentRejected) as caught:
        check(data)
    assert caught.value.status == 415


def test_a_lying_content_type_is_415() -> None:
    with pytest.raises(AttachmentRejected) as caught:
        check(b"<svg onload=alert(1)>", "image/png")
    assert caught.value.status == 415
    with pytest.raises(AttachmentRejected):
        check(PNG_BYTES, "application/pdf")


def test_html_and_svg_are_never_allowed_even_as_text() -> None:
    # They are UTF-8 text, so they are stored as text/plain at most, never as HTML or SVG.
    for declared in ("text/html", "image/svg+xml"):
        with pytest.raises(AttachmentRejected):
            check(b"<html><script>alert(1)</script></html>", declared)
    assert check(b"<html></html>", "text/plain").content_type == TEXT


def test_size_limit_and_empty_files() -> None:
    assert check(b"x" * 1000).size == 1000
    with pytest.raises(AttachmentRejected) as too_big:
        check(b"x" * 1001)
    assert too_big.value.status == 413
    with pytest.raises(AttachmentRejected) as empty:
        check(b"")
    assert empty.value.status == 422


def test_the_allow_list_is_configurable() -> None:
    with pytest.raises(AttachmentRejected) as caught:
        check_attachment(
            filename="a.pdf", declared_type=PDF, data=PDF_BYTES, max_bytes=100,
            allowed=frozenset({PNG}),
        )  # fmt: skip
    assert caught.value.status == 415


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\aino\\muistio.txt", "muistio.txt"),
        ('kuva"<script>.png', "kuva__script_.png"),
        (".htaccess", "htaccess"),
        ("", "attachment"),
        # A right-to-left override would show "lasku\u202etxt.bat" as "laskutab.txt".
        ("lasku\u202etxt.bat", "laskutxt.bat"),
        ("\u2067kuva\u2069\u200f.png\u200e", "kuva.png"),
        ("lasku\x85\x9b.pdf", "lasku__.pdf"),
    ],
)
def test_filenames_are_made_safe(raw: str, kept: str) -> None:
    assert safe_filename(raw) == kept


@given(st.text(max_size=500))
def test_any_filename_becomes_a_short_plain_name(raw: str) -> None:
    name = safe_filename(raw)
    assert 0 < len(name) <= FILENAME_MAX
    assert not set(name) & set('/\\"<>|:*?;')
    assert not any(ord(c) < 32 or 127 <= ord(c) <= 159 for c in name)
    assert not set(name) & BIDI_CONTROLS
    assert not name.startswith(".")


@given(st.binary(max_size=200))
def test_anything_accepted_is_allowed_and_within_the_limit(data: bytes) -> None:
    try:
        checked = check(data, max_bytes=150)
    except AttachmentRejected as rejected:
        assert rejected.status in (413, 415, 422)
    else:
        assert checked.content_type in ALLOWED and 0 < checked.size <= 150
