"""Data models of the open311 app."""

from django.db import models  # noqa: F401
