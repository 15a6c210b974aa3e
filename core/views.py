"""Home page per role, language switch, health check and the friendly error pages."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts.models import Role
from accounts.roles import roles_of
from accounts.services import set_preferred_language
from agencies import selectors as agency_selectors
from firms import selectors as firm_selectors

_HOME_TEMPLATES: dict[str, str] = {
    Role.ADMIN: "core/home_admin.html",
    Role.CITY_OFFICIAL: "core/home_city.html",
    Role.AGENCY_OFFICIAL: "core/home_agency.html",
    Role.ASSOCIATION_STAFF: "core/home_association.html",
    Role.FIRM_MEMBER: "core/home_firm.html",
}


def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on a page made for it; the public sees what Haechi is and its reach."""
    roles = roles_of(request.user)
    today = timezone.localdate()
    context: dict[str, Any] = {"today": today}
    primary = roles.primary
    if primary in (Role.ADMIN, Role.CITY_OFFICIAL):
        context["overview"] = firm_selectors.ecosystem_overview(as_of=today)
        context["agency_count"] = agency_selectors.active_agencies().count()
    if primary == Role.AGENCY_OFFICIAL:
        context["agencies"] = agency_selectors.agencies_with_officials(agency_ids=roles.agency_ids)
    if primary == Role.ASSOCIATION_STAFF:
        context["associations"] = firm_selectors.associations_with_members(
            association_ids=roles.association_ids, as_of=today
        )
    if primary == Role.FIRM_MEMBER:
        context["firms"] = firm_selectors.firms_with_colleagues(firm_ids=roles.firm_ids, as_of=today)
    if primary is None:
        context["sectors"] = firm_selectors.sectors_with_firm_counts()
        context["clusters"] = firm_selectors.active_clusters()
    template = _HOME_TEMPLATES.get(primary, "core/home_public.html") if primary else "core/home_public.html"
    return render(request, template, context)


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembered on the account of a signed-in user."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in ("ko", "en"):
        set_preferred_language(user=request.user, language=language)  # type: ignore[arg-type]
    return response


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers; 503 otherwise. For load balancers and uptime checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any database failure means "unhealthy"
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors that touch the database: the database may be why we are here.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)
