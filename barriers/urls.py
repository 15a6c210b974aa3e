"""Pages of the barriers app (mounted at /barriers/ by haechi/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "barriers"

urlpatterns: list = []
