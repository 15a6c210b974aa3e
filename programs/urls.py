"""Pages of the programs app (mounted at /programs/ by haechi/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "programs"

urlpatterns: list = []
