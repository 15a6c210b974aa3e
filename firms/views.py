"""Firm and association profile pages (visible per accounts.permissions)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.permissions import can
from firms import selectors
from firms.models import Association, Firm


@login_required
def firm_detail(request: HttpRequest, firm_id: int) -> HttpResponse:
    firm = get_object_or_404(Firm, pk=firm_id)
    if not can(request.user, "firm.view", firm):
        return render(request, "errors/404.html", status=404)  # do not reveal that it exists
    today = timezone.localdate()
    (firm_with_members,) = selectors.firms_with_colleagues(firm_ids=frozenset({firm.pk}), as_of=today)
    return render(
        request,
        "firms/firm_detail.html",
        {"firm": firm_with_members, "can_edit": can(request.user, "firm.edit", firm)},
    )


def association_detail(request: HttpRequest, association_id: int) -> HttpResponse:
    association = get_object_or_404(Association.objects.prefetch_related("sectors"), pk=association_id)
    context: dict[str, object] = {"association": association}
    if can(request.user, "association.view_members", association):
        (data,) = selectors.associations_with_members(
            association_ids=frozenset({association.pk}), as_of=timezone.localdate()
        )
        context.update(data)
    return render(request, "firms/association_detail.html", context)
