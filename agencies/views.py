"""Public directory of competent agencies."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.permissions import can
from agencies import selectors
from agencies.models import Agency, AgencyKind


def agency_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    kind = request.GET.get("kind", "")
    if kind not in AgencyKind.values:
        kind = ""
    page = Paginator(selectors.agency_list(query=query, kind=kind), 30).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "kind": kind, "kinds": AgencyKind.choices}
    template = "agencies/list.html#results" if request.htmx else "agencies/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def agency_detail(request: HttpRequest, code: str) -> HttpResponse:
    agency = get_object_or_404(
        Agency.objects.select_related("parent").prefetch_related("aliases", "children"), code=code
    )
    officials = None
    if can(request.user, "agency.view_officials", agency):
        (with_officials,) = selectors.agencies_with_officials(agency_ids=frozenset({agency.pk}))
        officials = with_officials.active_officials  # type: ignore[attr-defined]
    return render(request, "agencies/detail.html", {"agency": agency, "officials": officials})
