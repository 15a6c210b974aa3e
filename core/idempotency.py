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

``idempotent(..., one_statement=True)``: for a view that writes everything in one statement (a
barrier filed as a draft, on PostgreSQL): the key is not claimed ahead, but written by that very
statement, already *done* with the answer, and the view's own rows only if the key is new
(``PendingKey``) — one statement instead of claim, BEGIN, the work, the store and COMMIT. A key
found there already makes the statement write nothing, and the request goes the usual way
(replay, 409 or 422, or a take-over). A second request with the same key while the first one's
statement runs waits for it (the unique index) and then gets the stored answer.

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
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
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


def _insert_if_new(
    *, principal: str, scope: str, key: str, fingerprint: str, now: dt.datetime
) -> IdempotencyKey | None:
    """Insert the key as in flight and return it, or None if the key exists. One statement
    (INSERT .. ON CONFLICT DO NOTHING RETURNING), committed on its own: no BEGIN, no COMMIT, no
    savepoint to recover from a unique violation — every first request with a key pays this."""
    record = IdempotencyKey(principal=principal, scope=scope, key=key, fingerprint=fingerprint, started_at=now)
    connection = connections[router.db_for_write(IdempotencyKey)]
    meta = IdempotencyKey._meta
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(record, True), connection) for f in fields]
    by_name = {f.name: f for f in meta.concrete_fields}
    conflict = ", ".join(quote(by_name[name].column) for name in ("principal", "scope", "key"))
    returning = quote(meta.pk.column)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # The statement is its own transaction: let its commit skip the WAL flush (the fsync was
        # most of what the claim cost the database). Safe: other requests see the key as soon as
        # it commits, flushed or not; and the work it guards commits (synchronously) later, which
        # flushes the WAL up to and past the key. A crash before that loses both, or the key
        # alone — the client's retry then simply claims it again.
        returning += ", set_config('synchronous_commit', 'off', true)"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT ({conflict}) DO NOTHING "
        f"RETURNING {returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return None
    record.pk = row[0]
    record._state.adding = False
    record._state.db = connection.alias
    return record


def _claim(*, principal: str, scope: str, key: str, fingerprint: str) -> IdempotencyKey | HttpResponse:
    """Commit the key as in flight and return it, or the answer for a key already known."""
    now = timezone.now()
    inserted = _insert_if_new(principal=principal, scope=scope, key=key, fingerprint=fingerprint, now=now)
    if inserted is not None:
        return inserted
    # The key exists: replay, refuse, or take over an abandoned or expired one.
    record = IdempotencyKey.objects.filter(principal=principal, scope=scope, key=key).first()
    if record is None:  # released (failed request) between our insert and this read: try once more
        return _claim_once_more(principal=principal, scope=scope, key=key, fingerprint=fingerprint)
    expired = record.started_at < now - key_lifetime()
    if expired or (record.state == IdempotencyKey.IN_FLIGHT and record.started_at < now - IN_FLIGHT_TIMEOUT):
        # Compare-and-swap on started_at: of two retries taking over, only one wins. And on the
        # state: a request that completed meanwhile (its store waits for no lock) is replayed.
        taken = IdempotencyKey.objects.filter(pk=record.pk, started_at=record.started_at, state=record.state).update(
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
        return _in_flight()
    return _replay(record)


def _claim_once_more(*, principal: str, scope: str, key: str, fingerprint: str) -> IdempotencyKey | HttpResponse:
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                principal=principal, scope=scope, key=key, fingerprint=fingerprint, started_at=timezone.now()
            )
    except IntegrityError:
        return _in_flight()


def _in_flight() -> JsonResponse:
    response = _error(
        409,
        "idempotency_request_in_flight",
        _("같은 Idempotency-Key의 요청을 아직 처리하고 있습니다. 잠시 후 다시 보내세요."),
        field=HEADER,
    )
    response["Retry-After"] = "1"
    return response


