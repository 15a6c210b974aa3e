"""JSON API for the regulations app (mounted at /api/regulations by haechi/api.py)."""

from ninja import Router

router = Router(tags=["regulations"])
