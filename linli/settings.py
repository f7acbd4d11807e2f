"""Settings for linli.

SQLite under var/ by default (zero set-up); PostgreSQL when DATABASE_URL is set.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LINLI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("LINLI_SECRET_KEY", "dev-only-insecure-secret-key-change-me-in-production")
DEBUG = os.environ.get("LINLI_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("LINLI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

# Keys for personal data. In production set LINLI_PII_KEY (a Fernet key) and
# LINLI_PII_HASH_KEY; the development defaults are derived from SECRET_KEY.
PII_KEY = os.environ.get("LINLI_PII_KEY", "")
PII_HASH_KEY = os.environ.get("LINLI_PII_HASH_KEY", "")

# The dev outbox page shows SMS codes sent by the console sender; never on in production.
LINLI_DEV_OUTBOX = os.environ.get("LINLI_DEV_OUTBOX", "1" if DEBUG else "0") == "1"
LINLI_SMS_SENDER = os.environ.get("LINLI_SMS_SENDER", "linli.accounts.sms.ConsoleSender")
LINLI_PUBLIC_URL = os.environ.get("LINLI_PUBLIC_URL", "http://127.0.0.1:8000")
# Base map tiles for the hot-spot map, e.g. "https://tile.example.com/{z}/{x}/{y}.png"; empty
# (the default, for closed networks) shows the grid polygons on a blank background.
LINLI_MAP_TILES_URL = os.environ.get("LINLI_MAP_TILES_URL", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
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
    "linli.open311",
    "linli.activities",
    "linli.points",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Background jobs: django-tasks with its database backend; `manage.py db_worker` runs them
# and `manage.py scheduler` enqueues the periodic ones.
TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"linli": {"handlers": ["console"], "level": "INFO"}},
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
