"""Reads for bulk filing: which firms an upload may file for, and the uploads a user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from accounts.roles import roles_of
from barriers.models import Barrier
from bulk_filing.models import BulkUpload
from firms.models import Association, Firm


def filing_map(brns: list[str], *, actor: Any, association: Association | None) -> dict[str, int | None]:
    """For each registered BRN among ``brns``: the firm id when the upload may file for it, None
    when the firm exists but is not the association's member. City uploads cover every firm."""
    result: dict[str, int | None] = {}
    roles = roles_of(actor)
    members: set[int] = set()
    if association is not None:
        members = set(association.firms.values_list("pk", flat=True))
    for start in range(0, len(brns), 900):  # stay under SQLite's bound-parameter limit
        chunk = brns[start : start + 900]
        for pk, brn in Firm.objects.filter(business_registration_number__in=chunk).values_list(
            "pk", "business_registration_number"
        ):
            allowed = pk in members if association is not None else (roles.city_official or roles.admin)
            result[brn] = pk if allowed else None
    return result


def uploads_for(user: Any) -> QuerySet[BulkUpload]:
    """Uploads ``user`` may follow: the city sees all, association staff their associations'."""
    roles = roles_of(user)
    qs = BulkUpload.objects.select_related("association", "uploaded_by").defer("data")
    if roles.city_official or roles.admin:
        return qs
    return qs.filter(Q(association_id__in=roles.association_ids))


def created_barriers(upload: BulkUpload) -> QuerySet[Barrier]:
    """The barriers an upload filed, in row order (for its summary page and CSV)."""
    ids = [pk for _row, pk in upload.created]
    return Barrier.objects.filter(pk__in=ids).select_related("firm").order_by("pk")
