"""``Idempotency-Key`` for create endpoints, as the IETF draft (httpapi-idempotency-key-header) says.

One decorator for any view that creates something::

    @router.post("", ...)
    @decorate_view(idempotent("barriers.create"))      # django-ninja operation
    def create_barrier(request, ...): ...

    @require_POST
    @idempotent("open311.requests")                     # plain Django view (form or JSON)
    def post_request(request): ...

Behaviour, per client (the signed-in user, else a hash of the credential sent) and scope:

- no header: the view runs as usual (the key is optional unless ``required=True`` → 400);
- first request with a key: the key is committed as *in flight* before the view runs; the view
  runs in one transaction together with storing its response (status, body, a few headers);
- replay with the same key and the same payload: the stored response, byte for byte, plus
  ``Idempotent-Replayed: true``; nothing runs again;
- same key, different payload: **422** ``idempotency_key_reused``;
- same key while the first request is still running: **409** ``idempotency_request_in_flight``;
- a response of 400 or more is not kept: the key is released so the client may fix and retry.

The key is kept ``HAECHI_IDEMPOTENCY_KEY_HOURS`` (24 by default); ``purge_expired_keys`` (run by
``manage.py apply_retention``) deletes older ones. An in-flight key whose process died is taken
over after ``IN_FLIGHT_TIMEOUT`` (the work it guarded never committed: it shares the transaction).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
IN_FLIGHT_TIMEOUT = dt.timedelta(minutes=5)
# Headers worth replaying; cookies and per-request security headers are not.
REPLAYED_HEADERS = ("Content-Type", "ETag", "Location", "Content-Language")


def key_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=getattr(settings, "HAECHI_IDEMPOTENCY_KEY_HOURS", 24))


def _error(status: int, code: str, message: str, *, field: str | None = None) -> JsonResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def default_principal(request: HttpRequest) -> str | None:
    """Who the key belongs to: the signed-in user, else whoever holds the credential sent
    (an API token or Open311 ``api_key``, stored only as a hash), else nobody (no idempotency)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    credential = request.headers.get("Authorization") or request.GET.get("api_key") or request.POST.get("api_key")
    if credential:
        return "cred:" + hashlib.sha256(credential.encode("utf-8", "replace")).hexdigest()[:64]
    return None


def request_fingerprint(request: HttpRequest) -> str:
    """A digest of what was asked: method, path and the payload. JSON is compared by meaning
    (key order and spacing do not matter); multipart forms by their fields and file contents
    (the boundary changes on every send)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    content_type = request.content_type or ""
    if content_type.startswith("multipart/form-data"):
        fields = sorted((k, v) for k in request.POST for v in request.POST.getlist(k) if k != "csrfmiddlewaretoken")
        digest.update(json.dumps(fields, ensure_ascii=False).encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                file_digest = hashlib.sha256()
                for chunk in upload.chunks():
                    file_digest.update(chunk)
                upload.seek(0)
                digest.update(f"{name}:{upload.name}:{file_digest.hexdigest()}\n".encode())
        return digest.hexdigest()
    if content_type == "application/x-www-form-urlencoded":
        fields = sorted((k, v) for k in request.POST for v in request.POST.getlist(k) if k != "csrfmiddlewaretoken")
        digest.update(json.dumps(fields, ensure_ascii=False).encode())
        return digest.hexdigest()
    body = request.body
    try:
        digest.update(json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False).encode())
    except (ValueError, RecursionError):
        digest.update(body)
    return digest.hexdigest()


def _clean_key(raw: str) -> str | None:
    key = raw.strip()
    # The draft sends the key as a structured-field string: "…"; accept it with or without quotes.
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        return None
    return key


def _replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(record.response_body.encode("utf-8"), status=record.response_status or 200)
    for name, value in record.response_headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(*, principal: str, scope: str, key: str, fingerprint: str) -> IdempotencyKey | HttpResponse:
    """Commit the key as in flight and return it, or the answer for a key already known."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                principal=principal, scope=scope, key=key, fingerprint=fingerprint, started_at=now
            )
    except IntegrityError:
        pass  # the key exists: replay, refuse, or take over an abandoned or expired one
    record = IdempotencyKey.objects.filter(principal=principal, scope=scope, key=key).first()
    if record is None:  # released (failed request) between our insert and this read: try once more
        return _claim_once_more(principal=principal, scope=scope, key=key, fingerprint=fingerprint)
    expired = record.started_at < now - key_lifetime()
    if expired or (record.state == IdempotencyKey.IN_FLIGHT and record.started_at < now - IN_FLIGHT_TIMEOUT):
        # Compare-and-swap on started_at: of two retries taking over, only one wins.
        taken = IdempotencyKey.objects.filter(pk=record.pk, started_at=record.started_at).update(
            fingerprint=fingerprint,
            state=IdempotencyKey.IN_FLIGHT,
            started_at=now,
            completed_at=None,
            response_status=None,
            response_headers={},
            response_body="",
        )
        if taken:
            record.refresh_from_db()
            return record
        record.refresh_from_db()
    if record.fingerprint != fingerprint:
        return _error(
            422,
            "idempotency_key_reused",
            _("같은 Idempotency-Key로 다른 내용을 보냈습니다. 새 키를 쓰세요."),
            field=HEADER,
        )
    if record.state == IdempotencyKey.IN_FLIGHT:
        response = _error(
            409,
            "idempotency_request_in_flight",
            _("같은 Idempotency-Key의 요청을 아직 처리하고 있습니다. 잠시 후 다시 보내세요."),
            field=HEADER,
        )
        response["Retry-After"] = "1"
        return response
    return _replay(record)


