"""Regulatory sandbox (규제샌드박스): loading the pathway/track data and the advisor.

The advisor turns four questions into a pathway, following the statutes' own conditions
(정보통신융합법 제36조·제37조·제38조의2, 산업융합 촉진법 제10조의2·제10조의3·제10조의6):

* nobody knows whether a permit or rule applies → 규제 신속확인 (30 days; silence = not needed);
* another law makes the permit impossible (금지) → 실증특례 only: 임시허가 is excluded when a
  prohibition is clear;
* the permit's standards are missing, or unclear/unsuitable → 임시허가 for a market launch,
  실증특례 for a test limited in time, place and scale.

The track (which ministry runs it) is chosen from the kind of service, the sector, keywords of the
description and any zone; the data (tracks, provisions, periods) lives in the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agencies.selectors import agency_by_name
from core.errors import NotFound, ValidationFailed
from core.text import normalize_text
from firms.models import Sector
from regulations.models import Article, SandboxPathway, SandboxProvision, SandboxTrack, Statute

DATA_PATH = Path(__file__).parent / "data" / "sandbox.json"

RULE_EXISTS = ("yes", "no", "unknown")
RULE_EFFECTS = ("forbids", "no_standard", "unclear", "")
SERVICE_KINDS = ("finance", "ict", "product", "mobility", "city", "")
ZONES = ("", "regional", "smartcity", "rnd_zone")
SERVICE_TRACK = {"finance": "finance", "ict": "ict", "product": "industry", "mobility": "mobility", "city": "smartcity"}
MAX_DESCRIPTION = 2000


@dataclass
class LoadReport:
    pathways: int = 0
    tracks: int = 0
    provisions: int = 0


def _statute_named(name: str) -> Statute | None:
    return Statute.objects.filter(name=name).order_by("law_id").first()


@transaction.atomic
def load_sandbox(*, path: Path = DATA_PATH) -> LoadReport:
    """Create pathways, tracks and provisions that do not exist yet; link statutes and articles
    that are imported (run again after an import to fill links). Admin edits are kept."""
    data = json.loads(path.read_text(encoding="utf-8"))
    report = LoadReport()
    pathways: dict[str, SandboxPathway] = {}
    for item in data["pathways"]:
        pathway, _created = SandboxPathway.objects.get_or_create(
            code=item["code"],
            defaults={k: item[k] for k in ("name", "summary", "when_to_use", "duration", "extension", "ordering")},
        )
        pathways[pathway.code] = pathway
        report.pathways += 1
    sectors = {s.code: s for s in Sector.objects.all()}
    for item in data["tracks"]:
        statute = _statute_named(item["statute"])
        track, created = SandboxTrack.objects.get_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "ministry_name": item["ministry"],
                "statute_name": item["statute"],
                "scope": item["scope"],
                "keywords": item.get("keywords", []),
                "excludes_capital_region": item.get("excludes_capital_region", False),
                "requires_zone": item.get("requires_zone", ""),
                "url": item.get("url", ""),
                "ordering": item.get("ordering", 0),
            },
        )
        if created:
            track.sectors.set([sectors[c] for c in item.get("sectors", []) if c in sectors])
        changed = []
        if track.statute_id is None and statute is not None:
            track.statute = statute
            changed.append("statute")
        if track.agency_id is None:
            agency = agency_by_name(track.ministry_name)
            if agency is not None:
                track.agency = agency
                changed.append("agency")
        if changed:
            track.save(update_fields=changed)
        report.tracks += 1
        for prov in item["provisions"]:
            provision, _created = SandboxProvision.objects.get_or_create(
                track=track,
                pathway=pathways[prov["pathway"]],
                defaults={"article_number": prov["article"], "validity": prov.get("validity", "")},
            )
            if provision.article_id is None and track.statute_id is not None:
                article = Article.objects.filter(statute_id=track.statute_id, number=provision.article_number).first()
                if article is not None:
                    provision.article = article
                    provision.save(update_fields=["article"])
            report.provisions += 1
    return report


# -- advisor -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    """The questionnaire. ``rule_effect`` only matters when ``rule_exists`` is "yes"."""

    rule_exists: str = "unknown"
    rule_effect: str = ""
    limited_test: bool = False
    service_kind: str = ""
    sector: str = ""
    zone: str = ""
    in_capital_region: bool = True
    description: str = ""

    def __post_init__(self) -> None:
        checks = (
            ("rule_exists", RULE_EXISTS),
            ("rule_effect", RULE_EFFECTS),
            ("service_kind", SERVICE_KINDS),
            ("zone", ZONES),
        )
        for name, allowed in checks:
            if getattr(self, name) not in allowed:
                raise ValidationFailed(_("선택할 수 없는 값입니다."), code="invalid_choice", field=name)
        if len(self.description) > MAX_DESCRIPTION:
            raise ValidationFailed(
                _("설명은 %(n)s자 이내로 입력하세요.") % {"n": MAX_DESCRIPTION}, code="too_long", field="description"
            )


# (rule_exists, rule_effect, limited_test) → pathway code and the reason shown to the firm.
# None matches any value. The first matching row wins.
DECISION_TABLE: list[tuple[str | None, str | None, bool | None, str, str]] = [
    (
        "unknown",
        None,
        None,
        "rapid_confirmation",
        gettext_noop(
            "허가등이 필요한지 모르는 상태입니다. 규제 신속확인을 신청하면 관계기관이 30일 이내에 회신해야 하고, "
            "회신이 없으면 허가등이 필요 없는 것으로 봅니다."
        ),
    ),
    (
        "no",
        None,
        None,
        "rapid_confirmation",
        gettext_noop(
            "막는 규제가 없다고 보입니다. 샌드박스 특례는 필요 없지만, "
            "신속확인으로 허가등이 필요 없다는 회신을 받아 두면 투자·영업 단계에서 분쟁을 줄일 수 있습니다."
        ),
    ),
    (
        "yes",
        "forbids",
        None,
        "demonstration",
        gettext_noop(
            "다른 법령 때문에 허가등을 신청할 수 없는(금지된) 경우에는 실증특례만 가능합니다. 임시허가는 다른 법률로 "
            "금지되는 것이 명확하면 받을 수 없습니다. 실증 결과로 만료 2개월 전까지 법령 정비를 요청할 수 있습니다."
        ),
    ),
    (
        "yes",
        "no_standard",
        False,
        "temporary_permit",
        gettext_noop(
            "허가등의 근거 법령에 제품·서비스에 맞는 기준·규격·요건이 없고 바로 시장에 출시하려 하므로 임시허가가 "
            "맞습니다. 안전성 검증 자료와 책임보험이 필요합니다."
        ),
    ),
    (
        "yes",
        "unclear",
        False,
        "temporary_permit",
        gettext_noop(
            "기준·규격·요건을 적용하기가 불명확하거나 불합리하고 시장 출시가 목적이므로 임시허가를 검토하세요. "
            "안전성이 충분히 검증되지 않았다면 실증특례로 먼저 시험하는 편이 빠릅니다."
        ),
    ),
    (
        "yes",
        None,
        True,
        "demonstration",
        gettext_noop(
            "기준이 없거나 맞지 않고, 기간·장소·규모를 제한한 시험을 하려 하므로 실증특례가 맞습니다. 유효기간은 "
            "2년 이하이며 법령이 정비되지 않으면 한 차례 연장할 수 있습니다."
        ),
    ),
    (
        "yes",
        "",
        False,
        "rapid_confirmation",
        gettext_noop(
            "규제가 있다는 것은 알지만 어떻게 막는지 정리되지 않았습니다. 신속확인으로 적용 법령과 소관 기관을 먼저 "
            "확인한 뒤 실증특례나 임시허가를 고르세요."
        ),
    ),
]


def decide_pathway(answers: Answers) -> tuple[str, str]:
    """The pathway code and its reason for the answers (first matching row of the table)."""
    for exists, effect, limited, code, reason in DECISION_TABLE:
        if exists is not None and exists != answers.rule_exists:
            continue
        if effect is not None and effect != answers.rule_effect:
            continue
        if limited is not None and limited != answers.limited_test:
            continue
        return code, reason
    return "rapid_confirmation", DECISION_TABLE[0][4]


@dataclass
class TrackChoice:
    track: SandboxTrack
    score: float
    provision: SandboxProvision | None
    reasons: list[str] = field(default_factory=list)


@dataclass
class Recommendation:
    pathway: SandboxPathway
    pathway_reason: str
    track: TrackChoice | None
    alternatives: list[TrackChoice]
    statutes: list[Any]
    notes: list[str]


def _provision_for(track: SandboxTrack, pathway_code: str) -> SandboxProvision | None:
    for provision in track.provisions.all():
        if provision.pathway.code == pathway_code:
            return provision
    return None


def _track_pathway(track: SandboxTrack, pathway_code: str) -> str:
    """Finance runs its demonstration as 혁신금융서비스 지정 and has no 임시허가."""
    if track.code == "finance" and pathway_code in {"demonstration", "temporary_permit"}:
        return "innovative_finance"
    return pathway_code


def _score_tracks(answers: Answers, pathway_code: str) -> list[TrackChoice]:
    from regulations.selectors import sandbox_tracks

    text = normalize_text(answers.description).lower()
    choices: list[TrackChoice] = []
    for track in sandbox_tracks():
        reasons: list[str] = []
        if track.excludes_capital_region and answers.in_capital_region:
            continue  # 규제자유특구 is for non-capital regions only (규제자유특구법 제74조)
        score = 0.0
        if SERVICE_TRACK.get(answers.service_kind) == track.code:
            score += 3
            reasons.append(_("서비스 성격이 이 트랙의 대상과 맞습니다."))
        if answers.zone and answers.zone == track.code:
            score += 3
            reasons.append(_("사업 장소가 %(zone)s 안에 있습니다.") % {"zone": track.requires_zone})
        elif track.requires_zone and not track.excludes_capital_region:
            score -= 1.5  # needs a designated zone the firm did not say it is in
        if answers.sector and any(s.code == answers.sector for s in track.sectors.all()):
            score += 1
        hits = [k for k in track.keywords if k.lower() in text]
        if hits:
            score += min(len(hits), 3)
            reasons.append(_("설명에 %(words)s이(가) 있습니다.") % {"words": ", ".join(hits[:3])})
        provision = _provision_for(track, _track_pathway(track, pathway_code))
        if provision is None:
            score -= 0.5  # prefer, among equally fitting tracks, one that offers the pathway
        choices.append(TrackChoice(track=track, score=score, provision=provision, reasons=reasons))
    choices.sort(key=lambda c: (-c.score, c.track.ordering))
    return choices


FALLBACK: dict[str, tuple[str, ...]] = {
    "temporary_permit": ("demonstration", "rapid_confirmation"),
    "demonstration": ("rapid_confirmation",),
    "innovative_finance": ("rapid_confirmation",),
}


def _pathway_name(code: str) -> str:
    pathway = SandboxPathway.objects.filter(code=code).first()
    return pathway.name if pathway else code


def advise(answers: Answers) -> Recommendation:
    """Recommend a pathway and a track, with reasons, the provisions and the statutes involved."""
    pathway_code, reason = decide_pathway(answers)
    choices = _score_tracks(answers, pathway_code)
    top = choices[0] if choices and choices[0].score > 0 else None
    notes: list[str] = []
    if top is not None:
        pathway_code = _track_pathway(top.track, pathway_code)
        # A track lacking the pathway (스마트도시·모빌리티 have no 임시허가) falls back to the
        # next one it offers: 임시허가 → 실증특례 → 신속확인.
        for fallback in FALLBACK.get(pathway_code, ()):
            if top.provision is not None:
                break
            top.provision = _provision_for(top.track, fallback)
            if top.provision is not None:
                notes.append(
                    _("%(track)s에는 %(missing)s가 없어 %(fallback)s로 안내합니다.")
                    % {
                        "track": top.track.name,
                        "missing": _pathway_name(pathway_code),
                        "fallback": _pathway_name(fallback),
                    }
                )
                pathway_code = fallback
    else:
        notes.append(_("맞는 트랙을 고르기 어렵습니다. 서비스 성격을 선택하거나 설명을 보태 주세요."))
    if answers.in_capital_region:
        notes.append(_("규제자유특구는 비수도권 시·도만 지정받을 수 있어 서울 사업장은 대상이 아닙니다."))
    pathway = SandboxPathway.objects.filter(code=pathway_code).first()
    if pathway is None:
        # The pathways are reference data loaded with the statutes (import_statutes).
        raise NotFound(_("샌드박스 제도 자료가 아직 준비되지 않았습니다. 관리자에게 문의하세요."))
    statutes: list[Any] = []
    if answers.description.strip():
        from regulations.selectors import search_statutes

        statutes = [hit.statute for hit in search_statutes(answers.description[:1000], limit=5)]
    return Recommendation(
        pathway=pathway,
        pathway_reason=_(reason),
        track=top,
        alternatives=[c for c in choices[1:4] if c.score > 0],
        statutes=statutes,
        notes=notes,
    )
