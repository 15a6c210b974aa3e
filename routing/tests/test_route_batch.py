"""manage.py route_batch: output shape, groups within the batch and with the database, bad input."""

from __future__ import annotations

import json
import unicodedata

import pytest
from django.core.management import CommandError, call_command

from core.korean import MorphemesAhead
from routing.classifier import load_router, save_router
from routing.management.commands.route_batch import route_items
from routing.models import RecurringMembership
from routing.near_duplicates import NearDuplicateIndex
from routing.tests.workflow_fixtures import *  # noqa: F403
from routing.tests.workflow_fixtures import MEDICAL, MEDICAL_2, PAYMENTS

pytestmark = pytest.mark.django_db
FIELDS = {"id", "sector", "sector_scores", "ministries", "statutes", "articles", "group"}
# The sector codes of barriers-dev.jsonl's labels (robot, not Haechi's internal "robots").
LABEL_SECTORS = {"fintech", "mobility", "robot", "ai", "biohealth", "other"}


@pytest.fixture
def model(small_router, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "router.joblib"
    save_router(small_router, path)
    return path


def _write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows))


def _run(tmp_path, model, rows, **options):
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write(source, rows)
    call_command("route_batch", str(source), str(target), model=model, **options)
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


def test_one_line_per_input_with_the_issue_fields(tmp_path, model):
    out = _run(
        tmp_path,
        model,
        [
            {"id": "a", "title": "원격진료", "text": MEDICAL, "extra": "ignored"},
            {"id": 2, "title": "", "text": "「전자금융거래법」 제21조 때문에 간편결제가 막힙니다"},
        ],
    )
    assert [r["id"] for r in out] == ["a", "2"]
    assert all(set(r) == FIELDS for r in out)
    assert out[0]["sector"] == "biohealth" and out[0]["ministries"][0] == "보건복지부"
    assert out[0]["statutes"][0] == "의료법"
    assert set(out[0]["sector_scores"]) == LABEL_SECTORS and sum(out[0]["sector_scores"].values()) == pytest.approx(
        1, abs=1e-3
    )
    assert "전자금융거래법 제21조" in out[1]["articles"] and out[1]["ministries"][0] == "금융위원회"


def test_paraphrases_share_a_group_and_other_rules_do_not(tmp_path, model):
    out = _run(
        tmp_path,
        model,
        [{"id": "m1", "text": MEDICAL}, {"id": "p1", "text": PAYMENTS}, {"id": "m2", "text": MEDICAL_2}],
    )
    groups = {r["id"]: r["group"] for r in out}
    assert groups["m1"] == groups["m2"] != groups["p1"]
    assert groups["m1"].startswith("N")


def test_groups_are_consistent_with_recurring_regulations_in_the_database(tmp_path, model, routing_on, sectors, submit):
    stored = submit(body=MEDICAL)
    regulation = RecurringMembership.objects.get(barrier=stored).regulation
    out = _run(tmp_path, model, [{"id": "x", "text": MEDICAL_2}, {"id": "y", "text": PAYMENTS}])
    assert out[0]["group"] == f"R{regulation.pk}"
    assert out[1]["group"] != out[0]["group"]
    alone = _run(tmp_path, model, [{"id": "x", "text": MEDICAL_2}], no_db=True)
    assert alone[0]["group"] == "N1"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no Korean at all, only English words",
        "가나다 원격진료 " * 12_500,  # 100,000 characters
        "🙂🚗🤖💊" * 50,
        unicodedata.normalize("NFD", "원격진료가 의료법 때문에 막혀 있습니다") + " 그리고 NFC 글자",
    ],
    ids=["empty", "no-korean", "100k-chars", "emoji", "mixed-nfd"],
)
def test_awkward_texts_each_get_a_line(tmp_path, model, text):
    out = _run(tmp_path, model, [{"id": "odd", "title": "", "text": text}, {"id": "plain", "text": PAYMENTS}])
    assert [r["id"] for r in out] == ["odd", "plain"]
    assert out[0]["sector"] in LABEL_SECTORS and set(out[0]) == FIELDS
    assert out[0]["group"] != out[1]["group"]


