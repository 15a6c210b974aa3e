"""Writes to the knowledge base outside the corpus import: aliases curated by officials."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.permissions import require
from core.errors import Conflict, ValidationFailed
from regulations.models import Statute, StatuteAlias
from regulations.search.analysis import token_string
from regulations.search.backend import rebuild_statute_index
from regulations.search.names import clean_name


def refresh_statute_name_index(*, statute: Statute) -> None:
    """Re-analyse one statute's name and aliases into the name index."""
    names = [statute.name, *statute.aliases.values_list("name", flat=True)]
    Statute.objects.filter(pk=statute.pk).update(name_tokens=token_string(" ".join(names)))
    rebuild_statute_index()


@transaction.atomic
def add_statute_alias(*, statute: Statute, name: str, actor: object) -> StatuteAlias:
    """Add an abbreviation (약칭) for a statute; an alias names exactly one statute."""
    require(actor, "regulation.edit", statute)
    alias = clean_name(name)
    if len(alias) < 2 or len(alias) > 200:
        raise ValidationFailed(_("약칭은 2자 이상 200자 이하로 입력하세요."), field="name")
    if Statute.objects.filter(name=alias).exclude(pk=statute.pk).exists():
        raise Conflict(_("다른 법령의 정식 명칭과 같습니다."), code="alias_is_other_name")
    try:
        with transaction.atomic():
            created = StatuteAlias.objects.create(statute=statute, name=alias, source=StatuteAlias.Source.ADMIN)
    except IntegrityError:
        raise Conflict(_("이미 다른 법령의 약칭으로 쓰이고 있습니다."), code="alias_taken") from None
    refresh_statute_name_index(statute=statute)
    return created
