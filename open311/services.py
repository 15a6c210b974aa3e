"""Writes for Open311: issuing keys, authenticating a client, and filing a request as a barrier.

A POSTed request is filed and submitted through ``barriers.services.file_barrier`` for the
client's firm (or, for an association's client, the member firm named in
``attribute[firm_brn]``), by the account the client names — the same rules, audit events, clocks
and routing as a filing on the website. Personal fields of GeoReport (email, names, phone) are
not stored: the firm is the filer.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from barriers.models import TITLE_MAX, Privacy
from barriers.services import file_barrier
from core.errors import DomainError, NotFound, NotPermitted, ValidationFailed
from core.text import normalize_text
from firms.brn import InvalidBRN, normalize_brn
from firms.models import AssociationMembership, Firm
from open311 import catalog
from open311.models import Open311Client, Open311Submission, hash_key


class MissingKey(DomainError):
    status = 400
    code = "api_key_missing"


class InvalidKey(DomainError):
    status = 403
    code = "api_key_invalid"


@transaction.atomic
def issue_key(*, client: Open311Client) -> str:
    """Give ``client`` a new key (the old one stops working) and return it — shown once."""
    key = client.set_new_key()
    client.save()
    return key


def authenticate(api_key: str | None) -> Open311Client:
    """The active client holding ``api_key``, or a 400 (missing) / 403 (wrong or revoked)."""
    if not api_key or not api_key.strip():
        raise MissingKey(_("api_key가 필요합니다."))
    client = (
        Open311Client.objects.select_related("user", "firm", "association")
        .filter(key_hash=hash_key(api_key.strip()), is_active=True)
        .first()
    )
    if client is None or not client.user.is_active:
        raise InvalidKey(_("api_key가 올바르지 않거나 사용이 중지되었습니다."))
    Open311Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client


def _firm_for(client: Open311Client, attributes: dict[str, str]) -> Firm:
    if client.firm_id is not None:
        assert client.firm is not None
        return client.firm
    raw = attributes.get("firm_brn", "")
    if not raw:
        raise ValidationFailed(
            _("협회 키로 접수할 때는 attribute[firm_brn]에 회원사의 사업자등록번호를 보내세요."), field="firm_brn"
        )
    try:
        brn = normalize_brn(raw)
    except InvalidBRN as exc:
        raise ValidationFailed(str(exc), field="firm_brn") from None
    firm = Firm.objects.filter(business_registration_number=brn).first()
    if firm is None or not AssociationMembership.objects.filter(firm=firm, association=client.association).exists():
        raise NotPermitted(_("이 협회의 회원사가 아닙니다."))
    return firm


def _yes(value: str) -> bool:
    return value.strip().lower() in {"true", "1", "yes", "y", "예"}


def file_request(*, client: Open311Client, params: dict[str, str], attributes: dict[str, str]) -> Open311Submission:
    """File a GeoReport request as a submitted barrier; returns the submission (with its token)."""
    code = params.get("service_code", "").strip()
    if not code:
        raise ValidationFailed(_("service_code가 필요합니다."), field="service_code")
    service = catalog.service(code)
    if service is None:
        raise NotFound(_("알 수 없는 service_code입니다: %(code)s") % {"code": code[:60]})
    description = normalize_text(params.get("description", ""))
    if not description:
        raise ValidationFailed(_("description에 규제 애로 내용을 적어 주세요."), field="description")
    title = normalize_text(attributes.get("title", "")) or description.split("\n", 1)[0]
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    privacy = attributes.get("privacy", "") or Privacy.PUBLIC_ANONYMOUS
    firm = _firm_for(client, attributes)
    with transaction.atomic():
        barrier = file_barrier(
            actor=client.user,
            firm=firm,
            title=title,
            body=description,
            sector_codes=[service.sector.code],
            submit=True,
            kind=service.kind,
            privacy=privacy,
            seal_from_agency=_yes(attributes.get("seal_from_agency", "")),
            statutes_named=attributes.get("statutes_named", ""),
            desired_change=attributes.get("desired_change", ""),
        )
        return Open311Submission.objects.create(client=client, barrier=barrier, token=secrets.token_hex(16))


def submission_by_token(token: str) -> Any:
    return Open311Submission.objects.select_related("barrier").filter(token=token).first()
