"""Intake: filing, editing and submitting a barrier, withdrawing it, and its attachments."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connections, router, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require
from accounts.services import require_confirmed_email
from barriers import files, sector_table
from barriers.audit import NEW_CHAIN, ChainHead, append_event, chain_start_sql
from barriers.models import (
    BODY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Attachment,
    Barrier,
    BarrierEvent,
    BarrierStatus,
    ClockStep,
    EventKind,
    IdempotencyRecord,
    Privacy,
    RequestKind,
)
from barriers.services._core import (
    BARRIER_FIELDS_CHANGED_BY_MOVE,
    DUE_FIELDS,
    clean_line,
    clean_optional_int,
    clean_text,
    enter_state,
    guard,
    locked_barrier,
    move,
    notify_on_commit,
    planned_clock,
    record_event,
    remember_related,
    remember_sectors,
    start_clock,
)
from core.errors import Conflict, ValidationFailed
from core.idempotency import Unfolded
from firms.models import Firm, Sector

MAX_COST_WON = 10**15
MAX_DELAY_MONTHS = 600
MIN_BODY_TO_SUBMIT = 20


def _sectors(codes: Any) -> list[Sector]:
    if codes is None:
        return []
    if not isinstance(codes, list | tuple) or not all(isinstance(c, str) for c in codes) or len(codes) > 6:
        raise ValidationFailed(_("분야를 올바르게 선택하세요."), field="sectors")
    wanted = {c.strip().lower() for c in codes}
    found = [sector for code, sector in sector_table.sectors_by_code().items() if code in wanted]
    if len(found) != len(wanted):
        raise ValidationFailed(_("알 수 없는 분야가 있습니다."), field="sectors")
    return found


def _choice(value: Any, *, choices: type[Any], field: str, label: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(_("%(label)s을(를) 올바르게 선택하세요.") % {"label": label}, field=field)
    return str(value)


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise the filer's fields (only those given)."""
    cleaned: dict[str, Any] = {}
    if "title" in fields:
        cleaned["title"] = clean_line(fields["title"], field="title", label=_("제목"), max_length=TITLE_MAX)
    if "body" in fields:
        cleaned["body"] = clean_text(fields["body"], field="body", label=_("내용"), max_length=BODY_MAX)
    for name, label in (
        ("statutes_named", _("관련 법령")),
        ("desired_change", _("개선 요청 사항")),
        ("harm_lost_market", _("잃은 시장·기회")),
    ):
        if name in fields:
            cleaned[name] = clean_text(fields[name], field=name, label=label, max_length=TEXT_MAX)
    if "harm_cost_won" in fields:
        cleaned["harm_cost_won"] = clean_optional_int(
            fields["harm_cost_won"], field="harm_cost_won", label=_("추정 비용"), maximum=MAX_COST_WON
        )
    if "harm_delay_months" in fields:
        cleaned["harm_delay_months"] = clean_optional_int(
            fields["harm_delay_months"], field="harm_delay_months", label=_("사업 지연"), maximum=MAX_DELAY_MONTHS
        )
    if "privacy" in fields:
        cleaned["privacy"] = _choice(fields["privacy"], choices=Privacy, field="privacy", label=_("공개 범위"))
    if "kind" in fields:
        cleaned["kind"] = _choice(fields["kind"], choices=RequestKind, field="kind", label=_("민원 종류"))
    if "seal_from_agency" in fields:
        cleaned["seal_from_agency"] = bool(fields["seal_from_agency"])
    return cleaned


FILER_FIELDS = frozenset(
    {
        "title",
        "body",
        "statutes_named",
        "desired_change",
        "harm_cost_won",
        "harm_delay_months",
        "harm_lost_market",
        "privacy",
        "kind",
        "seal_from_agency",
    }
)


# Given the barrier as it will be filed (its id, not known yet, as 0), the database connection and
# the SQL of the new id: the SQL and parameters of a write that decides whether the filing is.
FilingGate = Callable[[Barrier, Any, str], tuple[str, list[Any]]]


