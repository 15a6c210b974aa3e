"""Personal data: the access log where officials see whose barrier it is or who works at a firm,
the export of a person's own data, and retention that destroys personal data of long-closed
barriers while the audit chain still verifies."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import MembershipFactory
from barriers import services
from barriers.audit import verify_chains
from barriers.models import Attachment, Barrier, BarrierEvent, InternalNote
from barriers.tests.factories import BODY
from privacy.models import AccessKind, PersonalDataAccess, RetentionRecord
from privacy.services import apply_retention, record_access

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def submitted(firm, firm_member):
    return services.file_barrier(
        actor=firm_member, firm=firm, title="로봇 보도 통행", body=BODY, sector_codes=["robots"], submit=True
    )


# -- access log ----------------------------------------------------------------------------------


def test_an_official_viewing_a_barrier_page_is_logged(submitted, city_official, firm_member):
    assert _client(city_official).get(f"/barriers/{submitted.pk}/").status_code == 200
    entry = PersonalDataAccess.objects.get()
    assert entry.viewer == city_official and entry.viewer_label == city_official.email
    assert entry.what == AccessKind.FILER_IDENTITY
    assert entry.subject_firm == submitted.firm and entry.subject_user == firm_member
    assert entry.barrier_id == submitted.pk and entry.via == f"/barriers/{submitted.pk}/"
    assert entry.ip_address == "127.0.0.1"


def test_the_filer_viewing_their_own_barrier_is_not_logged(submitted, firm_member):
    assert _client(firm_member).get(f"/barriers/{submitted.pk}/").status_code == 200
    assert _client(firm_member).get(f"/api/barriers/{submitted.pk}").status_code == 200
    assert not PersonalDataAccess.objects.exists()


def test_an_api_read_of_a_sealed_identity_is_logged_as_sealed(firm, firm_member, city_official):
    barrier = services.file_barrier(
        actor=firm_member, firm=firm, title="비공개", body=BODY, sector_codes=["ai"], submit=True, seal_from_agency=True
    )
    assert _client(city_official).get(f"/api/barriers/{barrier.pk}").status_code == 200
    entry = PersonalDataAccess.objects.get()
    assert entry.what == AccessKind.SEALED_IDENTITY and entry.via == f"/api/barriers/{barrier.pk}"


def test_an_agency_the_identity_is_sealed_from_is_not_logged_it_saw_nothing(
    firm, firm_member, city_official, agency, agency_official
):
    barrier = services.file_barrier(
        actor=firm_member, firm=firm, title="비공개", body=BODY, sector_codes=["ai"], submit=True, seal_from_agency=True
    )
    services.triage_barrier(barrier_id=barrier.pk, actor=city_official, kind="proposal", lead_agency=agency)
    services.forward_to_agency(barrier_id=barrier.pk, actor=city_official)
    response = _client(agency_official).get(f"/barriers/{barrier.pk}/")
    assert response.status_code == 200
    assert firm.name not in response.content.decode()
    assert not PersonalDataAccess.objects.filter(viewer=agency_official).exists()


def test_an_official_viewing_a_firms_people_is_logged(firm, city_official):
    assert _client(city_official).get(f"/firms/{firm.pk}/").status_code == 200
    entry = PersonalDataAccess.objects.get()
    assert (entry.what, entry.subject_firm) == (AccessKind.FIRM_CONTACTS, firm)


# -- export --------------------------------------------------------------------------------------


def test_a_person_downloads_their_own_data(submitted, firm_member, firm):
    client = _client(firm_member)
    page = client.get("/privacy/my-data/")
    assert page.status_code == 200 and "/privacy/my-data/export.json" in page.content.decode()
    response = client.get("/privacy/my-data/export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    data = json.loads(response.content)
    assert data["account"]["email"] == firm_member.email
    assert [m["firm"] for m in data["memberships"]] == [firm.name]
    [filed] = data["barriers_filed"]
    assert filed["id"] == submitted.pk and filed["body"] == BODY
    assert [e["verb"] for e in filed["events"]] == ["file", "submit"]
    assert PersonalDataAccess.objects.get().what == AccessKind.DATA_EXPORT


def test_the_export_holds_nobody_elses_barriers(submitted, firm):
    colleague = MembershipFactory(role=Role.FIRM_MEMBER, firm=firm).user
    data = json.loads(_client(colleague).get("/privacy/my-data/export.json").content)
    assert data["barriers_filed"] == [] and data["events_elsewhere"] == []


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get("/privacy/my-data/export.json")
    assert response.status_code == 302 and "/accounts/" in response["Location"]


# -- retention -----------------------------------------------------------------------------------


@pytest.fixture
def long_closed(firm, firm_member, city_official, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    barrier = services.file_barrier(
        actor=firm_member,
        firm=firm,
        title="배송 로봇 문의",
        body=BODY + " 담당자 김철수 대표 010-1234-5678로 연락 주세요.",
        sector_codes=["robots"],
        submit=True,
    )
    services.add_attachment(barrier_id=barrier.pk, actor=firm_member, name="scan.png", data=PNG)
    services.add_internal_note(barrier_id=barrier.pk, actor=city_official, body="대표 휴대폰 010-9876-5432")
    services.withdraw_barrier(barrier_id=barrier.pk, actor=firm_member, reason="담당자 홍길동 퇴사로 취하합니다")
    Barrier.objects.filter(pk=barrier.pk).update(closed_at=timezone.now() - dt.timedelta(days=4 * 365))
    return Barrier.objects.get(pk=barrier.pk)


def test_dry_run_reports_and_changes_nothing(long_closed, tmp_path, capsys):
    call_command("apply_retention", "--dry-run")
    out = capsys.readouterr().out
    assert f"barrier #{long_closed.pk}" in out and "would destroy: 1 barriers, 1 attachments, 1 internal notes" in out
    assert Attachment.objects.count() == 1 and InternalNote.objects.count() == 1
    assert not RetentionRecord.objects.exists()
    assert Barrier.objects.get(pk=long_closed.pk).body == long_closed.body


def test_retention_destroys_personal_data_and_the_audit_chain_still_verifies(long_closed, tmp_path, capsys):
    stored = Path(tmp_path) / Attachment.objects.get().file.name
    assert stored.exists()
    call_command("apply_retention")
    out = capsys.readouterr().out
    assert "destroyed: 1 barriers, 1 attachments, 1 internal notes, 1 event notes, 1 texts masked" in out
    barrier = Barrier.objects.get(pk=long_closed.pk)
    assert "010-1234-5678" not in barrier.body and "김철수" not in barrier.body
    assert "보도" in barrier.body  # the substance of the barrier stays
    assert not Attachment.objects.exists() and not InternalNote.objects.exists()
    withdraw = BarrierEvent.objects.get(barrier=barrier, verb="withdraw")
    assert withdraw.note == "" and withdraw.redacted_at is not None
    record = RetentionRecord.objects.get(barrier=barrier)
    assert record.summary["attachments"] == 1
    result = verify_chains()
    assert result.broken == [] and result.redacted == 1
    call_command("verify_audit")
    # A second run finds nothing left to destroy.
    assert apply_retention().barriers == []


def test_the_file_goes_when_the_deletion_commits(long_closed, tmp_path, django_capture_on_commit_callbacks):
    stored = Path(tmp_path) / Attachment.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        apply_retention()
    assert not stored.exists()


def test_recently_closed_and_open_barriers_are_kept(long_closed, submitted):
    Barrier.objects.filter(pk=long_closed.pk).update(closed_at=timezone.now() - dt.timedelta(days=30))
    assert apply_retention().barriers == []
    assert apply_retention(days=10).barriers[0]["barrier_id"] == long_closed.pk


def test_the_access_log_is_kept_two_years(city_official, firm):
    old = record_access(viewer=city_official, what=AccessKind.FIRM_CONTACTS, subject_firm=firm, via="/x")
    recent = record_access(viewer=city_official, what=AccessKind.FIRM_CONTACTS, subject_firm=firm, via="/y")
    PersonalDataAccess.objects.filter(pk=old.pk).update(accessed_at=timezone.now() - dt.timedelta(days=731))
    PersonalDataAccess.objects.filter(pk=recent.pk).update(accessed_at=timezone.now() - dt.timedelta(days=729))
    report = apply_retention()
    assert report.access_log_deleted == 1
    assert list(PersonalDataAccess.objects.values_list("pk", flat=True)) == [recent.pk]


def test_a_negative_period_is_refused():
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("apply_retention", "--days", "-1")
