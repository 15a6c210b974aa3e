"""Pages: filing with autosave and preview, the barrier page per persona, actions through htmx,
the work queue with bulk forwarding, escaping of hostile text."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.testing import signed_in_client
from barriers import services
from barriers.models import Barrier, BarrierStatus
from barriers.tests.factories import BODY, barrier_in

pytestmark = pytest.mark.django_db


def form_data(firm, **overrides):
    data = {
        "firm": firm.pk,
        "title": "원격 진료 플랫폼 규제",
        "body": BODY,
        "sectors": ["biohealth"],
        "kind": "proposal",
        "privacy": "public_anonymous",
        "action": "submit",
    }
    data.update(overrides)
    return data


def test_list_requires_sign_in():
    response = Client().get(reverse("barriers:list"))
    assert response.status_code == 302


def test_firm_member_files_through_the_form(firm_member, firm):
    client = signed_in_client(firm_member)
    assert client.get(reverse("barriers:new")).status_code == 200
    response = client.post(reverse("barriers:new"), form_data(firm))
    barrier = Barrier.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("barriers:detail", args=[barrier.pk])
    assert barrier.status == BarrierStatus.SUBMITTED
    page = client.get(reverse("barriers:list"))
    assert "원격 진료 플랫폼 규제" in page.content.decode()


def test_invalid_form_is_400_in_korean(firm_member, firm):
    response = signed_in_client(firm_member).post(reverse("barriers:new"), form_data(firm, body="짧음"))
    assert response.status_code == 400
    assert "자 이상" in response.content.decode()
    assert Barrier.objects.filter(status=BarrierStatus.SUBMITTED).count() == 0


def test_nul_in_form_is_rejected(firm_member, firm):
    response = signed_in_client(firm_member).post(reverse("barriers:new"), form_data(firm, title="a\x00b"))
    assert response.status_code == 400
    assert Barrier.objects.count() == 0


def test_outsider_cannot_open_the_filing_form(outsider):
    assert signed_in_client(outsider).get(reverse("barriers:new")).status_code == 403


def test_autosave_creates_then_updates_a_draft(firm_member, firm):
    client = signed_in_client(firm_member)
    first = client.post(reverse("barriers:autosave"), {"firm": firm.pk, "title": "초안"}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    draft = Barrier.objects.get()
    assert draft.status == BarrierStatus.DRAFT and f'value="{draft.pk}"' in first.content.decode()
    client.post(
        reverse("barriers:autosave"),
        {"firm": firm.pk, "title": "초안 2", "draft_id": draft.pk},
        HTTP_HX_REQUEST="true",
    )
    draft.refresh_from_db()
    assert draft.title == "초안 2" and Barrier.objects.count() == 1


def test_submitting_after_autosave_reuses_the_draft(firm_member, firm):
    client = signed_in_client(firm_member)
    client.post(reverse("barriers:autosave"), {"firm": firm.pk, "title": "초안"}, HTTP_HX_REQUEST="true")
    draft = Barrier.objects.get()
    response = client.post(reverse("barriers:new"), form_data(firm, draft_id=draft.pk))
    assert response.status_code == 302
    assert Barrier.objects.get().pk == draft.pk
    draft.refresh_from_db()
    assert draft.status == BarrierStatus.SUBMITTED and draft.title == "원격 진료 플랫폼 규제"


def test_autosave_cannot_touch_another_firms_draft(firm_member, other_firm_member, other_firm):
    other = services.file_barrier(actor=other_firm_member, firm=other_firm, title="남의 초안", body="")
    response = signed_in_client(firm_member).post(reverse("barriers:autosave"), {"title": "탈취", "draft_id": other.pk})
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.title == "남의 초안"


def test_preview_escapes_html(firm_member, firm):
    response = signed_in_client(firm_member).post(
        reverse("barriers:preview"),
        {"firm": firm.pk, "title": '"><img src=x onerror=alert(1)>', "body": "<script>alert(1)</script>"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("firm_member", 200),
        ("other_firm_member", 404),
        ("outsider", 404),
        ("city_official", 200),
        ("agency_official", 200),
        ("other_agency_official", 404),
    ],
)
def test_barrier_page_per_persona(request, forwarded, persona, expected):
    user = request.getfixturevalue(persona)
    assert signed_in_client(user).get(reverse("barriers:detail", args=[forwarded.pk])).status_code == expected


def test_agency_page_hides_sealed_identity(firm, firm_member, city_official, agency, agency_official):
    barrier = services.file_barrier(
        actor=firm_member, firm=firm, title="봉인", body=BODY, sector_codes=["ai"], seal_from_agency=True, submit=True
    )
    services.triage_barrier(barrier_id=barrier.pk, actor=city_official, kind="proposal", lead_agency=agency)
    services.forward_to_agency(barrier_id=barrier.pk, actor=city_official)
    client = signed_in_client(agency_official)
    for url in (reverse("barriers:detail", args=[barrier.pk]), reverse("barriers:list"), reverse("barriers:queue")):
        html = client.get(url).content.decode()
        assert firm.name not in html and firm_member.name not in html
    assert (
        firm.name in signed_in_client(city_official).get(reverse("barriers:detail", args=[barrier.pk])).content.decode()
    )


def test_city_triages_and_forwards_through_htmx(submitted, city_official, agency):
    client = signed_in_client(city_official)
    url = reverse("barriers:act", args=[submitted.pk, "triage"])
    response = client.post(
        url,
        {"triage-kind": "proposal", "triage-lead_agency": agency.pk, "version": submitted.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="status-panel"' in response.content.decode()
    barrier = Barrier.objects.get(pk=submitted.pk)
    assert barrier.status == BarrierStatus.TRIAGED
    response = client.post(reverse("barriers:act", args=[barrier.pk, "forward"]), {"version": barrier.version})
    assert response.status_code == 302
    assert Barrier.objects.get(pk=barrier.pk).status == BarrierStatus.FORWARDED


def test_forbidden_action_is_409_with_message(submitted, city_official):
    response = signed_in_client(city_official).post(
        reverse("barriers:act", args=[submitted.pk, "close"]), {"close-note": "중복"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200  # closing a submitted barrier is allowed
    url = reverse("barriers:act", args=[submitted.pk, "escalate"])
    page = signed_in_client(city_official).post(url, {"escalate-note": "상정"})
    assert page.status_code == 409
    assert "할 수 없습니다" in page.content.decode()
    # htmx fragments carry the same message and status (base.html lets htmx swap 4xx fragments).
    fragment = signed_in_client(city_official).post(url, {"escalate-note": "상정"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 409 and 'id="status-panel"' in fragment.content.decode()
    assert "할 수 없습니다" in fragment.content.decode()


def test_filer_cannot_post_city_actions(submitted, firm_member, agency):
    response = signed_in_client(firm_member).post(
        reverse("barriers:act", args=[submitted.pk, "triage"]),
        {"triage-kind": "proposal", "triage-lead_agency": agency.pk},
    )
    assert response.status_code == 403
    assert Barrier.objects.get(pk=submitted.pk).status == BarrierStatus.SUBMITTED


def test_stale_page_gets_409(submitted, city_official, agency):
    client = signed_in_client(city_official)
    data = {"triage-kind": "proposal", "triage-lead_agency": agency.pk, "version": submitted.version}
    client.post(reverse("barriers:act", args=[submitted.pk, "triage"]), data)
    response = client.post(reverse("barriers:act", args=[submitted.pk, "triage"]), data)
    assert response.status_code == 409


def test_internal_notes_never_reach_the_filer(forwarded, city_official, agency_official, firm_member):
    services.add_internal_note(barrier_id=forwarded.pk, actor=city_official, body="시 내부 메모 XYZ")
    services.add_internal_note(barrier_id=forwarded.pk, actor=agency_official, body="부처 내부 메모 QRS")
    url = reverse("barriers:detail", args=[forwarded.pk])
    filer_html = signed_in_client(firm_member).get(url).content.decode()
    agency_html = signed_in_client(agency_official).get(url).content.decode()
    city_html = signed_in_client(city_official).get(url).content.decode()
    assert "XYZ" not in filer_html and "QRS" not in filer_html
    assert "XYZ" not in agency_html and "QRS" in agency_html
    assert "XYZ" in city_html and "QRS" in city_html


def test_queue_bulk_forward(city_official, firm, agency, firm_member):
    a = barrier_in("triaged", firm=firm, agency=agency)
    b = barrier_in("triaged", firm=firm, agency=agency)
    c = barrier_in("submitted", firm=firm)
    client = signed_in_client(city_official)
    page = client.get(reverse("barriers:queue"))
    assert page.status_code == 200
    response = client.post(
        reverse("barriers:queue"), {"barrier_ids": [a.pk, b.pk, c.pk], "agency": agency.pk, "bulk": "forward"}
    )
    assert response.status_code == 200
    statuses = dict(Barrier.objects.values_list("pk", "status"))
    assert statuses[a.pk] == statuses[b.pk] == BarrierStatus.FORWARDED
    assert statuses[c.pk] == BarrierStatus.SUBMITTED
    assert signed_in_client(firm_member).get(reverse("barriers:queue")).status_code == 403


def test_queue_filters(city_official, firm, agency):
    late = barrier_in("triaged", firm=firm, agency=agency, due_in_days=-5)
    barrier_in("submitted", firm=firm, due_in_days=5)
    html = signed_in_client(city_official).get(reverse("barriers:queue") + "?overdue=on").content.decode()
    assert late.title in html and "근무일 경과" in html


def test_hostile_title_is_escaped_on_the_page(firm, firm_member):
    barrier = services.file_barrier(
        actor=firm_member, firm=firm, title="<svg onload=alert(1)>{{7*7}}", body="</textarea><script>x</script>"
    )
    html = signed_in_client(firm_member).get(reverse("barriers:detail", args=[barrier.pk])).content.decode()
    assert "<svg onload" not in html and "<script>x" not in html and "{{7*7}}" in html


def test_answer_template_fills_the_answer_box(forwarded, agency_official, other_agency, firm_member):
    from barriers.models import AnswerTemplate

    shared = AnswerTemplate.objects.create(outcome="declined", title="공통", body="검토 결과 <수용이> 어렵습니다.")
    foreign = AnswerTemplate.objects.create(agency=other_agency, outcome="accepted", title="남의", body="다른 기관")
    client = signed_in_client(agency_official)
    page = client.get(reverse("barriers:detail", args=[forwarded.pk])).content.decode()
    assert "공통" in page and "남의" not in page
    url = reverse("barriers:answer_template", args=[forwarded.pk])
    html = client.get(url, {"template": shared.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="id_answer-body"' in html and "검토 결과 &lt;수용이&gt; 어렵습니다." in html
    assert "다른 기관" not in client.get(url, {"template": foreign.pk}).content.decode()
    assert signed_in_client(firm_member).get(url, {"template": shared.pk}).status_code == 403


def test_queue_assign_to_me_and_mine_filter(city_official, firm, agency, agency_official):
    a = barrier_in("submitted", firm=firm, title="내가 맡을 건")
    b = barrier_in("submitted", firm=firm, title="남은 건")
    client = signed_in_client(city_official)
    client.post(reverse("barriers:queue"), {"barrier_ids": [a.pk], "bulk": "assign_me"})
    assert Barrier.objects.get(pk=a.pk).assignee == city_official
    html = client.get(reverse("barriers:queue") + "?mine=on").content.decode()
    assert a.title in html and b.title not in html


def test_assignment_stays_within_the_body(forwarded, city_official, agency_official, other_agency_official):
    from core.errors import NotFound, ValidationFailed

    with pytest.raises(ValidationFailed):
        services.assign_barrier(barrier_id=forwarded.pk, actor=city_official, assignee=agency_official)
    barrier = services.assign_barrier(barrier_id=forwarded.pk, actor=agency_official, assignee=agency_official)
    assert barrier.assignee == agency_official
    with pytest.raises(NotFound):
        services.assign_barrier(barrier_id=forwarded.pk, actor=other_agency_official, assignee=other_agency_official)
