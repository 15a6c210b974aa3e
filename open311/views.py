"""Open311 GeoReport v2 endpoints under ``/open311/v2/`` (JSON and XML).

Reading needs no key; filing (POST requests) needs an ``api_key``. Errors use GeoReport's
format with a 4xx status: missing key 400, wrong key 403, unknown service or request 404, bad
dates or parameters 400, a format other than json/xml 400.
"""

from __future__ import annotations

import datetime as dt
import re

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import DomainError
from core.idempotency import idempotent
from open311 import catalog, selectors, services
from open311.formats import FORMATS, error, respond

_PUBLIC_ID = re.compile(r"^[0-9A-Z]{1,20}$")
_ATTRIBUTE = re.compile(r"^attribute\[([a-z_]{1,40})\]$")


def _bad_format(fmt: str) -> HttpResponse | None:
    if fmt not in FORMATS:
        return error("json", 400, _("지원하지 않는 형식입니다: .%(fmt)s (json 또는 xml)") % {"fmt": fmt[:10]})
    return None


@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Where the endpoint is and what it speaks (GeoReport discovery)."""
    if bad := _bad_format(fmt):
        return bad
    base = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": "json"})).rsplit("/", 1)[0] + "/"
    changeset = "2026-11-28T00:00:00+09:00"
    return respond(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": _("서울특별시 해치 운영팀"),
            "key_service": _("API 키는 해치 관리자가 발급합니다 (관리 화면 → Open311 클라이언트)."),
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base,
                    "changeset": changeset,
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        },
    )


@require_GET
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if bad := _bad_format(fmt):
        return bad
    return respond(fmt, "services", [s.as_dict() for s in catalog.services()])


@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if bad := _bad_format(fmt):
        return bad
    service = catalog.service(code)
    if service is None:
        return error(fmt, 404, _("알 수 없는 service_code입니다: %(code)s") % {"code": code[:60]})
    return respond(fmt, "service_definition", catalog.definition(service))


def _moment(raw: str, *, end: bool) -> dt.datetime | None:
    value = raw.strip()
    moment = parse_datetime(value.replace(" ", "+")) if "T" in value else None  # "+" arrives as a space
    if moment is None and "T" not in value:
        day = parse_date(value)
        if day is not None:
            moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    if moment is None:
        raise ValueError(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _filters(request: HttpRequest) -> selectors.RequestFilter:
    """The GET filters, or a ``DomainError`` whose status is the answer's (400/404)."""
    from core.errors import NotFound, ValidationFailed

    filters = selectors.RequestFilter()
    code = request.GET.get("service_code", "").strip()
    if code:
        service = catalog.service(code)
        if service is None:
            raise NotFound(_("알 수 없는 service_code입니다: %(code)s") % {"code": code[:60]})
        filters.service_code = (service.sector.code, service.kind)
    raw_status = request.GET.get("status", "").strip().lower()
    if raw_status:
        statuses = frozenset(s.strip() for s in raw_status.split(",") if s.strip())
        if not statuses <= {"open", "closed"}:
            raise ValidationFailed(_("status는 open 또는 closed입니다."), field="status")
        filters.statuses = statuses
    try:
        if request.GET.get("start_date", "").strip():
            filters.start = _moment(request.GET["start_date"], end=False)
        if request.GET.get("end_date", "").strip():
            filters.end = _moment(request.GET["end_date"], end=True)
    except (ValueError, OverflowError):
        raise ValidationFailed(
            _("날짜를 읽을 수 없습니다. ISO 8601 형식으로 보내세요 (예: 2026-11-01T00:00:00+09:00)."),
            field="start_date",
        ) from None
    if filters.start and filters.end:
        if filters.end < filters.start:
            raise ValidationFailed(_("end_date가 start_date보다 앞섭니다."), field="end_date")
        if filters.end - filters.start > selectors.MAX_RANGE:
            raise ValidationFailed(_("조회 기간은 90일을 넘을 수 없습니다."), field="end_date")
    ids = request.GET.get("service_request_id", "").strip()
    if ids:
        wanted = tuple(i.strip().upper() for i in ids.split(",") if i.strip())
        if len(wanted) > 100 or not all(_PUBLIC_ID.match(i) for i in wanted):
            raise ValidationFailed(_("service_request_id가 올바르지 않습니다."), field="service_request_id")
        filters.public_ids = wanted
    return filters


@csrf_exempt  # clients authenticate with api_key, never with a session cookie
@require_http_methods(["GET", "POST"])
def request_list(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """GET: published requests with filters. POST: file a request with an api_key."""
    if bad := _bad_format(fmt):
        return bad
    if request.method == "POST":
        return _post_request(request, fmt)
    try:
        filters = _filters(request)
    except DomainError as exc:
        return error(fmt, exc.status, str(exc.message))
    return respond(fmt, "service_requests", selectors.as_requests(selectors.requests(filters)))


@idempotent("open311.requests")
def _post_request(request: HttpRequest, fmt: str) -> HttpResponseBase:
    params: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for name in request.POST:
        value = request.POST.get(name, "")
        match = _ATTRIBUTE.match(name)
        if match:
            attributes[match.group(1)] = value
        else:
            params[name] = value
    try:
        client = services.authenticate(request.POST.get("api_key") or request.GET.get("api_key"))
        submission = services.file_request(client=client, params=params, attributes=attributes)
    except DomainError as exc:
        return error(fmt, exc.status, str(exc.message))
    body = [
        {
            "token": submission.token,
            "service_notice": _(
                "접수되었습니다. 서울시가 검토·분류한 뒤 공개 처리 현황에 실리면 service_request_id가 생깁니다."
            ),
            "account_id": None,
        }
    ]
    return respond(fmt, "service_requests", body)


@require_GET
def request_detail(request: HttpRequest, public_id: str, fmt: str) -> HttpResponse:
    if bad := _bad_format(fmt):
        return bad
    wanted = public_id.upper()
    publication = (
        selectors.requests(selectors.RequestFilter(public_ids=(wanted,))).first() if _PUBLIC_ID.match(wanted) else None
    )
    if publication is None:
        return error(fmt, 404, _("공개된 요청이 아닙니다: %(id)s") % {"id": public_id[:20]})
    return respond(fmt, "service_requests", selectors.as_requests([publication]))


@require_GET
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """A POSTed request's token → its service_request_id once it is published (else empty)."""
    if bad := _bad_format(fmt):
        return bad
    submission = services.submission_by_token(token)
    if submission is None:
        return error(fmt, 404, _("알 수 없는 token입니다."))
    public_id = selectors.public_id_of(submission.barrier_id)
    return respond(fmt, "service_requests", [{"service_request_id": public_id, "token": submission.token}])
