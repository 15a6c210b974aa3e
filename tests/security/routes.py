"""Every page and API operation, read from the URL resolver and the ninja API's routers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class PageRoute:
    name: str  # "app:url_name"
    route: str  # the resolver pattern, e.g. "barriers/<int:barrier_id>/"
    params: tuple[str, ...]


@dataclass(frozen=True)
class ApiOperation:
    method: str
    path: str  # e.g. "/api/barriers/{barrier_id}"
    params: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


# "<int:barrier_id>" in path() routes, "(?P<fmt>...)" in re_path() routes.
_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<group>[^>]+)>")


def page_routes() -> list[PageRoute]:
    """Every named Django URL outside /api/ and /admin/ (the admin is checked as a whole)."""
    found: list[PageRoute] = []

    def walk(patterns: list, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                if ns in ("api", "admin"):
                    continue
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
                params = tuple(m.group("name") or m.group("group") for m in _PARAM.finditer(route))
                found.append(PageRoute(name=name, route=route, params=params))

    walk(get_resolver().url_patterns, "", None)
    return found


def api_operations() -> list[ApiOperation]:
    """Every operation of the JSON API, as (method, path) from the mounted routers."""
    from haechi.api import api

    operations: list[ApiOperation] = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            full = "/api/" + "/".join(part.strip("/") for part in (prefix, path) if part.strip("/"))
            if path.endswith("/"):  # ninja keeps a route's trailing slash ("/api/programs/")
                full += "/"
            for operation in path_view.operations:
                for method in operation.methods:
                    params = tuple(re.findall(r"{(?:[^}:]+:)?([^}]+)}", full))
                    operations.append(ApiOperation(method=method.upper(), path=full, params=params))
    return sorted(set(operations), key=lambda op: (op.path, op.method))
