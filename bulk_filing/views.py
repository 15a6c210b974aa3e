"""Bulk filing pages: the upload form with the template downloads, and one upload's progress
(polled with htmx until it finishes), per-row errors and summary, with CSV downloads."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import can
from accounts.roles import roles_of
from bulk_filing import columns, selectors, services
from bulk_filing.forms import UploadForm
from bulk_filing.models import BulkUpload
from core.errors import DomainError
from core.forms import add_domain_error
from core.idempotency import idempotent
from core.spreadsheet import csv_bytes
from firms.models import Association

RECENT = 20


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def _upload_or_none(request: HttpRequest, pk: int) -> BulkUpload | None:
    upload = selectors.uploads_for(request.user).filter(pk=pk).first()
    if upload is None or not can(request.user, "bulk_filing.view", upload):
        return None
    return upload


def _associations(user: Any) -> Any:
    roles = roles_of(user)
    return Association.objects.filter(pk__in=roles.association_ids).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
@idempotent("bulk_filing.upload")  # an upload retried with the same Idempotency-Key files once
def index(request: HttpRequest) -> HttpResponse:
    """Upload form, template downloads, the column guide and recent uploads."""
    if not can(request.user, "bulk_filing.upload"):
        return _forbidden(request)
    associations = _associations(request.user)
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, associations=associations)
        if form.is_valid():
            chosen = form.cleaned_data.get("association")
            uploaded = form.cleaned_data["file"]
            try:
                services.refuse_oversize(uploaded.size)  # before reading a byte of it into memory
                upload = services.start_upload(
                    actor=request.user,
                    file_name=uploaded.name,
                    data=uploaded.read(),
                    association_id=chosen.pk if chosen else None,
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                return redirect("bulk_filing:detail", pk=upload.pk)
        else:
            status = 400
    else:
        form = UploadForm(associations=associations)
    context = {
        "form": form,
        "columns": columns.COLUMNS,
        "uploads": selectors.uploads_for(request.user)[:RECENT],
        "max_rows": services.MAX_ROWS,
    }
    return render(request, "bulk_filing/index.html", context, status=status)


@login_required
@require_GET
def template_file(request: HttpRequest, fmt: str) -> HttpResponse:
    """The empty template with Korean headers, as CSV (UTF-8 BOM) or XLSX."""
    if not can(request.user, "bulk_filing.upload"):
        return _forbidden(request)
    if fmt == "xlsx":
        response = HttpResponse(
            columns.template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        response = HttpResponse(columns.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="haechi-bulk-template.{fmt}"'
    return response


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One upload: progress while it runs, then its errors or what it filed."""
    upload = _upload_or_none(request, pk)
    if upload is None:
        return render(request, "errors/404.html", status=404)
    template = "bulk_filing/_status.html" if getattr(request, "htmx", False) else "bulk_filing/detail.html"
    return render(request, template, {"upload": upload, "errors": upload.errors[:200]})


@login_required
@require_GET
def errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The per-row errors as CSV (every cell formula-safe)."""
    upload = _upload_or_none(request, pk)
    if upload is None:
        return render(request, "errors/404.html", status=404)
    rows = ([e["row"], e["column"], e["message"]] for e in upload.errors)
    response = HttpResponse(csv_bytes([_("행"), _("열"), _("오류")], rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bulk-{upload.pk}-errors.csv"'
    return response


@login_required
@require_GET
def created_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """What the upload filed: row, barrier number, firm, title (every cell formula-safe)."""
    upload = _upload_or_none(request, pk)
    if upload is None:
        return render(request, "errors/404.html", status=404)
    row_of = {pk: row for row, pk in upload.created}
    barriers = selectors.created_barriers(upload).only("pk", "title", "status", "firm__name")
    rows = ([row_of.get(b.pk, ""), b.pk, b.firm.name, b.title, b.get_status_display()] for b in barriers.iterator(2000))
    header = [_("행"), _("번호"), _("기업"), _("제목"), _("상태")]
    response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bulk-{upload.pk}-created.csv"'
    return response
