"""JSON API for the barriers app (mounted at /api/barriers by haechi/api.py)."""

from ninja import Router

router = Router(tags=["barriers"])
