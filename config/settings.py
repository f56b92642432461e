"""Reunite's one settings module: everything comes from the environment.

Development (the default) needs nothing: `make run` works on a fresh machine, keeping an
SQLite database and locally generated secrets in the git-ignored data folder. Production
(`REUNITE_ENV=production`) refuses to start unless every secret and host is given.
Any secret `NAME` may instead be read from the file named by `NAME_FILE`.
"""

import base64
import json
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENT = os.environ.get("REUNITE_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("REUNITE_ENV must be 'development' or 'production'.")
PRODUCTION = ENVIRONMENT == "production"
DATA_DIR = Path(os.environ.get("REUNITE_DATA_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    """The value of `name`, or the stripped contents of the file named by `name_FILE`."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value else default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


def _local_secrets() -> dict[str, str]:
    """Development secrets, generated once into the data folder (git-ignored, mode 0600)."""
    path = DATA_DIR / "local-secrets.json"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        generated = {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATA_KEYS": "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "BLIND_INDEX_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        }
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(generated, handle)
    return json.loads(path.read_text(encoding="utf-8"))


def _required(name: str) -> str:
    value = env(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set in production.")
    return _local_secrets()[name]


SECRET_KEY = _required("SECRET_KEY")
# Field-encryption key ring, newest first: "id:base64key,id:base64key". Kept apart from
# SECRET_KEY so that rotating one never touches the other.
DATA_KEYS = _required("DATA_KEYS")
# Blind-index key ring (search keys), newest first: "id:base64key,id:base64key", ids of
# 1 to 4 letters or digits, 32-byte keys. BLIND_INDEX_KEY, the single key of earlier
# versions, keeps working: alone it is the whole ring; next to BLIND_INDEX_KEYS it is
# the oldest key of the ring, still matched by lookups but never written, until
# `reunite keys rotate-index` has recomputed every stored digest and it is removed.
# One of the two must be set in production. Checked at start-up (reunite.core.apps).
BLIND_INDEX_KEYS = env("BLIND_INDEX_KEYS") or ""
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY") or (
    "" if BLIND_INDEX_KEYS else _required("BLIND_INDEX_KEY")
)

DEBUG = env_bool("DEBUG", False) and not PRODUCTION
if PRODUCTION and not env("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")
ALLOWED_HOSTS = (env("ALLOWED_HOSTS") or "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in (env("CSRF_TRUSTED_ORIGINS") or "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "reunite.core",
    "reunite.audit",
    "reunite.accounts",
    "reunite.people",
    "reunite.tracing",
    "reunite.funds",
    "reunite.cases",
    "reunite.interop",
    "reunite.api",
    "rest_framework",
    "drf_spectacular",
    "reunite.dashboard",
    "reunite.reports",
]

# Reverse proxies whose X-Forwarded-For is believed ("10.0.0.5,10.1.0.0/16"); empty: none,
# REMOTE_ADDR is the client (reunite.core.middleware.TrustedProxyMiddleware).
TRUSTED_PROXIES = [p for p in (env("TRUSTED_PROXIES") or "").split(",") if p.strip()]

MIDDLEWARE = [
    "reunite.core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "reunite.core.middleware.MethodAllowlistMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "reunite.core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "reunite.accounts.middleware.SessionLifetimeMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "reunite.accounts.middleware.RequireMFAMiddleware",
    "reunite.accounts.middleware.ActiveMembershipMiddleware",
    "reunite.accounts.middleware.LoginThrottleMiddleware",
    "reunite.accounts.middleware.RefusedRequestAuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "reunite" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "reunite.accounts.context_processors.membership",
                "reunite.tracing.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
if PRODUCTION and not env("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must be set in production.")
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'reunite.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so concurrent writers queue
    # instead of failing on a lock upgrade, and the audit chain's read-then-append is serial.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file, not Django's shared-cache in-memory database: that one takes table
    # locks that ignore the busy timeout, so concurrency tests could not run on SQLite.
    # One file per test process, so that parallel runs never meet.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"reunite-test-{os.getpid()}.sqlite3")
    }
elif env("TEST_DATABASE_NAME"):
    # Several suites on one PostgreSQL server (parallel work, the fault suite) each name
    # their own throwaway database instead of all fighting over test_<name>.
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast instead of hanging a worker: a statement or a lock wait that outlasts these
    # is cancelled (its transaction rolls back whole) and the page answers 503 (see
    # reunite/core/views.py); 0 turns a limit off (e.g. for a long migration).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        connect_timeout=env_int("DB_CONNECT_TIMEOUT", 5),
        options=(
            f"-c statement_timeout={env_int('DB_STATEMENT_TIMEOUT_MS', 30_000)}"
            f" -c lock_timeout={env_int('DB_LOCK_TIMEOUT_MS', 10_000)}"
        ),
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared by every process (login throttles, TOTP replay markers) -------------
REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "reunite_cache"}
    )
}

# --- Background tasks: an embedded queue on the same database --------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Accounts, passwords, MFA ---------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
PASSWORD_HASHERS = [
    "reunite.accounts.hashers.Argon2PasswordHasher",  # one thread, one hash at a time per process
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "reunite.accounts.passwords.BreachedPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:home"
ACCOUNT_ADAPTER = "reunite.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("REAUTHENTICATION_SECONDS", 300)
# Changing an email address (the way back in after a lost password) asks for the password
# again, as MFA changes do (ASVS 7.5.1).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_SESSION_REMEMBER = False
# Failed passwords are throttled by the portal itself (per account and per source, with
# device cookies so that an attacker cannot lock a lawyer out): see accounts/throttle.py.
# allauth's "login_failed" limit still guards the second-factor step, keyed by user.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/300s/key"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Reunite] "
MFA_ADAPTER = "reunite.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Reunite"
MFA_TOTP_TOLERANCE = 1
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION

LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_SOURCE_FAILURE_LIMIT = env_int("LOGIN_SOURCE_FAILURE_LIMIT", 30)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
# Password checks a minute, site-wide, for sign-ins from browsers that are not a known
# device of the account (argon2 work a credential-stuffing wave can cause; see throttle.admit).
LOGIN_UNKNOWN_CHECKS_PER_MINUTE = env_int("LOGIN_UNKNOWN_CHECKS_PER_MINUTE", 60)
# Recovery codes are stored as hashes and shown once: for this long after they are made,
# in the session that made them (reunite/accounts/recovery_codes.py).
MFA_RECOVERY_CODES_SHOW_ONCE = True
RECOVERY_CODES_SHOW_SECONDS = env_int("RECOVERY_CODES_SHOW_SECONDS", 600)
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)

# --- Registry --------------------------------------------------------------------------
RETENTION_YEARS = env_int("RETENTION_YEARS", 7)  # a new record is kept this long...
RESTORE_WINDOW_DAYS = env_int("RESTORE_WINDOW_DAYS", 30)  # ...then restorable this long
CUSTODY_STALE_DAYS = env_int("CUSTODY_STALE_DAYS", 30)  # custody not verified since: flagged

# --- Reunification cases ---------------------------------------------------------------
CASE_DOCUMENT_MAX_BYTES = env_int("CASE_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)  # largest upload to a case

# --- Virus scanning of uploads (ASVS 5.4.3) ------------------------------------------------
# clamd's address, tcp://host:port or unix:///path; empty: uploads are not scanned. When set,
# every case document, list and PFIF file is scanned before it is read, and refused when
# clamd finds malware or cannot answer within UPLOAD_SCAN_TIMEOUT seconds (fail closed).
UPLOAD_SCAN_CLAMD = (env("UPLOAD_SCAN_CLAMD") or "").strip()
if UPLOAD_SCAN_CLAMD and not UPLOAD_SCAN_CLAMD.startswith(("tcp://", "unix:///")):
    raise ImproperlyConfigured("UPLOAD_SCAN_CLAMD must be tcp://host:port or unix:///path.")
UPLOAD_SCAN_TIMEOUT = float(env("UPLOAD_SCAN_TIMEOUT") or 10)

# --- Interoperability -------------------------------------------------------------------
PFIF_DOMAIN = env("PFIF_DOMAIN") or "reunite.invalid"  # the domain of exported PFIF record ids
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)  # larger uploads are refused
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 200)  # wider lists are refused
IMPORT_BATCH_SIZE = env_int("IMPORT_BATCH_SIZE", 2500)  # rows per transaction of an import
# Bulk exports need a second person (ASVS 2.3.5): a request waits this long for approval,
# then the requester may download it once within EXPORT_DOWNLOAD_HOURS of the approval.
EXPORT_APPROVAL_DAYS = env_int("EXPORT_APPROVAL_DAYS", 7)
EXPORT_DOWNLOAD_HOURS = env_int("EXPORT_DOWNLOAD_HOURS", 24)

