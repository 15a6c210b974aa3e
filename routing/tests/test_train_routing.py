"""manage.py train_routing: confirmed decisions become training items; the model is written whole."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from routing import services
from routing.classifier import save_router
from routing.management.commands.train_routing import confirmed_items, usable_model
from routing.models import RecurringMembership
from routing.tests.workflow_fixtures import *  # noqa: F403
from routing.tests.workflow_fixtures import MEDICAL

pytestmark = pytest.mark.django_db


def test_confirmed_decisions_become_labelled_items(routing_on, sectors, submit, city_official, agency):
    barrier = submit(body=MEDICAL, statutes_named="의료법 제34조")
    services.triage_with_routing(
        barrier_id=barrier.pk,
        actor=city_official,
        kind="proposal",
        lead_agency=agency,
        sector_code="ai",
        statutes=["개인정보 보호법"],
    )
    services.triage_with_routing(  # re-triage: the latest decision is the one that counts
        barrier_id=barrier.pk, actor=city_official, kind="proposal", lead_agency=agency, sector_code="biohealth"
    )
    [item] = confirmed_items()
    regulation = RecurringMembership.objects.get(barrier=barrier).regulation_id
    assert (item.sector, item.ministries, item.statutes) == ("biohealth", (agency.name,), ())
    assert item.cluster == f"R{regulation}" and "의료법 제34조" in item.text and item.title == barrier.title


def test_undecided_and_withdrawn_barriers_teach_nothing(routing_on, sectors, submit, city_official, agency):
    submit(body=MEDICAL)
    withdrawn = submit(body=MEDICAL)
    services.triage_with_routing(
        barrier_id=withdrawn.pk, actor=city_official, kind="proposal", lead_agency=agency, sector_code="ai"
    )
    from barriers import services as barrier_services

    barrier_services.withdraw_barrier(barrier_id=withdrawn.pk, actor=withdrawn.filed_by)
    assert confirmed_items() == []


def test_a_triage_that_confirmed_no_statutes_is_not_a_training_item(routing_on, sectors, submit, city_official, agency):
    from barriers import services as barrier_services

    barrier = submit(body=MEDICAL)
    barrier_services.triage_barrier(barrier_id=barrier.pk, actor=city_official, kind="proposal", lead_agency=agency)
    # the statutes are unknown, not "none": as a label it would teach every statute model "no"
    assert confirmed_items() == []


def test_if_missing_keeps_a_usable_model(tmp_path, small_router):
    out = tmp_path / "router.joblib"
    save_router(small_router, out)
    before = out.stat().st_mtime_ns
    call_command("train_routing", out=out, if_missing=True)
    assert out.stat().st_mtime_ns == before


@pytest.mark.parametrize("content", [b"", b"not a model", None], ids=["empty", "garbage", "absent"])
def test_a_broken_or_absent_model_is_not_usable(tmp_path, content):
    path = tmp_path / "router.joblib"
    if content is not None:
        path.write_bytes(content)
    assert not usable_model(path)


def test_a_model_of_another_version_is_not_usable(tmp_path, small_router):
    import joblib

    path = tmp_path / "router.joblib"
    joblib.dump({"version": 0}, path)
    assert not usable_model(path)
    save_router(small_router, path)
    assert usable_model(path)


def test_bad_labels_are_refused_without_touching_the_model(tmp_path):
    labels, out = tmp_path / "bad.jsonl", tmp_path / "router.joblib"
    labels.write_text('{"id": "a", "text": "x"}\n{oops\n', encoding="utf-8")
    with pytest.raises(CommandError, match=":2:"):
        call_command("train_routing", labels=labels, out=out)
    assert not out.exists()
    with pytest.raises(CommandError, match="missing"):
        call_command("train_routing", labels=tmp_path / "none.jsonl", out=out)


@pytest.mark.slow
def test_retraining_adds_confirmed_decisions_and_writes_a_loadable_model(
    tmp_path, routing_on, sectors, submit, city_official, agency
):
    from routing.classifier import load_router

    barrier = submit(body=MEDICAL)
    services.triage_with_routing(
        barrier_id=barrier.pk, actor=city_official, kind="proposal", lead_agency=agency, sector_code="biohealth"
    )
    out = tmp_path / "router.joblib"
    call_command("train_routing", out=out, no_retrieval=True)
    router = load_router(out)
    assert router.trained_on == 360 + 1
    assert router.route("원격진료가 막혀 있어서 환자를 못 봅니다").sector == "biohealth"
    assert [p.name for p in tmp_path.iterdir()] == ["router.joblib"]  # no temporary file left
