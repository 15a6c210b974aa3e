"""Pages of the regulations app (mounted at /regulations/ by haechi/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "regulations"

urlpatterns: list = []
