"""Attachment checks: the type is decided by the content, never by the name; names are made safe.

Allowed: PDF, HWP (OLE2 with the HWP signature), HWPX, DOCX, XLSX (macro-free), PNG, JPEG.
ZIP-based formats are inspected without extracting: entry count and total uncompressed size are
bounded (zip bombs), and macro parts are refused.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PureWindowsPath

from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from core.text import normalize_text

MAX_BYTES = 20 * 1024 * 1024
MAX_FILES_PER_BARRIER = 10
MAX_ZIP_ENTRIES = 5_000
MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
MAX_NAME_CHARS = 80


@dataclass(frozen=True)
class FileType:
    code: str
    content_type: str
    extensions: frozenset[str]


TYPES: dict[str, FileType] = {
    t.code: t
    for t in (
        FileType("pdf", "application/pdf", frozenset({"pdf"})),
        FileType("hwp", "application/x-hwp", frozenset({"hwp"})),
        FileType("hwpx", "application/hwp+zip", frozenset({"hwpx"})),
        FileType(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            frozenset({"docx"}),
        ),
        FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", frozenset({"xlsx"})),
        FileType("png", "image/png", frozenset({"png"})),
        FileType("jpg", "image/jpeg", frozenset({"jpg", "jpeg"})),
    )
}

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"


def _zip_type(data: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_ZIP_UNCOMPRESSED:
        raise ValidationFailed(_("압축 구조가 비정상적인 파일은 첨부할 수 없습니다."), field="file")
    names = {i.filename for i in infos}
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ValidationFailed(_("매크로가 포함된 문서는 첨부할 수 없습니다."), field="file")
    if "mimetype" in names:
        try:
            mimetype = archive.read("mimetype")[:64]
        except (KeyError, zipfile.BadZipFile, OSError, ValueError, RuntimeError):
            return None
        if mimetype.strip() == b"application/hwp+zip":
            return "hwpx"
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


def sniff(data: bytes) -> FileType | None:
    """The allowed type ``data`` really is, or None."""
    if data.startswith(b"%PDF-"):
        return TYPES["pdf"]
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return TYPES["png"]
    if data.startswith(b"\xff\xd8\xff"):
        return TYPES["jpg"]
    if data.startswith(_OLE):
        # HWP 5.0 keeps "HWP Document File" in its FileHeader stream; other OLE files (old .doc,
        # .xls with macros) are not accepted.
        return TYPES["hwp"] if b"HWP Document File" in data[: 4 * 1024 * 1024] else None
    if data.startswith(_ZIP):
        code = _zip_type(data)
        return TYPES[code] if code else None
    return None


_UNSAFE_CHARS = re.compile(r'[<>:"/\\|?*;\x00-\x1f\x7f]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)


def display_name(raw: str, *, file_type: FileType) -> str:
    """A safe name to show and to put in Content-Disposition: no path, no controls or bidi
    characters, no reserved names, the real type's extension, at most 80 characters."""
    name = normalize_text(raw or "")
    name = PureWindowsPath(name.replace("/", "\\")).name  # drop any directory part, / or \
    name = unicodedata.normalize("NFC", name)
    stem, _dot, _ext = name.rpartition(".")
    stem = stem if _dot else name
    stem = _UNSAFE_CHARS.sub("_", stem).strip(" .")
    stem = stem.lstrip(".") or _("첨부파일")
    if _WINDOWS_RESERVED.match(stem):
        stem = f"_{stem}"
    ext = sorted(file_type.extensions)[0] if file_type.code != "jpg" else "jpg"
    return f"{stem[: MAX_NAME_CHARS - len(ext) - 1]}.{ext}"


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG without its APP1 (EXIF, XMP: GPS position, camera serial) and APP13 segments."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ValueError("bad marker")
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the compressed image follows, copy the rest as is
            out += data[pos:]
            return bytes(out)
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2 or pos + 2 + length > len(data):
            raise ValueError("bad segment length")
        if marker not in (0xE1, 0xED):
            out += data[pos : pos + 2 + length]
        pos += 2 + length
    raise ValueError("no image data")


def check_upload(*, name: str, data: bytes) -> tuple[FileType, str]:
    """The sniffed type and the safe display name, or a 400 in Korean."""
    if not data:
        raise ValidationFailed(_("빈 파일은 첨부할 수 없습니다."), field="file")
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            _("파일은 %(mb)sMB 이하만 첨부할 수 있습니다.") % {"mb": MAX_BYTES // (1024 * 1024)}, field="file"
        )
    file_type = sniff(data)
    if file_type is None:
        raise ValidationFailed(
            _("PDF, 한글(HWP·HWPX), 워드(DOCX), 엑셀(XLSX), PNG, JPEG 파일만 첨부할 수 있습니다."), field="file"
        )
    cleaned = normalize_text(name or "")
    claimed = cleaned.rpartition(".")[2].lower() if "." in cleaned else ""
    if claimed not in file_type.extensions:
        raise ValidationFailed(_("파일 내용이 확장자와 다릅니다. 원래 형식의 확장자로 첨부하세요."), field="file")
    return file_type, display_name(cleaned, file_type=file_type)


def sweep_orphan_files(*, older_than_seconds: int = 3600, dry_run: bool = False) -> list[str]:
    """Delete stored attachment files no ``Attachment`` row points at (written in a transaction
    that later rolled back). Only files older than ``older_than_seconds`` are touched, so a
    transaction still running keeps its file. Returns the names deleted (or that would be)."""
    import datetime as dt

    from django.core.files.storage import default_storage
    from django.utils import timezone

    from barriers.models import Attachment

    try:
        _dirs, names = default_storage.listdir("barriers")
    except (FileNotFoundError, NotImplementedError):
        return []
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    known = set(Attachment.objects.filter(file__startswith="barriers/").values_list("file", flat=True))
    removed = []
    for name in sorted(names):
        path = f"barriers/{name}"
        if path in known or default_storage.get_modified_time(path) > cutoff:
            continue
        if not dry_run:
            default_storage.delete(path)
        removed.append(path)
    return removed