def file_barrier(
    *,
    actor: Any,
    firm: Firm,
    title: str,
    body: str,
    sector_codes: list[str] | None = None,
    submit: bool = False,
    savepoint: bool = True,
    gate: FilingGate | None = None,
    **fields: Any,
) -> Barrier:
    """Create a barrier as a draft (작성 중) for ``firm``; with ``submit`` it is submitted at once.

    ``savepoint``: False for a caller whose own transaction is rolled back as a whole when the
    filing fails (the API's create under an Idempotency-Key): inside it, no SAVEPOINT and RELEASE
    (two more round trips) around the filing.

    ``gate``: file in one statement, its own transaction (no BEGIN, no COMMIT), together with a
    write that decides whether the filing is written at all — the API's Idempotency-Key with its
    answer (``core.idempotency.PendingKey``): an INSERT … SELECT … FROM ``ids`` (the new id as
    the SQL it is given) that writes one row or none. When it wrote none, nothing is written and
    ``Unfolded`` is raised; so it is when the filing is not one statement (a submission, not
    PostgreSQL, inside a transaction already) — then before anything is written."""
    if gate is not None:
        connection = connections[router.db_for_write(Barrier)]
        if submit or connection.vendor != "postgresql" or connection.in_atomic_block:
            raise Unfolded
        # One statement is one transaction: every check is made before it, nothing after it writes.
        return _file_barrier(
            actor=actor, firm=firm, title=title, body=body, sector_codes=sector_codes, submit=False, gate=gate, **fields
        )
    with transaction.atomic(savepoint=savepoint):
        return _file_barrier(
            actor=actor, firm=firm, title=title, body=body, sector_codes=sector_codes, submit=submit, **fields
        )


def _file_barrier(
    *,
    actor: Any,
    firm: Firm,
    title: str,
    body: str,
    sector_codes: list[str] | None,
    submit: bool,
    gate: FilingGate | None = None,
    **fields: Any,
) -> Barrier:
    require_confirmed_email(actor)  # a new firm account files once its e-mail address is confirmed
    require(actor, "barrier.file", firm)
    unknown = set(fields) - FILER_FIELDS
    if unknown:
        raise ValidationFailed(_("알 수 없는 항목이 있습니다."), field=sorted(unknown)[0])
    cleaned = _clean_fields({"title": title, "body": body, **fields})
    if not cleaned["title"] and not cleaned["body"]:
        raise ValidationFailed(_("제목이나 내용을 입력하세요."), field="title")
    sectors = _sectors(sector_codes)
    now = timezone.now()
    barrier = Barrier(firm=firm, filed_by=actor, status=BarrierStatus.DRAFT, **cleaned)
    clock = None
    if submit:
        # Filed and submitted at once: the checks of submit_barrier on the draft as filed, and the
        # row is written once, already submitted with its triage clock's due time, instead of
        # inserted as a draft and updated a moment later (an UPDATE that rewrites every index).
        guard(barrier, actor=actor, verb="submit", expected_version=None)
        _check_submittable(barrier, has_sectors=bool(sectors))
        clock = planned_clock(barrier, step=ClockStep.TRIAGE, now=now)
        enter_state(barrier, verb="submit", now=now)
        barrier.submitted_at = now
    event = _insert_new(barrier, sectors, actor=actor, now=now, gate=gate)
    remember_sectors(barrier, sectors)  # again after a gate: what it remembered was for id 0
    if event is None:
        # The row is new in this transaction: nobody else can see it, lock it or append to its chain.
        event = append_event(
            barrier,
            kind=EventKind.DRAFT_UPDATED,
            verb="file",
            actor=actor,
            from_status=BarrierStatus.DRAFT,
            to_status=BarrierStatus.DRAFT,
            now=now,
            data={},
            head=NEW_CHAIN,
        )
    notify_on_commit(event)
    if clock is not None:
        # The chain as submit_barrier writes it: the filing, then the transition to submitted.
        event = append_event(
            barrier,
            kind=EventKind.TRANSITION,
            verb="submit",
            actor=actor,
            from_status=BarrierStatus.DRAFT,
            to_status=barrier.status,
            now=now,
            head=ChainHead.of(event),
            row_locked=True,
        )
        notify_on_commit(event)
        clock.save(force_insert=True)
        _route_on_commit(barrier)
    return barrier


def member_firm(firm_id: int) -> Firm:
    """The firm of one of the filer's memberships, not read: it exists (the membership refers to
    it) and filing needs only its id. Its name, which the answer shows, is read with the new
    barrier's INSERT (see ``_insert_new``), or when first used."""
    return Firm.from_db(router.db_for_read(Firm), ["id"], [firm_id])