# --- Matching --------------------------------------------------------------------------
MATCH_THRESHOLD = float(env("MATCH_THRESHOLD") or 0.5)  # lowest probability kept as a candidate
MATCH_STRONG = float(env("MATCH_STRONG") or 0.9)  # from here the owning attorney is notified
MATCH_BLOCK_LIMIT = env_int("MATCH_BLOCK_LIMIT", 300)  # people scored per search, most keys shared first

# --- Funds -----------------------------------------------------------------------------
# The dashboard's organisation-wide scans (stale custody) are kept this long per organisation.
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 60)
SECOND_APPROVAL_CENTS = env_int("SECOND_APPROVAL_CENTS", 500_000)  # above this, two approvers

# --- REST API (/api/v1/) ---------------------------------------------------------------
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 90)  # personal API tokens expire by then
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["reunite.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["reunite.api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": [
        "reunite.api.throttling.TokenThrottle",
        "reunite.api.throttling.AnonymousThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env("API_RATE_TOKEN") or "600/hour",  # calls per token
        "anonymous": env("API_RATE_ANONYMOUS") or "60/hour",  # the schema, per address
        "auth_failures": env("API_RATE_AUTH_FAILURES") or "20/hour",  # bad tokens, per address
    },
    # The client address is REMOTE_ADDR, as everywhere in the portal (set from a trusted
    # proxy's X-Forwarded-For by TrustedProxyMiddleware, never from a client's).
    "NUM_PROXIES": 0,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],  # JSON only, no HTML
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "reunite.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "reunite.api.schema.ApiAutoSchema",
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Reunite API",
    "DESCRIPTION": (
        "People, identifiers, custody and match candidates of your organisation, with the "
        "same access rules and audit as the portal's pages. Authenticate with a personal "
        "API token (Authorization: Bearer rnt_...). Errors are JSON: "
        '{"error": {"code", "message", "fields"?}}.'
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RecordKindEnum": "reunite.people.choices.RecordKind",
        "IdentifierKindEnum": "reunite.people.choices.IdentifierKind",
        "CustodyKindEnum": "reunite.people.choices.CustodyKind",
        "CandidateStatusEnum": "reunite.tracing.models.CandidateStatus",
        "ImportKindEnum": "reunite.interop.models.ImportKind",
        "ImportStatusEnum": "reunite.interop.models.ImportStatus",
    },
}

