"""Pages of the routing app (mounted at /routing/ by haechi/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "routing"

urlpatterns: list = []
