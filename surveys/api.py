"""JSON API for the surveys app (mounted at /api/surveys by haechi/api.py)."""

from ninja import Router

router = Router(tags=["surveys"])
