"""Stable error codes of the surveys app (``DomainError.code``)."""

from __future__ import annotations

import enum


class SurveyErrorCode(enum.StrEnum):
    SURVEY_NOT_OPEN = "survey_not_open"
    SURVEY_CLOSED = "survey_closed"
    ALREADY_ANSWERED = "already_answered"
    UNKNOWN_QUESTION = "unknown_question"
    ANSWER_REQUIRED = "answer_required"
    INVALID_ANSWER = "invalid_answer"
    INVALID_PERIOD = "invalid_period"
    INVALID_SUBJECT = "invalid_subject"
