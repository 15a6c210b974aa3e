"""Pages of the bulk_filing app."""

from django.urls import path  # noqa: F401

app_name = "bulk_filing"

urlpatterns: list = []
