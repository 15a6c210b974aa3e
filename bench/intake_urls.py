"""The project's URLs plus ``/__bench/insert``: one session-authenticated, CSRF-checked insert
through the same middleware stack — the ceiling the create endpoint is compared with.

The same view is also mounted under ``/api/``: the middleware treats every /api/ request as an
API call (the API rate limits are counted: one upsert per request), as it does the create
endpoint's, so that ceiling pays the same per-request costs the create does except its own work."""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from haechi.urls import urlpatterns as project_urlpatterns


@require_POST
def insert(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"code": "not_authenticated"}, status=401)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_ceiling (user_id, body) VALUES (%s, %s)", [request.user.pk, request.body[:200]]
        )
    return JsonResponse({"ok": True}, status=201)


urlpatterns = [path("__bench/insert", insert), path("api/__bench/insert", insert), *project_urlpatterns]
