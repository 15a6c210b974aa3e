"""The one shape every figure takes: a ``Table`` (shown as an accessible HTML table, downloaded as
CSV or JSON) with an optional ``ChartSpec`` (drawn by ``insights/static/insights/charts.js``).

A suppressed cell is a ``Suppressed`` value, never a silent blank: the table prints why it is
hidden, CSV writes the same words, JSON writes ``null`` with ``<column>_suppressed: true``, and the
chart leaves a gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from core import spreadsheet


@dataclass(frozen=True)
class Suppressed:
    """A hidden cell: fewer than ``threshold`` cases."""

    threshold: int

    def __str__(self) -> str:
        return _("비공개(%(n)s건 미만)") % {"n": self.threshold}


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    numeric: bool = True


@dataclass(frozen=True)
class ChartSpec:
    """How to draw a table: a bar or line chart of ``values`` columns against the ``label`` column."""

    kind: str  # "bar" | "line"
    label: str
    values: tuple[str, ...]
    reverse_axis: bool = False  # ranks: 1st at the top


@dataclass
class Table:
    slug: str
    title: str | Promise
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    note: str | Promise = ""
    source: str = ""
    chart: ChartSpec | None = None

    def index(self, key: str) -> int:
        return [c.key for c in self.columns].index(key)

    def records(self) -> list[dict[str, Any]]:
        """Rows as JSON-ready dicts (suppressed → null plus a ``_suppressed`` flag)."""
        out = []
        for row in self.rows:
            record: dict[str, Any] = {}
            for column, value in zip(self.columns, row, strict=True):
                if isinstance(value, Suppressed):
                    record[column.key] = None
                    record[f"{column.key}_suppressed"] = True
                else:
                    record[column.key] = _json_value(value)
            out.append(record)
        return out

    def chart_data(self) -> dict[str, Any] | None:
        """What ``charts.js`` needs, for ``json_script`` (no inline script, no HTML in it)."""
        if self.chart is None:
            return None
        value_at = [self.index(key) for key in self.chart.values]
        if not any(isinstance(row[i], int | float | Decimal) and row[i] for row in self.rows for i in value_at):
            return None  # nothing to draw (all hidden or zero): the table alone says so
        label_at = self.index(self.chart.label)
        labels = [str(row[label_at]) for row in self.rows]
        datasets = []
        for key in self.chart.values:
            at = self.index(key)
            datasets.append(
                {
                    "label": str(self.columns[at].label),
                    "data": [None if isinstance(r[at], Suppressed) else _json_value(r[at]) for r in self.rows],
                }
            )
        return {
            "type": self.chart.kind,
            "title": str(self.title),
            "labels": labels,
            "datasets": datasets,
            "reverse": self.chart.reverse_axis,
        }


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Promise):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# -- CSV downloads -------------------------------------------------------------------------------


def csv_bytes(table: Table) -> bytes:
    """The table as a formula-safe CSV: a header of column labels, then the rows."""
    return spreadsheet.csv_bytes([str(c.label) for c in table.columns], table.rows)


# -- XLSX downloads ------------------------------------------------------------------------------


def xlsx_bytes(table: Table) -> bytes:
    """The table as one XLSX sheet: numbers stay numbers; text (and hidden cells, in words) is
    formula-safe, so a label like "=HYPERLINK(...)" opens as text, never as a formula."""
    import io

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.slug[:31])
    sheet.append([_xlsx_value(str(column.label)) for column in table.columns])
    for row in table.rows:
        sheet.append([_xlsx_value(value) for value in row])
    if table.note:
        sheet.append([])
        sheet.append([_xlsx_value(str(table.note))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, bool):
        return spreadsheet.safe_cell(str(value))
    if isinstance(value, int | float | Decimal):
        return float(value) if isinstance(value, Decimal) else value
    if value is None:
        return None
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # XLSX (XML) cannot hold most control characters; openpyxl refuses them rather than drop them.
    return spreadsheet.safe_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