def _insert_new(
    barrier: Barrier, sectors: list[Sector], *, actor: Any, now: dt.datetime, gate: FilingGate | None = None
) -> BarrierEvent | None:
    """INSERT the new ``barrier``, its links to ``sectors`` (a new row has none yet: no
    read-then-write as set() does) and, on PostgreSQL, the first event of its audit chain (the
    filing) — returned; None elsewhere, where the caller appends it. On PostgreSQL in one
    statement (data-modifying WITH) that also reads the firm's name if the barrier's firm came
    without it (``member_firm``): one round trip instead of four. Elsewhere the ORM's two
    inserts; the name is read when first shown.

    The row's values are those ``save()`` would write (each field's ``pre_save`` and
    ``get_db_prep_save``, as the insert compiler calls them); Barrier has no save() of its own
    and nobody listens to its save signals."""
    connection = connections[router.db_for_write(Barrier)]
    through = Barrier.sectors.through
    if connection.vendor != "postgresql":
        barrier.save(force_insert=True)
        through.objects.bulk_create([through(barrier_id=barrier.pk, sector_id=s.pk) for s in sectors])
        return None
    quote = connection.ops.quote_name
    pk = quote(Barrier._meta.pk.column)
    if gate is None:
        insert_sql, fields = _barrier_insert(connection)
        params: list[Any] = [f.get_db_prep_save(f.pre_save(barrier, True), connection) for f in fields]
        sql = f"WITH new_barrier AS ({insert_sql})"
    else:
        # The id is drawn first (the gate's row needs it), the gate writes its row or none, and
        # the barrier is inserted from that row: nothing of the filing when the gate wrote none.
        _plain, fields = _barrier_insert(connection)
        values = [f.get_db_prep_save(f.pre_save(barrier, True), connection) for f in fields]
        insert_sql = _gated_barrier_insert(connection, tuple(value is None for value in values))
        params = [value for value in values if value is not None]
        # The gate sees the barrier as filed, its sectors included, but with id 0 (none yet).
        barrier.pk = 0
        try:
            remember_sectors(barrier, sectors)
            gate_sql, gate_params = gate(barrier, connection, "ids.id")
        finally:
            barrier.pk = None
        sql = (
            f"WITH ids AS (SELECT nextval(pg_get_serial_sequence('{Barrier._meta.db_table}', "
            f"'{Barrier._meta.pk.column}')) AS id), gate AS ({gate_sql}), new_barrier AS ({insert_sql})"
        )
        params = [*gate_params, *params]
    if sectors:
        links = through._meta
        sql += (
            f", links AS (INSERT INTO {quote(links.db_table)} "
            f"({quote(links.get_field('barrier').column)}, {quote(links.get_field('sector').column)}) "
            f"SELECT new_barrier.{pk}, chosen.id FROM new_barrier, "
            f"(VALUES {', '.join(['(%s)'] * len(sectors))}) AS chosen(id))"
        )
        params += [s.pk for s in sectors]
    # The barrier was created in this statement: nobody else can see it, lock it or append to
    # its chain, so its chain starts here.
    filing = chain_start_sql(
        connection,
        source="new_barrier",
        barrier_id=f"new_barrier.{pk}",
        kind=EventKind.DRAFT_UPDATED,
        verb="file",
        actor=actor,
        status=BarrierStatus.DRAFT,
        now=now,
        verify_ahead=gate is not None,
    )
    sql += f", filing AS ({filing.sql})"
    params += filing.params
    firm = barrier.firm
    wants_name = "name" in firm.get_deferred_fields()
    sql += f" SELECT new_barrier.{pk}, filing.*"
    if wants_name:
        firms = Firm._meta
        sql += (
            f", (SELECT {quote(firms.get_field('name').column)} FROM {quote(firms.db_table)} "
            f"WHERE {quote(firms.pk.column)} = %s)"
        )
        params.append(firm.pk)
    sql += " FROM new_barrier, filing"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if gate is not None and row is None:
        raise Unfolded  # the gate wrote nothing, and so neither did the filing
    barrier.pk = row[0]
    barrier._state.adding = False
    barrier._state.db = connection.alias
    if wants_name:
        firm.name = row[3]
    return filing.finish(barrier=barrier, event_id=row[1], event_hash_hex=row[2], db=connection.alias)


# (database alias) → the barrier's INSERT … RETURNING id and the fields it writes, in order:
# compiling the same insert for every filing cost more than running it.
_BARRIER_INSERTS: dict[str, tuple[str, list[Any]]] = {}


def _barrier_insert(connection: Any) -> tuple[str, list[Any]]:
    cached = _BARRIER_INSERTS.get(connection.alias)
    if cached is None:
        meta = Barrier._meta
        fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
        query = InsertQuery(Barrier)
        query.insert_values(fields, [Barrier()])
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = [meta.pk]  # Barrier's only db_returning_field
        [(sql, params)] = compiler.as_sql()
        if len(params) != len(fields):  # a field written as an expression would need its own value
            raise AssertionError("the barrier's INSERT does not take one parameter per field")
        cached = _BARRIER_INSERTS[connection.alias] = (sql, fields)
    return cached


