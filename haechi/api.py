"""The JSON API root (OpenAPI 3 at /api/openapi.json, docs at /api/docs).

Each app owns a ``router`` in its ``api.py``; this module mounts them and maps domain errors to
HTTP answers with a stable ``code`` and a human ``message``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from accounts.api import router as accounts_router
from agencies.api import router as agencies_router
from barriers.api import router as barriers_router
from core.api import router as core_router
from core.errors import DomainError, TooManyRequests
from firms.api import router as firms_router
from insights.api import router as insights_router
from programs.api import router as programs_router
from regulations.api import router as regulations_router
from routing.api import router as routing_router
from surveys.api import router as surveys_router

api = NinjaAPI(
    title="Haechi API",
    version="1",
    description=(
        "해치: 서울 신산업 규제 애로 접수·처리·지원 플랫폼의 JSON API. "
        "인증: 브라우저 세션(쓰기에는 CSRF 토큰) 또는 `Authorization: Bearer <API 토큰>` "
        "(계정 화면 /accounts/api-tokens/ 에서 발급). 요청 한도를 넘으면 429와 Retry-After."
    ),
    urls_namespace="api",
)

api.add_router("/", core_router)
api.add_router("/accounts", accounts_router)
api.add_router("/agencies", agencies_router)
api.add_router("/firms", firms_router)
api.add_router("/regulations", regulations_router)
api.add_router("/barriers", barriers_router)
api.add_router("/routing", routing_router)
api.add_router("/programs", programs_router)
api.add_router("/surveys", surveys_router)
api.add_router("/insights", insights_router)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if isinstance(exc, TooManyRequests):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    body = {"code": "validation_failed", "message": _("입력값이 올바르지 않습니다."), "errors": exc.errors}
    return api.create_response(request, body, status=400)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja raises HttpError(400) for a body it cannot parse (not JSON, nested too deep).
    if exc.status_code == 400:
        body = {"code": "malformed_body", "message": _("요청 본문을 해석할 수 없습니다. 올바른 JSON인지 확인하세요.")}
    else:
        body = {"code": f"http_{exc.status_code}", "message": str(exc)}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"code": "not_authenticated", "message": _("로그인이 필요합니다.")}
    return api.create_response(request, body, status=401)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"code": "not_permitted", "message": _("권한이 없습니다.")}, status=403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"code": "not_found", "message": _("찾을 수 없습니다.")}, status=404)
