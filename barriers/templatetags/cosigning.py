"""``{% cosign_panel barrier %}``: the co-signing panel on a barrier page, rendered with the
viewer's rights (count for everyone, names as allowed, the form when the viewer may co-sign)."""

from __future__ import annotations

from typing import Any

from django import template

from barriers.models import Barrier

register = template.Library()


@register.inclusion_tag("barriers/cosign_panel.html", takes_context=True)
def cosign_panel(context: Any, barrier: Barrier) -> dict[str, Any]:
    from barriers.views_cosigning import cosign_panel_context

    request = context["request"]
    panel = cosign_panel_context(request.user, barrier)
    panel["csrf_token"] = context.get("csrf_token")
    return panel
