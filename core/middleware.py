"""Refuse oversized request bodies up front with 413, before Django reads them.

Django itself raises RequestDataTooBig when a view reads a body over DATA_UPLOAD_MAX_MEMORY_SIZE,
which ends as a generic 400 page; clients (and the API contract) deserve a 413 that says why.
File uploads (multipart) are limited per field by the apps that accept files, so they pass.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        content_type = request.META.get("CONTENT_TYPE", "")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit and not content_type.startswith("multipart/form-data"):
            message = _("요청 본문이 너무 큽니다 (최대 %(size)s바이트).") % {"size": limit}
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "payload_too_large", "message": message}, status=413)
            return render(request, "errors/413.html", {"message": message}, status=413)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send a strict Content-Security-Policy: our own scripts and styles only, no inline script.

    Pages pass data to scripts with ``json_script`` and never use inline handlers, so an injected
    ``<script>`` or ``onerror=`` in complaint text cannot run even if escaping ever failed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.HAECHI_CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
