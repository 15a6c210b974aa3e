"""Settings for the barrier intake benchmark: production settings plus the ceiling endpoint."""

from haechi.settings import *  # noqa: F403

ROOT_URLCONF = "bench.intake_urls"
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"handlers": [], "level": "ERROR"}}
