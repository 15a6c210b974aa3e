from __future__ import annotations

import pytest

from core.errors import ValidationFailed
from regulations.models import SandboxProvision
from regulations.sandbox import Answers, advise, decide_pathway

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("_case", "exists", "effect", "limited", "pathway"),
    [
        ("nobody knows", "unknown", "", False, "rapid_confirmation"),
        ("no rule", "no", "", True, "rapid_confirmation"),
        ("forbidden, market", "yes", "forbids", False, "demonstration"),
        ("forbidden, test", "yes", "forbids", True, "demonstration"),
        ("no standard, market", "yes", "no_standard", False, "temporary_permit"),
        ("no standard, test", "yes", "no_standard", True, "demonstration"),
        ("unclear, market", "yes", "unclear", False, "temporary_permit"),
        ("unclear, test", "yes", "unclear", True, "demonstration"),
        ("rule, effect unknown", "yes", "", False, "rapid_confirmation"),
    ],
)
def test_decision_table(_case, exists, effect, limited, pathway):
    code, reason = decide_pathway(Answers(rule_exists=exists, rule_effect=effect, limited_test=limited))
    assert code == pathway
    assert reason


def test_fintech_demonstration_becomes_innovative_finance_service(imported):
    advice = advise(Answers(rule_exists="yes", rule_effect="forbids", service_kind="finance", sector="fintech"))

    assert advice.track.track.code == "finance"
    assert advice.pathway.code == "innovative_finance"
    assert advice.track.provision.article_number == "제4조"


def test_ict_temporary_permit_cites_article_37(imported):
    advice = advise(
        Answers(rule_exists="yes", rule_effect="no_standard", service_kind="ict", description="AI 플랫폼 앱")
    )

    assert (advice.track.track.code, advice.pathway.code) == ("ict", "temporary_permit")
    assert advice.track.provision.article.number == "제37조"


def test_regional_zone_is_not_offered_in_the_capital_region(imported):
    seoul = advise(Answers(rule_exists="yes", rule_effect="forbids", zone="regional", in_capital_region=True))
    outside = advise(Answers(rule_exists="yes", rule_effect="forbids", zone="regional", in_capital_region=False))

    assert "regional" not in {c.track.code for c in [seoul.track, *seoul.alternatives] if c}
    assert outside.track.track.code == "regional"


def test_track_without_the_pathway_falls_back_to_the_next_pathway(imported):
    advice = advise(Answers(rule_exists="yes", rule_effect="no_standard", service_kind="city"))

    # 스마트도시 has no 임시허가: its 스마트실증사업 (실증특례) is offered instead, and said so.
    assert (advice.track.track.code, advice.pathway.code) == ("smartcity", "demonstration")
    assert advice.track.provision.article_number == "제50조"
    assert any("임시허가" in str(note) for note in advice.notes)


def test_description_suggests_related_statutes(imported):
    advice = advise(Answers(description="배달로봇이 보도로 통행하는 서비스"))

    assert "도로교통법" in [s.name for s in advice.statutes]


def test_invalid_choice_is_refused():
    with pytest.raises(ValidationFailed):
        Answers(rule_exists="maybe")


def test_provisions_link_to_imported_articles(imported):
    linked = SandboxProvision.objects.filter(track__code="ict").values_list("article__number", flat=True)

    assert set(linked) == {"제36조", "제37조", "제38조의2"}
