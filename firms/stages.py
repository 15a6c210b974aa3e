"""Growth stage (성장단계) from a firm's founding date, per the usual start-up support stages."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class GrowthStage(models.TextChoices):
    PRE_FOUNDING = "pre", _("예비창업")
    EARLY = "early", _("초기 (3년 이하)")
    LEAP = "leap", _("도약기 (3~7년)")
    GROWTH = "growth", _("성장기 (7년 초과)")


def _anniversary(founded_on: dt.date, years: int) -> dt.date:
    """The date ``years`` after ``founded_on``; a 29 February founding counts from 28 February."""
    try:
        return founded_on.replace(year=founded_on.year + years)
    except ValueError:
        return founded_on.replace(year=founded_on.year + years, day=28)


def growth_stage(*, founded_on: dt.date | None, as_of: dt.date) -> GrowthStage:
    """예비창업 before founding; 초기 up to the 3rd anniversary; 도약기 up to the 7th; then 성장기."""
    if founded_on is None or founded_on > as_of:
        return GrowthStage.PRE_FOUNDING
    if as_of <= _anniversary(founded_on, 3):
        return GrowthStage.EARLY
    if as_of <= _anniversary(founded_on, 7):
        return GrowthStage.LEAP
    return GrowthStage.GROWTH
