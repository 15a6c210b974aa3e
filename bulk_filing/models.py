"""Data models of the bulk_filing app."""

from django.db import models  # noqa: F401
