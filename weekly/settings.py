"""Settings for Weekly, read from environment variables.

The defaults give a working development machine with nothing else installed:
SQLite, an in-process cache and eager Celery. Production sets WEEKLY_ENV=production
(or DEBUG=0) and the variables listed in README.md.
"""

import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
import xstatic.pkg.bootstrap
from django.core.exceptions import ImproperlyConfigured

from weekly.env import (
    cache_settings,
    celery_settings,
    checked_secret_key,
    env_bool,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

WEEKLY_ENV = env_str("WEEKLY_ENV", "development")
if WEEKLY_ENV not in ("development", "production"):
    raise ImproperlyConfigured(f"WEEKLY_ENV={WEEKLY_ENV!r}; use development or production.")

DEBUG = env_bool("DEBUG", default=WEEKLY_ENV != "production")
# Under pytest or `manage.py test` static files are never collected, so the
# manifest storage below must not be used even with DEBUG off.
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]

_INSECURE_SECRET_KEY = "django-insecure-weekly-development-only"
SECRET_KEY = env_str("SECRET_KEY", _INSECURE_SECRET_KEY)
if not DEBUG:
    # A short, regular or published key lets anyone forge sessions and reset links.
    checked_secret_key(SECRET_KEY)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The absolute address of the portal, for links in e-mails and exported reports.
WEEKLY_SITE_URL = env_str("WEEKLY_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    "axes",
    # Only for its translations of the password advice (AUTH_PASSWORD_VALIDATORS).
    "django_zxcvbn_password_validator",
    "core",
    "accounts",
    "reports",
    "metrics",
    "notifications",
    "exports",
]

MIDDLEWARE = [
    "core.middleware.ServerTimingMiddleware",
    "core.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.IgnoreBrowserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.RefusalLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "weekly.urls"
WSGI_APPLICATION = "weekly.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL in dj-database-url form, e.g.
# postgres://user:password@host:5432/weekly. Defaults to a local SQLite file.
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 0)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=CONN_MAX_AGE,
        conn_health_checks=CONN_MAX_AGE > 0,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two saves at once queue instead of failing: a transaction takes SQLite's write lock
    # when it begins and waits up to 20 s for another writer. The tests' database is a
    # file for the same reason (an in-memory one cannot wait), so races are tested too.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # One file per test run, so two runs on one machine never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"weekly-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Django's similarity check lets "victim123456" through for the user "victim" (a
    # ratio of 0.67 under its 0.7) and has no rule for repeats or keyboard runs; zxcvbn
    # scores all three (user names, "aaaaaaaaaaaa", "qwertyuiopas") and explains a
    # refusal in the user's language. 3 of 4: "safely unguessable" even offline.
    {"NAME": "django_zxcvbn_password_validator.ZxcvbnPasswordValidator"},
]
PASSWORD_MINIMAL_STRENGTH = 3
# Words a password of this site should not lean on, besides the user's own names.
PASSWORD_EXTRA_DICTIONARY = ["weekly", "周报"]
AUTHENTICATION_BACKENDS = [
    # Refuses a sign-in while its username and address are locked out, before the
    # password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's, the user of every request read from the database, the one place of
    # record for who may sign in (docs/security.md, "What is trusted from the cache"),
    # with a query written once (accounts/auth.py).
    "accounts.auth.ModelBackend",
]
# Five wrong passwords for one username from one address lock that pair out for 15
# minutes; a correct password before that clears the count. Counting by username and
# address together keeps one person's typos from locking out a whole office behind NAT,
# and an attacker from locking out a colleague by name from elsewhere.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# Sign-ins and failures are logged by accounts.audit; axes keeps its own records
# (AccessAttempt, AccessLog) in the database for the admin.
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: the teams write in Chinese; English is the fallback.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static files. Bootstrap comes from the XStatic package, never from a CDN.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]
_STATIC_BACKEND = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if DEBUG or TESTING
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": _STATIC_BACKEND},
}
# Nothing is collected in development or tests: WhiteNoise serves the files
# straight from the finders instead of STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# Django's own widgets written in Python, byte for byte: the week's editor has thousands.
FORM_RENDERER = "core.form_renderer.FastRenderer"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The edit page posts every row of the report: about fifteen fields per item, so a large
# week (the sample has 40 items, trackers and events) passes Django's default of 1,000
# fields. A refused save would lose what the lead typed.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 20_000)

