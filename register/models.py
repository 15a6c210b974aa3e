"""Data models of the register app."""

from django.db import models  # noqa: F401
