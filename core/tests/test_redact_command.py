"""``manage.py redact IN.jsonl OUT.jsonl``: streaming, atomic output and bad lines."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

GOOD = [
    {"id": 1, "text": "담당자 김철수에게 010-0000-1234로 연락했습니다.", "title": "무시되는 필드"},
    {"id": "b-2", "text": "「개인정보 보호법」 제15조제1항, 3,000만원, 금융위원회"},
]


def _write_lines(path: Path, lines: list[str | bytes]) -> Path:
    with path.open("wb") as handle:
        for line in lines:
            handle.write(line if isinstance(line, bytes) else line.encode("utf-8"))
            handle.write(b"\n")
    return path


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_masks_text_keeps_ids_and_drops_other_fields(tmp_path):
    source = _write_lines(tmp_path / "in.jsonl", [json.dumps(r, ensure_ascii=False) for r in GOOD])
    target = tmp_path / "out.jsonl"
    errors = io.StringIO()

    call_command("redact", str(source), str(target), stderr=errors)

    assert _read_jsonl(target) == [
        {"id": 1, "text": "담당자 [이름]에게 [전화번호]로 연락했습니다."},
        {"id": "b-2", "text": "「개인정보 보호법」 제15조제1항, 3,000만원, 금융위원회"},
    ]
    assert "lines=2" in errors.getvalue() and "name=1" in errors.getvalue()


def test_blank_lines_and_a_bom_are_skipped(tmp_path):
    first = "\ufeff" + json.dumps({"id": 1, "text": "홍길동 대표"}, ensure_ascii=False)
    source = _write_lines(tmp_path / "in.jsonl", [first, "", "   "])
    target = tmp_path / "out.jsonl"

    call_command("redact", str(source), str(target), stderr=io.StringIO())

    assert _read_jsonl(target) == [{"id": 1, "text": "[이름] 대표"}]


def test_extra_mask_terms(tmp_path):
    source = _write_lines(tmp_path / "in.jsonl", ['{"id": 1, "text": "해치로보틱스 창고에서"}'])
    target = tmp_path / "out.jsonl"

    call_command("redact", str(source), str(target), "--mask", "해치로보틱스", stderr=io.StringIO())

    assert _read_jsonl(target) == [{"id": 1, "text": "[비공개] 창고에서"}]


BAD_LINES = [
    ("invalid_json", b'{"id": 1, "text": '),
    ("not_an_object", b'["id", "text"]'),
    ("missing_id", b'{"text": "x"}'),
    ("missing_text", b'{"id": 3}'),
    ("text_not_a_string", b'{"id": 3, "text": 42}'),
    ("text_null", b'{"id": 3, "text": null}'),
    ("id_null", b'{"id": null, "text": "x"}'),
    ("id_bool", b'{"id": true, "text": "x"}'),
    ("id_list", b'{"id": [1], "text": "x"}'),
    ("invalid_utf8", b'{"id": 3, "text": "\xff\xfe"}'),
    ("cp949", '{"id": 3, "text": "한글"}'.encode("cp949")),
    ("deeply_nested", b'{"id": 3, "text": "x", "deep": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
]


@pytest.mark.parametrize(("_case", "bad"), BAD_LINES, ids=[c[0] for c in BAD_LINES])
def test_a_bad_line_stops_with_its_number_and_leaves_no_output(tmp_path, _case, bad):
    good = json.dumps(GOOD[0], ensure_ascii=False)
    source = _write_lines(tmp_path / "in.jsonl", [good, "", bad, good])
    target = tmp_path / "out.jsonl"

    with pytest.raises(CommandError, match="^3번째 줄"):
        call_command("redact", str(source), str(target), stderr=io.StringIO())

    assert os.listdir(tmp_path) == ["in.jsonl"]


def test_a_failed_run_leaves_an_existing_output_untouched(tmp_path):
    source = _write_lines(tmp_path / "in.jsonl", ['{"id": 1, "text": "홍길동 대표"}', "not json"])
    target = tmp_path / "out.jsonl"
    target.write_text("previous result\n", encoding="utf-8")

    with pytest.raises(CommandError, match="2번째 줄"):
        call_command("redact", str(source), str(target), stderr=io.StringIO())

    assert target.read_text(encoding="utf-8") == "previous result\n"
    assert sorted(os.listdir(tmp_path)) == ["in.jsonl", "out.jsonl"]


def test_missing_input_file(tmp_path):
    with pytest.raises(CommandError, match="입력 파일을 열 수 없습니다"):
        call_command("redact", str(tmp_path / "nope.jsonl"), str(tmp_path / "out.jsonl"))


def test_missing_output_folder(tmp_path):
    source = _write_lines(tmp_path / "in.jsonl", ['{"id": 1, "text": "x"}'])

    with pytest.raises(CommandError, match="출력 폴더가 없습니다"):
        call_command("redact", str(source), str(tmp_path / "no" / "out.jsonl"))


def test_stdin_to_stdout(monkeypatch):
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in GOOD).encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    out = io.StringIO()

    call_command("redact", "-", "-", stdout=out, stderr=io.StringIO())

    assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == [1, "b-2"]
    assert "[전화번호]" in out.getvalue()


def test_exit_status_is_non_zero_on_a_bad_line(tmp_path):
    source = _write_lines(tmp_path / "in.jsonl", ['{"id": 1}'])
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    manage = Path(__file__).resolve().parents[2] / "manage.py"

    done = subprocess.run(
        [sys.executable, str(manage), "redact", str(source), str(tmp_path / "out.jsonl")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert done.returncode != 0
    assert "1번째 줄" in done.stderr and '"text"가 없습니다' in done.stderr
    assert not (tmp_path / "out.jsonl").exists()
