"""Data models of the barriers app."""

from django.db import models  # noqa: F401
