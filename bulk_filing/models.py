"""Bulk uploads (일괄 접수): the stored file, where its background check and import stand, and
what came of it (per-row errors, or the barriers created)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_STORED_ERRORS = 1_000


class UploadStatus(models.TextChoices):
    QUEUED = "queued", _("대기 중")
    VALIDATING = "validating", _("검사 중")
    IMPORTING = "importing", _("접수 중")
    DONE = "done", _("완료")
    REJECTED = "rejected", _("오류로 접수하지 않음")
    FAILED = "failed", _("처리 실패")


FINISHED = frozenset({UploadStatus.DONE, UploadStatus.REJECTED, UploadStatus.FAILED})


class BulkUpload(models.Model):
    """One uploaded CSV/XLSX file. The file is kept in the row (not on disk) so the background
    worker reads exactly what was uploaded, and is emptied once the upload is finished."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("올린 사람"), on_delete=models.PROTECT, related_name="+"
    )
    # The association the upload files for; empty when city staff file (for any firm).
    association = models.ForeignKey(
        "firms.Association", verbose_name=_("협회"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(_("파일 이름"), max_length=200)
    size = models.PositiveIntegerField(_("크기(바이트)"))
    sha256 = models.CharField(max_length=64, db_index=True)
    data = models.BinaryField(editable=False)

    status = models.CharField(_("상태"), max_length=12, choices=UploadStatus.choices, default=UploadStatus.QUEUED)
    total_rows = models.PositiveIntegerField(_("전체 행"), default=0)
    checked_rows = models.PositiveIntegerField(_("검사한 행"), default=0)
    created_count = models.PositiveIntegerField(_("접수된 건"), default=0)
    error_count = models.PositiveIntegerField(_("오류 수"), default=0)
    # Per-row errors: [{"row", "column", "message"}], the first MAX_STORED_ERRORS of them.
    errors = models.JSONField(_("오류"), default=list, blank=True)
    # A problem with the file as a whole (encoding, zip bomb, size, missing columns…).
    message = models.TextField(_("안내"), blank=True)
    # [[row number, barrier id], …] in row order, and counts for the summary.
    created = models.JSONField(_("접수된 규제 애로"), default=list, blank=True)
    summary = models.JSONField(_("요약"), default=dict, blank=True)

    created_at = models.DateTimeField(_("올린 시각"), auto_now_add=True)
    started_at = models.DateTimeField(_("처리 시작"), null=True, blank=True)
    finished_at = models.DateTimeField(_("처리 끝"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("일괄 접수")
        verbose_name_plural = _("일괄 접수")
        indexes = [models.Index(fields=["uploaded_by", "-created_at"], name="bulk_upload_by_user")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        """Progress for the bar: checking is the first 80 %, the import the rest."""
        if self.status == UploadStatus.DONE:
            return 100
        if self.status in (UploadStatus.QUEUED,) or not self.total_rows:
            return 0
        if self.status == UploadStatus.IMPORTING:
            return 90
        return min(80, 80 * self.checked_rows // self.total_rows)
