"""Pages of the surveys app (mounted at /surveys/ by haechi/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "surveys"

urlpatterns: list = []