# (database alias, which values are NULL) → the barrier's INSERT … SELECT from the gate's row
# (``_insert_new``), id included, for the fields of ``_barrier_insert`` in their order.
_GATED_BARRIER_INSERTS: dict[tuple[str, tuple[bool, ...]], str] = {}


def _gated_barrier_insert(connection: Any, nulls: tuple[bool, ...]) -> str:
    """The INSERT with NULL written out where ``nulls`` says (a draft leaves a dozen fields
    empty): the statement then takes at most 50 parameters, and the driver keeps its parsed
    form instead of parsing it again on every filing."""
    key = (connection.alias, nulls)
    sql = _GATED_BARRIER_INSERTS.get(key)
    if sql is None:
        _plain, fields = _barrier_insert(connection)  # the same fields, the same values
        meta = Barrier._meta
        quote = connection.ops.quote_name
        columns = ", ".join([quote(meta.pk.column), *(quote(f.column) for f in fields)])
        # Untyped literals: INSERT … SELECT gives them the columns' types, lengths checked.
        values = ", ".join(["ids.id", *("NULL" if null else "%s" for null in nulls)])
        sql = _GATED_BARRIER_INSERTS[key] = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT {values} FROM ids, gate "
            f"RETURNING {quote(meta.pk.column)}"
        )
    return sql


def _fingerprint(payload: dict[str, Any]) -> str:
    import json

    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def file_barrier_once(
    *, actor: Any, idempotency_key: str, payload: dict[str, Any], firm: Firm, **kwargs: Any
) -> tuple[Barrier, bool]:
    """``file_barrier`` honouring an Idempotency-Key: a retry with the same key and payload
    returns the first barrier (created=False); the same key with another payload is a 409."""
    key = idempotency_key.strip()
    if not key or len(key) > 100 or not key.isprintable() or not key.isascii():
        raise ValidationFailed(_("Idempotency-Key는 100자 이내의 영문·숫자로 보내세요."), field="Idempotency-Key")
    fingerprint = _fingerprint(payload)

    def existing() -> tuple[Barrier, bool] | None:
        record = IdempotencyRecord.objects.filter(user=actor, key=key).select_related("barrier").first()
        if record is None:
            return None
        if record.fingerprint != fingerprint:
            raise Conflict(_("같은 Idempotency-Key로 다른 내용을 보냈습니다."), code="idempotency_key_reused")
        return record.barrier, False

    found = existing()
    if found:
        return found
    try:
        with transaction.atomic():
            barrier = file_barrier(actor=actor, firm=firm, **kwargs)
            IdempotencyRecord.objects.create(user=actor, key=key, fingerprint=fingerprint, barrier=barrier)
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer with its barrier.
        found = existing()
        if found:
            return found
        raise
    return barrier, True


@transaction.atomic
def update_draft(*, barrier_id: int, actor: Any, expected_version: int | None = None, **fields: Any) -> Barrier:
    """Change a draft (autosave). Only drafts can be edited; submitted text is the record."""
    barrier = locked_barrier(barrier_id)
    guard(barrier, actor=actor, verb="submit", expected_version=expected_version)  # same rule: drafts only
    require(actor, "barrier.edit_draft", barrier)
    sector_codes = fields.pop("sector_codes", None)
    unknown = set(fields) - FILER_FIELDS
    if unknown:
        raise ValidationFailed(_("알 수 없는 항목이 있습니다."), field=sorted(unknown)[0])
    cleaned = _clean_fields(fields)
    for name, value in cleaned.items():
        setattr(barrier, name, value)
    barrier.version += 1
    barrier.save()
    if sector_codes is not None:
        barrier.sectors.set(_sectors(sector_codes))
    return barrier


@transaction.atomic
def submit_barrier(*, barrier_id: int, actor: Any, expected_version: int | None = None) -> Barrier:
    """Submit a complete draft (접수); the city's triage clock starts."""
    # The firm comes with the row: the answer shows its name (read once, not after the commit).
    barrier = locked_barrier(barrier_id, related=("firm",))
    guard(barrier, actor=actor, verb="submit", expected_version=expected_version)
    return _submit(barrier, actor=actor, now=timezone.now(), has_sectors=None, head=None)


