"""API endpoints about the service itself."""

from django.db import connection
from django.http import HttpRequest
from ninja import Router, Schema, Status

router = Router(tags=["service"])


class HealthOut(Schema):
    status: str


@router.get("/health", response={200: HealthOut, 503: HealthOut}, summary="서비스 상태")
def health(request: HttpRequest) -> Status[dict[str, str]]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means "unhealthy"
        return Status(503, {"status": "error"})
    return Status(200, {"status": "ok"})
