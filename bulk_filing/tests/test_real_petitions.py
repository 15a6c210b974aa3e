"""Bulk upload of the real 청와대 국민청원 petitions (../shared/data/real/petitions_cheongwadae),
converted to the template: a large file of real citizen text, with its real flaws."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from barriers.audit import verify_chains
from barriers.models import BODY_MAX, Barrier, BarrierStatus
from bulk_filing import services
from bulk_filing.models import BulkUpload, UploadStatus
from bulk_filing.tests.conftest import csv_file
from core.text import normalize_text
from firms.models import AssociationMembership
from firms.tests.factories import FirmFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PETITIONS = Path(settings.HAECHI_DATA_DIR) / "real" / "petitions_cheongwadae" / "petitions.jsonl"
# Board categories are not sectors; the nearest sector, else 기타.
SECTOR_OF = {
    "교통/건축/국토": "모빌리티",
    "보건복지": "바이오헬스",
    "경제민주화": "핀테크",
    "미래": "AI",
    "성장동력": "AI",
}


def petitions():
    if not PETITIONS.exists():
        pytest.skip(f"real data not found: {PETITIONS}")
    with PETITIONS.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def as_template_rows(items, firms):
    """The petitions as the template's rows: title, body, a member firm in turn, a sector."""
    return [
        [
            p["title"],
            p["content"],
            firms[i % len(firms)].brn_display,
            SECTOR_OF.get(p["category"], "기타"),
            "건의",
            "",
            "",
            "",
            "",
            "",
            "기업명 없이 공개" if i % 2 else "비공개",
            "",
        ]
        for i, p in enumerate(items)
    ]


@pytest.fixture
def members(association, sectors):
    firms = [FirmFactory() for _ in range(25)]
    AssociationMembership.objects.bulk_create([AssociationMembership(firm=f, association=association) for f in firms])
    return firms


def run(run_tasks, actor, data):
    created = run_tasks(services.start_upload, actor=actor, file_name="petitions.csv", data=data)
    return BulkUpload.objects.get(pk=created.pk)


def test_real_petitions_are_checked_row_by_row_then_filed(association_staff, members, run_tasks):
    items = petitions()
    assert len(items) > 3_000
    rows = as_template_rows(items, members)

    # As converted, some real petitions are unusable as barriers: an empty or too-short text, or
    # one longer than a barrier may be. The whole file is refused and exactly those rows named.
    bad = {}
    seen = {}
    for number, (item, cells) in enumerate(zip(items, rows, strict=True), start=2):
        body = normalize_text(item["content"])
        if len(body) < 20 or len(body) > BODY_MAX:
            bad[number] = "내용"
            continue
        key = (cells[2], normalize_text(" ".join(item["title"].split())), body)
        if key in seen:
            bad[number] = "내용"  # the same petition twice for the same firm
        seen.setdefault(key, number)
    assert bad, "the real data has short and overlong petitions"
    refused = run(run_tasks, association_staff, csv_file(rows))
    assert refused.status == UploadStatus.REJECTED and Barrier.objects.count() == 0
    assert {e["row"]: e["column"] for e in refused.errors} == bad
    assert all(e["message"] for e in refused.errors)

    # Without those rows the file is filed whole, Korean text intact.
    good = [cells for number, cells in enumerate(rows, start=2) if number not in bad]
    done = run(run_tasks, association_staff, csv_file(good))
    assert done.status == UploadStatus.DONE, (done.message, done.errors[:5])
    assert done.created_count == len(good) == Barrier.objects.filter(status=BarrierStatus.SUBMITTED).count()
    first_id = done.created[0][1]
    first = Barrier.objects.get(pk=first_id)
    assert first.title == normalize_text(" ".join(good[0][0].split()))
    assert first.body == normalize_text(good[0][1])
    # Real texts that start like a formula are kept as the text they are.
    formula_like = [cells[1] for cells in good if normalize_text(cells[1])[:1] in "=+-@"]
    if formula_like:
        assert Barrier.objects.filter(body=normalize_text(formula_like[0])).exists()
    assert verify_chains(barrier_ids=[pk for _row, pk in done.created[:200]]).broken == []
