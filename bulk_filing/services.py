"""Bulk filing (일괄 접수): store an upload, then check and import it in the background.

Decision: an upload files every row as **submitted (접수)**, not as drafts, for association and
city staff alike. The association acts on its members' behalf (as in proxy filing) and a draft
is invisible to the city, so ten thousand drafts would only wait for ten thousand clicks. Rows are
therefore checked against the submit rules (title, a body of 20+ characters, a sector).

The import is all-or-nothing: every row is checked first, and if any row is wrong nothing is
written and the upload shows each problem (row, column, what is wrong). Only a fully valid file
is filed, in one transaction (``barriers.services.bulk_intake``).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from accounts.permissions import require
from accounts.roles import roles_of
from barriers.models import Notification, Privacy, RequestKind
from barriers.services.bulk_intake import BulkBarrier, file_barriers_in_bulk
from bulk_filing.columns import RowChecker, RowError
from bulk_filing.models import MAX_STORED_ERRORS, BulkUpload, UploadStatus
from bulk_filing.selectors import filing_map
from core.errors import Conflict, DomainError, ValidationFailed
from core.spreadsheet import TableLimits, read_rows
from firms.models import Association, Sector

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 64 * 1024 * 1024
MAX_ROWS = 10_000
LIMITS = TableLimits(
    max_bytes=MAX_UPLOAD_BYTES,
    max_rows=MAX_ROWS,
    max_columns=40,
    max_uncompressed=200 * 1024 * 1024,
    max_ratio=100,
    max_members=200,
)
PROGRESS_EVERY = 250
ALLOWED_SUFFIXES = (".csv", ".xlsx", ".txt")


def upload_association(actor: Any, association_id: int | None) -> Association | None:
    """The association an upload files for: the one chosen, or the staff member's only one;
    None for city staff filing on the city's behalf."""
    roles = roles_of(actor)
    if association_id is not None:
        if association_id not in roles.association_ids and not roles.admin:
            raise ValidationFailed(_("이 협회를 대신해 접수할 권한이 없습니다."), field="association")
        return Association.objects.filter(pk=association_id).first()
    if roles.city_official or roles.admin:
        return None
    if len(roles.association_ids) == 1:
        return Association.objects.filter(pk=next(iter(roles.association_ids))).first()
    raise ValidationFailed(_("어느 협회를 대신해 접수하는지 선택하세요."), field="association")


def refuse_oversize(size: int) -> None:
    """Refuse a file over the limit with a clear message (called before reading it, too)."""
    if size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            _("파일이 너무 큽니다 (최대 %(mb)sMB, %(rows)s행). 나누어 올려 주세요.")
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024), "rows": f"{MAX_ROWS:,}"},
            code="file_too_large",
            field="file",
        )


