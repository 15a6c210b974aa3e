"""JSON API for the routing app (mounted at /api/routing by haechi/api.py)."""

from ninja import Router

router = Router(tags=["routing"])
