"""Data models of the routing app."""

from django.db import models  # noqa: F401
