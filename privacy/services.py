"""Write side of personal-data protection: the access log, retention and destruction.

``record_identity_view`` / ``record_firm_contacts_view`` are the one call each view makes where an
official (or association staff) sees whose barrier it is or who works at a firm. Views of one's
own firm are not logged: the log is about other people's data.

``apply_retention`` destroys the personal data of barriers closed (종결·취하) longer than
``HAECHI_RETENTION_DAYS_AFTER_CLOSE`` days ago. What is destroyed, and what is kept:

- attachments: files and rows deleted (documents routinely carry names, signatures, numbers);
- internal notes (officials' notes about the case): deleted;
- audit event notes (reasons, replies to information requests): erased — the hash chain covers
  the note's digest, not the note, so ``verify_audit`` still passes (``barriers.audit``);
- the barrier's own texts (title, body, requested change, harms, statutes named) and co-signers'
  accounts: personal data masked with ``core.redaction`` (names, phone numbers, e-mail addresses,
  resident numbers, addresses…), so the public record of *what* the barrier was survives;
- co-signatures lose the link to the person who signed (the firm stays: firms are not people);
- kept: the firm, statuses, dates, agencies, official answers (public acts), and the barrier's
  ``filed_by`` (the account owner's own link; it goes when that account is deleted).

Each destroyed barrier gets a ``RetentionRecord`` with counts; the command prints them. Access-log
entries older than ``HAECHI_ACCESS_LOG_DAYS``, expired Idempotency-Keys and attachment files left
by rolled-back transactions are removed in the same run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.roles import roles_of
from barriers.audit import redact_notes
from barriers.models import Attachment, Barrier, BarrierEvent, BarrierStatus, InternalNote
from privacy.models import AccessKind, PersonalDataAccess, RetentionRecord

CLOSED_STATES = (BarrierStatus.CLOSED, BarrierStatus.WITHDRAWN)
BARRIER_TEXT_FIELDS = ("title", "body", "statutes_named", "desired_change", "harm_lost_market")


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    from accounts.throttle import client_ip

    return client_ip(request)


def _via(request: HttpRequest | None, via: str) -> str:
    if via:
        return via[:200]
    return request.path[:200] if request is not None else "system"


def record_access(
    *,
    viewer: Any,
    what: str,
    request: HttpRequest | None = None,
    via: str = "",
    subject_user: Any = None,
    subject_firm: Any = None,
    barrier_id: int | None = None,
) -> PersonalDataAccess:
    """Log that ``viewer`` saw ``what`` about ``subject_user`` / ``subject_firm``."""
    return PersonalDataAccess.objects.create(
        viewer=viewer if getattr(viewer, "pk", None) else None,
        viewer_label=(getattr(viewer, "email", "") or "anonymous")[:254],
        subject_user=subject_user,
        subject_firm=subject_firm,
        barrier_id=barrier_id,
        what=what,
        via=_via(request, via),
        ip_address=_client_ip(request),
        accessed_at=timezone.now(),
    )


def record_identity_view(*, viewer: Any, barrier: Barrier, request: HttpRequest | None, via: str = "") -> None:
    """A viewer outside the firm was shown whose barrier this is (the firm and its filer).

    Call only where the identity is actually shown (``barrier.view_identity`` allowed)."""
    if not getattr(viewer, "is_authenticated", False) or barrier.firm_id in roles_of(viewer).firm_ids:
        return
    what = AccessKind.SEALED_IDENTITY if barrier.seal_from_agency else AccessKind.FILER_IDENTITY
    record_access(
        viewer=viewer,
        what=what,
        request=request,
        via=via,
        subject_user=barrier.filed_by,
        subject_firm=barrier.firm,
        barrier_id=barrier.pk,
    )


def record_firm_contacts_view(*, viewer: Any, firm: Any, request: HttpRequest | None, via: str = "") -> None:
    """A viewer outside the firm was shown the firm's people (its members' names)."""
    if not getattr(viewer, "is_authenticated", False) or firm.pk in roles_of(viewer).firm_ids:
        return
    record_access(viewer=viewer, what=AccessKind.FIRM_CONTACTS, request=request, via=via, subject_firm=firm)


# -- retention ---------------------------------------------------------------------------------


@dataclass
class RetentionReport:
    """What one run destroyed (or would destroy, with ``dry_run``)."""

    dry_run: bool
    cutoff: dt.datetime
    barriers: list[dict[str, Any]] = field(default_factory=list)
    access_log_deleted: int = 0
    idempotency_keys_deleted: int = 0
    orphan_files_deleted: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        keys = ("attachments", "internal_notes", "event_notes", "texts_masked", "cosigners_unlinked")
        return {k: sum(b[k] for b in self.barriers) for k in keys}


def barriers_due_for_destruction(*, now: dt.datetime, days: int) -> Any:
    """Closed or withdrawn barriers past the retention period whose data is not destroyed yet."""
    cutoff = now - dt.timedelta(days=days)
    return Barrier.objects.filter(status__in=CLOSED_STATES, closed_at__lt=cutoff, retention_record__isnull=True)


def _mask(text: str) -> str:
    from core.redaction import redact_text

    return redact_text(text) if text else text


def _destroy_barrier(barrier: Barrier, *, now: dt.datetime, dry_run: bool) -> dict[str, Any]:
    attachments = list(Attachment.objects.filter(barrier=barrier))
    notes = InternalNote.objects.filter(barrier=barrier)
    events = BarrierEvent.objects.filter(barrier=barrier, redacted_at__isnull=True).exclude(note="")
    masked = {name: _mask(getattr(barrier, name)) for name in BARRIER_TEXT_FIELDS}
    changed = [name for name, value in masked.items() if value != getattr(barrier, name)]
    cosignatures = getattr(barrier, "cosignatures", None)
    cosigners = cosignatures.exclude(signed_by=None) if cosignatures is not None else None
    summary = {
        "barrier_id": barrier.pk,
        "closed_at": barrier.closed_at.isoformat() if barrier.closed_at else None,
        "attachments": len(attachments),
        "internal_notes": notes.count(),
        "event_notes": events.count(),
        "texts_masked": len(changed),
        "cosigners_unlinked": cosigners.count() if cosigners is not None else 0,
    }
    if dry_run:
        return summary
    with transaction.atomic():
        for attachment in attachments:
            name, storage = attachment.file.name, attachment.file.storage
            attachment.delete()
            # The file goes only once the rows' deletion is committed.
            transaction.on_commit(partial(storage.delete, name))
        notes.delete()
        redact_notes(events, now=now)
        for name in changed:
            limit = getattr(Barrier._meta.get_field(name), "max_length", None)
            setattr(barrier, name, masked[name][:limit] if limit else masked[name])
        if changed:
            barrier.save(update_fields=[*changed, "updated_at"])
        if cosignatures is not None:
            for cosignature in cosignatures.all():
                account = _mask(cosignature.account)
                type(cosignature).objects.filter(pk=cosignature.pk).update(signed_by=None, account=account)
        assert barrier.closed_at is not None
        RetentionRecord.objects.create(barrier=barrier, closed_at=barrier.closed_at, destroyed_at=now, summary=summary)
    return summary


def apply_retention(
    *, now: dt.datetime | None = None, dry_run: bool = False, days: int | None = None
) -> RetentionReport:
    """Destroy personal data past its retention period; see the module docstring for what."""
    from barriers.files import sweep_orphan_files
    from core.idempotency import purge_expired_keys

    now = now or timezone.now()
    days = settings.HAECHI_RETENTION_DAYS_AFTER_CLOSE if days is None else days
    report = RetentionReport(dry_run=dry_run, cutoff=now - dt.timedelta(days=days))
    for barrier in barriers_due_for_destruction(now=now, days=days).order_by("closed_at", "pk").iterator():
        report.barriers.append(_destroy_barrier(barrier, now=now, dry_run=dry_run))
    log_cutoff = now - dt.timedelta(days=settings.HAECHI_ACCESS_LOG_DAYS)
    old_log = PersonalDataAccess.objects.filter(accessed_at__lt=log_cutoff)
    if dry_run:
        report.access_log_deleted = old_log.count()
    else:
        report.access_log_deleted, _detail = old_log.delete()
        report.idempotency_keys_deleted = purge_expired_keys(now=now)
    report.orphan_files_deleted = sweep_orphan_files(dry_run=dry_run)
    return report
