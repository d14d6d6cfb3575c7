"""Settings for the report annotation workbench: one file, configured from the environment.

Environment variables:
    DEBUG            "1" for development (`make run` and the tests set it); off unless set
    SECRET_KEY       required when DEBUG is off: without it the app (wsgi, asgi, manage.py) refuses to start
    TRUSTED_PROXIES  comma-separated addresses or networks of the reverse proxies in front of the app
                     (e.g. "127.0.0.1" or "10.0.0.0/8"): only requests from them may set the client
                     address (X-Forwarded-For, used by the login throttling) and the scheme
                     (X-Forwarded-Proto). Empty (the default): both headers are ignored.
    STATIC_ROOT      where collectstatic writes (default: staticfiles/ in the project)
    ALLOWED_HOSTS    comma-separated host names (default: localhost names when DEBUG)
    CSRF_TRUSTED_ORIGINS   comma-separated origins allowed to post forms, e.g. https://workbench.example.org
    SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS   without DEBUG: redirect to https (on), HSTS (one year)
    DATABASE_URL     e.g. postgres://postgres@127.0.0.1:5432/annotations (default: SQLite file db.sqlite3)
    CONN_MAX_AGE     seconds a PostgreSQL connection is kept (60; SQLite always opens anew)
    REPORT_MAX_UPLOAD_MB   largest report file accepted by the importer (default 20)
    IMPORT_TIME_LIMIT_SECONDS, IMPORT_MEMORY_LIMIT_MB   limits of the parser's child process (60, 1024)
    REPORT_MAX_SECTIONS, REPORT_MAX_PASSAGES, REPORT_MAX_CHARACTERS   per report (5000, 50000, 10 million)
    COMMENT_WRITES_PER_MINUTE, TAG_WRITES_PER_MINUTE   per user (30, 120); more answer 429
    API_RATE_LIMIT         REST API requests per token (default "1200/min")
    AXES_FAILURE_LIMIT, AXES_COOLOFF_MINUTES   wrong passwords before a login locks, for how long (5, 30)
    JOBS_REDIS_URL, JOBS_SQLITE_PATH, JOBS_WORKERS, JOBS_IMMEDIATE   background jobs (see below)
    JOB_MAX_SECONDS        a job running longer on a machine that no longer answers counts as failed (1800)
    FIXTURE_MAX_MB         largest fixture import_fixture reads (default 1024)
    ANNOTATION_BASE_URL    prefix of the ids in W3C Web Annotation exports (default "urn:uuid:")
    CACHE_URL (or REDIS_URL)  redis://host:6379/0 for the shared cache in production (default: local memory)
    CACHE_KEY_PREFIX       prefix of this instance's cache keys (default: none)
    LOG_LEVEL              of the console log (default WARNING)
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# Without SECRET_KEY and with DEBUG off, the entry points that serve or manage the site (wsgi.py,
# asgi.py, manage.py, so gunicorn, runserver and `check --deploy`) refuse to start: see
# refuse_to_serve_without_a_secret_key. Anything else that only imports these settings (a script
# such as ../shared/checks/check_seed_import.py) gets a random key of its own process, so nothing
# it signs outlives it and no fixed key can leak into production.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production" if DEBUG else secrets.token_urlsafe(50)


def refuse_to_serve_without_a_secret_key():
    if not DEBUG and not os.environ.get("SECRET_KEY"):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off: set SECRET_KEY to a long random string "
            "(or DEBUG=1 for development on your own machine)"
        )


ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "annotations.admin_site.apps.WorkbenchAdminConfig",  # django.contrib.admin with our admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "axes",
    "django_htmx",
    "taggit",
    "simple_history",
    "huey.contrib.djhuey",
    "ninja",  # the API docs' Swagger UI assets, served from our own static files
    "annotations",
]

MIDDLEWARE = [
    # First: forwarded headers count only from TRUSTED_PROXIES, before anything reads them.
    "annotations.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "annotations.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE transactions plus a busy timeout
    # make concurrent writers wait for the lock instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

# --- Caches (issue 14): rendered reading-view fragments, keyed by per-passage annotation stamps ---
# Local memory by default (make run, tests: nothing to start); production shares one Redis among
# all app servers so a fragment is rendered once, whichever server is asked.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL", "")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("CACHE_URL must be a redis://, rediss:// or unix:// URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", ""),
    }
    if CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: AxesStandaloneBackend refuses a locked-out username+address before ModelBackend
# checks the password. It needs the request, so tests log in with client.force_login (or post the
# login form), never client.login().
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
# Lock a username from one address: a typo-prone colleague elsewhere is not locked out with the attacker.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The client's address as TrustedProxyMiddleware established it (REMOTE_ADDR unless a trusted
# proxy forwarded the request), so nobody can lock an account for everyone behind the proxy.
AXES_CLIENT_IP_CALLABLE = "annotations.middleware.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

TIME_ZONE = "UTC"

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "annotations.staticfiles.CollectedOrPlainStaticFilesStorage"
    },
}
# Until collectstatic has run, whitenoise serves the files straight from the apps (see
# annotations/staticfiles.py); after it, the collected, hashed and compressed copies.
WHITENOISE_USE_FINDERS = not (STATIC_ROOT / "staticfiles.json").exists()

# taggit: one case-insensitive codebook ("SCO" and "sco" are the same tag).
TAGGIT_CASE_INSENSITIVE = True

# Largest report file the importer accepts (command and upload form alike).
REPORT_MAX_UPLOAD_BYTES = int(float(os.environ.get("REPORT_MAX_UPLOAD_MB", "20")) * 1024 * 1024)

# Import limits (annotations/importing/bounded.py): each file is parsed in a child process with a
# time and a memory limit, and a report may have at most so many headings, passages and characters.
IMPORT_TIME_LIMIT_SECONDS = float(os.environ.get("IMPORT_TIME_LIMIT_SECONDS", "60"))
IMPORT_MEMORY_LIMIT_BYTES = int(float(os.environ.get("IMPORT_MEMORY_LIMIT_MB", "1024")) * 1024 * 1024)
REPORT_MAX_SECTIONS = int(os.environ.get("REPORT_MAX_SECTIONS", "5000"))
REPORT_MAX_PASSAGES = int(os.environ.get("REPORT_MAX_PASSAGES", "50000"))
REPORT_MAX_CHARACTERS = int(os.environ.get("REPORT_MAX_CHARACTERS", "10000000"))

# Writes per user and minute (annotations/ratelimit.py), counted in the cache; more answer 429.
WRITE_RATE_LIMITS = {
    "comment": int(os.environ.get("COMMENT_WRITES_PER_MINUTE", "30")),  # new comments, replies, edits
    "tag": int(os.environ.get("TAG_WRITES_PER_MINUTE", "120")),  # tags added or removed, highlights
}

# Background jobs (annotations/jobs.py) on huey. JOBS_REDIS_URL (e.g. redis://127.0.0.1:6379/0):
# the queue in Redis, workers (`manage.py run_huey`) on any number of machines. Unset: the queue in
# a SQLite file, for one machine (`make run` starts its worker). JOBS_IMMEDIATE=1 runs each job
# inside the request that queues it (the tests).
JOBS_REDIS_URL = os.environ.get("JOBS_REDIS_URL", "")
HUEY = {
    "name": "annotations",
    "huey_class": "huey.RedisHuey" if JOBS_REDIS_URL else "huey.SqliteHuey",
    "connection": (
        {"url": JOBS_REDIS_URL}
        if JOBS_REDIS_URL
        else {"filename": os.environ.get("JOBS_SQLITE_PATH", str(BASE_DIR / "jobs.sqlite3"))}
    ),
    "immediate": env_bool("JOBS_IMMEDIATE", False),
    "consumer": {"workers": int(os.environ.get("JOBS_WORKERS", "2")), "worker_type": "thread"},
}
# A job running this long on a machine that no longer answers is shown as failed.
JOB_MAX_SECONDS = int(os.environ.get("JOB_MAX_SECONDS", "1800"))

# Sharing: the largest fixture import_fixture reads (it streams the file, so memory stays flat;
# the limit bounds how long one import holds its transaction), and the prefix that turns record
# uuids into W3C Web Annotation ids.
FIXTURE_MAX_BYTES = int(float(os.environ.get("FIXTURE_MAX_MB", "1024")) * 1024 * 1024)
ANNOTATION_BASE_URL = os.environ.get("ANNOTATION_BASE_URL", "urn:uuid:")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Django's defaults already send X-Frame-Options: DENY, nosniff and Referrer-Policy: same-origin,
# and keep the session cookie from scripts.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
if TRUSTED_PROXIES:
    # TrustedProxyMiddleware drops X-Forwarded-Proto from every other client, so it is safe to read.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Scripts only from this site: no inline scripts or event handlers anywhere, so an injected
# <script> or onerror= cannot run even if something slipped past escaping. Inline style
# attributes stay allowed (tag colours, heat-map cells, the admin's widgets); CSS cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# REST API: requests per token (per user for the browser's own calls), counted in the cache.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "1200/min")
