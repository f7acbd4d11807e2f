"""Settings for linli.

One environment variable says what this process is, `LINLI_MODE`:
- `production` (the default): the server refuses to start without its own `LINLI_SECRET_KEY`,
  `LINLI_PII_KEY` and `LINLI_PII_HASH_KEY`; DEBUG is off, cookies are Secure, HSTS and the HTTPS
  redirect are on, static files are served by WhiteNoise from `collectstatic`, and the dev
  outbox does not exist.
- `demo` / `development` (what `make run` sets): fixed development keys, the dev outbox (SMS codes
  of the console sender, loopback only), static files straight from the source folders. DEBUG is
  still off, so visitors see the product's own error pages; `LINLI_DEBUG=1` is a developer's
  explicit choice of Django's debug pages.
- `test` (what `linli.settings_test`, pytest's settings, sets): like development.

SQLite under var/ by default (zero set-up); PostgreSQL when DATABASE_URL is set.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LINLI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

MODES = ("production", "demo", "development", "test")
LINLI_MODE = os.environ.get("LINLI_MODE", "production").strip().lower()
if LINLI_MODE not in MODES:
    raise ImproperlyConfigured(f"LINLI_MODE must be one of {', '.join(MODES)}, not {LINLI_MODE!r}")
PRODUCTION = LINLI_MODE == "production"

# Known to everyone who reads this file: accepted only outside production, and
# linli.core.checks (a deploy check) fails on it.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-secret-key-change-me-in-production"


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _env_flag(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in ("1", "true", "yes", "on")


if PRODUCTION:
    _missing = [name for name in ("LINLI_SECRET_KEY", "LINLI_PII_KEY", "LINLI_PII_HASH_KEY")
                if not os.environ.get(name, "").strip()]
    if _missing:
        raise ImproperlyConfigured(
            f"linli runs in production mode (LINLI_MODE unset or 'production') and needs its own keys: "
            f"set {', '.join(_missing)} (see README, Deployment). For a demo or development on your own "
            f"machine set LINLI_MODE=demo or LINLI_MODE=development (`make run` does).")
    SECRET_KEY = os.environ["LINLI_SECRET_KEY"].strip()
    DEBUG = False
else:
    SECRET_KEY = os.environ.get("LINLI_SECRET_KEY", "").strip() or DEVELOPMENT_SECRET_KEY
    # Django's debug pages (with settings and stack frames) only on a developer's explicit choice.
    DEBUG = _env_flag("LINLI_DEBUG", False)

ALLOWED_HOSTS = _env_list("LINLI_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")

# Keys for personal data: LINLI_PII_KEY (a Fernet key) and LINLI_PII_HASH_KEY. Required in
# production; outside it, empty means keys derived from the development SECRET_KEY.
PII_KEY = os.environ.get("LINLI_PII_KEY", "").strip()
PII_HASH_KEY = os.environ.get("LINLI_PII_HASH_KEY", "").strip()

# The dev outbox page shows SMS codes sent by the console sender: demo and development only,
# and only to requests from this machine (linli.accounts.views.dev_outbox).
LINLI_DEV_OUTBOX = LINLI_MODE in ("demo", "development") and _env_flag("LINLI_DEV_OUTBOX", True)
LINLI_SMS_SENDER = os.environ.get("LINLI_SMS_SENDER", "linli.accounts.sms.ConsoleSender")
LINLI_PUBLIC_URL = os.environ.get("LINLI_PUBLIC_URL", "http://127.0.0.1:8000")
# Base map tiles for the hot-spot map, e.g. "https://tile.example.com/{z}/{x}/{y}.png"; empty
# (the default, for closed networks) shows the grid polygons on a blank background.
LINLI_MAP_TILES_URL = os.environ.get("LINLI_MAP_TILES_URL", "")
# Load the category model and the segmentation dictionary when a worker starts (wsgi.py), so
# the first case intake does not wait for them.
LINLI_WARM_UP = _env_flag("LINLI_WARM_UP", PRODUCTION)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "linli.core",
    "linli.accounts",
    "linli.places",
    "linli.demo",
    "linli.notify",
    "linli.cases",
    "linli.triage",
    "linli.deliberation",
    "linli.open311",
    "linli.lists",
    "linli.activities",
    "linli.points",
    "linli.awards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "linli.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "linli.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "linli" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "linli.accounts.views.viewer",
                "linli.notify.views.unread",
            ],
        },
    },
]

WSGI_APPLICATION = "linli.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'linli.sqlite3'}",
        # Seconds a connection is kept between requests; 0 (the default) opens one per request.
        # Production behind gunicorn should set LINLI_CONN_MAX_AGE (e.g. 60) or use a pooler.
        conn_max_age=int(os.environ.get("LINLI_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the dev server and a worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
# Parallel test runs (several developers, one cluster) each get their own test database.
DATABASES["default"]["TEST"] = {"NAME": "test_linli" + os.environ.get("LINLI_TEST_DB_SUFFIX", "")}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "linli" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "linli" / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Static files: WhiteNoise serves them in every mode. Production serves what `collectstatic`
# gathered (names with content hashes, compressed, cached for a year); elsewhere straight
# from the source folders, so no collectstatic is needed for the demo or the tests.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": ("whitenoise.storage.CompressedManifestStaticFilesStorage" if PRODUCTION
                                else "django.contrib.staticfiles.storage.StaticFilesStorage")},
}
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

# ---------------------------------------------------------------- HTTPS, cookies, headers
# Behind a proxy that terminates TLS: LINLI_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https" (only
# if the proxy sets that header and strips it from clients), and the public origins of the
# site for CSRF, e.g. LINLI_CSRF_TRUSTED_ORIGINS="https://linli.example.cn".
_proxy_header = _env_list("LINLI_PROXY_SSL_HEADER")
if _proxy_header:
    if len(_proxy_header) != 2:
        raise ImproperlyConfigured("LINLI_PROXY_SSL_HEADER is 'HEADER,value', e.g. HTTP_X_FORWARDED_PROTO,https")
    SECURE_PROXY_SSL_HEADER = (_proxy_header[0], _proxy_header[1])
CSRF_TRUSTED_ORIGINS = _env_list("LINLI_CSRF_TRUSTED_ORIGINS")
SECURE_SSL_REDIRECT = _env_flag("LINLI_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(os.environ.get("LINLI_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("LINLI_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = _env_flag("LINLI_HSTS_PRELOAD", PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (linli.core.middleware): our own scripts, styles and images only; the
# hot-spot map's tiles come from LINLI_MAP_TILES_URL's origin when one is configured.
LINLI_CSP_IMG_EXTRA = os.environ.get("LINLI_MAP_TILES_URL", "")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Background jobs: django-tasks with its database backend; `manage.py db_worker` runs them
# and `manage.py scheduler` enqueues the periodic ones.
TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}

# Everything to stderr (the process manager or the container keeps it): linli's own messages and
# Django's unhandled errors (django.request logs each 5xx with its traceback), in every mode.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "linli": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

CSRF_FAILURE_VIEW = "linli.accounts.views.csrf_failure"

# Lifetimes (days) of API tokens and Open311 keys (linli.accounts.services.issue_api_token).
LINLI_API_TOKEN_DAYS = int(os.environ.get("LINLI_API_TOKEN_DAYS", "30"))
LINLI_OPEN311_KEY_DAYS = int(os.environ.get("LINLI_OPEN311_KEY_DAYS", "365"))
