"""Firm profiles given as JSON (match_batch, benchmarks): parsed and normalised at the boundary."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.korean import content_morphemes
from core.text import normalize_identifier
from firms.models import SeoulDistrict, SizeClass
from programs.matching import FirmProfile
from programs.parsing import REGIONS

_SIZES = {str(label): str(value) for value, label in SizeClass.choices} | {v: v for v in SizeClass.values}
_SIZES |= {"소상공인": "small", "중소기업": "small", "스타트업": "small"}
_SECTORS = {"핀테크": "fintech", "모빌리티": "mobility", "로봇": "robots", "인공지능": "ai", "바이오헬스": "biohealth"}
_SEOUL_DISTRICTS = {str(label) for value, label in SeoulDistrict.choices if value != SeoulDistrict.OUTSIDE}
_REGION_NAMES = {
    "서울특별시": "서울",
    "부산광역시": "부산",
    "대구광역시": "대구",
    "인천광역시": "인천",
    "광주광역시": "광주",
    "대전광역시": "대전",
    "울산광역시": "울산",
    "세종특별자치시": "세종",
    "경기도": "경기",
    "강원도": "강원",
    "강원특별자치도": "강원",
    "충청북도": "충북",
    "충청남도": "충남",
    "전라북도": "전북",
    "전북특별자치도": "전북",
    "전라남도": "전남",
    "경상북도": "경북",
    "경상남도": "경남",
    "제주특별자치도": "제주",
}


class ProfileError(ValueError):
    """A profile field could not be read (the message is Korean, for the report)."""


def _text(value: Any, name: str, *, limit: int = 200) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise ProfileError(f"'{name}'은(는) 문자열이어야 합니다")
    return normalize_identifier(str(value))[:limit]


def region_of(value: str) -> str | None:
    """서울, 서울특별시, 서울 마포구, 마포구 → 서울; unknown → None."""
    if not value:
        return None
    head = value.split(" ")[0]
    if head in REGIONS:
        return head
    if head in _REGION_NAMES:
        return _REGION_NAMES[head]
    if head in _SEOUL_DISTRICTS:
        return "서울"
    return None


def profile_from_json(data: Any, *, clusters: dict[str, str] | None = None) -> FirmProfile:
    """``{"id", "sector", "size", "founded", "region", "cluster", "ksic", "target_groups", "needs"}``."""
    if not isinstance(data, dict):
        raise ProfileError("기업 프로필은 JSON 객체여야 합니다")
    key = _text(data.get("id"), "id", limit=64)
    if not key:
        raise ProfileError("'id'가 없습니다")
    raw_sectors = data.get("sector") or data.get("sectors") or []
    if isinstance(raw_sectors, str):
        raw_sectors = [raw_sectors]
    if not isinstance(raw_sectors, list):
        raise ProfileError("'sector'는 문자열이나 목록이어야 합니다")
    sectors = frozenset(_SECTORS.get(s, s.lower()) for s in (_text(x, "sector") for x in raw_sectors) if s)
    size_text = _text(data.get("size"), "size")
    size = _SIZES.get(size_text) if size_text else None
    if size_text and size is None:
        raise ProfileError(f"'size' 값 '{size_text}'을(를) 알 수 없습니다")
    founded_text = _text(data.get("founded"), "founded")
    founded: dt.date | None = None
    if founded_text:
        try:
            founded = dt.date.fromisoformat(founded_text[:10])
        except ValueError:
            raise ProfileError(f"'founded' 값 '{founded_text}'은(는) 날짜(YYYY-MM-DD)가 아닙니다") from None
    cluster_text = _text(data.get("cluster"), "cluster")
    cluster = (clusters or {}).get(cluster_text, cluster_text) or None
    groups = data.get("target_groups") or []
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list):
        raise ProfileError("'target_groups'는 목록이어야 합니다")
    needs = _text(data.get("needs"), "needs", limit=5000)
    return FirmProfile(
        key=key,
        sectors=sectors,
        size=size,
        founded_on=founded,
        region=region_of(_text(data.get("region"), "region")),
        cluster=cluster,
        ksic=_text(data.get("ksic"), "ksic", limit=10) or None,
        target_groups=frozenset(g for g in (_text(x, "target_groups") for x in groups) if g),
        needs=frozenset(t.lower() for t in content_morphemes(needs)) if needs else frozenset(),
    )