# --- Sessions and cookies -------------------------------------------------------------
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_MINUTES", 15) * 60
SESSION_MAX_SECONDS = env_int("SESSION_MAX_HOURS", 12) * 3600
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
SECURE_COOKIES = env_bool("SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Flash messages stay on the server (in the session): a message cookie would carry names
# ("Signed in as ...", a case reference) to the browser in readable form (ASVS 14.3.3).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Headers --------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on form
# posts and Django's CSRF origin check refuses them. Nothing leaves the site either way.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000) if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", PRODUCTION)
# API calls are not redirected: a token sent over plain HTTP is refused with an error
# instead (reunite/api/authentication.py, ASVS 4.1.2). Its docs and schema, for people
# reading in a browser, are redirected like every page.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/(?!docs/|schema/)"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "reunite" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE") or "UTC"

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None  # dev serves from the apps
WHITENOISE_USE_FINDERS = not PRODUCTION  # serve from the apps' folders without collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL") or "Reunite <no-reply@reunite.invalid>"

# --- Audit ----------------------------------------------------------------------------
# Where the chain's latest hash is exported, outside the database, so that deleting
# the newest events is detected too.
AUDIT_ANCHOR_PATH = Path(env("AUDIT_ANCHOR_PATH") or DATA_DIR / "audit-anchors.log")
AUDIT_ANCHOR_EMAIL = env("AUDIT_ANCHOR_EMAIL") or ""
AUDIT_ANCHOR_MINUTES = env_int("AUDIT_ANCHOR_MINUTES", 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL") or "INFO"},
    # Never log request bodies or SQL parameters: they can hold client data.
    "loggers": {
        "django.db.backends": {"level": "WARNING", "propagate": True},
        "django_tasks": {"level": "WARNING", "propagate": True},
    },
}
