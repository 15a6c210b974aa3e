import datetime as dt

import pytest

from firms.stages import GrowthStage, growth_stage

FOUNDED = dt.date(2020, 3, 1)


@pytest.mark.parametrize(
    "_case, founded_on, as_of, expected",
    [
        ("not founded", None, dt.date(2026, 1, 1), GrowthStage.PRE_FOUNDING),
        ("founding date in the future", dt.date(2027, 1, 1), dt.date(2026, 1, 1), GrowthStage.PRE_FOUNDING),
        ("founding day", FOUNDED, FOUNDED, GrowthStage.EARLY),
        ("third anniversary is still early", FOUNDED, dt.date(2023, 3, 1), GrowthStage.EARLY),
        ("day after third anniversary", FOUNDED, dt.date(2023, 3, 2), GrowthStage.LEAP),
        ("seventh anniversary is still leap", FOUNDED, dt.date(2027, 3, 1), GrowthStage.LEAP),
        ("day after seventh anniversary", FOUNDED, dt.date(2027, 3, 2), GrowthStage.GROWTH),
        ("leap-day founding", dt.date(2020, 2, 29), dt.date(2023, 2, 28), GrowthStage.EARLY),
        ("leap-day founding after anniversary", dt.date(2020, 2, 29), dt.date(2023, 3, 1), GrowthStage.LEAP),
    ],
)
def test_growth_stage_boundaries(_case, founded_on, as_of, expected):
    assert growth_stage(founded_on=founded_on, as_of=as_of) == expected