def test_mixed_nfd_is_read_like_nfc(tmp_path, model):
    nfd = unicodedata.normalize("NFD", MEDICAL)
    out = _run(tmp_path, model, [{"id": "nfc", "text": MEDICAL}, {"id": "nfd", "text": nfd}])
    assert out[0]["statutes"] == out[1]["statutes"] and out[0]["group"] == out[1]["group"]


def test_empty_texts_do_not_group_together(tmp_path, model):
    out = _run(tmp_path, model, [{"id": "a", "text": ""}, {"id": "b", "text": ""}, {"id": "c", "title": None}])
    assert len({r["group"] for r in out}) == 3


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "b", "text": "원격진료"', ":2:"),
        ("[1, 2]", ":2: JSON 객체가 아닙니다"),
        ('{"text": "id 없음"}', ':2: "id"가 없습니다'),
        ('{"id": "a", "text": "중복"}', ":2: \"id\" 'a'가 중복"),
    ],
    ids=["invalid-json", "not-an-object", "missing-id", "duplicate-id"],
)
def test_bad_line_stops_with_its_number_and_leaves_no_output(tmp_path, model, line, message):
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write(source, [{"id": "a", "text": MEDICAL}, line, {"id": "c", "text": PAYMENTS}])
    with pytest.raises(CommandError, match=message):
        call_command("route_batch", str(source), str(target), model=model)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_an_old_output_is_left_untouched_when_the_input_is_bad(tmp_path, model):
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    target.write_text("previous complete output\n")
    _write(source, ["not json"])
    with pytest.raises(CommandError, match=":1:"):
        call_command("route_batch", str(source), str(target), model=model)
    assert target.read_text() == "previous complete output\n"


def test_missing_input_and_model_are_clear_errors(tmp_path, model):
    with pytest.raises(CommandError, match="file not found"):
        call_command("route_batch", str(tmp_path / "nope.jsonl"), str(tmp_path / "out.jsonl"), model=model)
    source = tmp_path / "in.jsonl"
    _write(source, [{"id": "a", "text": "x"}])
    with pytest.raises(CommandError, match="model not found"):
        call_command("route_batch", str(source), str(tmp_path / "out.jsonl"), model=tmp_path / "none.joblib")
    with pytest.raises(CommandError, match="directory not found"):
        call_command("route_batch", str(source), str(tmp_path / "no" / "out.jsonl"), model=model)


def test_non_utf8_input_is_refused(tmp_path, model):
    source = tmp_path / "in.jsonl"
    source.write_bytes('{"id": "a", "text": "원격진료"}\n'.encode("euc-kr"))
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("route_batch", str(source), str(tmp_path / "out.jsonl"), model=model)
    assert not (tmp_path / "out.jsonl").exists()


def test_each_text_is_analysed_once_ahead_and_neither_chunks_nor_lookahead_change_the_output(model):
    router = load_router(model)
    items = [
        {"id": "a", "title": "원격진료", "text": MEDICAL},
        {"id": "b", "title": "", "text": MEDICAL_2},
        {"id": "c", "title": "간편결제", "text": PAYMENTS},
        {"id": "d", "title": "", "text": ""},
        {"id": "e", "title": "", "text": "\u1112\u1161\u11ab\u1100\u1173\u11af 의료법 제33조 때문에 막혔습니다"},
    ]
    with MorphemesAhead() as ahead:
        chunked = route_items(router, items, NearDuplicateIndex(), chunk_size=2, ahead=ahead)
    assert (ahead.submitted, ahead.hits) == (4, 4)  # the empty text is not analysed at all
    assert route_items(router, items, NearDuplicateIndex()) == chunked
    assert route_items(router, items, NearDuplicateIndex(), chunk_size=1, lookahead=False) == chunked
