"""What the workflow knows about a rule: barriers citing a statute or article.

The barriers app (issue "workflow") owns barriers and decides who may see which; it exposes
``barriers.selectors.barriers_citing_statute(*, statute, article, user)`` returning only the
barriers ``user`` may see (the public sees public ones only). Until that selector exists the
passport says so instead of showing an empty list as if nobody had complained.
"""

from __future__ import annotations

import importlib
from typing import Any

from regulations.models import Article, Statute


def barriers_citing(*, statute: Statute, article: Article | None, user: Any) -> list[Any] | None:
    """Barriers citing the rule that ``user`` may see, or None when the workflow is not there."""
    try:
        barrier_selectors = importlib.import_module("barriers.selectors")
    except ImportError:
        return None
    provider = getattr(barrier_selectors, "barriers_citing_statute", None)
    if provider is None:
        return None
    return list(provider(statute=statute, article=article, user=user))