def _store(record: IdempotencyKey, response: HttpResponseBase) -> bool:
    """Keep ``response`` as the key's answer, if the key is still ours: compare-and-set on the
    state and ``started_at`` we claimed it with. False: another request took the key over (ours
    ran past ``IN_FLIGHT_TIMEOUT``) and is doing the work now; the caller rolls ours back."""
    headers = _replayed_headers(response)
    content = getattr(response, "content", b"")
    changes = {
        "state": IdempotencyKey.DONE,
        "response_status": response.status_code,
        "response_headers": headers,
        "response_body": content.decode("utf-8", "replace"),
        "completed_at": timezone.now(),
    }
    # What QuerySet.update() sends, written out: every keyed create stores its answer, and
    # compiling the update cost more than running it.
    connection = connections[router.db_for_write(IdempotencyKey)]
    meta = IdempotencyKey._meta
    quote = connection.ops.quote_name
    by_name = {f.name: f for f in meta.concrete_fields}
    fields = [by_name[name] for name in changes]
    state, started_at = by_name["state"], by_name["started_at"]
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)} "
        f"WHERE {quote(meta.pk.column)} = %s AND {quote(state.column)} = %s AND {quote(started_at.column)} = %s"
    )
    params = [f.get_db_prep_save(changes[f.name], connection) for f in fields] + [
        record.pk,
        state.get_db_prep_save(IdempotencyKey.IN_FLIGHT, connection),
        started_at.get_db_prep_value(record.started_at, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def _replayed_headers(response: HttpResponseBase) -> dict[str, str]:
    return {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}


class Unfolded(Exception):  # noqa: N818 - a signal between a view and ``idempotent``, not an error
    """Raised by the view of ``idempotent(..., one_statement=True)`` when its key was not written
    by its statement: it cannot write in one statement (raised before it wrote anything), or the
    key was there already (its statement then wrote nothing). The request goes the usual way."""


# The key's INSERT … SELECT with {source} and {id_sql} left open, per database alias (see
# ``PendingKey.record_sql``).
_RECORD_TEMPLATES: dict[str, str] = {}
_RECORDED_FIELDS = (
    "principal",
    "scope",
    "key",
    "fingerprint",
    "state",
    "response_status",
    "response_headers",
    "response_body",
    "started_at",
    "completed_at",
)


def _key_field(name: str) -> Any:
    return next(field for field in IdempotencyKey._meta.concrete_fields if field.name == name)


def _record_template(connection: Any) -> str:
    template = _RECORD_TEMPLATES.get(connection.alias)
    if template is None:
        meta = IdempotencyKey._meta
        quote = connection.ops.quote_name
        columns = ", ".join(quote(_key_field(name).column) for name in _RECORDED_FIELDS)
        # Untyped literals: INSERT … SELECT gives them the columns' types (lengths checked).
        values = ", ".join(
            "%s || {id_sql}::text || %s" if name == "response_body" else "%s" for name in _RECORDED_FIELDS
        )
        conflict = ", ".join(quote(_key_field(name).column) for name in ("principal", "scope", "key"))
        template = _RECORD_TEMPLATES[connection.alias] = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT {values} FROM {{source}} "
            f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {quote(meta.pk.column)}"
        )
    return template


@dataclass
class PendingKey:
    """A keyed request's key, not claimed yet, offered to the view of
    ``idempotent(..., one_statement=True)`` (``pending_key``): the view writes it, with its
    answer, in the statement that does its work (``record_sql``), and says whether it was
    written (``settle``)."""

    principal: str
    scope: str
    key: str
    fingerprint: str
    started_at: dt.datetime
    recorded: bool = False

    def record_sql(
        self, connection: Any, *, source: str, id_sql: str, response: HttpResponseBase, head: bytes, tail: bytes
    ) -> tuple[str, list[Any]]:
        """The key as done, with ``response`` (its status and replayed headers) as its answer,
        whose content is ``head``, the new row's id, ``tail``: an INSERT … SELECT … FROM
        ``source`` (one row, which has the id as ``id_sql``) that writes one row, or none when
        the key is already there (ON CONFLICT DO NOTHING; it waits for a statement still
        writing it). The caller's rows are to be written only when it wrote its row."""
        values = {
            "principal": self.principal,
            "scope": self.scope,
            "key": self.key,
            "fingerprint": self.fingerprint,
            "state": IdempotencyKey.DONE,
            "response_status": response.status_code,
            "response_headers": _replayed_headers(response),
            "started_at": self.started_at,
            "completed_at": timezone.now(),
        }
        params: list[Any] = []
        for name in _RECORDED_FIELDS:
            if name == "response_body":
                params += [head.decode("utf-8", "replace"), tail.decode("utf-8", "replace")]
            else:
                params.append(_key_field(name).get_db_prep_save(values[name], connection))
        return _record_template(connection).format(source=source, id_sql=id_sql), params

    def settle(self, *, written: bool) -> None:
        """After the statement: the key was written (the answer is stored) or, when it was not,
        ``Unfolded`` (the statement wrote nothing of the view's either)."""
        if not written:
            raise Unfolded
        self.recorded = True


_PENDING = "_haechi_pending_key"


def pending_key(request: HttpRequest) -> PendingKey | None:
    """The key the view of ``idempotent(..., one_statement=True)`` is to write in its statement,
    or None (no key, or the request goes the usual way: the key is already claimed)."""
    return getattr(request, _PENDING, None)


_WHOLE_TRANSACTION = "_haechi_idempotent_transaction"


def in_idempotent_transaction(request: HttpRequest) -> bool:
    """Whether the view runs inside the transaction ``idempotent`` opened for a keyed request,
    which is rolled back as a whole on an exception or an answer of 400 or more: work inside it
    needs no savepoint of its own (nothing after a failure in it is kept or run)."""
    return bool(getattr(request, _WHOLE_TRANSACTION, False))


def _release(record: IdempotencyKey) -> None:
    """Delete our in-flight key so that the client may retry (not one another request took over)."""
    IdempotencyKey.objects.filter(pk=record.pk, state=IdempotencyKey.IN_FLIGHT, started_at=record.started_at).delete()


def idempotent(
    scope: str,
    *,
    required: bool = False,
    principal: Callable[[HttpRequest], str | None] = default_principal,
    one_statement: bool = False,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Make a create view honour ``Idempotency-Key`` (see the module docstring).

    ``one_statement``: the view is first run outside any transaction with the key pending
    (``pending_key``); it either writes the key in its one statement (``PendingKey.settle``),
    answers 400 or more having written nothing, or raises ``Unfolded`` — then it runs again the
    usual way (claim, transaction, store)."""

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
            fingerprint = request_fingerprint(request)
            if one_statement:
                pending = PendingKey(
                    principal=owner, scope=scope, key=key, fingerprint=fingerprint, started_at=timezone.now()
                )
                setattr(request, _PENDING, pending)
                try:
                    response = view(request, *args, **kwargs)
                except Unfolded:
                    pass
                else:
                    if pending.recorded or response.status_code >= 400:
                        return response
                    raise AssertionError(f"{scope}: answered {response.status_code} without writing its key")
                finally:
                    setattr(request, _PENDING, None)
            claimed = _claim(principal=owner, scope=scope, key=key, fingerprint=fingerprint)
            if isinstance(claimed, HttpResponse):
                return claimed
            try:
                with transaction.atomic():
                    setattr(request, _WHOLE_TRANSACTION, True)
                    try:
                        response = view(request, *args, **kwargs)
                    finally:
                        setattr(request, _WHOLE_TRANSACTION, False)
                    if response.status_code >= 400 or response.streaming:
                        # Not kept: undo whatever the failed view wrote and release the key.
                        transaction.set_rollback(True)
                    elif not _store(claimed, response):
                        # Taken over while we ran (no lock held on the key: the store checks it is
                        # still ours, in the same transaction as the work): the taker does the work,
                        # ours is undone, and this client hears that the key is busy.
                        transaction.set_rollback(True)
                        return _in_flight()
            except BaseException:
                _release(claimed)
                raise
            if response.status_code >= 400 or response.streaming:
                _release(claimed)
            return response

        return wrapped

    return decorator


def purge_expired_keys(*, now: dt.datetime | None = None) -> int:
    """Delete keys older than their lifetime; returns how many."""
    cutoff = (now or timezone.now()) - key_lifetime()
    deleted, _detail = IdempotencyKey.objects.filter(started_at__lt=cutoff).delete()
    return deleted