def _claim_once_more(*, principal: str, scope: str, key: str, fingerprint: str) -> IdempotencyKey | HttpResponse:
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                principal=principal, scope=scope, key=key, fingerprint=fingerprint, started_at=timezone.now()
            )
    except IntegrityError:
        return _error(
            409,
            "idempotency_request_in_flight",
            _("같은 Idempotency-Key의 요청을 아직 처리하고 있습니다. 잠시 후 다시 보내세요."),
            field=HEADER,
        )


def _store(record: IdempotencyKey, response: HttpResponseBase) -> None:
    headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
    content = getattr(response, "content", b"")
    IdempotencyKey.objects.filter(pk=record.pk).update(
        state=IdempotencyKey.DONE,
        response_status=response.status_code,
        response_headers=headers,
        response_body=content.decode("utf-8", "replace"),
        completed_at=timezone.now(),
    )


def idempotent(
    scope: str,
    *,
    required: bool = False,
    principal: Callable[[HttpRequest], str | None] = default_principal,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Make a create view honour ``Idempotency-Key`` (see the module docstring)."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            raw = request.headers.get(HEADER)
            if raw is None:
                if required:
                    return _error(400, "idempotency_key_missing", _("Idempotency-Key 헤더가 필요합니다."), field=HEADER)
                return view(request, *args, **kwargs)
            key = _clean_key(raw)
            if key is None:
                return _error(
                    400,
                    "validation_failed",
                    _("Idempotency-Key는 %(n)s자 이내의 영문·숫자·기호로 보내세요.") % {"n": MAX_KEY_LENGTH},
                    field=HEADER,
                )
            owner = principal(request)
            if owner is None:  # nobody to tie the key to (anonymous): behave as without a key
                return view(request, *args, **kwargs)
            claimed = _claim(principal=owner, scope=scope, key=key, fingerprint=request_fingerprint(request))
            if isinstance(claimed, HttpResponse):
                return claimed
            try:
                with transaction.atomic():
                    # Lock our key row: a take-over (after IN_FLIGHT_TIMEOUT) waits for us to finish.
                    IdempotencyKey.objects.select_for_update().filter(pk=claimed.pk).exists()
                    response = view(request, *args, **kwargs)
                    if response.status_code >= 400 or response.streaming:
                        # Not kept: undo whatever the failed view wrote and release the key.
                        transaction.set_rollback(True)
                    else:
                        _store(claimed, response)
            except BaseException:
                IdempotencyKey.objects.filter(pk=claimed.pk, state=IdempotencyKey.IN_FLIGHT).delete()
                raise
            if response.status_code >= 400 or response.streaming:
                IdempotencyKey.objects.filter(pk=claimed.pk, state=IdempotencyKey.IN_FLIGHT).delete()
            return response

        return wrapped

    return decorator


def purge_expired_keys(*, now: dt.datetime | None = None) -> int:
    """Delete keys older than their lifetime; returns how many."""
    cutoff = (now or timezone.now()) - key_lifetime()
    deleted, _detail = IdempotencyKey.objects.filter(started_at__lt=cutoff).delete()
    return deleted
