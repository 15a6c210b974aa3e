from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command


def test_train_router_refuses_missing_labels(tmp_path):
    with pytest.raises(CommandError, match="missing"):
        call_command("train_router", labels=tmp_path / "missing.jsonl", out=tmp_path / "m.joblib")


def test_train_router_refuses_invalid_json_with_line_number(tmp_path):
    labels = tmp_path / "bad.jsonl"
    labels.write_text('{"id": "a", "text": "x"}\nnot json\n', encoding="utf-8")
    with pytest.raises(CommandError, match=":2:"):
        call_command("train_router", labels=labels, out=tmp_path / "m.joblib")
    assert not (tmp_path / "m.joblib").exists()


@pytest.mark.slow
def test_train_router_writes_a_loadable_model(tmp_path):
    from routing.classifier import load_router

    out = tmp_path / "router.joblib"
    call_command("train_router", out=out, no_retrieval=True)
    routing = load_router(out).route("원격진료가 막혀 있어서 환자를 못 봅니다")
    assert routing.sector == "biohealth"
    assert "보건복지부" in [a.name for a in routing.agencies[:3]]