def start_upload(*, actor: Any, file_name: str, data: bytes, association_id: int | None = None) -> BulkUpload:
    """Store an uploaded CSV/XLSX and queue its check and import; returns the upload to follow."""
    require(actor, "bulk_filing.upload")
    name = (file_name or "").strip()[-200:] or "upload.csv"
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise ValidationFailed(_("CSV 또는 XLSX 파일만 올릴 수 있습니다."), code="bad_type", field="file")
    refuse_oversize(len(data))
    if not data.strip():
        raise ValidationFailed(_("빈 파일입니다."), code="empty_file", field="file")
    association = upload_association(actor, association_id)
    digest = hashlib.sha256(data).hexdigest()
    earlier = BulkUpload.objects.filter(
        sha256=digest, association=association, status__in=[UploadStatus.DONE, UploadStatus.IMPORTING]
    ).first()
    if earlier is not None:
        raise Conflict(
            _("같은 파일을 이미 접수했습니다 (%(when)s). 다시 올리면 같은 애로가 두 번 접수됩니다.")
            % {"when": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M")},
            code="duplicate_upload",
        )
    with transaction.atomic():
        upload = BulkUpload.objects.create(
            uploaded_by=actor, association=association, file_name=name, size=len(data), sha256=digest, data=data
        )
        from bulk_filing.tasks import process_upload

        transaction.on_commit(partial(process_upload.enqueue, upload_id=upload.pk))
    return upload


def _claim(upload_id: int) -> BulkUpload | None:
    """Move a queued upload to 검사 중 and take its file (in ``upload.data``, for ``_process`` to
    parse and let go); a second worker (or a re-run) finds nothing to do.

    The file is read first, then claimed and dropped from the row in one UPDATE. SQLite rewrites
    a row's whole record, overflow pages included, on every UPDATE: while the file (34 MB for
    10,000 rows) stayed in the row, the claim and each progress update rewrote it (10 s of a 35 s
    upload). An upload that fails after the claim is uploaded again, never re-read."""
    stored = BulkUpload.objects.filter(pk=upload_id, status=UploadStatus.QUEUED).values_list("data", flat=True).first()
    if stored is None:
        return None
    data = bytes(stored)  # PostgreSQL hands back a memoryview: copy it to bytes once
    del stored
    claimed = BulkUpload.objects.filter(pk=upload_id, status=UploadStatus.QUEUED).update(
        status=UploadStatus.VALIDATING, started_at=timezone.now(), data=b""
    )
    upload = BulkUpload.objects.defer("data").filter(pk=upload_id).first() if claimed else None
    if upload is not None:
        upload.data = data
    return upload


def _finish(upload: BulkUpload, status: str, **fields: Any) -> None:
    # The stored file is no longer needed: drop it (it may carry personal data).
    BulkUpload.objects.filter(pk=upload.pk).update(status=status, finished_at=timezone.now(), data=b"", **fields)


def process_upload(*, upload_id: int) -> str:
    """Check every row of the upload, then file all of them or none; returns the final status."""
    upload = _claim(upload_id)
    if upload is None:
        return "skipped"
    try:
        return _process(upload)
    except Exception:  # never leave an upload spinning: record the failure for the uploader
        logger.exception("bulk upload %s failed", upload.pk)
        _finish(
            upload,
            UploadStatus.FAILED,
            message=_("처리 중 오류가 발생해 아무것도 접수하지 않았습니다. 다시 시도해 주세요."),
        )
        return UploadStatus.FAILED


def _process(upload: BulkUpload) -> str:
    actor = upload.uploaded_by
    # The only reference to the file from here on, so that ``del stored`` frees it once parsed.
    stored, upload.data = bytes(upload.data), b""
    try:
        table = read_rows(data=stored, file_name=upload.file_name, limits=LIMITS)
        checker = RowChecker(table=table, may_file_for=partial(filing_map, actor=actor, association=upload.association))
    except ValidationFailed as exc:
        _finish(upload, UploadStatus.REJECTED, message=str(exc.message))
        return UploadStatus.REJECTED
    del stored
    total = len(table.rows)
    if total == 0:
        _finish(upload, UploadStatus.REJECTED, message=_("머리글 아래에 접수할 행이 없습니다."))
        return UploadStatus.REJECTED
    BulkUpload.objects.filter(pk=upload.pk).update(total_rows=total)

    rows: list[BulkBarrier] = []
    errors: list[RowError] = []
    for index in range(total):
        number, cells = table.rows[index]
        table.rows[index] = (number, {})  # the cleaned row is kept; the raw cells can go
        row, problems = checker.check(number, cells)
        if row is not None:
            rows.append(row)
        errors += problems
        if index % PROGRESS_EVERY == 0:
            BulkUpload.objects.filter(pk=upload.pk).update(checked_rows=index)
    del table
    if errors:
        _finish(
            upload,
            UploadStatus.REJECTED,
            checked_rows=total,
            error_count=len(errors),
            errors=[e.as_dict() for e in errors[:MAX_STORED_ERRORS]],
            message=_("%(rows)s개 행에 오류가 %(n)s건 있어 아무것도 접수하지 않았습니다. 고쳐서 다시 올려 주세요.")
            % {"rows": f"{len({e.row for e in errors}):,}", "n": f"{len(errors):,}"},
        )
        return UploadStatus.REJECTED

    BulkUpload.objects.filter(pk=upload.pk).update(status=UploadStatus.IMPORTING, checked_rows=total)
    try:
        with transaction.atomic():
            ids = file_barriers_in_bulk(
                actor=actor, rows=rows, via_association=upload.association, source={"bulk_upload": upload.pk}
            )
            created = [[row.row_number, pk] for row, pk in zip(rows, ids, strict=True)]
            summary = _summary(rows)
            _finish(upload, UploadStatus.DONE, created_count=len(ids), created=created, summary=summary)
            transaction.on_commit(partial(_after_commit, upload_id=upload.pk, count=len(ids)))
    except DomainError as exc:  # permissions changed since the check, or a rule refused a row
        _finish(upload, UploadStatus.REJECTED, message=str(exc.message))
        return UploadStatus.REJECTED
    return UploadStatus.DONE


def _summary(rows: list[BulkBarrier]) -> dict[str, Any]:
    sector_names = dict(Sector.objects.values_list("pk", "name"))
    sectors = Counter(sector_names.get(s, "?") for row in rows for s in row.sector_ids)
    return {
        "firms": len({row.firm_id for row in rows}),
        "sectors": dict(sectors.most_common()),
        "kinds": {str(RequestKind(k).label): n for k, n in Counter(row.kind for row in rows).most_common()},
        "privacy": {str(Privacy(p).label): n for p, n in Counter(row.privacy for row in rows).most_common()},
        "sealed": sum(1 for row in rows if row.seal_from_agency),
    }


def _after_commit(*, upload_id: int, count: int) -> None:
    """Tell the city once (not once per barrier) and route the batch in the background."""
    from barriers.tasks import deliver_notification
    from bulk_filing.tasks import route_upload

    upload = BulkUpload.objects.select_related("association", "uploaded_by").get(pk=upload_id)
    who = upload.association.name if upload.association else _("서울시")
    officials = Membership.objects.filter(role=Role.CITY_OFFICIAL, is_active=True, user__is_active=True).exclude(
        user_id=upload.uploaded_by_id
    )
    for user_id in officials.values_list("user_id", flat=True).distinct():
        notification = Notification.objects.create(
            recipient_id=user_id,
            subject=_("[해치] 일괄 접수 %(n)s건 (%(who)s)") % {"n": f"{count:,}", "who": who},
            body=_("%(who)s이(가) 규제 애로 %(n)s건을 일괄 접수했습니다. 해치의 작업 목록에서 검토·분류해 주세요.")
            % {"who": who, "n": f"{count:,}"},
        )
        deliver_notification.enqueue(notification_id=notification.pk)
    route_upload.enqueue(upload_id=upload_id)
