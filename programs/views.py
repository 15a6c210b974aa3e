"""Pages: catalog, program detail with "why (not)", programs for a firm, applications, testbeds,
bookings with a calendar and .ics feed, uptake, unreached firms and the city's table import."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import can, require
from accounts.roles import roles_of
from core.errors import DomainError
from core.spreadsheet import csv_bytes
from firms.models import Firm
from programs import bookings, selectors, services
from programs.forms import ApplyForm, BookingForm, DecisionForm, ImportForm, NoteForm, ProgramFilterForm
from programs.ical import site_calendar
from programs.importers.city import TEMPLATE_HEADER, import_city_programs
from programs.models import (
    DemonstrationSite,
    ImportRun,
    ProgramApplication,
    SiteBooking,
    SupportProgram,
)


def program_list(request: HttpRequest) -> HttpResponse:
    form = ProgramFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    programs = selectors.program_list(
        query=filters.get("q", ""),
        sector=filters.get("sector", ""),
        kind=filters.get("kind", ""),
        stage=filters.get("stage", ""),
        status=filters.get("status", ""),
    )
    page = Paginator(programs, 20).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context = {"form": form, "page": page, "query_string": query_string.urlencode(), "today": timezone.localdate()}
    template = "programs/list.html#results" if request.htmx else "programs/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(
        SupportProgram.objects.select_related("agency").prefetch_related("sectors", "clusters"), pk=pk
    )
    roles = roles_of(request.user)
    firms = Firm.objects.filter(pk__in=roles.firm_ids).order_by("name")
    explanations = [(firm, selectors.explain(firm=firm, program=program)) for firm in firms]
    applications = ProgramApplication.objects.filter(program=program, firm_id__in=roles.firm_ids)
    apply_form = None
    if roles.firm_ids:
        apply_form = ApplyForm()
        apply_form.limit_firms(roles.firm_ids)
    official = can(request.user, "program.manage")
    context = {
        "program": program,
        "is_open": program.is_open(),
        "explanations": explanations,
        "applications": applications,
        "apply_form": apply_form,
        "official": official,
        "all_applications": program.applications.select_related("firm") if official else None,
        "decision_form": DecisionForm() if official else None,
    }
    return render(request, "programs/detail.html", context)


@login_required
@require_POST
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(SupportProgram, pk=pk)
    form = ApplyForm(request.POST)
    form.limit_firms(roles_of(request.user).firm_ids)
    if form.is_valid():
        try:
            services.apply_to_program(
                program_id=program.pk,
                firm=form.cleaned_data["firm"],
                actor=request.user,
                made_elsewhere=form.cleaned_data["made_elsewhere"],
                applied_on=form.cleaned_data["applied_on"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("신청을 기록했습니다."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(
            request, _("입력값을 확인해 주세요: ") + " ".join(str(e) for errs in form.errors.values() for e in errs)
        )
    return redirect("programs:detail", pk=program.pk)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(ProgramApplication, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_application(
                application_id=pk,
                to_status=form.cleaned_data["status"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("처리 결과를 기록했습니다."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    return redirect("programs:detail", pk=application.program_id)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(ProgramApplication, pk=pk)
    try:
        services.withdraw_application(application_id=pk, actor=request.user)
        messages.success(request, _("신청을 취소했습니다."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("programs:detail", pk=application.program_id)


@login_required
def for_firm(request: HttpRequest, firm_id: int) -> HttpResponse:
    """ "Programs for you": eligible open programs with reasons, and testbeds in the firm's sectors."""
    firm = get_object_or_404(Firm, pk=firm_id)
    try:
        require(request.user, "program.view_matches", firm, hide=True)
    except DomainError:
        return render(request, "errors/404.html", status=404)
    context = {
        "firm": firm,
        "matches": selectors.programs_for_firm(firm=firm, top=20),
        "sites": selectors.sites_for_firm(firm=firm)[:6],
        "notices": list(selectors.unread_notices(firm=firm)[:10]),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "programs/_for_you.html", context)
    return render(request, "programs/for_firm.html", context)


@login_required
@require_POST
def notices_read(request: HttpRequest, firm_id: int) -> HttpResponse:
    firm = get_object_or_404(Firm, pk=firm_id)
    try:
        services.mark_notices_read(firm=firm, actor=request.user)
    except DomainError:
        return render(request, "errors/404.html", status=404)
    return redirect("programs:for_firm", firm_id=firm.pk)


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request.user)
    rows = ProgramApplication.objects.select_related("program", "firm")
    if not can(request.user, "program.manage"):
        rows = rows.filter(firm_id__in=roles.firm_ids)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "programs/applications.html", {"page": page})


@login_required
def uptake(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "program.manage"):
        return render(request, "errors/403.html", status=403)
    by = request.GET.get("by", "program")
    if by not in {"program", "sector", "size", "stage", "cluster"}:
        by = "program"
    return render(request, "programs/uptake.html", {"rows": selectors.uptake(by=by), "by": by})


