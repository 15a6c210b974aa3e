"""GeoReport v2 responses in JSON and XML, and its error format.

Both formats carry the same data: a list of objects. In XML each list is an element whose
children are named by the singular of its name (``services`` → ``service``, ``attributes`` →
``attribute``); ``None`` becomes an empty element and booleans ``true``/``false``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
_SINGULAR = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def iso(moment: dt.datetime | None) -> str | None:
    """ISO 8601 with the zone (Seoul time), as GeoReport asks: 2026-11-28T19:46:00+09:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, list):
        child_name = _SINGULAR.get(name, "item")
        for item in value:
            _xml_value(element, child_name, item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(element, key, inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(root: str, items: Any) -> bytes:
    """``items`` (a list of dicts, or one dict) under ``root``, as UTF-8 XML with a declaration."""
    element = ET.Element(root)
    if isinstance(items, list):
        child_name = _SINGULAR.get(root, "item")
        for item in items:
            _xml_value(element, child_name, item)
    else:
        for key, value in items.items():
            _xml_value(element, key, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def respond(fmt: str, root: str, items: Any, *, status: int = 200) -> HttpResponse:
    """The response in ``fmt`` ("json" or "xml"); JSON keeps Korean readable (no \\u escapes)."""
    body = to_xml(root, items) if fmt == "xml" else json.dumps(items, ensure_ascii=False).encode("utf-8")
    response = HttpResponse(body, status=status, content_type=FORMATS[fmt])
    response["Access-Control-Allow-Origin"] = "*"  # public read API; POST needs a key, not a cookie
    return response


def error(fmt: str, status: int, description: str) -> HttpResponse:
    """GeoReport's error format: ``[{"code", "description"}]`` / ``<errors><error>…``."""
    return respond(
        fmt if fmt in FORMATS else "json", "errors", [{"code": status, "description": description}], status=status
    )
