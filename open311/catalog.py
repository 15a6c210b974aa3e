"""The Open311 service list: one service per sector × request kind (민원 종류), and the optional
attributes a client may send with a request (GeoReport v2 service definitions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from barriers.models import Privacy, RequestKind
from firms.models import Sector

SEPARATOR = "-"


@dataclass(frozen=True)
class Service:
    sector: Sector
    kind: str

    @property
    def code(self) -> str:
        return f"{self.sector.code}{SEPARATOR}{self.kind}"

    @property
    def name(self) -> str:
        return f"{self.sector.name} · {RequestKind(self.kind).label}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "service_code": self.code,
            "service_name": self.name,
            "description": _("%(sector)s 분야의 규제 애로 — %(kind)s. 서울시가 검토·분류해 소관기관에 전달합니다.")
            % {"sector": self.sector.name, "kind": RequestKind(self.kind).label},
            "metadata": True,
            # Answered by a person within a legal period, not at once: GeoReport's "batch".
            "type": "batch",
            "keywords": ",".join([self.sector.name, self.sector.name_en, str(RequestKind(self.kind).label)]),
            "group": self.sector.name,
        }


def services() -> list[Service]:
    return [
        Service(sector, kind) for sector in Sector.objects.order_by("ordering", "code") for kind in RequestKind.values
    ]


def service(code: str) -> Service | None:
    sector_code, _sep, kind = code.partition(SEPARATOR)
    if kind not in RequestKind.values:
        return None
    sector = Sector.objects.filter(code=sector_code).first()
    return Service(sector, kind) if sector else None


def definition(svc: Service) -> dict[str, Any]:
    """The service definition: the optional attributes a POST may carry as ``attribute[code]``."""

    def attribute(order: int, code: str, datatype: str, description: str, **extra: Any) -> dict[str, Any]:
        return {
            "variable": True,
            "code": code,
            "datatype": datatype,
            "required": extra.pop("required", False),
            "datatype_description": extra.pop("datatype_description", ""),
            "order": order,
            "description": description,
            **extra,
        }

    privacy_values = [{"key": value, "name": str(label)} for value, label in Privacy.choices]
    return {
        "service_code": svc.code,
        "attributes": [
            attribute(1, "title", "string", _("제목 (200자 이내). 비우면 내용의 첫 줄을 씁니다.")),
            attribute(
                2,
                "firm_brn",
                "string",
                _("대신 접수하는 회원사의 사업자등록번호 (협회 키에서는 필수)."),
                datatype_description=_("123-45-67890"),
            ),
            attribute(3, "privacy", "singlevaluelist", _("공개 범위 (기본: 기업명 없이 공개)."), values=privacy_values),
            attribute(
                4,
                "seal_from_agency",
                "singlevaluelist",
                _("소관기관에 기업 정보를 알리지 않습니다."),
                values=[{"key": "true", "name": _("예")}, {"key": "false", "name": _("아니오")}],
            ),
            attribute(5, "statutes_named", "text", _("관련 법령 (예: 전자금융거래법 제28조).")),
            attribute(6, "desired_change", "text", _("개선 요청 사항.")),
        ],
    }