@login_required
def unreached(request: HttpRequest, pk: int) -> HttpResponse:
    """Officials: eligible firms that were neither notified nor applied; CSV export on ?format=csv."""
    if not can(request.user, "program.manage"):
        return render(request, "errors/403.html", status=403)
    program = get_object_or_404(SupportProgram, pk=pk)
    rows = selectors.unreached_firms(program=program)
    if request.GET.get("format") == "csv":
        data = csv_bytes(
            ["기업명", "사업자등록번호", "적합도", "이유"],
            ([f.name, f.brn_display, m.score, " / ".join(m.reasons)] for f, m in rows),
        )
        response = HttpResponse(data, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="unreached-{program.pk}.csv"'
        return response
    return render(request, "programs/unreached.html", {"program": program, "rows": rows[:200], "total": len(rows)})


@login_required
def import_programs(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "program.manage"):
        return render(request, "errors/403.html", status=403)
    form = ImportForm(request.POST or None, request.FILES or None)
    run = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = import_city_programs(data=upload.read(), file_name=upload.name, actor=request.user)
        except DomainError as exc:
            form.add_error("file", str(exc.message))
            status = 400
    elif request.method == "POST":
        status = 400
    runs = ImportRun.objects.all()[:10]
    return render(request, "programs/import.html", {"form": form, "run": run, "runs": runs}, status=status)


def import_template(request: HttpRequest) -> HttpResponse:
    example = [
        "SEOUL-2026-001",
        "서울 로봇 실증 지원",
        "서울 소재 로봇 기업의 현장 실증을 지원합니다.",
        "서울경제진흥원",
        "서울특별시",
        "실증·테스트베드",
        "robots;ai",
        "소기업;중기업",
        "초기;도약기",
        "서울",
        "",
        "",
        "7",
        "예",
        "2026-01-05",
        "2026-12-31",
        "",
        "3억 원",
        "10",
        "사업계획서",
        "https://www.seoul.go.kr/",
    ]
    response = HttpResponse(csv_bytes(TEMPLATE_HEADER, [example]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="programs-template.csv"'
    return response


# -- demonstration sites -------------------------------------------------------------------------


def site_list(request: HttpRequest) -> HttpResponse:
    sites = DemonstrationSite.objects.filter(is_active=True).select_related("cluster").prefetch_related("sectors")
    return render(request, "programs/sites.html", {"sites": sites})


def _week_start(request: HttpRequest) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    if not dt.date(2000, 1, 1) <= day <= dt.date(2100, 1, 1):
        day = timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(
        DemonstrationSite.objects.select_related("cluster").prefetch_related("sectors"), pk=pk, is_active=True
    )
    monday = _week_start(request)
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time(0)))
    held = list(selectors.site_bookings(site=site, start=start, end=start + dt.timedelta(days=7)))
    days = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        days.append(
            {
                "day": day,
                "bookings": [
                    (b, can(request.user, "booking.view", b))
                    for b in held
                    if timezone.localtime(b.starts_at).date() == day
                ],
            }
        )
    roles = roles_of(request.user)
    form = None
    if roles.firm_ids:
        form = BookingForm(initial={"day": timezone.localdate() + dt.timedelta(days=1), "start": site.opens_at})
        form.limit_firms(roles.firm_ids)
    mine = SiteBooking.objects.filter(site=site, firm_id__in=roles.firm_ids).order_by("-starts_at")[:20]
    manage = can(request.user, "site.manage", site)
    pending = SiteBooking.objects.filter(site=site, status="requested").select_related("firm") if manage else None
    context = {
        "site": site,
        "days": days,
        "form": form,
        "mine": mine,
        "pending": pending,
        "note_form": NoteForm(),
        "prev_week": monday - dt.timedelta(days=7),
        "next_week": monday + dt.timedelta(days=7),
        "monday": monday,
    }
    template = "programs/site_detail.html#calendar" if request.htmx else "programs/site_detail.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@require_POST
def book(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(DemonstrationSite, pk=pk, is_active=True)
    form = BookingForm(request.POST)
    form.limit_firms(roles_of(request.user).firm_ids)
    if form.is_valid():
        starts_at, ends_at = form.range()
        try:
            bookings.request_booking(
                site_id=site.pk,
                firm=form.cleaned_data["firm"],
                actor=request.user,
                starts_at=starts_at,
                ends_at=ends_at,
                participants=form.cleaned_data["participants"],
                purpose=form.cleaned_data["purpose"],
            )
            messages.success(request, _("예약을 요청했습니다. 운영기관이 승인하면 확정됩니다."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(
            request, _("입력값을 확인해 주세요: ") + " ".join(str(e) for errs in form.errors.values() for e in errs)
        )
    return redirect("programs:site_detail", pk=site.pk)


@login_required
@require_POST
def booking_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    booking = get_object_or_404(SiteBooking, pk=pk)
    handler = {
        "approve": bookings.approve_booking,
        "reject": bookings.reject_booking,
        "cancel": bookings.cancel_booking,
    }.get(action)
    if handler is None:
        return render(request, "errors/404.html", status=404)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        handler(booking_id=booking.pk, actor=request.user, note=note)
        messages.success(request, _("예약 상태를 바꿨습니다."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("programs:site_detail", pk=booking.site_id)


def site_ics(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(DemonstrationSite, pk=pk, is_active=True)
    response = HttpResponse(site_calendar(site), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="site-{site.pk}.ics"'
    return response
