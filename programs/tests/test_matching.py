"""Eligibility and ranking on a table of firm × program cases (pure, no database)."""

import datetime as dt

import pytest

from programs.matching import FirmProfile, ProgramRule, evaluate, rank

AS_OF = dt.date(2026, 6, 15)


def firm(**kw):
    base = {
        "key": "f",
        "sectors": frozenset({"robots"}),
        "size": "small",
        "founded_on": dt.date(2024, 1, 1),
        "region": "서울",
    }
    base.update(kw)
    return FirmProfile(**base)


def rule(**kw):
    base = {
        "key": "p",
        "title": "사업",
        "period_kind": "dated",
        "opens_on": dt.date(2026, 1, 1),
        "closes_on": dt.date(2026, 12, 31),
    }
    base.update(kw)
    return ProgramRule(**base)


def years_ago(years, days=0):
    return AS_OF.replace(year=AS_OF.year - years) + dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("_case", "firm_kw", "rule_kw", "eligible"),
    [
        # growth stages at each boundary (초기 ≤ 3 years, 도약기 ≤ 7, 성장기 after)
        ("pre-founding in pre program", {"founded_on": None}, {"stages": frozenset({"pre"})}, True),
        ("pre-founding in early program", {"founded_on": None}, {"stages": frozenset({"early"})}, False),
        ("founded today is early", {"founded_on": AS_OF}, {"stages": frozenset({"early"})}, True),
        ("exactly 3 years is early", {"founded_on": years_ago(3)}, {"stages": frozenset({"early"})}, True),
        ("3 years + 1 day is leap", {"founded_on": years_ago(3, -1)}, {"stages": frozenset({"early"})}, False),
        ("3 years + 1 day in leap program", {"founded_on": years_ago(3, -1)}, {"stages": frozenset({"leap"})}, True),
        ("exactly 7 years is leap", {"founded_on": years_ago(7)}, {"stages": frozenset({"leap"})}, True),
        ("7 years + 1 day is growth", {"founded_on": years_ago(7, -1)}, {"stages": frozenset({"growth"})}, True),
        ("7 years + 1 day not leap", {"founded_on": years_ago(7, -1)}, {"stages": frozenset({"leap"})}, False),
        # founding age limits
        ("7 years within 7", {"founded_on": years_ago(7)}, {"max_age_years": 7}, True),
        ("7y+1d not within 7", {"founded_on": years_ago(7, -1)}, {"max_age_years": 7}, False),
        ("3 years not under 3", {"founded_on": years_ago(3)}, {"max_age_years": 3, "max_age_strict": True}, False),
        ("3y-1d under 3", {"founded_on": years_ago(3, 1)}, {"max_age_years": 3, "max_age_strict": True}, True),
        ("3 years at least 3", {"founded_on": years_ago(3)}, {"min_age_years": 3}, True),
        ("3y-1d not at least 3", {"founded_on": years_ago(3, 1)}, {"min_age_years": 3}, False),
        ("3 years not over 3", {"founded_on": years_ago(3)}, {"min_age_years": 3, "min_age_strict": True}, False),
        ("pre-founding refused", {"founded_on": None}, {"max_age_years": 3, "allows_pre_founding": False}, False),
        ("pre-founding allowed", {"founded_on": None}, {"max_age_years": 3, "allows_pre_founding": True}, True),
        (
            "founded in future is pre",
            {"founded_on": AS_OF + dt.timedelta(days=1)},
            {"allows_pre_founding": False},
            False,
        ),
        # size classes
        ("small in SME program", {"size": "small"}, {"size_classes": frozenset({"small", "medium"})}, True),
        ("medium in SME program", {"size": "medium"}, {"size_classes": frozenset({"small", "medium"})}, True),
        ("middle not in SME program", {"size": "middle"}, {"size_classes": frozenset({"small", "medium"})}, False),
        ("large not in SME program", {"size": "large"}, {"size_classes": frozenset({"small", "medium"})}, False),
        ("unknown size refused", {"size": None}, {"size_classes": frozenset({"small"})}, False),
        # region and cluster
        ("seoul firm in seoul program", {"region": "서울"}, {"regions": frozenset({"서울"})}, True),
        ("busan firm in seoul program", {"region": "부산"}, {"regions": frozenset({"서울"})}, False),
        ("unknown region in seoul program", {"region": None}, {"regions": frozenset({"서울"})}, False),
        ("nationwide", {"region": "부산"}, {}, True),
        ("cluster member", {"cluster": "sangam"}, {"clusters": frozenset({"sangam"})}, True),
        ("other cluster", {"cluster": "magok"}, {"clusters": frozenset({"sangam"})}, False),
        # sectors
        ("sector required, match", {}, {"sectors": frozenset({"robots"})}, True),
        ("sector required, no match", {}, {"sectors": frozenset({"fintech"})}, False),
        ("sector hint only", {}, {"sectors": frozenset({"fintech"}), "sectors_required": False}, True),
        # industries
        ("ksic in range", {"ksic": "28111"}, {"ksic_ranges": ((10, 34),)}, True),
        ("ksic out of range", {"ksic": "62010"}, {"ksic_ranges": ((10, 34),)}, False),
        ("ksic section overlaps", {"ksic": "J"}, {"ksic_ranges": ((58, 63),)}, True),
        ("ksic unknown passes", {"ksic": None}, {"ksic_ranges": ((10, 34),)}, True),
        # target groups
        ("social enterprise not declared", {}, {"target_groups": frozenset({"사회적기업"})}, False),
        (
            "social enterprise declared",
            {"target_groups": frozenset({"사회적기업"})},
            {"target_groups": frozenset({"사회적기업"})},
            True,
        ),
        ("startup group by age", {"founded_on": years_ago(5)}, {"target_groups": frozenset({"창업벤처"})}, True),
        ("startup group too old", {"founded_on": years_ago(9)}, {"target_groups": frozenset({"창업벤처"})}, False),
        # period
        ("closed", {}, {"closes_on": AS_OF - dt.timedelta(days=1)}, False),
        ("closes today", {}, {"closes_on": AS_OF}, True),
        ("not yet open", {}, {"opens_on": AS_OF + dt.timedelta(days=1)}, False),
        ("rolling", {}, {"opens_on": None, "closes_on": None, "period_kind": "rolling"}, True),
        ("unparsed period", {}, {"opens_on": None, "closes_on": None, "period_kind": "unparsed"}, False),
        ("archived", {}, {"archived": True}, False),
        ("announced later", {}, {"announced_on": AS_OF + dt.timedelta(days=1)}, False),
    ],
)
def test_eligibility(_case, firm_kw, rule_kw, eligible):
    match = evaluate(firm(**firm_kw), rule(**rule_kw), as_of=AS_OF)
    assert match.eligible is eligible
    if eligible:
        assert match.reasons and not match.why_not
    else:
        assert match.why_not and match.score == 0


