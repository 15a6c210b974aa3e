"""The standard questionnaires, as data. Services copy them into ``Question`` rows.

Question codes are stable: results are pooled across surveys by code (``rating``, ``reflected``,
``speed`` ...), so a code keeps its meaning once used. Wording may be improved; codes may not be
reused for a different question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from surveys.models import QuestionKind, SurveyKind


@dataclass(frozen=True)
class QuestionSpec:
    code: str
    kind: str
    text: str
    text_en: str
    choices: tuple[tuple[str, str, str], ...] = ()  # (value, Korean label, English label)
    required: bool = True

    def as_fields(self, position: int) -> dict[str, Any]:
        return {
            "code": self.code,
            "position": position,
            "kind": self.kind,
            "text": self.text,
            "text_en": self.text_en,
            "choices": [{"value": v, "label": ko, "label_en": en} for v, ko, en in self.choices],
            "required": self.required,
        }


@dataclass(frozen=True)
class Questionnaire:
    kind: str
    questions: tuple[QuestionSpec, ...] = field(default_factory=tuple)


# Perception: the three-way rating and the "reflected" question mirror the founding study's survey
# (서울연구원 2022, citing 윤인주 2021), so results can be set beside its baseline.
RATING_CHOICES = (
    ("negative", "부정적", "Negative"),
    ("neutral", "보통", "Neutral"),
    ("positive", "긍정적", "Positive"),
)
PERCEPTION = Questionnaire(
    SurveyKind.PERCEPTION,
    (
        QuestionSpec(
            "rating",
            QuestionKind.CHOICE,
            "정부·서울시의 규제혁신 활동(규제샌드박스, 네거티브 규제, 규제 로드맵, 현장애로 해소)을 "
            "어떻게 평가하십니까?",
            "How do you rate the regulatory-innovation activities of the government and Seoul "
            "(sandbox, negative regulation, roadmaps, removal of field barriers)?",
            RATING_CHOICES,
        ),
        QuestionSpec(
            "reflected",
            QuestionKind.YES_NO,
            "규제혁신 활동에 귀사의 실제 고충이나 애로사항이 반영되었다고 보십니까?",
            "Were your firm's real difficulties reflected in regulatory-innovation activities?",
        ),
        QuestionSpec(
            "difficulty",
            QuestionKind.TEXT,
            "가장 해결이 필요한 규제 애로를 적어 주세요. (서울시 담당자만 읽습니다)",
            "Which regulatory barrier most needs solving? (Read only by the city team)",
            required=False,
        ),
    ),
)

_SCALE_QUESTIONS = (
    QuestionSpec("speed", QuestionKind.SCALE, "회신은 충분히 빨랐습니까?", "Was the answer fast enough?"),
    QuestionSpec("clarity", QuestionKind.SCALE, "회신 내용은 이해하기 쉬웠습니까?", "Was the answer clear?"),
    QuestionSpec("fairness", QuestionKind.SCALE, "검토 과정은 공정했습니까?", "Was the review fair?"),
    QuestionSpec(
        "usefulness", QuestionKind.SCALE, "회신이 사업에 도움이 되었습니까?", "Was the answer useful to your business?"
    ),
)
_COMMENT = QuestionSpec(
    "comment",
    QuestionKind.TEXT,
    "더 하고 싶은 말씀이 있으면 적어 주세요. (서울시 담당자만 읽습니다)",
    "Anything else? (Read only by the city team)",
    required=False,
)
_REFLECTED = QuestionSpec(
    "reflected",
    QuestionKind.YES_NO,
    "귀사의 실제 고충이 회신에 반영되었습니까?",
    "Was your real difficulty reflected in the answer?",
)

ANSWER_SATISFACTION = Questionnaire(SurveyKind.ANSWER_SATISFACTION, (*_SCALE_QUESTIONS, _REFLECTED, _COMMENT))

FOLLOWUP = Questionnaire(
    SurveyKind.FOLLOWUP,
    (
        QuestionSpec(
            "changed",
            QuestionKind.CHOICE,
            "회신 뒤 6주 동안 실제로 달라진 것이 있습니까?",
            "Did anything actually change in the six weeks after the answer?",
            (("yes", "예", "Yes"), ("partly", "일부", "Partly"), ("no", "아니오", "No")),
        ),
        _REFLECTED,
        _COMMENT,
    ),
)

PROMULGATION = Questionnaire(
    SurveyKind.PROMULGATION,
    (
        QuestionSpec(
            "resolved",
            QuestionKind.SCALE,
            "공포된 개정으로 귀사의 애로가 해소되었습니까?",
            "Did the promulgated change resolve your difficulty?",
        ),
        _COMMENT,
    ),
)

BY_KIND: dict[str, Questionnaire] = {q.kind: q for q in (PERCEPTION, ANSWER_SATISFACTION, FOLLOWUP, PROMULGATION)}

# A scale answer of 4 or 5 counts as satisfied; 1 or 2 as unsatisfied (which offers the
# second-answer request of the barriers workflow).
SATISFIED_FROM = 4
UNSATISFIED_UP_TO = 2
