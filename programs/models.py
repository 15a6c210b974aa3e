"""Data models of the programs app."""

from django.db import models  # noqa: F401
