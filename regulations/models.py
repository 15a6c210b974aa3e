"""Data models of the regulations app."""

from django.db import models  # noqa: F401
