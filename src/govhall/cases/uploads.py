"""Uploaded materials: size limit and content type sniffed from the bytes, never from the name.

Accepted: PDF, JPEG, PNG, OFD (the Chinese fixed-layout format, a ZIP with ``OFD.xml`` at its root)
and DOCX (a ZIP with ``[Content_Types].xml`` and ``word/document.xml``). Anything else — an
executable renamed ``.pdf``, a ZIP of something else, HTML — is refused.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings

from govhall.core.errors import DomainError

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
OFD = "application/ofd"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ALLOWED_TYPES = frozenset({PDF, JPEG, PNG, OFD, DOCX})
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", OFD: ".ofd", DOCX: ".docx"}

_ZIP_MAGIC = b"PK\x03\x04"
_SNIFF_BYTES = 2048


def max_upload_bytes() -> int:
    return int(getattr(settings, "GOVHALL_CASE_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


def _zip_kind(stream: IO[bytes]) -> str | None:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        stream.seek(0)
    if "OFD.xml" in names:
        return OFD
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return DOCX
    return None


def sniff(stream: IO[bytes]) -> str | None:
    """The content type of ``stream`` judged from its bytes, or None when it is not an accepted kind."""
    stream.seek(0)
    head = stream.read(_SNIFF_BYTES)
    stream.seek(0)
    # PDF readers accept the header anywhere in the first kilobyte; so do we, but no later.
    if b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(stream)
    return None


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str


def check_upload(stream: IO[bytes], *, size: int | None = None) -> CheckedUpload:
    """Refuse oversized or unrecognised files; the sniffed type, size and digest of an accepted one."""
    limit = max_upload_bytes()
    if size is None:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        stream.seek(0)
    if size <= 0:
        raise DomainError(
            "empty_file", "文件为空", "the file is empty", status=422, details={"field": "file"}
        )
    if size > limit:
        raise DomainError(
            "file_too_large",
            f"文件超过 {limit // (1024 * 1024)} MB 上限",
            f"the file exceeds the {limit // (1024 * 1024)} MB limit",
            status=413,
            details={"field": "file", "limit_bytes": limit},
        )
    content_type = sniff(stream)
    if content_type is None:
        raise DomainError(
            "unsupported_file_type",
            "仅接受 PDF、JPEG、PNG、OFD、DOCX 文件",
            "only PDF, JPEG, PNG, OFD and DOCX files are accepted",
            status=415,
            details={"field": "file"},
        )
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(64 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return CheckedUpload(content_type=content_type, size=size, sha256=digest.hexdigest())
