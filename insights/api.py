"""JSON API for the insights app (mounted at /api/insights by haechi/api.py)."""

from ninja import Router

router = Router(tags=["insights"])