def _submit(
    barrier: Barrier, *, actor: Any, now: dt.datetime, has_sectors: bool | None, head: ChainHead | None
) -> Barrier:
    """Submit a guarded draft the caller holds (``has_sectors``/``head``: known by a caller that
    has just created it; None reads them)."""
    if has_sectors is None:
        # Read the sectors themselves rather than only whether there are any (the same one
        # query): the answer shows them, and need not read them again.
        sectors = list(barrier.sectors.all())
        remember_sectors(barrier, sectors)
        has_sectors = bool(sectors)
        # Only triage names co-operating agencies, and a draft has never been triaged.
        remember_related(barrier, "cooperating_agencies", [])
    _check_submittable(barrier, has_sectors=has_sectors)
    move(barrier, verb="submit", actor=actor, now=now, head=head)
    barrier.submitted_at = now
    # A draft has never had a clock (no verb leads back to draft): none to stop.
    start_clock(barrier, step=ClockStep.TRIAGE, now=now, first=True)
    # Only what submitting changes: the row lock is ours, and the filer's texts (up to 20,000
    # characters) need not travel back to the database.
    barrier.save(update_fields=[*BARRIER_FIELDS_CHANGED_BY_MOVE, "submitted_at", *DUE_FIELDS])
    _route_on_commit(barrier)
    return barrier


def _check_submittable(barrier: Barrier, *, has_sectors: bool) -> None:
    """Refuse to submit a draft that is not complete: title, enough body, a sector."""
    if not barrier.title:
        raise ValidationFailed(_("제목을 입력하세요."), field="title")
    if len(barrier.body) < MIN_BODY_TO_SUBMIT:
        raise ValidationFailed(
            _("내용을 %(n)s자 이상 구체적으로 적어 주세요.") % {"n": MIN_BODY_TO_SUBMIT}, field="body"
        )
    if not has_sectors:
        raise ValidationFailed(_("분야를 하나 이상 선택하세요."), field="sectors")


def _route_on_commit(barrier: Barrier) -> None:
    # Routing proposes sector, agencies and statutes in the background once the submission commits.
    from routing.tasks import enqueue_routing

    barrier_pk: int = barrier.pk
    transaction.on_commit(lambda: enqueue_routing(barrier_pk))


@transaction.atomic
def withdraw_barrier(*, barrier_id: int, actor: Any, reason: str = "", expected_version: int | None = None) -> Barrier:
    """The filer withdraws (취하) at any open step; the clocks stop."""
    barrier = locked_barrier(barrier_id)
    guard(barrier, actor=actor, verb="withdraw", expected_version=expected_version)
    note = clean_text(reason, field="reason", label=_("취하 사유"), max_length=TEXT_MAX)
    now = timezone.now()
    move(barrier, verb="withdraw", actor=actor, now=now, note=note)
    barrier.closed_at = now
    barrier.save()
    return barrier


@transaction.atomic
def add_attachment(*, barrier_id: int, actor: Any, name: str, data: bytes) -> Attachment:
    """Attach a file while the barrier is open; its type is checked by content."""
    barrier = locked_barrier(barrier_id)
    require(actor, "barrier.view", barrier, hide=True)
    require(actor, "barrier.add_attachment", barrier)
    if barrier.status in (BarrierStatus.CLOSED, BarrierStatus.WITHDRAWN):
        raise Conflict(_("종결되거나 취하된 건에는 파일을 첨부할 수 없습니다."), code="transition_not_allowed")
    if barrier.attachments.count() >= files.MAX_FILES_PER_BARRIER:
        raise ValidationFailed(
            _("파일은 %(n)s개까지 첨부할 수 있습니다.") % {"n": files.MAX_FILES_PER_BARRIER}, field="file"
        )
    file_type, shown = files.check_upload(name=name, data=data)
    if file_type.code == "jpg":
        try:
            data = files.strip_jpeg_metadata(data)  # no GPS position or camera serial leaves with it
        except ValueError:
            raise ValidationFailed(_("손상된 이미지 파일입니다."), field="file") from None
    digest = hashlib.sha256(data).hexdigest()
    if barrier.attachments.filter(sha256=digest).exists():
        raise Conflict(_("같은 파일이 이미 첨부되어 있습니다."), code="duplicate_attachment")
    attachment = Attachment(
        barrier=barrier,
        uploaded_by=actor,
        original_name=shown,
        file_type=file_type.code,
        content_type=file_type.content_type,
        size=len(data),
        sha256=digest,
    )
    # The name given to storage only carries the sniffed extension; the stored name is random.
    attachment.file.save(f"upload.{file_type.code}", ContentFile(data), save=False)
    # Anything failing after the file is written rolls the row back: delete the file with it. A
    # caller's outer transaction rolling back later is covered by files.sweep_orphan_files.
    try:
        attachment.save()
        record_event(
            barrier,
            kind=EventKind.ATTACHMENT_ADDED,
            verb="add_attachment",
            actor=actor,
            now=timezone.now(),
            data={"attachment_id": attachment.pk, "file_type": file_type.code, "size": len(data)},
        )
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment
