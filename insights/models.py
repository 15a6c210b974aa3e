"""Data models of the insights app."""

from django.db import models  # noqa: F401
