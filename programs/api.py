"""JSON API for the programs app (mounted at /api/programs by haechi/api.py)."""

from ninja import Router

router = Router(tags=["programs"])
