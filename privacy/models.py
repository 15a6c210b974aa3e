"""Data models of the privacy app."""

from django.db import models  # noqa: F401
