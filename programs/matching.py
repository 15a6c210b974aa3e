"""Explainable matching of a firm to programs (pure: no database, so batch and pages share it).

Hard filters decide eligibility; every failed filter becomes a plain-language "why not". Fit
adds points for each thing that makes the program suit this firm, each with its "why". Scores
run 0–100 and are only compared between programs for the same firm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from firms.stages import GrowthStage, growth_stage
from programs.parsing import ksic_division

STAGE_LABELS = {str(s.value): str(s.label) for s in GrowthStage}
SIZE_LABELS = {"small": "소기업", "medium": "중기업", "middle": "중견기업", "large": "대기업"}
SECTOR_LABELS = {"fintech": "핀테크", "mobility": "모빌리티", "robots": "로봇", "ai": "AI", "biohealth": "바이오헬스"}
KIND_LABELS = {
    "funding": "자금 지원",
    "testbed": "실증·테스트베드",
    "space": "공간·입주",
    "overseas": "해외 진출",
    "talent": "인력",
    "ip": "지식재산",
    "certification": "시험·인증",
    "investment": "투자 연계",
    "consulting": "컨설팅",
    "sandbox_cost": "규제샌드박스 비용 지원",
    "marketing": "판로·홍보",
    "tech": "기술 개발·사업화",
}
OPEN_ENDED = frozenset({"rolling", "until_exhausted", "first_come", "varies"})
DEMONSTRATION_KINDS = frozenset({"testbed", "sandbox_cost"})
# Words in a firm's needs (or its open barriers) that mean "a demonstration rule blocks us".
DEMONSTRATION_WORDS = frozenset({"실증", "테스트베드", "시범", "샌드박스", "특례", "임시", "허가", "실증특례"})
# Words in a firm's needs that point at a kind of support.
NEED_KINDS: dict[str, str] = {
    "자금": "funding",
    "융자": "funding",
    "보증": "funding",
    "투자": "investment",
    "투자자": "investment",
    "해외": "overseas",
    "수출": "overseas",
    "인증": "certification",
    "시험": "certification",
    "특허": "ip",
    "지식재산": "ip",
    "인력": "talent",
    "채용": "talent",
    "사무실": "space",
    "공간": "space",
    "입주": "space",
    "판로": "marketing",
    "홍보": "marketing",
    "컨설팅": "consulting",
    "실증": "testbed",
    "테스트베드": "testbed",
    "샌드박스": "sandbox_cost",
}
CLOSING_SOON_DAYS = 14
# Holding 중소기업 status is judged by size class; 중견·대기업 are not 중소기업.
SME_SIZES = frozenset({"small", "medium"})


@dataclass(frozen=True)
class FirmProfile:
    key: str
    sectors: frozenset[str] = frozenset()
    size: str | None = None
    founded_on: dt.date | None = None
    region: str | None = None  # 시·도 short name (서울); None when unknown
    cluster: str | None = None  # cluster slug
    ksic: str | None = None
    target_groups: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()  # content morphemes of needs text and open barriers

    @property
    def demonstration_blocked(self) -> bool:
        return bool(self.needs & DEMONSTRATION_WORDS)


@dataclass(frozen=True)
class ProgramRule:
    key: str
    title: str
    kind: str = "other"
    pk: int | None = None
    sectors: frozenset[str] = frozenset()
    sectors_required: bool = True
    size_classes: frozenset[str] = frozenset()
    stages: frozenset[str] = frozenset()
    target_groups: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    clusters: frozenset[str] = frozenset()
    ksic_ranges: tuple[tuple[int, int], ...] = ()
    min_age_years: int | None = None
    min_age_strict: bool = False
    max_age_years: int | None = None
    max_age_strict: bool = False
    allows_pre_founding: bool = True
    announced_on: dt.date | None = None
    period_kind: str = "unparsed"
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None
    archived: bool = False
    tokens: frozenset[str] = frozenset()


@dataclass
class Match:
    rule: ProgramRule
    eligible: bool
    score: int = 0
    reasons: list[str] = field(default_factory=list)
    why_not: list[str] = field(default_factory=list)


def _anniversary(founded_on: dt.date, years: int) -> dt.date:
    """``years`` after ``founded_on`` (29 February counts from 28 February, as firms.stages does)."""
    try:
        return founded_on.replace(year=founded_on.year + years)
    except ValueError:
        return founded_on.replace(year=founded_on.year + years, day=28)


def _period_refusal(rule: ProgramRule, as_of: dt.date, ignore_archive: bool) -> str | None:
    if rule.archived and not ignore_archive:
        return "지난 공고입니다 (접수 마감)."
    if rule.announced_on and rule.announced_on > as_of:
        return f"아직 공고되지 않았습니다 ({rule.announced_on:%Y-%m-%d} 공고)."
    if rule.opens_on and as_of < rule.opens_on:
        return f"접수 시작 전입니다 ({rule.opens_on:%Y-%m-%d}부터)."
    if rule.closes_on:
        if as_of > rule.closes_on:
            return f"접수가 마감되었습니다 ({rule.closes_on:%Y-%m-%d})."
        return None
    if rule.period_kind in OPEN_ENDED:
        return None
    return "접수 기간이 정해지지 않았습니다 (공고 원문을 확인하세요)."


def _age_refusal(rule: ProgramRule, founded: dt.date | None, as_of: dt.date) -> str | None:
    if founded is None or founded > as_of:
        if not rule.allows_pre_founding:
            return "예비창업자(설립 전)는 신청할 수 없습니다."
        return None
    if rule.max_age_years is not None:
        limit = _anniversary(founded, rule.max_age_years)
        too_old = as_of >= limit if rule.max_age_strict else as_of > limit
        if too_old:
            word = "미만" if rule.max_age_strict else "이내"
            return f"업력 {rule.max_age_years}년 {word} 기업 대상인데 {founded:%Y-%m-%d}에 설립되었습니다."
    if rule.min_age_years is not None:
        limit = _anniversary(founded, rule.min_age_years)
        too_young = as_of <= limit if rule.min_age_strict else as_of < limit
        if too_young:
            word = "초과" if rule.min_age_strict else "이상"
            return f"업력 {rule.min_age_years}년 {word} 기업 대상입니다 ({founded:%Y-%m-%d} 설립)."
    return None


def _group_satisfied(group: str, firm: FirmProfile, stage: str) -> bool:
    if group in firm.target_groups:
        return True
    if group == "중소기업":
        return firm.size in SME_SIZES or firm.size is None
    if group == "창업벤처":
        return "벤처기업" in firm.target_groups or stage in {"pre", "early", "leap"}
    return False


def evaluate(firm: FirmProfile, rule: ProgramRule, *, as_of: dt.date, ignore_archive: bool = False) -> Match:
    """Eligibility (every failed hard filter listed) and, when eligible, the fit score with reasons."""
    stage = str(growth_stage(founded_on=firm.founded_on, as_of=as_of))
    why_not: list[str] = []
    reasons: list[str] = []
    score = 0

    refusal = _period_refusal(rule, as_of, ignore_archive)
    if refusal:
        why_not.append(refusal)
    if rule.size_classes:
        if firm.size not in rule.size_classes:
            wanted = "·".join(SIZE_LABELS.get(s, s) for s in sorted(rule.size_classes))
            have = SIZE_LABELS.get(firm.size or "", "규모 미상")
            why_not.append(f"{wanted} 대상인데 {have}입니다.")
        else:
            score += 10
            reasons.append(f"기업 규모({SIZE_LABELS.get(firm.size or '', '')})가 지원 대상입니다.")
    if rule.stages:
        if stage not in rule.stages:
            wanted = "·".join(STAGE_LABELS.get(s, s) for s in sorted(rule.stages))
            why_not.append(f"{wanted} 기업 대상인데 지금은 {STAGE_LABELS[stage]}입니다.")
        else:
            score += 15
            reasons.append(f"성장단계({STAGE_LABELS[stage]})가 지원 대상입니다.")
    age_refusal = _age_refusal(rule, firm.founded_on, as_of)
    if age_refusal:
        why_not.append(age_refusal)
    elif rule.max_age_years is not None or rule.min_age_years is not None:
        score += 10
        reasons.append("업력 요건을 충족합니다.")
    if rule.regions:
        if firm.region not in rule.regions:
            where = "·".join(sorted(rule.regions))
            why_not.append(f"{where} 소재 기업 대상입니다 (소재지: {firm.region or '미상'}).")
        elif len(rule.regions) <= 3:
            score += 10
            reasons.append(f"{firm.region} 소재 기업을 위한 사업입니다.")
    if rule.clusters:
        if firm.cluster not in rule.clusters:
            why_not.append("지정된 혁신산업 클러스터 입주·소재 기업 대상입니다.")
        else:
            score += 15
            reasons.append("소속 클러스터 기업을 위한 사업입니다.")
    if rule.ksic_ranges:
        division = ksic_division(firm.ksic)
        if division is None:
            reasons.append("업종(KSIC) 정보가 없어 업종 요건은 신청 때 확인하세요.")
        elif not any(lo <= division[1] and division[0] <= hi for lo, hi in rule.ksic_ranges):
            why_not.append(f"대상 업종이 아닙니다 (KSIC {firm.ksic}).")
    if rule.target_groups:
        if not any(_group_satisfied(g, firm, stage) for g in rule.target_groups):
            why_not.append(f"지원 대상({'·'.join(sorted(rule.target_groups))})에 해당하지 않습니다.")
        else:
            declared = sorted(rule.target_groups & firm.target_groups)
            if declared:
                score += 10
                reasons.append(f"{'·'.join(declared)} 대상 사업입니다.")
    if rule.sectors:
        shared = rule.sectors & firm.sectors
        if shared:
            score += 30
            names = "·".join(SECTOR_LABELS.get(s, s) for s in sorted(shared))
            reasons.append(f"{names} 분야를 지원합니다.")
        else:
            names = "·".join(SECTOR_LABELS.get(s, s) for s in sorted(rule.sectors))
            if rule.sectors_required:
                why_not.append(f"{names} 분야 기업 대상입니다.")
            else:
                reasons.append(f"{names} 분야를 우대하지만 다른 분야도 신청할 수 있습니다.")
    else:
        score += 5
        reasons.append("분야 제한이 없습니다.")

    if why_not:
        return Match(rule, eligible=False, score=0, reasons=[], why_not=why_not)

    if firm.demonstration_blocked and rule.kind in DEMONSTRATION_KINDS:
        score += 40
        reasons.insert(0, "실증 규제로 막힌 애로가 있어 실증·샌드박스 지원을 먼저 보여 드립니다.")
    wanted_kinds = {NEED_KINDS[w] for w in firm.needs if w in NEED_KINDS}
    if rule.kind in wanted_kinds:
        score += 15
        reasons.append(f"필요로 하신 '{KIND_LABELS.get(rule.kind, rule.kind)}' 지원입니다.")
    overlap = sorted((firm.needs & rule.tokens) - set(NEED_KINDS))[:3]
    if overlap:
        score += min(15, 5 * len(overlap))
        reasons.append("필요 사항과 겹치는 내용: " + ", ".join(overlap))
    if rule.closes_on:
        days = (rule.closes_on - as_of).days
        if days <= CLOSING_SOON_DAYS:
            score += 5
            reasons.append(f"마감이 가깝습니다 (D-{days}).")
    if not reasons:
        reasons.append("자격 요건을 모두 충족합니다.")
    return Match(rule, eligible=True, score=min(score, 100), reasons=reasons, why_not=[])


def rank(
    firm: FirmProfile,
    rules: Iterable[ProgramRule],
    *,
    as_of: dt.date,
    top: int | None = None,
    ignore_archive: bool = False,
) -> list[Match]:
    """Eligible programs only, best fit first; ties by nearer deadline, then title."""
    far = dt.date.max
    matches = [m for r in rules if (m := evaluate(firm, r, as_of=as_of, ignore_archive=ignore_archive)).eligible]
    matches.sort(key=lambda m: (-m.score, m.rule.closes_on or far, m.rule.title, m.rule.key))
    return matches[:top] if top is not None else matches
