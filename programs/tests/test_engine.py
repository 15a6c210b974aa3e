"""The vectorised engine must give exactly what the reference matcher gives."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programs.engine import CompiledPrograms
from programs.matching import FirmProfile, ProgramRule, rank

DAY = dt.date(2024, 2, 29)
sectors = st.frozensets(st.sampled_from(["fintech", "mobility", "robots", "ai", "biohealth"]), max_size=2)
dates = st.one_of(st.none(), st.dates(min_value=dt.date(2010, 2, 28), max_value=dt.date(2024, 3, 31)))
words = st.frozensets(st.sampled_from(["실증", "해외", "로봇", "인증", "배달", "데이터", "투자"]), max_size=3)

rules = st.builds(
    ProgramRule,
    key=st.text("abc", min_size=1, max_size=3),
    title=st.sampled_from(["가", "나", "다"]),
    kind=st.sampled_from(["funding", "testbed", "sandbox_cost", "overseas", "certification", "other"]),
    sectors=sectors,
    sectors_required=st.booleans(),
    size_classes=st.frozensets(st.sampled_from(["small", "medium", "middle", "large"]), max_size=2),
    stages=st.frozensets(st.sampled_from(["pre", "early", "leap", "growth"]), max_size=2),
    target_groups=st.frozensets(
        st.sampled_from(["중소기업", "창업벤처", "여성기업", "사회적기업", "기타단체"]), max_size=2
    ),
    regions=st.frozensets(st.sampled_from(["서울", "부산", "경기"]), max_size=2),
    clusters=st.frozensets(st.sampled_from(["sangam", "magok"]), max_size=1),
    ksic_ranges=st.lists(
        st.tuples(st.integers(1, 60), st.integers(0, 40)).map(lambda t: (t[0], t[0] + t[1])), max_size=2
    ).map(tuple),
    min_age_years=st.one_of(st.none(), st.integers(0, 10)),
    min_age_strict=st.booleans(),
    max_age_years=st.one_of(st.none(), st.integers(0, 10)),
    max_age_strict=st.booleans(),
    allows_pre_founding=st.booleans(),
    announced_on=st.one_of(st.none(), st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2024, 6, 1))),
    period_kind=st.sampled_from(["dated", "rolling", "unparsed", "until_exhausted"]),
    opens_on=st.one_of(st.none(), st.dates(min_value=dt.date(2023, 6, 1), max_value=dt.date(2024, 6, 1))),
    closes_on=st.one_of(st.none(), st.dates(min_value=dt.date(2024, 2, 1), max_value=dt.date(2024, 9, 1))),
    archived=st.booleans(),
    tokens=words,
)
firms = st.builds(
    FirmProfile,
    key=st.just("f"),
    sectors=sectors,
    size=st.sampled_from([None, "small", "medium", "middle", "large"]),
    founded_on=dates,
    region=st.sampled_from([None, "서울", "부산"]),
    cluster=st.sampled_from([None, "sangam", "magok"]),
    ksic=st.sampled_from([None, "J", "C", "62010", "28", "A"]),
    target_groups=st.frozensets(st.sampled_from(["여성기업", "사회적기업", "벤처기업", "기타단체"]), max_size=2),
    needs=words,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(firm=firms, programs=st.lists(rules, max_size=25), top=st.integers(1, 8), ignore=st.booleans())
def test_engine_equals_reference(firm, programs, top, ignore):
    expected = rank(firm, programs, as_of=DAY, top=top, ignore_archive=ignore)
    got = CompiledPrograms(programs).top(firm, as_of=DAY, top=top, ignore_archive=ignore)
    assert [(m.rule.key, m.rule.title, m.score) for m in got] == [(m.rule.key, m.rule.title, m.score) for m in expected]
    assert all(m.eligible for m in got)


def test_empty_program_list():
    assert CompiledPrograms([]).top(FirmProfile(key="f"), as_of=DAY) == []
