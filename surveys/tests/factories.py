import datetime as dt

from django.utils import timezone

from surveys import services
from surveys.models import Invitation, Survey


def open_perception_survey(actor, *, days: int = 14) -> Survey:
    now = timezone.now()
    return services.create_perception_survey(
        actor=actor,
        title="2026 규제혁신 체감도 조사",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=days),
    )


def invitation_for(survey: Survey, firm) -> Invitation:
    return Invitation.objects.get_or_create(survey=survey, firm=firm)[0]


PERCEPTION_ANSWERS = {"rating": "negative", "reflected": "no", "difficulty": "망분리 규제"}
