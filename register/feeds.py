"""Atom feeds of the register, one per sector and one per agency: newest publications first.

Entries come from ``selectors.register_list`` like every other public view, so a feed can never
hold a barrier the register itself does not show.
"""

from __future__ import annotations

from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.models import Agency
from firms.models import Sector
from register import selectors

FEED_SIZE = 50


class _RegisterFeed(Feed):
    feed_type = Atom1Feed

    def filters(self, obj: Any) -> selectors.RegisterFilter:
        raise NotImplementedError

    def items(self, obj: Any) -> list[selectors.RegisterRow]:
        publications = selectors.register_list(self.filters(obj), limit=FEED_SIZE)
        return selectors.rows_for(publications, now=timezone.now())

    def item_title(self, item: selectors.RegisterRow) -> str:
        return item.publication.title

    def item_description(self, item: selectors.RegisterRow) -> str:
        barrier = item.barrier
        parts = [
            f"{_('상태')}: {item.status_label}",
            f"{_('분야')}: {', '.join(item.sector_names)}",
            f"{_('신청 기업')}: {item.identity.label}",
        ]
        if barrier.lead_agency_id:
            parts.append(f"{_('소관기관')}: {barrier.lead_agency.name}")
        if item.latest_answer:
            parts.append(f"{_('검토 결과')}: {item.outcome_label}")
        if item.overdue_days:
            overdue = "처리 기한 %(days)s근무일 경과"
            days = item.overdue_days
            parts.append(ngettext(overdue, overdue, days) % {"days": days})
        return " · ".join(parts)

    def item_link(self, item: selectors.RegisterRow) -> str:
        return reverse("register:detail", args=[item.publication.public_id])

    def item_guid(self, item: selectors.RegisterRow) -> str:
        return f"haechi-register:{item.publication.public_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: selectors.RegisterRow) -> Any:
        return item.publication.published_at

    def item_updateddate(self, item: selectors.RegisterRow) -> Any:
        return max(item.publication.updated_at, item.barrier.status_changed_at or item.publication.updated_at)

    def item_categories(self, item: selectors.RegisterRow) -> list[str]:
        return item.sector_names


class SectorFeed(_RegisterFeed):
    """Published barriers of one sector (분야)."""

    def get_object(self, request: HttpRequest, code: str) -> Sector:  # type: ignore[override]
        return get_object_or_404(Sector, code=code)

    def title(self, obj: Sector) -> str:
        return _("해치 공개 처리 현황 — %(name)s 분야") % {"name": obj.name}

    def link(self, obj: Sector) -> str:
        return reverse("register:index") + f"?sector={obj.code}"

    def subtitle(self, obj: Sector) -> str:
        return _("서울시가 공개한 %(name)s 분야 규제 애로와 처리 상황") % {"name": obj.name}

    def filters(self, obj: Sector) -> selectors.RegisterFilter:
        return selectors.RegisterFilter(sector=obj.code)


class AgencyFeed(_RegisterFeed):
    """Published barriers whose lead agency (소관기관) is one agency."""

    def get_object(self, request: HttpRequest, code: str) -> Agency:  # type: ignore[override]
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            raise Http404
        return agency

    def title(self, obj: Agency) -> str:
        return _("해치 공개 처리 현황 — %(name)s") % {"name": obj.name}

    def link(self, obj: Agency) -> str:
        return reverse("register:index") + f"?agency={obj.code}"

    def subtitle(self, obj: Agency) -> str:
        return _("%(name)s 소관 규제 애로와 회신 상황") % {"name": obj.name}

    def filters(self, obj: Agency) -> selectors.RegisterFilter:
        return selectors.RegisterFilter(agency=obj.code)
