"""What the workflow knows about a rule: barriers citing a statute or article.

The barriers app owns barriers and decides who may see which, so the passport asks its selector.
"""

from __future__ import annotations

from typing import Any

from barriers.selectors import barriers_citing_statute
from regulations.models import Article, Statute


def barriers_citing(*, statute: Statute, article: Article | None, user: Any) -> list[Any]:
    """Barriers citing the rule that ``user`` may see (the public sees public ones only)."""
    return list(barriers_citing_statute(statute=statute, article=article, user=user))
