"""Test settings: the production settings with fast, isolated and deterministic overrides."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")

from haechi.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Persistent connections from the live-server thread would keep the test database open at teardown.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# No routing model in tests unless a test installs one (routing.engine.use_router): submitting a
# barrier must not load a 70 MB model in every app's tests.
ROUTING_MODEL_PATH = ""
