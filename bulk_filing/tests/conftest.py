from __future__ import annotations

import csv
import io

import pytest

from bulk_filing.columns import TEMPLATE_HEADER
from firms.models import AssociationMembership
from firms.tests.factories import FirmFactory

BODY = "자율주행 배달로봇이 보도를 다닐 수 없어 실증을 시작하지 못하고 있습니다. 제도 개선을 요청합니다."


def csv_file(rows, *, header=None, encoding="utf-8-sig"):
    """A CSV upload with the template's header (or ``header``) and ``rows`` (lists of cells)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header or TEMPLATE_HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def row(brn, *, title="로봇 보도 통행 제한", body=BODY, sectors="로봇", **cells):
    """One template row: the required cells, and optional ones by header order."""
    values = {"kind": "", "statutes": "", "desired": "", "cost": "", "delay": "", "lost": "", "privacy": "", "seal": ""}
    values.update(cells)
    return [
        title,
        body,
        brn,
        sectors,
        values["kind"],
        values["statutes"],
        values["desired"],
        values["cost"],
        values["delay"],
        values["lost"],
        values["privacy"],
        values["seal"],
    ]


@pytest.fixture
def member_firms(association, sectors):
    firms = [FirmFactory(sectors=["robots"]) for _ in range(3)]
    for firm in firms:
        AssociationMembership.objects.create(firm=firm, association=association)
    return firms


@pytest.fixture
def outside_firm(sectors):
    return FirmFactory()


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run on-commit work (the queued import task) as it would run after the request."""

    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run
