import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from programs.demo import load_demo_programs
from programs.models import DemonstrationSite, SupportProgram
from programs.selectors import open_programs
from programs.tests.factories import SupportProgramFactory


def test_match_batch_ranks_archived_programs_as_of_a_date(sectors, tmp_path):
    SupportProgramFactory(
        source="bizinfo",
        external_id="PBLN_A",
        archived=True,
        title="로봇 실증 지원",
        kind="testbed",
        opens_on=dt.date(2021, 3, 1),
        closes_on=dt.date(2021, 3, 31),
        sectors=["robots"],
        sectors_required=False,
        max_age_years=7,
    )
    SupportProgramFactory(
        source="bizinfo",
        external_id="PBLN_B",
        archived=True,
        title="서울 외 사업",
        regions=["부산"],
        period_kind="rolling",
        opens_on=None,
        closes_on=None,
    )
    SupportProgramFactory(
        source="bizinfo",
        external_id="PBLN_C",
        archived=True,
        opens_on=dt.date(2021, 5, 1),
        closes_on=dt.date(2021, 5, 31),
    )
    firms = tmp_path / "firms.jsonl"
    rows = [
        {
            "id": "f1",
            "sector": "robots",
            "size": "소기업",
            "founded": "2019-01-01",
            "region": "서울 마포구",
            "cluster": "sangam",
            "ksic": "28",
            "target_groups": ["창업벤처"],
            "needs": "배달로봇 보도 실증이 막혀 있습니다",
        },
        {"id": "f2", "sector": ["fintech"], "size": "large", "founded": "2001-01-01", "region": "부산"},
        "not an object",
        {"id": "f4", "founded": "2021-02-30"},
    ]
    firms.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    call_command("match_batch", str(firms), str(out), "--as-of", "2021-03-15", "--top", "5")
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == ["f1", "f2"]
    f1 = results[0]["programs"]
    assert [p["program"] for p in f1] == ["PBLN_A"]
    assert any("실증 규제로 막힌 애로" in reason for reason in f1[0]["reasons"])
    f2 = {p["program"] for p in results[1]["programs"]}
    assert f2 == {"PBLN_B"}  # 7-year limit excludes PBLN_A; PBLN_C is not open on 2021-03-15


def test_match_batch_refuses_bad_arguments(tmp_path):
    with pytest.raises(CommandError):
        call_command("match_batch", str(tmp_path / "missing.jsonl"), str(tmp_path / "o.jsonl"))
    (tmp_path / "f.jsonl").write_text("")
    with pytest.raises(CommandError):
        call_command("match_batch", str(tmp_path / "f.jsonl"), str(tmp_path / "o.jsonl"), "--as-of", "2021-02-30")


def test_demo_programs_are_open_marked_and_idempotent(sectors):
    load_demo_programs()
    load_demo_programs()
    demo = SupportProgram.objects.filter(source="demo")
    assert demo.count() == 8 and all(p.is_demo and p.title.startswith("[시연]") for p in demo)
    assert open_programs().filter(source="demo").count() == 8
    assert DemonstrationSite.objects.filter(is_demo=True).count() == 4
