"""Haechi settings, read from environment variables with safe laptop defaults.

Production sets ``DEBUG=0``, ``SECRET_KEY`` (or ``SECRET_KEY_FILE``), ``ALLOWED_HOSTS`` and
``DATABASE_URL=postgres://...``. With ``DEBUG`` off the process refuses to start without a real
secret key.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off. "
            "For local work run with DEBUG=1, as `make run` does."
        )
    # A throw-away key per process: sessions do not survive a restart, which is fine locally.
    SECRET_KEY = "dev-insecure-" + secrets.token_urlsafe(40)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Where ../shared (background, statute corpus, labelled data) lives.
HAECHI_SHARED_DIR = Path(env_str("HAECHI_SHARED_DIR", str(BASE_DIR.parent / "shared"))).resolve()
HAECHI_DATA_DIR = HAECHI_SHARED_DIR / "data"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Haechi domain apps, one per area.
    "core",
    "accounts",
    "agencies",
    "firms",
    "regulations",
    "barriers",
    "routing",
    "programs",
    "surveys",
    "insights",
    "register",
    "bulk_filing",
    "open311",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.TwoFactorMiddleware",  # django-otp's OTPMiddleware, without its device query
    "accounts.middleware.ApiTokenMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.OfficialSessionMiddleware",
    "accounts.middleware.RateLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "haechi.urls"
WSGI_APPLICATION = "haechi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]
# Plain widgets (inputs, select boxes, text areas) written in Python, same markup: see the module.
FORM_RENDERER = "core.form_renderer.FastWidgetRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'haechi.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the task worker writes; busy timeout rides out short
    # write locks instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# An optional PostgreSQL read replica for dashboards (core.db_routers): only code wrapped in
# reads_from_replica reads from it; everything else, and every write, uses default.
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL"), conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60)
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.db_routers.ReplicaRouter"]

# The cache holds figures every process should share (filtered dashboard tables, warmed by the
# task worker): "database" (one table, `manage.py createcachetable`) when several processes or
# machines serve Haechi; a laptop's single process does with memory.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "haechi_cache"}
        if env_str("HAECHI_CACHE", "memory") == "database"
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling: failures counted per account and per client address in a sliding window.
HAECHI_SIGNIN_WINDOW_SECONDS = env_int("HAECHI_SIGNIN_WINDOW_SECONDS", 15 * 60)
# The window slides, so a victim's account cools off instead of staying locked; on top of this
# accounts.throttle never allows more than 100 failures an hour per account.
HAECHI_SIGNIN_MAX_FAILURES_PER_ACCOUNT = env_int("HAECHI_SIGNIN_MAX_FAILURES_PER_ACCOUNT", 10)
HAECHI_SIGNIN_MAX_FAILURES_PER_IP = env_int("HAECHI_SIGNIN_MAX_FAILURES_PER_IP", 50)
# Only trust X-Forwarded-For when a reverse proxy we run sets it.
HAECHI_TRUST_X_FORWARDED_FOR = env_bool("HAECHI_TRUST_X_FORWARDED_FOR", False)
HAECHI_INVITATION_DAYS = env_int("HAECHI_INVITATION_DAYS", 7)
# Personal data (privacy app): the access log is kept two years (안전성 확보조치 기준); closed
# barriers keep their personal data this many days after closing, then apply_retention destroys it.
HAECHI_ACCESS_LOG_DAYS = env_int("HAECHI_ACCESS_LOG_DAYS", 730)
HAECHI_RETENTION_DAYS_AFTER_CLOSE = env_int("HAECHI_RETENTION_DAYS_AFTER_CLOSE", 3 * 365)
# Idempotency-Key replays are answered this long (core.idempotency).
HAECHI_IDEMPOTENCY_KEY_HOURS = env_int("HAECHI_IDEMPOTENCY_KEY_HOURS", 24)
# Reverse proxies whose X-Forwarded-For we believe (comma-separated addresses); none by default,
# so the client address is REMOTE_ADDR and a client cannot pick its own rate-limit bucket.
HAECHI_TRUSTED_PROXIES = env_list("HAECHI_TRUSTED_PROXIES", [])
# Officials (city, agency, admins, staff) sign in with a second factor (TOTP) and their sessions
# end after idle and absolute timeouts.
HAECHI_OFFICIAL_IDLE_TIMEOUT_SECONDS = env_int("HAECHI_OFFICIAL_IDLE_TIMEOUT_SECONDS", 30 * 60)
HAECHI_OFFICIAL_ABSOLUTE_TIMEOUT_SECONDS = env_int("HAECHI_OFFICIAL_ABSOLUTE_TIMEOUT_SECONDS", 12 * 60 * 60)
OTP_TOTP_ISSUER = "Haechi"
# New firm accounts confirm their e-mail before filing; the link lives this long.
HAECHI_EMAIL_CONFIRMATION_HOURS = env_int("HAECHI_EMAIL_CONFIRMATION_HOURS", 72)
# Abuse limits "per account/per address/window seconds" (0 = no limit); counted in the database
# so they hold across web workers. Override one with HAECHI_RATE_LIMIT_<NAME>=20/60/3600.
HAECHI_RATE_LIMITS = {
    name: env_str(f"HAECHI_RATE_LIMIT_{name.upper()}", default)
    for name, default in {
        "api": "600/1200/60",
        "filing": "30/100/3600",
        "cosign": "60/200/3600",
        "survey": "30/120/3600",
        "sign_up": "0/20/3600",
        "token": "20/60/3600",
        "confirmation_mail": "5/20/3600",
        "autosave": "600/1200/3600",
    }.items()
}

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("한국어")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names are skipped on purpose: the vendored KRDS CSS points at icons its package
    # does not ship, which a manifest storage would refuse at collectstatic time.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A mail server that accepts the connection and then hangs must not hold a task worker forever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Haechi <noreply@haechi.localhost>")

TASKS = {
    "default": {
        "BACKEND": env_str("HAECHI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Django's database sessions, loaded with plain SQL on each request (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind TLS (production) cookies are secure and browsers are told to stay on HTTPS.
HAECHI_BEHIND_TLS = env_bool("HAECHI_BEHIND_TLS", not DEBUG)
SESSION_COOKIE_SECURE = HAECHI_BEHIND_TLS
CSRF_COOKIE_SECURE = HAECHI_BEHIND_TLS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HAECHI_BEHIND_TLS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HAECHI_BEHIND_TLS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HAECHI_BEHIND_TLS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HAECHI_BEHIND_TLS)
if env_bool("HAECHI_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
HAECHI_CONTENT_SECURITY_POLICY = env_str(
    "HAECHI_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
