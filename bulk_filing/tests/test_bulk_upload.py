"""Bulk filing: template, row-by-row check, all-or-nothing import, hostile files, permissions."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import MembershipFactory
from barriers.audit import verify_chains
from barriers.models import Barrier, BarrierClock, BarrierEvent, BarrierStatus, ClockStep, Privacy, RequestKind
from bulk_filing import services
from bulk_filing.columns import TEMPLATE_HEADER
from bulk_filing.models import BulkUpload, UploadStatus
from bulk_filing.tests.conftest import BODY, csv_file, row
from core.errors import Conflict, NotPermitted, ValidationFailed
from firms.tests.factories import AssociationFactory
from programs.tests import xlsx

pytestmark = pytest.mark.django_db


def upload(run_tasks, actor, data, name="rows.csv", **kwargs):
    created = run_tasks(services.start_upload, actor=actor, file_name=name, data=data, **kwargs)
    return BulkUpload.objects.get(pk=created.pk)


# -- template ------------------------------------------------------------------------------------


def test_template_csv_round_trip(client, association_staff, member_firms, run_tasks):
    client.force_login(association_staff)
    response = client.get(reverse("bulk_filing:template_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    template = response.content
    assert template.startswith(b"\xef\xbb\xbf")
    assert template.decode("utf-8-sig").strip() == ",".join(TEMPLATE_HEADER)
    filled = template + csv_file([row(member_firms[0].brn_display)], header=[]).split(b"\r\n", 1)[1]
    done = upload(run_tasks, association_staff, filled)
    assert done.status == UploadStatus.DONE and done.created_count == 1
    barrier = Barrier.objects.get()
    assert barrier.status == BarrierStatus.SUBMITTED and barrier.firm == member_firms[0]
    assert barrier.filed_via_association_id == done.association_id


def test_template_xlsx_round_trip(client, association_staff, member_firms, run_tasks):
    import openpyxl

    client.force_login(association_staff)
    response = client.get(reverse("bulk_filing:template_xlsx"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == TEMPLATE_HEADER
    assert book.worksheets[1].title == "작성 안내"
    sheet.append(
        row(
            member_firms[1].business_registration_number,
            title="원격 모니터링 규제",
            sectors="로봇, AI",
            kind="질의(법령)",
            statutes="정보통신망법 제2조",
            desired="실증 특례 인정",
            cost="30,000,000",
            delay="6개월",
            privacy="비공개",
            seal="예",
        )
    )
    buffer = io.BytesIO()
    book.save(buffer)
    done = upload(run_tasks, association_staff, buffer.getvalue(), name="filled.xlsx")
    assert done.status == UploadStatus.DONE, (done.message, done.errors)
    barrier = Barrier.objects.get()
    assert barrier.title == "원격 모니터링 규제" and barrier.kind == RequestKind.QUESTION_LAW
    assert sorted(barrier.sectors.values_list("code", flat=True)) == ["ai", "robots"]
    assert (barrier.harm_cost_won, barrier.harm_delay_months) == (30_000_000, 6)
    assert barrier.privacy == Privacy.PRIVATE and barrier.seal_from_agency
    assert barrier.statutes_named == "정보통신망법 제2조" and barrier.desired_change == "실증 특례 인정"


# -- what the import writes ----------------------------------------------------------------------


def test_import_submits_with_chained_audit_events_and_triage_clock(association_staff, member_firms, run_tasks):
    rows = [row(f.brn_display, title=f"제목 {i}") for i, f in enumerate(member_firms)]
    done = upload(run_tasks, association_staff, csv_file(rows))
    ids = [pk for _row, pk in done.created]
    assert [r for r, _pk in done.created] == [2, 3, 4]
    assert Barrier.objects.filter(pk__in=ids, status=BarrierStatus.SUBMITTED, version=2).count() == 3
    events = BarrierEvent.objects.filter(barrier_id=ids[0]).order_by("seq")
    assert [(e.verb, e.from_status, e.to_status) for e in events] == [
        ("file", "draft", "draft"),
        ("submit", "draft", "submitted"),
    ]
    assert events[1].data["bulk_upload"] == done.pk
    assert verify_chains(barrier_ids=ids).broken == []
    clock = BarrierClock.objects.get(barrier_id=ids[0])
    barrier = Barrier.objects.get(pk=ids[0])
    assert clock.step == ClockStep.TRIAGE and clock.stopped_at is None and barrier.due_at == clock.due_at
    assert barrier.due_step == ClockStep.TRIAGE and barrier.submitted_at is not None
    assert done.summary["firms"] == 3 and done.summary["sectors"] == {"로봇": 3}
    assert done.data == b"" or bytes(done.data) == b""  # the stored file is dropped when finished


def test_city_official_files_for_any_firm(city_official, outside_firm, run_tasks):
    done = upload(run_tasks, city_official, csv_file([row(outside_firm.brn_display)]))
    assert done.status == UploadStatus.DONE and done.association is None
    assert Barrier.objects.get().filed_by == city_official


def test_city_is_told_once_per_upload(association_staff, city_official, member_firms, run_tasks, mailoutbox):
    upload(run_tasks, association_staff, csv_file([row(f.brn_display, title=f"t{f.pk}") for f in member_firms]))
    subjects = [m.subject for m in mailoutbox if city_official.email in m.to]
    assert len(subjects) == 1 and "일괄 접수 3건" in subjects[0]


# -- row-by-row errors ---------------------------------------------------------------------------


def test_each_bad_row_is_reported_with_row_column_and_reason(association_staff, member_firms, run_tasks):
    brn = member_firms[0].brn_display
    rows = [
        row(brn),  # row 2: fine
        row("123-45-67892", title=""),  # row 3: bad check digit, empty title
        row(brn, body="짧음", sectors="우주"),  # row 4
        row(brn, title="비용", cost="삼천만원", delay="-3", privacy="전체공개", seal="글쎄", kind="민원"),  # row 5
    ]
    done = upload(run_tasks, association_staff, csv_file(rows))
    assert done.status == UploadStatus.REJECTED and done.created_count == 0
    assert Barrier.objects.count() == 0
    found = {(e["row"], e["column"]) for e in done.errors}
    assert found == {
        (3, "사업자등록번호"),
        (3, "제목"),
        (4, "내용"),
        (4, "분야"),
        (5, "추정비용(원)"),
        (5, "사업지연(개월)"),
        (5, "공개범위"),
        (5, "소관기관에기업정보비공개"),
        (5, "민원종류"),
    }
    messages = {(e["row"], e["column"]): e["message"] for e in done.errors}
    assert "검증 숫자" in messages[(3, "사업자등록번호")]
    assert "20자 이상" in messages[(4, "내용")] and "'우주'" in messages[(4, "분야")]
    assert "숫자" in messages[(5, "추정비용(원)")]
    assert "3개 행에 오류가 9건" in done.message


def test_unknown_firm_and_non_member_firm_are_refused(association_staff, member_firms, outside_firm, run_tasks):
    from firms.tests.factories import brn_for

    unregistered = brn_for(99_999)
    done = upload(run_tasks, association_staff, csv_file([row(outside_firm.brn_display), row(unregistered)]))
    messages = {e["row"]: e["message"] for e in done.errors}
    assert "권한이 없습니다" in messages[2] and "등록되지 않은 기업" in messages[3]
    assert Barrier.objects.count() == 0


def test_same_row_twice_in_one_file_is_refused(association_staff, member_firms, run_tasks):
    same = row(member_firms[0].brn_display)
    done = upload(run_tasks, association_staff, csv_file([same, same]))
    assert done.errors == [
        {"row": 3, "column": "내용", "message": "2행과 같은 기업·제목·내용입니다 (한 번만 접수하세요)."}
    ]


def test_missing_required_column_refuses_the_file(association_staff, member_firms, run_tasks):
    done = upload(run_tasks, association_staff, "제목,내용\n가,나\n".encode())
    assert done.status == UploadStatus.REJECTED
    assert "필수 열이 없습니다" in done.message and "사업자등록번호" in done.message


def test_header_only_file_is_refused(association_staff, member_firms, run_tasks):
    done = upload(run_tasks, association_staff, csv_file([]))
    assert done.status == UploadStatus.REJECTED and "행이 없습니다" in done.message


@pytest.mark.slow
def test_bad_row_9999_of_10000_leaves_the_database_unchanged(association_staff, member_firms, run_tasks):
    brns = [f.brn_display for f in member_firms]
    rows = [row(brns[i % 3], title=f"애로 {i}") for i in range(10_000)]
    rows[9_997] = row(brns[0], title="애로 9997", sectors="")  # sheet row 9,999 (the header is row 1)
    before = (Barrier.objects.count(), BarrierEvent.objects.count(), BarrierClock.objects.count())
    done = upload(run_tasks, association_staff, csv_file(rows))
    assert done.status == UploadStatus.REJECTED and done.total_rows == 10_000 and done.checked_rows == 10_000
    assert done.errors == [{"row": 9_999, "column": "분야", "message": "분야를 하나 이상 적어 주세요."}]
    assert (Barrier.objects.count(), BarrierEvent.objects.count(), BarrierClock.objects.count()) == before


# -- encodings, formulas, hostile and oversized files --------------------------------------------


@pytest.mark.parametrize("encoding", ["cp949", "euc-kr", "utf-8", "utf-8-sig"])
def test_korean_excel_encodings_are_converted_not_garbled(association_staff, member_firms, run_tasks, encoding):
    data = csv_file([row(member_firms[0].brn_display, title="핀테크 소상공인 결제 규제")], encoding=encoding)
    done = upload(run_tasks, association_staff, data)
    assert done.status == UploadStatus.DONE
    assert Barrier.objects.get().title == "핀테크 소상공인 결제 규제"


def test_undecodable_file_is_refused(association_staff, member_firms, run_tasks):
    data = csv_file([row(member_firms[0].brn_display)]) + b"\xff\xfe\x80\x81"
    done = upload(run_tasks, association_staff, data)
    assert done.status == UploadStatus.REJECTED and "인코딩" in done.message


def test_formula_cells_are_stored_as_text_and_escaped_on_export(client, association_staff, member_firms, run_tasks):
    formulas = ['=HYPERLINK("http://evil.example","클릭")', "+82-10-1234", "-2+3", "@SUM(A1:A9)"]
    rows = [row(member_firms[0].brn_display, title=f, body=f"{f} {BODY}") for f in formulas]
    done = upload(run_tasks, association_staff, csv_file(rows))
    assert done.status == UploadStatus.DONE, done.errors
    assert sorted(Barrier.objects.values_list("title", flat=True)) == sorted(formulas)
    client.force_login(association_staff)
    exported = client.get(reverse("bulk_filing:created_csv", args=[done.pk])).content.decode("utf-8-sig")
    for formula in formulas:
        assert f"'{formula}".replace('"', '""') in exported
        assert f",{formula}" not in exported


def test_xlsx_formula_is_never_evaluated(association_staff, member_firms, run_tasks):
    # A formula cell carries only its cached value into Haechi; the formula itself is dropped.
    data = xlsx.build([TEMPLATE_HEADER, [("=1+1", "2020년 규제"), BODY, member_firms[0].brn_display, "로봇"]])
    done = upload(run_tasks, association_staff, data, name="f.xlsx")
    assert done.status == UploadStatus.DONE, (done.message, done.errors)
    assert Barrier.objects.get().title == "2020년 규제"


@pytest.mark.parametrize(
    ("case", "data", "words"),
    [
        ("zip bomb", xlsx.build([["제목"]], extra={"xl/media/pad.xml": "<a>" + "0" * 2_000_000 + "</a>"}), "압축 폭탄"),
        ("macro", xlsx.build([["제목"]], extra={"xl/vbaProject.bin": b"\x00" * 10}), "매크로"),
        (
            "xxe",
            xlsx.build(
                [["제목"]],
                extra={"xl/sharedStrings.xml": '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><sst/>'},
            ),
            "DTD",
        ),
        ("renamed html", b"<html><body>x</body></html>", "XLSX 파일이 아닙니다"),
    ],
)
def test_malicious_xlsx_is_refused_with_a_clear_message(association_staff, member_firms, run_tasks, case, data, words):
    done = upload(run_tasks, association_staff, data, name="evil.xlsx")
    assert done.status == UploadStatus.REJECTED and words in done.message
    assert Barrier.objects.count() == 0


def test_oversize_file_is_refused_before_it_is_stored(client, association_staff, member_firms):
    with pytest.raises(ValidationFailed) as exc:
        services.start_upload(actor=association_staff, file_name="big.csv", data=b"a" * (services.MAX_UPLOAD_BYTES + 1))
    assert exc.value.code == "file_too_large" and "64MB" in str(exc.value.message)
    client.force_login(association_staff)
    big = SimpleUploadedFile("big.csv", b"a" * (services.MAX_UPLOAD_BYTES + 1), content_type="text/csv")
    response = client.post(reverse("bulk_filing:index"), {"file": big})
    assert response.status_code == 400 and "파일이 너무 큽니다" in response.content.decode()
    assert BulkUpload.objects.count() == 0


def test_too_many_rows_is_refused(association_staff, member_firms, run_tasks, monkeypatch):
    from core.spreadsheet import TableLimits

    monkeypatch.setattr(services, "LIMITS", TableLimits(max_rows=5, max_bytes=services.MAX_UPLOAD_BYTES))
    rows = [row(member_firms[0].brn_display, title=f"t{i}") for i in range(6)]
    done = upload(run_tasks, association_staff, csv_file(rows))
    assert done.status == UploadStatus.REJECTED and "최대 5행" in done.message


def test_other_file_types_are_refused(association_staff, member_firms):
    with pytest.raises(ValidationFailed):
        services.start_upload(actor=association_staff, file_name="rows.xlsm", data=b"PK\x03\x04")


def test_the_same_file_is_not_filed_twice(association_staff, member_firms, run_tasks):
    data = csv_file([row(member_firms[0].brn_display)])
    upload(run_tasks, association_staff, data)
    with pytest.raises(Conflict):
        services.start_upload(actor=association_staff, file_name="again.csv", data=data)
    assert Barrier.objects.count() == 1


# -- permissions and pages -----------------------------------------------------------------------


def test_firm_members_and_outsiders_may_not_upload(client, firm_member, outsider, member_firms):
    for user in (firm_member, outsider):
        with pytest.raises(NotPermitted):
            services.start_upload(actor=user, file_name="r.csv", data=csv_file([row(member_firms[0].brn_display)]))
        client.force_login(user)
        assert client.get(reverse("bulk_filing:index")).status_code == 403
        assert client.get(reverse("bulk_filing:template_csv")).status_code == 403
    client.logout()
    assert client.get(reverse("bulk_filing:index")).status_code == 302


def test_staff_of_two_associations_must_choose_and_may_only_choose_their_own(member_firms, association, run_tasks):
    staff = MembershipFactory(role=Role.ASSOCIATION_STAFF, association=association).user
    second = AssociationFactory()
    MembershipFactory(role=Role.ASSOCIATION_STAFF, association=second, user=staff)
    data = csv_file([row(member_firms[0].brn_display)])
    with pytest.raises(ValidationFailed, match="선택하세요"):
        services.start_upload(actor=staff, file_name="r.csv", data=data)
    with pytest.raises(ValidationFailed, match="권한이 없습니다"):
        services.start_upload(actor=staff, file_name="r.csv", data=data, association_id=AssociationFactory().pk)
    # Filing for the second association: the firm is not its member, row by row refused.
    done = upload(run_tasks, staff, data, association_id=second.pk)
    assert done.status == UploadStatus.REJECTED and "회원사가 아닙니다" in done.errors[0]["message"]
    done = upload(run_tasks, staff, data, association_id=association.pk)
    assert done.status == UploadStatus.DONE


def test_uploads_are_seen_by_their_association_and_the_city_only(
    client, association_staff, member_firms, city_official, run_tasks
):
    done = upload(run_tasks, association_staff, csv_file([row(member_firms[0].brn_display)]))
    url = reverse("bulk_filing:detail", args=[done.pk])
    other_staff = MembershipFactory(role=Role.ASSOCIATION_STAFF, association=AssociationFactory()).user
    client.force_login(other_staff)
    assert client.get(url).status_code == 404
    assert client.get(reverse("bulk_filing:created_csv", args=[done.pk])).status_code == 404
    client.force_login(city_official)
    assert client.get(url).status_code == 200


def test_upload_page_follows_progress_with_htmx_until_finished(client, association_staff, member_firms):
    client.force_login(association_staff)
    data = csv_file([row(member_firms[0].brn_display)])
    response = client.post(reverse("bulk_filing:index"), {"file": SimpleUploadedFile("r.csv", data)})
    pending = BulkUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("bulk_filing:detail", args=[pending.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "<progress" in page  # queued: the worker has not run
    services.process_upload(upload_id=pending.pk)
    fragment = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment and "<progress" not in fragment
    assert "접수 결과" in fragment and "<html" not in fragment


def test_claiming_an_upload_takes_its_file_out_of_the_row_and_a_second_run_does_nothing(
    association_staff, member_firms
):
    pending = services.start_upload(
        actor=association_staff, file_name="r.csv", data=csv_file([row(member_firms[0].brn_display)])
    )
    claimed = services._claim(pending.pk)
    assert claimed is not None and bytes(claimed.data).startswith(b"\xef\xbb\xbf")
    stored = BulkUpload.objects.get(pk=pending.pk)
    # Progress updates no longer rewrite the file (SQLite rewrites the whole record on UPDATE).
    assert stored.status == UploadStatus.VALIDATING and bytes(stored.data) == b""
    assert services._claim(pending.pk) is None
    assert services.process_upload(upload_id=pending.pk) == "skipped"
    assert Barrier.objects.count() == 0


def test_rejected_upload_page_lists_errors_and_offers_them_as_csv(client, association_staff, member_firms, run_tasks):
    done = upload(run_tasks, association_staff, csv_file([row(member_firms[0].brn_display, sectors="=우주")]))
    client.force_login(association_staff)
    page = client.get(reverse("bulk_filing:detail", args=[done.pk])).content.decode()
    assert "알 수 없는 분야입니다" in page
    exported = client.get(reverse("bulk_filing:errors_csv", args=[done.pk])).content.decode("utf-8-sig")
    assert exported.splitlines()[0] == "행,열,오류" and "2,분야," in exported
