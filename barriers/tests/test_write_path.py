"""The cheaper write path (issue 3, issue 9): a submit or triage answers from the row it changed
instead of reading the barrier again, and a filing that submits at once writes its row once.
These check that the answers and the stored record are exactly what the longer path produced."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.testing import signed_in_client
from barriers import services
from barriers.audit import verify_chains
from barriers.models import Barrier, BarrierClock, BarrierEvent
from barriers.tests.factories import BODY
from privacy.models import PersonalDataAccess

pytestmark = pytest.mark.django_db
API = "/api/barriers"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def post(client: Client, url: str, data: dict | None = None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def test_submit_answers_what_a_read_shows(firm_member, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client = signed_in_client(firm_member)
    draft = post(client, API, {"title": "드론 배송", "body": BODY, "sector_codes": ["mobility", "ai"]}).json()
    # A draft may carry files: the answer to the submit lists them as a read does.
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploaded = client.post(f"{API}/{draft['id']}/attachments", {"file": SimpleUploadedFile("계획서.pdf", PDF)})
    assert uploaded.status_code == 201, uploaded.content
    submitted = post(client, f"{API}/{draft['id']}/submit", {"version": uploaded.json()["version"]})
    assert submitted.status_code == 200, submitted.content
    read = client.get(f"{API}/{draft['id']}")
    assert submitted.json() == read.json()
    assert submitted["ETag"] == read["ETag"]
    body = submitted.json()
    assert body["status"] == "submitted" and body["sectors"] == read.json()["sectors"] and len(body["sectors"]) == 2
    assert [a["name"] for a in body["attachments"]] == ["계획서.pdf"]


def test_triage_answers_what_a_read_shows(submitted, city_official, agency, other_agency):
    client = signed_in_client(city_official)
    logged = PersonalDataAccess.objects.count()
    triaged = post(
        client,
        f"{API}/{submitted.pk}/triage",
        {
            "kind": "question_law",
            "lead_agency_code": agency.code,
            "cooperating_agency_codes": [other_agency.code, other_agency.code, agency.code],
            "sector_codes": ["ai", "robots"],
        },
    )
    assert triaged.status_code == 200, triaged.content
    # The city was shown the filer's identity: logged once, as the read after the commit did.
    assert PersonalDataAccess.objects.count() == logged + 1
    read = client.get(f"{API}/{submitted.pk}")
    assert triaged.json() == read.json()
    assert triaged["ETag"] == read["ETag"]
    body = triaged.json()
    assert body["lead_agency"] == {"code": agency.code, "name": agency.name}
    assert body["cooperating_agencies"] == [{"code": other_agency.code, "name": other_agency.name}]
    # Triage again (from triaged): the co-operating agencies and sectors are replaced, not added.
    again = post(
        client,
        f"{API}/{submitted.pk}/triage",
        {"kind": "proposal", "lead_agency_code": other_agency.code, "cooperating_agency_codes": [agency.code]},
    )
    assert again.status_code == 200, again.content
    assert again.json() == client.get(f"{API}/{submitted.pk}").json()
    assert again.json()["cooperating_agencies"] == [{"code": agency.code, "name": agency.name}]
    assert again.json()["sectors"] == body["sectors"]


def test_refused_triage_writes_nothing(submitted, city_official, agency):
    client = signed_in_client(city_official)
    before = (Barrier.objects.get(pk=submitted.pk).version, BarrierEvent.objects.filter(barrier=submitted).count())
    refused = post(
        client,
        f"{API}/{submitted.pk}/triage",
        {"kind": "proposal", "lead_agency_code": agency.code, "sector_codes": ["no-such-sector"]},
    )
    assert refused.status_code == 400
    after = (Barrier.objects.get(pk=submitted.pk).version, BarrierEvent.objects.filter(barrier=submitted).count())
    assert after == before


def _record(barrier: Barrier) -> dict:
    barrier.refresh_from_db()
    return {
        "status": barrier.status,
        "version": barrier.version,
        "due_step": barrier.due_step,
        "due_on": barrier.due_on,
        "submitted": barrier.submitted_at is not None,
        "sectors": sorted(s.code for s in barrier.sectors.all()),
        "events": [
            (e.seq, e.kind, e.verb, e.from_status, e.to_status)
            for e in BarrierEvent.objects.filter(barrier=barrier).order_by("seq")
        ],
        "clocks": [(c.step, c.period_days, c.stopped_at) for c in BarrierClock.objects.filter(barrier=barrier)],
    }


def test_filing_with_submit_stores_what_filing_then_submitting_stores(firm, firm_member):
    fields = {"actor": firm_member, "firm": firm, "title": "드론 배송", "body": BODY, "sector_codes": ["mobility"]}
    at_once = services.file_barrier(**fields, submit=True)
    draft = services.file_barrier(**fields)
    two_steps = services.submit_barrier(barrier_id=draft.pk, actor=firm_member)
    assert _record(at_once) == _record(two_steps)
    assert _record(at_once)["events"] == [
        (1, "draft_updated", "file", "draft", "draft"),
        (2, "transition", "submit", "draft", "submitted"),
    ]
    assert at_once.due_at is not None and at_once.status_changed_at == at_once.submitted_at
    result = verify_chains(barrier_ids=[at_once.pk, two_steps.pk])
    assert result.events == 4 and result.broken == []


def test_filing_with_submit_refused_writes_nothing(firm, firm_member):
    from core.errors import ValidationFailed

    count = Barrier.objects.count()
    with pytest.raises(ValidationFailed):  # no sector: cannot be submitted
        services.file_barrier(actor=firm_member, firm=firm, title="드론 배송", body=BODY, submit=True)
    with pytest.raises(ValidationFailed):  # too short to submit
        services.file_barrier(
            actor=firm_member, firm=firm, title="드론 배송", body="짧음", sector_codes=["ai"], submit=True
        )
    assert Barrier.objects.count() == count and not BarrierClock.objects.exists()