def test_every_failed_filter_is_explained():
    match = evaluate(
        firm(size="large", region="부산", founded_on=years_ago(10)),
        rule(
            size_classes=frozenset({"small"}), regions=frozenset({"서울"}), max_age_years=7, sectors=frozenset({"ai"})
        ),
        as_of=AS_OF,
    )
    assert len(match.why_not) == 4
    text = " ".join(match.why_not)
    assert "소기업 대상인데 대기업입니다" in text
    assert "서울 소재 기업 대상" in text
    assert "업력 7년 이내" in text
    assert "AI 분야" in text


def test_reasons_say_why_it_fits():
    match = evaluate(
        firm(cluster="yangjae-suseo"),
        rule(
            sectors=frozenset({"robots"}), clusters=frozenset({"yangjae-suseo"}), closes_on=AS_OF + dt.timedelta(days=3)
        ),
        as_of=AS_OF,
    )
    assert "로봇 분야를 지원합니다." in match.reasons
    assert "소속 클러스터 기업을 위한 사업입니다." in match.reasons
    assert "마감이 가깝습니다 (D-3)." in match.reasons


def test_archived_counts_as_open_when_ignored():
    assert evaluate(firm(), rule(archived=True), as_of=AS_OF, ignore_archive=True).eligible


def test_firm_blocked_by_demonstration_rule_sees_testbeds_first():
    blocked = firm(needs=frozenset({"실증", "규제", "보도"}))
    rules = [
        rule(key="fund", title="가 자금", kind="funding", sectors=frozenset({"robots"})),
        rule(key="bed", title="나 테스트베드", kind="testbed"),
        rule(key="sandbox", title="다 샌드박스", kind="sandbox_cost"),
    ]
    ranked = [m.rule.key for m in rank(blocked, rules, as_of=AS_OF)]
    assert ranked[:2] == ["bed", "sandbox"]
    plain = [m.rule.key for m in rank(firm(), rules, as_of=AS_OF)]
    assert plain[0] == "fund"
    top = rank(blocked, rules, as_of=AS_OF)[0]
    assert top.reasons[0].startswith("실증 규제로 막힌 애로가 있어")


def test_rank_keeps_only_eligible_and_orders_ties_by_deadline():
    rules = [
        rule(key="late", title="A", closes_on=dt.date(2026, 12, 1)),
        rule(key="soon", title="B", closes_on=dt.date(2026, 9, 1)),
        rule(key="closed", title="C", closes_on=dt.date(2026, 1, 31)),
    ]
    assert [m.rule.key for m in rank(firm(), rules, as_of=AS_OF)] == ["soon", "late"]
    assert [m.rule.key for m in rank(firm(), rules, as_of=AS_OF, top=1)] == ["soon"]


def test_needs_raise_matching_kinds():
    wants_overseas = firm(needs=frozenset({"해외", "진출"}))
    overseas = evaluate(wants_overseas, rule(kind="overseas"), as_of=AS_OF)
    other = evaluate(wants_overseas, rule(kind="funding"), as_of=AS_OF)
    assert overseas.score > other.score
    assert "필요로 하신 '해외 진출' 지원입니다." in overseas.reasons
