"""The founding study's perception figures: the baseline Haechi's perception survey is set beside.

Quoted, unaltered, from the Seoul Institute report "서울시 첨단 디지털 신산업 성장을 위한 혁신지원 방안"
(김수진 외, 2022-12-31, 공공누리 제4유형), chapter I, which itself cites 윤인주(2021):

    "규제혁신 활동에 관한 기업 만족도 조사에서 부정적 응답 48.79%(긍정적인 응답 14.98%) 이며,
     기업의 실제 고충이나 애로사항 반영 여부에서도 50% 이상 부정적 의견"

The study gives no neutral share and no sample size, so none is shown (and no interval can be
computed for the baseline); "50% 이상" is a lower bound, not a point estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = (
    "서울연구원(2022), 「서울시 첨단 디지털 신산업 성장을 위한 혁신지원 방안」(김수진 외), I장 — "
    "윤인주(2021) 재인용. 공공누리 제4유형(출처표시+상업적이용금지+변경금지)"
)
QUOTE = (
    "규제혁신 활동에 관한 기업 만족도 조사에서 부정적 응답 48.79%(긍정적인 응답 14.98%) 이며, "
    "기업의 실제 고충이나 애로사항 반영 여부에서도 50% 이상 부정적 의견"
)


@dataclass(frozen=True)
class BaselineFigure:
    code: str  # the perception question/choice it compares with
    percent: float
    is_lower_bound: bool = False


NEGATIVE = BaselineFigure("rating:negative", 48.79)
POSITIVE = BaselineFigure("rating:positive", 14.98)
NOT_REFLECTED = BaselineFigure("reflected:no", 50.0, is_lower_bound=True)

BY_CODE: dict[str, BaselineFigure] = {f.code: f for f in (NEGATIVE, POSITIVE, NOT_REFLECTED)}
