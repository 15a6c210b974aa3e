"""Open data: the public, aggregated figures as JSON (mounted at /api/insights by haechi/api.py).

No personal data and no firm names: the same suppressed tables as the public dashboard (counts
under 5 firms and rates under 10 cases are ``null`` with ``<column>_suppressed: true``). CSV of
each table is at ``/insights/data/<slug>.csv``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from accounts.api import ErrorOut
from core.errors import NotFound
from insights import selectors
from insights.selectors import OPEN_DATA_LICENCE, Audience
from insights.tables import Table

router = Router(tags=["insights"])


class TableIndexOut(Schema):
    slug: str
    title: str
    csv_url: str
    xlsx_url: str
    json_url: str


class OpenDataIndexOut(Schema):
    licence: str
    tables: list[TableIndexOut]


class ColumnOut(Schema):
    key: str
    label: str


class TableOut(Schema):
    slug: str
    title: str
    licence: str
    note: str
    source: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]


class IndicatorPointOut(Schema):
    as_of: dt.date
    value: float
    source: str


class TargetOut(Schema):
    name: str
    value: float
    comparison: str
    due_on: dt.date
    stated_on: dt.date
    is_current: bool
    source: str


class IndicatorSeriesOut(Schema):
    code: str
    name: str
    unit: str
    points: list[IndicatorPointOut]
    targets: list[TargetOut]


class BarrierFilter(Schema):
    dimension: str | None = Field(None, max_length=20)
    since: dt.date | None = None
    until: dt.date | None = None


def _table_out(table: Table) -> TableOut:
    return TableOut(
        slug=table.slug,
        title=str(table.title),
        licence=OPEN_DATA_LICENCE,
        note=str(table.note),
        source=table.source,
        columns=[ColumnOut(key=c.key, label=str(c.label)) for c in table.columns],
        rows=table.records(),
    )


@router.get("/open-data", response=OpenDataIndexOut, summary="공공데이터 목록 (CSV·JSON)")
def open_data_index(request: HttpRequest) -> OpenDataIndexOut:
    tables = selectors.dashboard(audience=Audience.PUBLIC).tables()
    return OpenDataIndexOut(
        licence=OPEN_DATA_LICENCE,
        tables=[
            TableIndexOut(
                slug=t.slug,
                title=str(t.title),
                csv_url=reverse("insights:csv", args=[t.slug]),
                xlsx_url=reverse("insights:xlsx", args=[t.slug]),
                json_url=reverse("api:insights_open_data_table", args=[t.slug]),
            )
            for t in tables
        ],
    )


@router.get(
    "/open-data/{slug}",
    response={200: TableOut, 404: ErrorOut},
    url_name="insights_open_data_table",
    summary="공공데이터 표 하나 (집계, 작은 칸 비공개)",
)
def open_data_table(request: HttpRequest, slug: str) -> TableOut:
    table = selectors.open_data_table(slug[:60])
    if table is None:
        raise NotFound("찾을 수 없습니다.")
    return _table_out(table)


@router.get("/barriers", response={200: TableOut, 400: ErrorOut}, summary="규제 애로 처리 지표 (구분·기간별)")
def barriers(request: HttpRequest, filters: Query[BarrierFilter]) -> TableOut:
    selectors.check_filters(dimension=filters.dimension, since=filters.since, until=filters.until)
    table = selectors.barrier_table(
        audience=Audience.PUBLIC,
        as_of=dt.datetime.now(dt.UTC),
        dimension=filters.dimension,
        since=filters.since,
        until=filters.until,
    )
    return _table_out(table)


@router.get("/indicators", response=list[IndicatorSeriesOut], summary="창업생태계 지표와 목표")
def indicators(request: HttpRequest) -> list[IndicatorSeriesOut]:
    return [
        IndicatorSeriesOut(
            code=s.code,
            name=s.name,
            unit=s.unit,
            points=[IndicatorPointOut(as_of=p.as_of, value=float(p.value), source=p.source) for p in s.points],
            targets=[
                TargetOut(
                    name=t.name,
                    value=float(t.value),
                    comparison=t.comparison,
                    due_on=t.due_on,
                    stated_on=t.stated_on,
                    is_current=t.is_current,
                    source=t.source,
                )
                for t in s.targets
            ],
        )
        for s in selectors.indicator_series()
    ]
