import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from programs.models import ProgramApplication, SiteBooking
from programs.tests.factories import SiteFactory, SupportProgramFactory


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 6, 15, 3, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def programs(sectors):
    return [
        SupportProgramFactory(
            title="로봇 실증 지원사업", summary="배달로봇 현장 실증", kind="testbed", sectors=["robots"]
        ),
        SupportProgramFactory(title="핀테크 해외 진출", summary="동남아 진출", kind="overseas", sectors=["fintech"]),
        SupportProgramFactory(title="지난 공고", archived=True, source="bizinfo"),
    ]


def test_catalog_lists_and_searches_in_korean(client, programs):
    page = client.get(reverse("programs:list"))
    assert page.status_code == 200
    assert "로봇 실증 지원사업" in page.content.decode()
    found = client.get(reverse("programs:list"), {"q": "로봇을 실증하는"}).content.decode()
    assert "로봇 실증 지원사업" in found and "핀테크 해외 진출" not in found
    nfd = client.get(reverse("programs:list"), {"q": "\u1105\u1169\u1107\u1169\u11ba"}).content.decode()  # 로봇 in NFD
    assert "로봇 실증 지원사업" in nfd


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"kind": "overseas"}, "핀테크 해외 진출", "로봇 실증 지원사업"),
        ({"sector": "robots"}, "로봇 실증 지원사업", "핀테크 해외 진출"),
        ({"status": "closed"}, "지난 공고", "로봇 실증 지원사업"),
        ({"status": "open"}, "로봇 실증 지원사업", "지난 공고"),
    ],
)
def test_catalog_filters(client, programs, params, shown, hidden):
    body = client.get(reverse("programs:list"), params).content.decode()
    assert shown in body and hidden not in body


@pytest.mark.parametrize(
    "params",
    [{"q": "%" * 1000}, {"q": "<script>alert(1)</script>"}, {"page": "-1"}, {"page": "1" + "0" * 20}, {"kind": "x"}],
)
def test_catalog_survives_bad_input(client, programs, params):
    response = client.get(reverse("programs:list"), params)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_htmx_request_gets_the_results_fragment(client, programs):
    body = client.get(reverse("programs:list"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in body and "로봇 실증 지원사업" in body


def test_detail_explains_for_the_members_firm(client, firm, firm_member, programs):
    client.force_login(firm_member)
    body = client.get(reverse("programs:detail", args=[programs[0].pk])).content.decode()
    assert "신청할 수 없습니다" in body and "로봇 분야 기업 대상입니다." in body
    body = client.get(reverse("programs:detail", args=[programs[1].pk])).content.decode()
    assert "신청할 수 있습니다" in body and "핀테크 분야를 지원합니다." in body


def test_member_applies_through_the_page(client, firm, firm_member, programs):
    client.force_login(firm_member)
    url = reverse("programs:apply", args=[programs[1].pk])
    client.post(url, {"firm": firm.pk})
    assert ProgramApplication.objects.filter(firm=firm).count() == 1
    response = client.post(url, {"firm": firm.pk}, follow=True)
    assert "이미 신청한 사업입니다." in response.content.decode()
    assert ProgramApplication.objects.count() == 1


def test_member_cannot_apply_for_another_firm(client, firm_member, other_firm, programs):
    client.force_login(firm_member)
    client.post(reverse("programs:apply", args=[programs[1].pk]), {"firm": other_firm.pk})
    assert not ProgramApplication.objects.exists()


def test_for_you_page_is_private(client, firm, firm_member, other_firm_member, city_official, programs):
    url = reverse("programs:for_firm", args=[firm.pk])
    assert client.get(url).status_code == 302
    client.force_login(other_firm_member)
    assert client.get(url).status_code == 404
    client.force_login(firm_member)
    body = client.get(url).content.decode()
    assert "핀테크 해외 진출" in body and "로봇 실증 지원사업" not in body
    client.force_login(city_official)
    assert client.get(url).status_code == 200


def test_official_pages_are_for_officials(client, firm_member, city_official, programs):
    for name, args in (("programs:uptake", []), ("programs:import", []), ("programs:unreached", [programs[1].pk])):
        client.force_login(firm_member)
        assert client.get(reverse(name, args=args)).status_code == 403
        client.force_login(city_official)
        assert client.get(reverse(name, args=args)).status_code == 200


def test_unreached_csv_neutralises_formulas(client, sectors, city_official, programs):
    from firms.tests.factories import FirmFactory

    FirmFactory(name='=HYPERLINK("http://x","클릭")', sectors=["fintech"])
    client.force_login(city_official)
    response = client.get(reverse("programs:unreached", args=[programs[1].pk]), {"format": "csv"})
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert "'=HYPERLINK" in text


def test_import_page_refuses_bad_file_with_400(client, city_official):
    client.force_login(city_official)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("evil.xlsx", b"<html>not a workbook</html>")
    response = client.post(reverse("programs:import"), {"file": upload})
    assert response.status_code == 400
    assert "XLSX 파일이 아닙니다" in response.content.decode()


def test_import_template_downloads(client):
    response = client.get(reverse("programs:import_template"))
    assert response.status_code == 200 and "식별자" in response.content.decode("utf-8-sig")


def test_site_pages_book_and_feed(client, firm, firm_member):
    site = SiteFactory()
    assert client.get(reverse("programs:sites")).status_code == 200
    client.force_login(firm_member)
    page = client.get(reverse("programs:site_detail", args=[site.pk]), {"week": "2026-06-15"})
    assert page.status_code == 200
    form = {
        "firm": firm.pk,
        "day": "2026-06-16",
        "start": "10:00",
        "end": "12:00",
        "participants": 1,
        "purpose": "실증",
    }
    client.post(reverse("programs:book", args=[site.pk]), form)
    assert SiteBooking.objects.count() == 1
    response = client.post(reverse("programs:book", args=[site.pk]), form, follow=True)
    assert "이미 예약된 시간입니다" in response.content.decode()
    feed = client.get(reverse("programs:site_ics", args=[site.pk]))
    assert feed["Content-Type"].startswith("text/calendar") and b"BEGIN:VEVENT" in feed.content
    assert client.get(reverse("programs:site_detail", args=[site.pk]), {"week": "9999-99-99"}).status_code == 200


def test_notices_show_on_the_panel_and_can_be_marked_read(client, firm, firm_member, other_firm_member, programs):
    from programs import services
    from programs.models import ProgramNotice

    services.notify_matching_firms()
    client.force_login(firm_member)
    body = client.get(reverse("programs:for_firm", args=[firm.pk])).content.decode()
    assert "새 지원사업 1건" in body
    client.force_login(other_firm_member)
    assert client.post(reverse("programs:notices_read", args=[firm.pk])).status_code == 404
    client.force_login(firm_member)
    client.post(reverse("programs:notices_read", args=[firm.pk]))
    assert not ProgramNotice.objects.filter(firm=firm, read_at__isnull=True).exists()
