"""JSON API for the regulations app (mounted at /api/regulations by haechi/api.py)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from accounts.api import ErrorOut
from firms.models import Sector
from regulations import sandbox, selectors
from regulations.models import Article, Statute, StatuteKind
from regulations.search.engine import MAX_QUERY_CHARS, SearchHit

router = Router(tags=["regulations"])


class SearchFilter(Schema):
    q: str = Field("", max_length=MAX_QUERY_CHARS)
    kind: StatuteKind | None = None
    agency: str = Field("", max_length=120, description="기관 코드 또는 이름(옛 이름 포함)")
    sector: str = Field("", max_length=20)
    limit: int = Field(20, ge=1, le=100)


class StatuteRef(Schema):
    law_id: str
    name: str
    kind: str
    agency: str | None


class StatuteHitOut(Schema):
    statute: StatuteRef
    match: str
    score: float
    snippet: str


class ArticleHitOut(Schema):
    statute: StatuteRef
    number: str
    title: str
    match: str
    score: float
    snippet: str


class StatuteOut(Schema):
    law_id: str
    name: str
    kind: str
    role: str | None
    parent: str | None
    agency: str | None
    aliases: list[str]
    sectors: list[str]
    promulgated_on: dt.date | None
    effective_on: dt.date | None
    revision: str
    source_url: str
    article_count: int


class ArticleOut(Schema):
    statute: StatuteRef
    number: str
    title: str
    chapter: str
    paragraphs: list[str]


class AdviceIn(Schema):
    rule_exists: str = Field("unknown", pattern="^(yes|no|unknown)$")
    rule_effect: str = Field("", pattern="^(forbids|no_standard|unclear|)$")
    limited_test: bool = False
    service_kind: str = Field("", pattern="^(finance|ict|product|mobility|city|)$")
    sector: str = Field("", max_length=20)
    zone: str = Field("", pattern="^(regional|smartcity|rnd_zone|)$")
    in_capital_region: bool = True
    description: str = Field("", max_length=sandbox.MAX_DESCRIPTION)


class TrackOut(Schema):
    code: str
    name: str
    ministry: str
    statute: str
    article: str | None
    validity: str | None
    reasons: list[str]


class AdviceOut(Schema):
    pathway: str
    pathway_name: str
    reason: str
    track: TrackOut | None
    alternatives: list[TrackOut]
    statutes: list[StatuteRef]
    notes: list[str]


def _ref(statute: Statute) -> StatuteRef:
    return StatuteRef(
        law_id=statute.law_id,
        name=statute.name,
        kind=statute.kind,
        agency=statute.agency.name if statute.agency else None,
    )


def _statute_hit(hit: SearchHit) -> StatuteHitOut:
    return StatuteHitOut(statute=_ref(hit.statute), match=hit.match, score=_finite(hit.score), snippet=str(hit.snippet))


def _finite(score: float) -> float:
    return score if score != float("inf") else 1e9


@router.get("/statutes", response={200: list[StatuteHitOut], 400: ErrorOut}, summary="법령 검색")
def statute_search(request: HttpRequest, filters: Query[SearchFilter]) -> list[StatuteHitOut]:
    hits = selectors.search_statutes(
        filters.q, kind=filters.kind, agency=filters.agency or None, sector=filters.sector or None, limit=filters.limit
    )
    return [_statute_hit(h) for h in hits]


@router.get("/articles", response={200: list[ArticleHitOut], 400: ErrorOut}, summary="조문 검색")
def article_search(request: HttpRequest, filters: Query[SearchFilter]) -> list[ArticleHitOut]:
    hits = selectors.search_articles(
        filters.q, kind=filters.kind, agency=filters.agency or None, sector=filters.sector or None, limit=filters.limit
    )
    return [
        ArticleHitOut(
            statute=_ref(h.statute),
            number=h.article.number if h.article else "",
            title=h.article.title if h.article else "",
            match=h.match,
            score=_finite(h.score),
            snippet=str(h.snippet),
        )
        for h in hits
    ]


def _statute_out(statute: Statute) -> StatuteOut:
    return StatuteOut(
        law_id=statute.law_id,
        name=statute.name,
        kind=statute.kind,
        role=statute.role,
        parent=statute.parent_id,
        agency=statute.agency.name if statute.agency else None,
        aliases=[a.name for a in statute.aliases.all()],
        sectors=[s.code for s in statute.sectors.all()],
        promulgated_on=statute.promulgated_on,
        effective_on=statute.effective_on,
        revision=statute.revision,
        source_url=statute.source_url,
        article_count=statute.article_count,
    )


class ResolveFilter(Schema):
    name: str = Field(..., min_length=1, max_length=300)


@router.get("/resolve", response={200: StatuteOut, 400: ErrorOut, 404: ErrorOut}, summary="법령명·약칭 해석")
def resolve(request: HttpRequest, filters: Query[ResolveFilter]) -> StatuteOut:
    statute = selectors.statute_by_name_or_alias(filters.name)
    if statute is None:
        from django.http import Http404

        raise Http404
    detail = selectors.statute_detail(law_id=statute.law_id)
    assert detail is not None
    return _statute_out(detail)


@router.get("/statutes/{law_id}", response={200: StatuteOut, 404: ErrorOut}, summary="법령")
def statute_detail(request: HttpRequest, law_id: str) -> StatuteOut:
    statute = selectors.statute_detail(law_id=law_id[:12])
    if statute is None:
        from django.http import Http404

        raise Http404
    return _statute_out(statute)


@router.get("/statutes/{law_id}/articles/{number}", response={200: ArticleOut, 404: ErrorOut}, summary="조문")
def article_detail(request: HttpRequest, law_id: str, number: str) -> ArticleOut:
    article = get_object_or_404(
        Article.objects.select_related("statute", "statute__agency"), statute_id=law_id[:12], number=number[:40]
    )
    return ArticleOut(
        statute=_ref(article.statute),
        number=article.number,
        title=article.title,
        chapter=article.chapter,
        paragraphs=article.paragraphs,
    )


def _track_out(choice: sandbox.TrackChoice) -> TrackOut:
    return TrackOut(
        code=choice.track.code,
        name=choice.track.name,
        ministry=choice.track.ministry_name,
        statute=choice.track.statute_name,
        article=choice.provision.article_number if choice.provision else None,
        validity=choice.provision.validity if choice.provision else None,
        reasons=[str(r) for r in choice.reasons],
    )


@router.post("/sandbox/advice", response={200: AdviceOut, 400: ErrorOut}, summary="규제샌드박스 안내")
def sandbox_advice(request: HttpRequest, payload: AdviceIn) -> AdviceOut:
    if payload.sector and not Sector.objects.filter(code=payload.sector).exists():
        payload.sector = ""
    advice = sandbox.advise(sandbox.Answers(**payload.dict()))
    return AdviceOut(
        pathway=advice.pathway.code,
        pathway_name=advice.pathway.name,
        reason=advice.pathway_reason,
        track=_track_out(advice.track) if advice.track else None,
        alternatives=[_track_out(c) for c in advice.alternatives],
        statutes=[_ref(s) for s in advice.statutes],
        notes=[str(n) for n in advice.notes],
    )
