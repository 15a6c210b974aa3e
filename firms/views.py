"""Firm and association profile pages (visible per accounts.permissions)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can
from core.errors import DomainError
from core.forms import add_domain_error
from firms import selectors, services
from firms.forms import FirmProfileForm
from firms.models import Association, Firm
from privacy.services import record_firm_contacts_view


@login_required
def firm_detail(request: HttpRequest, firm_id: int) -> HttpResponse:
    firm = get_object_or_404(Firm, pk=firm_id)
    if not can(request.user, "firm.view", firm):
        return render(request, "errors/404.html", status=404)  # do not reveal that it exists
    today = timezone.localdate()
    (firm_with_members,) = selectors.firms_with_colleagues(firm_ids=frozenset({firm.pk}), as_of=today)
    record_firm_contacts_view(viewer=request.user, firm=firm, request=request)  # 개인정보 열람 기록
    return render(
        request,
        "firms/firm_detail.html",
        {"firm": firm_with_members, "can_edit": can(request.user, "firm.edit", firm)},
    )


@login_required
def firm_edit(request: HttpRequest, firm_id: int) -> HttpResponse:
    firm = get_object_or_404(Firm.objects.select_related("ksic"), pk=firm_id)
    if not can(request.user, "firm.edit", firm):
        return render(request, "errors/404.html", status=404)
    initial = {
        "name": firm.name,
        "sectors": [s.code for s in firm.sectors.all()],
        "size_class": firm.size_class,
        "founded_on": firm.founded_on,
        "district": firm.district,
        "cluster": firm.cluster_id,
        "ksic": firm.ksic.code if firm.ksic else "",
    }
    form = FirmProfileForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_firm_profile(
                    firm=firm,
                    actor=request.user,
                    name=data["name"],
                    sector_codes=[s.code for s in data["sectors"]],
                    size_class=data["size_class"],
                    founded_on=data["founded_on"],
                    district=data["district"],
                    cluster=data["cluster"],
                    ksic=data["ksic"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("기업 정보를 저장했습니다."))
                return redirect("firms:detail", firm_id=firm.pk)
        status = 400
    return render(request, "firms/firm_edit.html", {"firm": firm, "form": form}, status=status)


def association_detail(request: HttpRequest, association_id: int) -> HttpResponse:
    association = get_object_or_404(Association.objects.prefetch_related("sectors"), pk=association_id)
    context: dict[str, object] = {"association": association}
    if can(request.user, "association.view_members", association):
        (data,) = selectors.associations_with_members(
            association_ids=frozenset({association.pk}), as_of=timezone.localdate()
        )
        context.update(data)
    return render(request, "firms/association_detail.html", context)
