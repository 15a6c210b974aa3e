"""Who may file in bulk (registered with ``accounts.permissions``; admins pass every rule).

City staff upload for any registered firm; association staff upload for their member firms only.
Firm members file one by one on the barriers pages.
"""

from __future__ import annotations

from typing import Any

from accounts.permissions import rule
from accounts.roles import Roles
from firms.models import AssociationMembership, Firm


@rule("bulk_filing.upload")
def _upload(roles: Roles, obj: Any) -> bool:
    return roles.city_official or bool(roles.association_ids)


@rule("bulk_filing.file_for")
def _file_for(roles: Roles, firm: Firm) -> bool:
    """Checked per firm by ``barriers.services.bulk_intake`` before anything is written."""
    if roles.city_official:
        return True
    if not roles.association_ids:
        return False
    return AssociationMembership.objects.filter(firm_id=firm.pk, association_id__in=roles.association_ids).exists()


@rule("bulk_filing.view")
def _view(roles: Roles, upload: Any) -> bool:
    """An upload is seen by the city (all of them) and by the staff of the association it filed for."""
    if roles.city_official:
        return True
    return upload.association_id is not None and upload.association_id in roles.association_ids
