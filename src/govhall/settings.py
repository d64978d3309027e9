"""Settings for govhall, read from the environment.

The embedded defaults (SQLite under ``var/``, Huey on SQLite, local-memory cache) make a single
machine work with no configuration; ``DATABASE_URL`` and ``REDIS_URL`` switch to the scaled-out
parts. See docs/architecture.md.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


TESTING = "pytest" in sys.modules or env_bool("GOVHALL_TESTING")
DEBUG = env_bool("DEBUG", default=False)
# Demo mode allows seed_demo to create the fixed demo accounts; never on in production.
DEMO_MODE = env_bool("GOVHALL_DEMO", default=False)

VAR_DIR = Path(os.environ.get("GOVHALL_VAR", PROJECT_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEVELOPMENT_SECRET_KEY = "govhall-development-secret-key-never-use-in-production"  # noqa: S105


def _read_secret_key() -> str:
    secret_file = os.environ.get("SECRET_KEY_FILE")
    if secret_file:
        try:
            return Path(secret_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"SECRET_KEY_FILE {secret_file!r} cannot be read: {exc}") from exc
    return os.environ.get("SECRET_KEY", "").strip()


SECRET_KEY = _read_secret_key() or DEVELOPMENT_SECRET_KEY
if SECRET_KEY == DEVELOPMENT_SECRET_KEY and not (DEBUG or TESTING):
    raise ImproperlyConfigured(
        "Refusing to start: no SECRET_KEY or SECRET_KEY_FILE is set and DEBUG is off. "
        "拒绝启动：生产环境必须设置 SECRET_KEY 或 SECRET_KEY_FILE。"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "huey.contrib.djhuey",
    "ninja",  # templates and static files of the API docs page, served locally
    "govhall.core",
    "govhall.identity",
    "govhall.catalog",
    "govhall.cases",
    "govhall.notifications",
    "govhall.disclosure",
    "govhall.portal",
    "govhall.datahub",
    "govhall.supervision",
    "govhall.keys",
    "govhall.licences",
    "govhall.payments",
    "govhall.documents",
    "govhall.analytics",
    "govhall.mailbox",
    "govhall.surveys",
    "govhall.ratings",
    "govhall.complaints",
    # Before oauth2_provider so that its consent and logout templates are govhall's.
    "govhall.sso",
    "oauth2_provider",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "govhall.core.middleware.RequestIdMiddleware",
    "govhall.core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "govhall.core.middleware.SiteLanguageMiddleware",
    "govhall.catalog.middleware.ChineseVariantMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "govhall.sso.middleware.StaffOTPMiddleware",
    "govhall.sso.middleware.SessionActivityMiddleware",
]

ROOT_URLCONF = "govhall.urls"
WSGI_APPLICATION = "govhall.wsgi.application"
ASGI_APPLICATION = "govhall.asgi.application"

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
                "govhall.portal.context_processors.site",
                "govhall.notifications.context_processors.unread_messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "govhall.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock at
                # BEGIN so two writers queue on busy_timeout instead of failing on upgrade.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": os.environ.get("GOVHALL_SQLITE_TEST_NAME") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Analytics: the warehouse refresh reads GOVHALL_WAREHOUSE_SOURCE (a replica from REPLICA_DATABASE_URL
# when one is given, else the primary) and writes GOVHALL_WAREHOUSE_PATH (DuckDB).
REPLICA_DATABASE_URL = os.environ.get("REPLICA_DATABASE_URL", "").strip()
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(REPLICA_DATABASE_URL, conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
GOVHALL_WAREHOUSE_SOURCE = os.environ.get(
    "GOVHALL_WAREHOUSE_SOURCE", "replica" if REPLICA_DATABASE_URL else "default"
)
GOVHALL_WAREHOUSE_PATH = Path(os.environ.get("GOVHALL_WAREHOUSE_PATH", VAR_DIR / "warehouse.duckdb"))
GOVHALL_WAREHOUSE_OVERLAP_SECONDS = int(os.environ.get("GOVHALL_WAREHOUSE_OVERLAP_SECONDS", "600"))

# --- Cache, sessions, queue -------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("GOVHALL_CACHE_PREFIX", "govhall"),
            # A Redis that hangs must fail a request (and /healthz) quickly, not hold a worker.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", default=TESTING)
HUEY_NAME = os.environ.get("HUEY_NAME", "govhall")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": HUEY_NAME,
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "utc": True,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": HUEY_NAME,
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "utc": True,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 at full strength makes a persona-heavy suite slow; tests check behaviour, not cost.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "identity/locked_out.html"
AXES_VERBOSE = False

API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "12"))

# --- Single sign-on (OpenID Connect provider) and staff second factor -------------------------
# Approvers, supervisors and admins pass a TOTP after the password. Off by default only in the
# test suite, where other apps' tests log staff in directly; the sso tests switch it on.
GOVHALL_STAFF_OTP_REQUIRED = env_bool("GOVHALL_STAFF_OTP_REQUIRED", default=not TESTING)
OTP_TOTP_ISSUER = os.environ.get("GOVHALL_OTP_ISSUER", "govhall")
# Named so that migrations referring to the (swappable) application model resolve it.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OAUTH2_VALIDATOR_CLASS": "govhall.sso.validators.GovhallOIDCValidator",
    # Empty: the issuer is <this site>/o, taken from the request; set it behind a proxy that
    # rewrites the host or scheme.
    "OIDC_ISS_ENDPOINT": os.environ.get("GOVHALL_OIDC_ISSUER", ""),
    "SCOPES": {
        "openid": "使用统一身份认证登录 sign in with the unified identity",
        "profile": "姓名和用户名 name and user name",
        "realname": "实名认证等级 real-name verification level",
        "roles": "工作人员的部门和岗位角色 staff departments and roles",
    },
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"] if (DEBUG or TESTING or DEMO_MODE) else ["https"],
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post", "none"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 8 * 3600,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # Consent once per client and scope set, not on every sign-in.
    "REQUEST_APPROVAL_PROMPT": "auto",
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_ACCEPT_EXPIRED_TOKENS": True,
    "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
}

# --- E-mail and SMS ---------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "govhall <noreply@govhall.localhost>")
# Dotted path of the SMS carrier adapter (govhall.notifications.sms.SmsGateway).
GOVHALL_SMS_GATEWAY = os.environ.get("GOVHALL_SMS_GATEWAY", "govhall.notifications.sms.LogSmsGateway")
# Seconds before a delivery claimed by a worker that died is tried again, and before one whose task
# was lost is enqueued again by the periodic sweep (notifications.sending).
GOVHALL_DELIVERY_CLAIM_LEASE = int(os.environ.get("GOVHALL_DELIVERY_CLAIM_LEASE", "600"))
GOVHALL_DELIVERY_STALE_AFTER = int(os.environ.get("GOVHALL_DELIVERY_STALE_AFTER", "900"))
# Seconds after a decision before a letter not yet stored counts as lost and is rendered again.
GOVHALL_RESULT_DOCUMENT_STALE_AFTER = int(os.environ.get("GOVHALL_RESULT_DOCUMENT_STALE_AFTER", "300"))
# Public address of the site, for links in e-mails (e.g. https://www.yunfu.gov.cn); none when empty.
GOVHALL_SITE_URL = os.environ.get("GOVHALL_SITE_URL", "")

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Project-wide assets (the vendored CSS framework and htmx, the site stylesheet).
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not (DEBUG or TESTING))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # run_huey attaches its own handler to "huey"; propagating too would print every line twice.
        "huey": {"level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}

GOVHALL_SITE_NAME = os.environ.get("GOVHALL_SITE_NAME", "云浮市网上办事大厅")
GOVHALL_DEMO_PASSWORD = os.environ.get("GOVHALL_DEMO_PASSWORD", "govhall-demo-2026")
# Years the working-day calendar is built for; outside them add_working_days raises.
GOVHALL_CALENDAR_YEARS = (2004, int(os.environ.get("GOVHALL_CALENDAR_LAST_YEAR", "2035")))
