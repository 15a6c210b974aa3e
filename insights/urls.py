"""Pages of the insights app (mounted at /insights/ by haechi/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "insights"

urlpatterns: list = []
