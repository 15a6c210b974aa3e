"""Pages of the privacy app: a signed-in person downloads everything Haechi holds about them."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from privacy import selectors, services
from privacy.models import AccessKind


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    """What the export contains, and the download button (개인정보 열람 청구)."""
    return render(request, "privacy/my_data.html", {"retention_days": settings.HAECHI_RETENTION_DAYS_AFTER_CLOSE})


@login_required
@require_GET
def my_data_export(request: HttpRequest) -> HttpResponse:
    """The person's own data as a JSON download; the export itself is logged."""
    document = selectors.personal_data_export(request.user)
    services.record_access(viewer=request.user, what=AccessKind.DATA_EXPORT, request=request, subject_user=request.user)
    body = json.dumps(document, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="haechi-my-data-{stamp}.json"'
    response["Cache-Control"] = "private, no-store"
    return response
