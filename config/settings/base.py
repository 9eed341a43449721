"""Settings shared by every environment. Values that differ come from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret_key,
    env_str,
    env_tile_url,
    parse_database_url,
    tile_origin,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env_str("WANGGE_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret_key("SECRET_KEY", None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'wangge.sqlite3'}"), BASE_DIR
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "template_partials",
    "wangge.core",
    "wangge.org",
    "wangge.territory",
    "wangge.crm",
    "wangge.sales",
    "wangge.service",
    "wangge.retention",
    "wangge.worklog",
    "wangge.performance",
    "wangge.insights",
    "django_tasks",
    "django_tasks_db",
    "wangge.demo",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "wangge.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After auth and messages so that its 413 page renders like any other page.
    "wangge.core.middleware.BodyLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Services refuse with PermissionDenied; pages answer it as 404, like a missing record.
    "wangge.core.refusals.RefusalAsNotFoundMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "wangge.org.context_processors.navigation",
                "wangge.core.middleware.csp",
                "wangge.core.views_notify.unread",
            ],
        },
    }
]

AUTH_USER_MODEL = "org.User"
# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag; kept default.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy of every answer (wangge.core.middleware; the shape of Django 6's
# SECURE_CSP, "'nonce'" standing for the request's nonce). Scripts only from our static files
# or inline blocks that carry `nonce="{{ csp_nonce }}"`, no eval; inline style attributes are
# allowed (templates and htmx's indicator style use them). No tile host unless
# WANGGE_MAP_TILES names one (below); Leaflet's and geoman's icons include data: images.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'nonce'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# An optional background tile layer on the figures map (off by default: the maps work offline
# with the outlines in the database). Chinese providers (AMap, Tencent) serve GCJ-02 tiles: the
# map's coordinates, stored in WGS-84, are converted when the page is drawn
# (`wangge.insights.tiles`). Setting a template also admits its host's images in the CSP.
WANGGE_MAP_TILES = env_tile_url("WANGGE_MAP_TILES")
WANGGE_MAP_TILES_CRS = env_choice("WANGGE_MAP_TILES_CRS", "gcj02", ["gcj02", "wgs84"])
WANGGE_MAP_TILES_SUBDOMAINS = env_str("WANGGE_MAP_TILES_SUBDOMAINS", "1234")
WANGGE_MAP_TILES_ATTRIBUTION = env_str("WANGGE_MAP_TILES_ATTRIBUTION", "")
if WANGGE_MAP_TILES:
    SECURE_CSP["img-src"].append(tile_origin(WANGGE_MAP_TILES))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is locked for the cool-off; the login page says so (status 429).
# Unlock early in the admin (访问尝试: delete the row) or `wangge axes_reset_username NAME`.
# Behind a reverse proxy set WANGGE_PROXY_COUNT so the client's address is read from
# X-Forwarded-For; otherwise only REMOTE_ADDR counts (a header a client sets is not trusted).
AXES_FAILURE_LIMIT = env_int("WANGGE_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("WANGGE_LOGIN_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The cool-off counts from the failure that locked; tries while locked do not extend it, so
# "try again in 30 minutes" stays true for the person who keeps trying.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/login.html"
AXES_VERBOSE = False  # no banner on every command
AXES_COOLOFF_MESSAGE = _("登录失败次数过多，已暂时锁定，请稍后再试或联系管理员解锁。")
_proxy_count = env_int("WANGGE_PROXY_COUNT", 0)
AXES_IPWARE_PROXY_COUNT = _proxy_count or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if _proxy_count else ["REMOTE_ADDR"]
)

# Background work (imports, partitioning): the database queue, drained by
# `wangge db_worker --no-reload`; "immediate" runs tasks inline (tests, tiny installs).
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {
    "default": {"BACKEND": TASK_BACKENDS[env_choice("WANGGE_TASKS", "database", TASK_BACKENDS)]}
}

# Page size for list pages and API lists.
WANGGE_PAGE_SIZE = 50

# Broadband commission, summed over a sale's payees, stays within this share of the sale
# amount (seed §三.3: 17%); a Decimal string.
WANGGE_COMMISSION_CAP = env_str("WANGGE_COMMISSION_CAP", "0.17")

# Exports of more rows than this are written by the task worker, with a progress page,
# instead of inside the request (a whole county's households take longer than a proxy waits).
WANGGE_EXPORT_INLINE_ROWS = env_int("WANGGE_EXPORT_INLINE_ROWS", 20000)

# Uploaded sheets and written exports are kept this many days for preview, commit and
# download, then `wangge purge_jobs` removes them (the audit and export logs stay).
WANGGE_JOB_KEEP_DAYS = env_int("WANGGE_JOB_KEEP_DAYS", 7)

# Door-visit check-ins (sales): a fix farther from the site than max_distance_m, less
# precise than max_accuracy_m, older than max_age_s or more than max_ahead_s in the future
# is not verified (the visit is kept and flagged for the manager).
WANGGE_CHECKIN = {
    "max_distance_m": env_int("WANGGE_CHECKIN_MAX_DISTANCE_M", 300),
    "max_accuracy_m": env_int("WANGGE_CHECKIN_MAX_ACCURACY_M", 150),
    "max_age_s": env_int("WANGGE_CHECKIN_MAX_AGE_S", 180),
    "max_ahead_s": env_int("WANGGE_CHECKIN_MAX_AHEAD_S", 60),
}

# Public lead forms behind promotion QR codes (sales): at most `per_ip` submissions from one
# address per `ip_window_s`, and `per_piece` for one piece per `piece_window_s` (a flood is
# answered 429 and writes nothing).
WANGGE_LEAD_THROTTLE = {
    "per_ip": env_int("WANGGE_LEAD_PER_IP", 5),
    "ip_window_s": env_int("WANGGE_LEAD_IP_WINDOW_S", 600),
    "per_piece": env_int("WANGGE_LEAD_PER_PIECE", 30),
    "piece_window_s": env_int("WANGGE_LEAD_PIECE_WINDOW_S", 3600),
}

# Daily work logs (worklog): due by the N-th working day after the log's day at HH:MM.
WANGGE_WORKLOG_CUTOFF = env_str("WANGGE_WORKLOG_CUTOFF", "1 09:00")

# Sales records (performance): a sale won in wangge is worth its monthly fee times the plan's
# contract term, or this many months for a plan without one; a sale whose account is
# cancelled within WANGGE_CLAWBACK_DAYS days of it is clawed back.
WANGGE_SALE_AMOUNT_MONTHS = env_int("WANGGE_SALE_AMOUNT_MONTHS", 12)
WANGGE_CLAWBACK_DAYS = env_int("WANGGE_CLAWBACK_DAYS", 90)

# 客户全触及 (insights): a customer is reached with a contact within this many days.
WANGGE_REACH_DAYS = env_int("WANGGE_REACH_DAYS", 30)

# Notifications to a chat group robot (企业微信): off unless a URL is set.
WANGGE_WEBHOOK_URL = env_str("WANGGE_WEBHOOK_URL", "")
WANGGE_WEBHOOK_FORMAT = env_choice("WANGGE_WEBHOOK_FORMAT", "markdown", ["markdown", "text"])
WANGGE_WEBHOOK_ATTEMPTS = env_int("WANGGE_WEBHOOK_ATTEMPTS", 3)
