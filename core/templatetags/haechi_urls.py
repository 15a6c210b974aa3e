"""``{% cached_url "app:name" arg %}``: the ``{% url %}`` tag, reversed once per process.

For links every page repeats (the header, the menu, the register's feed list); see
``core.navigation.cached_reverse``.
"""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch

from core.navigation import cached_reverse

register = template.Library()


@register.simple_tag
def cached_url(name: str, *args: str | int) -> str:
    url = cached_reverse(name, *args)
    if url is None:
        raise NoReverseMatch(f"Reverse for {name!r} with arguments {args!r} not found.")
    return url