REST_FRAMEWORK = {
    # A token first, so a request without credentials is told so (401), not refused (403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # The API reads JSON documents; a body of any other type is a 415.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "reports.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Weekly API",
    "DESCRIPTION": "Weekly status reports of engineering teams.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
}

# Redis backs both Celery and the cache. Without REDIS_URL tasks run inline and
# the cache lives in the process.
REDIS_URL = env_str("REDIS_URL", "")
# Tests run in parallel processes (pytest-xdist), each with its own test database; the
# ids in one database mean other rows in the next, so each process keeps its own keys in
# the one Redis. The Celery worker a test starts inherits the variable, and the prefix.
_test_process = os.environ.get("PYTEST_XDIST_WORKER", "")
CACHES = cache_settings(REDIS_URL, key_prefix="-".join(filter(None, ["weekly", _test_process])))
# Rendered pages kept until the team's data changes (core.page_cache). Their generations
# live in the database, so even an in-process cache per worker (without Redis) never
# serves a page another worker's change made stale; off only when asked.
WEEKLY_PAGE_CACHE = env_bool("WEEKLY_PAGE_CACHE", default=True)

_celery = celery_settings(REDIS_URL)
CELERY_BROKER_URL = _celery.broker_url
CELERY_RESULT_BACKEND = _celery.result_backend
CELERY_TASK_ALWAYS_EAGER = _celery.always_eager
CELERY_TASK_EAGER_PROPAGATES = _celery.always_eager
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Tasks are acknowledged after they finish, so a worker killed mid-task leaves
# the message to be redelivered; tasks must therefore be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose worker process died (killed, out of memory) goes back to the queue rather
# than being dropped; every task here is idempotent, so running it again is safe.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)

# A worker building an export renews its claim this often at least; a killed worker's
# export is picked up again once the claim has lapsed.
EXPORT_LEASE_SECONDS = env_int("EXPORT_LEASE_SECONDS", 60)
# Redis hands an unacknowledged task (its worker was killed) to another worker after this.
# It must be longer than the longest task and the longest retry delay (an hour each), or
# Redis would hand out tasks that are still running or waiting.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 7200),
    # A broker that does not answer fails a publish within seconds instead of holding the
    # request (core.queue leaves the work to the relay); workers reconnect.
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "retry_on_timeout": True,
    "health_check_interval": 25,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing is not retried in the request: the outbox rows are, by the relay.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 2
# The queue tasks go to and workers read; tests use their own.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")

# KPIs defined with a Prometheus query are pulled from this Prometheus (its base URL,
# e.g. http://prometheus:9090); empty turns the pull off.
PROMETHEUS_URL = env_str("PROMETHEUS_URL", "")

# Wiki publishing: where the worker keeps its git checkouts, and who commits.
WIKI_CHECKOUT_DIR = env_str("WIKI_CHECKOUT_DIR", str(BASE_DIR / "var" / "wiki"))
WIKI_AUTHOR_NAME = env_str("WIKI_AUTHOR_NAME", "Weekly")
WIKI_AUTHOR_EMAIL = env_str("WIKI_AUTHOR_EMAIL", "weekly@localhost")

# E-mail: reminders and notifications. Development prints mails on the console.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Weekly <weekly@localhost>")
# For django.core.mail.backends.filebased.EmailBackend: one file per mail, in this folder.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))

# Sessions are read from the database on every request: a signed-out session is gone
# at once, whatever the cache is doing.
SESSION_ENGINE = "accounts.sessions"  # Django's database sessions, read with one query
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A sign-in lasts a working day at most, and ends after half an hour without a request
# (accounts.middleware.SessionLimitsMiddleware).
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12) * 3600
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_MINUTES", 30) * 60
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Behind a TLS-terminating proxy, e.g. "HTTP_X_FORWARDED_PROTO,https".
    _proxy_header = env_list("SECURE_PROXY_SSL_HEADER", [])
    if _proxy_header:
        if len(_proxy_header) != 2:
            raise ImproperlyConfigured(
                "SECURE_PROXY_SSL_HEADER must look like 'HTTP_X_FORWARDED_PROTO,https'."
            )
        SECURE_PROXY_SSL_HEADER = tuple(_proxy_header)

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # Times in UTC, ISO 8601, whatever the server's zone.
        "plain": {
            "()": "core.logs.UTCFormatter",
            "format": "{asctime} {levelname} {name}: {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # django-axes notes every sign-in at INFO; its warnings (lockouts) are kept.
    "loggers": {"axes": {"level": "WARNING"}},
}
