"""Content sniffing and safe names; the visibility queryset agrees with the permission rule;
the daily digest."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core import mail
from django.core.management import call_command

from accounts.models import Role
from accounts.permissions import can
from accounts.tests.factories import MembershipFactory
from barriers import files, selectors
from barriers.models import BarrierStatus
from barriers.tests.factories import barrier_in
from core.errors import ValidationFailed
from firms.models import AssociationMembership


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
XLSM = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>", "xl/vbaProject.bin": b"x"})
HWPX = zipped({"mimetype": b"application/hwp+zip", "Contents/section0.xml": b"<s/>"})
HWP = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + b"HWP Document File" + b"\x00" * 100
OLD_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("a.docx", DOCX, "docx"),
        ("a.xlsx", XLSX, "xlsx"),
        ("a.hwpx", HWPX, "hwpx"),
        ("a.hwp", HWP, "hwp"),
        ("사진.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "jpg"),
    ],
)
def test_allowed_types_are_recognised_by_content(name, data, code):
    file_type, shown = files.check_upload(name=name, data=data)
    assert file_type.code == code and shown.endswith("." + ("jpg" if code == "jpg" else code))


@pytest.mark.parametrize(
    ("_case", "name", "data"),
    [
        ("macro workbook", "a.xlsx", XLSM),
        ("old word file", "a.hwp", OLD_DOC),
        ("csv renamed", "a.xlsx", b'=HYPERLINK("http://x")'),
        ("docx renamed hwpx", "a.hwpx", DOCX),
        ("plain zip", "a.docx", zipped({"x.txt": b"x"})),
    ],
)
def test_forged_types_are_refused(_case, name, data):
    with pytest.raises(ValidationFailed):
        files.check_upload(name=name, data=data)


def test_zip_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(files, "MAX_ZIP_UNCOMPRESSED", 1000)
    bomb = zipped({"[Content_Types].xml": b"<T/>", "word/document.xml": b"0" * 10_000})
    with pytest.raises(ValidationFailed):
        files.check_upload(name="a.docx", data=bomb)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../settings.pdf", "settings.pdf"),
        ("..\\..\\x.pdf", "x.pdf"),
        ("/etc/passwd.pdf", "passwd.pdf"),
        ("C:\\x.pdf", "x.pdf"),
        ("CON.pdf", "_CON.pdf"),
        (".htaccess.pdf", "htaccess.pdf"),
        ('a"b;c\r\nd.pdf', "a_b_c_d.pdf"),
        ("\u1112\u1161\u11ab.pdf", "한.pdf"),
        ("보고서\u202e.pdf", "보고서.pdf"),
        ("가" * 200 + ".pdf", "가" * 76 + ".pdf"),
        (" . .pdf", "첨부파일.pdf"),
    ],
)
def test_display_names_are_safe(raw, expected):
    assert files.display_name(raw, file_type=files.TYPES["pdf"]) == expected


@pytest.mark.django_db
def test_visibility_queryset_matches_the_view_rule(
    firm,
    other_firm,
    agency,
    other_agency,
    association,
    firm_member,
    other_firm_member,
    association_staff,
    city_official,
    agency_official,
    admin_user,
    outsider,
):
    AssociationMembership.objects.create(firm=firm, association=association)
    other_agency_official = MembershipFactory(role=Role.AGENCY_OFFICIAL, agency=other_agency).user
    barriers = []
    for status in BarrierStatus.values:
        barriers.append(barrier_in(status, firm=firm, agency=agency))
        barriers.append(barrier_in(status, firm=other_firm, agency=other_agency))
    cooperating = barrier_in("forwarded", firm=other_firm, agency=other_agency)
    cooperating.cooperating_agencies.add(agency)
    barriers.append(cooperating)
    people = [
        firm_member,
        other_firm_member,
        association_staff,
        city_official,
        agency_official,
        other_agency_official,
        admin_user,
        outsider,
    ]
    for person in people:
        visible = set(selectors.barriers_for_user(person).values_list("pk", flat=True))
        allowed = {b.pk for b in barriers if can(person, "barrier.view", b)}
        assert visible == allowed, person
    assert cooperating.pk in set(selectors.barriers_for_user(agency_official).values_list("pk", flat=True))
    assert not set(selectors.barriers_for_user(outsider))


@pytest.mark.django_db
def test_daily_digest_mails_officials_their_overdue_items(firm, agency, agency_official, city_official):
    late = barrier_in("forwarded", firm=firm, agency=agency, due_in_days=-3)
    barrier_in("forwarded", firm=firm, agency=agency, due_in_days=30)
    mail.outbox.clear()
    call_command("barrier_digest", "--now")
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {agency_official.email, city_official.email}
    assert f"#{late.pk}" in by_person[agency_official.email].body
    assert "기한 경과" in by_person[agency_official.email].body


@pytest.mark.django_db
def test_overdue_barriers_selector(firm, agency):
    late = barrier_in("forwarded", firm=firm, agency=agency, due_in_days=-3)
    barrier_in("forwarded", firm=firm, agency=agency, due_in_days=3)
    barrier_in("closed", firm=firm, agency=agency, due_at=late.due_at)
    assert list(selectors.overdue_barriers()) == [late]


def jpeg(*segments: bytes) -> bytes:
    body = b"".join(segments)
    return b"\xff\xd8" + body + b"\xff\xda\x00\x08" + b"\x01\x01\x00\x00\x3f\x00" + b"\x12\x34" + b"\xff\xd9"


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def test_jpeg_exif_and_gps_are_stripped():
    exif = segment(0xE1, b"Exif\x00\x00GPS 37.5665N 126.9780E")
    jfif = segment(0xE0, b"JFIF\x00\x01\x01")
    quant = segment(0xDB, b"\x00" + b"\x01" * 64)
    cleaned = files.strip_jpeg_metadata(jpeg(jfif, exif, quant))
    assert b"GPS" not in cleaned and b"Exif" not in cleaned
    assert b"JFIF" in cleaned and cleaned.endswith(b"\xff\xd9")


def test_truncated_jpeg_is_refused():
    with pytest.raises(ValueError):
        files.strip_jpeg_metadata(b"\xff\xd8\xff\xe1\xff\xff")


@pytest.mark.django_db
def test_uploaded_jpeg_is_stored_without_exif(submitted, firm_member, tmp_path, settings):
    from barriers import services

    settings.MEDIA_ROOT = tmp_path
    photo = jpeg(segment(0xE1, b"Exif\x00\x00GPS 37.5665N"))
    attachment = services.add_attachment(barrier_id=submitted.pk, actor=firm_member, name="현장.jpeg", data=photo)
    with attachment.file.open("rb") as handle:
        assert b"GPS" not in handle.read()
    assert attachment.original_name == "현장.jpg"
