"""Settings for the marketplace: one module, read from the environment.

With no environment variables at all this is a working development site:
SQLite and local files under ``DATA_DIR``, Celery tasks run eagerly, a
local-memory cache, e-mail printed to the console. Production sets
environment variables only:

==========================  ==============================================
``DEBUG``                   ``false`` in production (default ``true``)
``SECRET_KEY``              required when ``DEBUG`` is off
``ALLOWED_HOSTS``           comma-separated host names
``DATABASE_URL``            ``postgres://user:pass@host:5432/name``
``REDIS_URL``               Celery broker and cache; unset = eager tasks
``STORAGE_BACKEND``         ``local`` (default) or ``s3`` (``AWS_*``)
``DATA_DIR``                where local files and SQLite live
``EMAIL_URL``               ``smtp://…``; default prints to the console
``STRIPE_BACKEND``          ``stripe`` in production: ``fake`` is refused when ``DEBUG`` is off
==========================  ==============================================
"""

import enum
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
DEV_SECRET_KEY = "dev-insecure-do-not-use-in-production"  # noqa: S105 - the marked dev default.
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var"))).resolve()

#: The marketplace's own Ed25519 key (32-byte seed, base64), which signs ``GET /api/v1/blocklist``.
#: In development it is generated on first use; with ``DEBUG`` off it must exist (a mounted secret).
SIGNING_KEY_PATH = Path(env.str("SIGNING_KEY_PATH", default=str(DATA_DIR / "marketplace-signing.key")))
if not DEBUG and not SIGNING_KEY_PATH.is_file():
    raise ImproperlyConfigured(
        f"SIGNING_KEY_PATH must name the marketplace's Ed25519 key file when DEBUG is off "
        f"({SIGNING_KEY_PATH} does not exist; create one with `mkt keygen --out FILE`)."
    )

#: The public URL of this marketplace, used in e-mails and API replies.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
#: The site's name in e-mails (subjects, layout, allauth's messages): marketplace/emails.py.
SITE_NAME = env.str("SITE_NAME", default="Argent Marketplace")

#: The transparency log's Ed25519 key (32-byte seed, base64), which signs its checkpoints
#: (docs/operators.md, "The transparency log"); generated under DATA_DIR when DEBUG is on.
LOG_SIGNING_KEY_PATH = Path(env.str("LOG_SIGNING_KEY_PATH", default=str(DATA_DIR / "log-signing.key")))
if not DEBUG and not LOG_SIGNING_KEY_PATH.is_file():
    raise ImproperlyConfigured(
        f"LOG_SIGNING_KEY_PATH must name the transparency log's Ed25519 key file when DEBUG is off "
        f"({LOG_SIGNING_KEY_PATH} does not exist; create one with `mkt keygen --out FILE`)."
    )
#: The log's name in its checkpoints and its key's name (C2SP tlog-checkpoint): host and path, no scheme.
LOG_ORIGIN = env.str("LOG_ORIGIN", default=SITE_URL.split("://", 1)[-1] + "/log")
#: Where clients fetch the log's checkpoint and tiles (the bucket's URL for log/ in production).
LOG_BASE_URL = env.str("LOG_BASE_URL", default=SITE_URL + "/log").rstrip("/")

INSTALLED_APPS = [
    "marketplace.apps.MarketplaceAdminConfig",  # django.contrib.admin, signed into through allauth
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "catalog",
    "tokens",
    "publishing",
    "licensing",
    "repository",
    "moderation",
    "transparency",
    "marketplace",  # project commands (load_demo)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # NUL in a path or query parameter: 404 / 400 before any view (marketplace/text.py).
    "marketplace.middleware.NulRefusedMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # With DEBUG on: the site's 404 and 500 pages, not Django's debug pages (unless DEBUG_ERROR_PAGES).
    "marketplace.middleware.SiteErrorPagesMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"

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
                "marketplace.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # SQLite waits for a lock instead of failing at once while a task writes: the busy timeout
    # (seconds), write-ahead logging (readers never wait for the writer), and every transaction
    # taking the write lock when it begins (BEGIN IMMEDIATE), so that one that reads first never has
    # to upgrade its lock, which SQLite refuses at once ("database is locked") whatever the timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A runaway query (a search that matches everything, say) can be cut off instead of starving
    # others; off by default, because migrations on a large database may need longer.
    if statement_timeout := env.int("DB_STATEMENT_TIMEOUT_MS", default=0):
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            f"-c statement_timeout={statement_timeout}"
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
#: Per-process memory, room for the cached catalog answers (catalog/cache.py) of a busy site.
_LOCAL_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "OPTIONS": {"MAX_ENTRIES": env.int("LOCAL_CACHE_MAX_ENTRIES", default=2000)},
}
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        # In front of Redis for the catalog answers: most hits cost no round trip.
        "catalog-local": {**_LOCAL_CACHE, "LOCATION": "catalog-local"},
    }
else:
    CACHES = {"default": _LOCAL_CACHE}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Anonymous catalog pages and API reads are answered from the cache for at most this many
# seconds, and until the catalog changes (catalog/cache.py); 0 turns it off.
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=300)

# Accounts: django-allauth, e-mail as the login, verified before use.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
LOGIN_REDIRECT_URL = "/dashboard/"
#: Without a ``next`` page, customers land on the home page and authors on the dashboard.
ACCOUNT_ADAPTER = "publishing.adapters.AccountAdapter"
LOGIN_URL = "account_login"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
#: Tell the account's owner when its password, e-mail or two-factor settings change.
ACCOUNT_EMAIL_NOTIFICATIONS = True

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Argent Marketplace <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True


class StorageBackend(enum.Enum):
    """Where files live: ``local`` directories or an ``s3`` bucket."""

    LOCAL = "local"
    S3 = "s3"


def env_to_enum(enum_cls: type[enum.Enum], name: str, default: str) -> enum.Enum:
    """Read environment variable ``name`` as a member of ``enum_cls``.

    Raises:
        ImproperlyConfigured: the value names no member.
    """
    value = env.str(name, default=default)
    try:
        return enum_cls(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum_cls)
        raise ImproperlyConfigured(f"{name}={value!r}: expected one of {choices}.") from None


STORAGE_BACKEND = env_to_enum(StorageBackend, "STORAGE_BACKEND", "local")
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

if STORAGE_BACKEND is StorageBackend.S3:
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME")
    _s3_options = {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
        "region_name": env.str("AWS_S3_REGION_NAME", default=None),
        "access_key": env.str("AWS_ACCESS_KEY_ID", default=None),
        "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=None),
        "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default=None),
        "signature_version": env.str("AWS_S3_SIGNATURE_VERSION", default="s3v4"),
        "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
        "file_overwrite": False,
        "default_acl": None,
    }

    def _s3(location: str) -> dict:
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**_s3_options, "location": location},
        }

    _default, _quarantine, _packages = _s3("media"), _s3("quarantine"), _s3("packages")
else:

    def _local(directory: str) -> dict:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(DATA_DIR / directory), "file_permissions_mode": 0o640},
        }

    _default, _quarantine, _packages = _local("media"), _local("quarantine"), _local("packages")

STORAGES = {
    "default": _default,
    # Raw uploads, kept apart until they pass verification and review.
    "quarantine": _quarantine,
    # Signed artifacts of published releases.
    "packages": _packages,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Celery: with REDIS_URL a real broker and workers; without it tasks run eagerly.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Seconds before a task taken by a worker that died is handed out again.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
if env.bool("CELERY_FAST_REDELIVERY", default=False):
    CELERY_BROKER_TRANSPORT_OPTIONS.update({"unacked_restore_interval": 1, "unacked_restore_throttle": 1})

# Package limits (docs/package-format.md, "Container"), in bytes and counts.
PACKAGE_MAX_COMPRESSED_BYTES = env.int("PACKAGE_MAX_COMPRESSED_BYTES", default=50 * 1024 * 1024)
PACKAGE_MAX_TOTAL_BYTES = env.int("PACKAGE_MAX_TOTAL_BYTES", default=200 * 1024 * 1024)
PACKAGE_MAX_MEMBERS = env.int("PACKAGE_MAX_MEMBERS", default=5000)
PACKAGE_MAX_MEMBER_BYTES = env.int("PACKAGE_MAX_MEMBER_BYTES", default=100 * 1024 * 1024)
PACKAGE_MAX_RATIO = env.int("PACKAGE_MAX_RATIO", default=200)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

#: With DEBUG on, Django's debug 404 and 500 pages (every URL pattern, a traceback) instead of the
#: site's own; off by default, so the local demo answers as production does (marketplace/middleware.py).
DEBUG_ERROR_PAGES = env.bool("DEBUG_ERROR_PAGES", default=False)

#: A note shown in a banner on every page (the local demo says MFA is off).
SITE_BANNER = env.str("SITE_BANNER", default="")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # JSON with a nesting limit (api/parsers.py), then DRF's form parsers.
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    # Per token (api.throttling.PublishRateThrottle).
    "DEFAULT_THROTTLE_RATES": {
        "publish": env.str("API_PUBLISH_RATE", default="30/hour"),
        "catalog": env.str("API_CATALOG_RATE", default="600/minute"),
        # Tokenless install reports per address (catalog.api.views.TokenlessInstallThrottle).
        "install_tokenless": env.str("API_INSTALL_TOKENLESS_RATE", default="20/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Argent Marketplace API",
    "DESCRIPTION": "The ArgentOS, Cloud OS and ObjectStack dialects (the guide: docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# The outcome policy after the scan (publishing/policy.py).
PUBLISH_FLAG_SEVERITY = env.str("PUBLISH_FLAG_SEVERITY", default="high")
PUBLISH_AUTO_MIN_VERIFICATION = env.str("PUBLISH_AUTO_MIN_VERIFICATION", default="verified")
PUBLISH_AUTO_MAX_SEVERITY = env.str("PUBLISH_AUTO_MAX_SEVERITY", default="low")

#: Two-factor authentication before creating tokens, registering keys or uploading on the web.
MFA_REQUIRED_FOR_PUBLISHING = env.bool("MFA_REQUIRED_FOR_PUBLISHING", default=True)

#: Staff must have enrolled two-factor authentication, and their session must have passed it, to use
#: the admin (marketplace/mfa.py).
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=True)

#: Uploads need an account plan that includes publishing (Free has none; staff are exempt).
PLANS_ENFORCE_PUBLISHING = env.bool("PLANS_ENFORCE_PUBLISHING", default=True)

# Periodic work (Celery beat): re-enqueue submissions whose task never ran,
# warn owners of API tokens that expire within a week.
CELERY_BEAT_SCHEDULE = {
    "submissions-sweep": {
        "task": "publishing.tasks.submissions_sweep",
        "schedule": env.float("SUBMISSION_SWEEP_INTERVAL", default=60.0),
    },
    "api-tokens-warn-expiring": {
        "task": "tokens.tasks.api_tokens_warn_expiring",
        "schedule": 24 * 3600.0,
    },
    "installs-30d-refresh": {"task": "catalog.tasks.installs_30d_refresh", "schedule": 24 * 3600.0},
    # Entries whose integration task was lost (broker down, retries spent) join the log within a minute.
    "log-integrate-sweep": {"task": "transparency.tasks.log_integrate", "schedule": 60.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- TUF repository (repository/, docs/operators.md "TUF keys") ------------------------------------
#: The online keys (Ed25519 PEM files): bins, snapshot, timestamp. Development generates them (tuf_init).
TUF_BINS_KEY_PATH = Path(env.str("TUF_BINS_KEY_PATH", default=str(DATA_DIR / "tuf-keys" / "bins.pem")))
TUF_SNAPSHOT_KEY_PATH = Path(
    env.str("TUF_SNAPSHOT_KEY_PATH", default=str(DATA_DIR / "tuf-keys" / "snapshot.pem"))
)
TUF_TIMESTAMP_KEY_PATH = Path(
    env.str("TUF_TIMESTAMP_KEY_PATH", default=str(DATA_DIR / "tuf-keys" / "timestamp.pem"))
)
#: Lifetimes of the signed files, in seconds.
TUF_TIMESTAMP_EXPIRY = env.int("TUF_TIMESTAMP_EXPIRY", default=24 * 3600)
TUF_SNAPSHOT_EXPIRY = env.int("TUF_SNAPSHOT_EXPIRY", default=7 * 24 * 3600)
TUF_BINS_EXPIRY = env.int("TUF_BINS_EXPIRY", default=365 * 24 * 3600)
TUF_TARGETS_EXPIRY = env.int("TUF_TARGETS_EXPIRY", default=365 * 24 * 3600)
TUF_ROOT_EXPIRY = env.int("TUF_ROOT_EXPIRY", default=365 * 24 * 3600)
#: The beat entry signs a new timestamp once less than half its lifetime is left (and applies pending changes).
CELERY_BEAT_SCHEDULE["tuf-timestamp-refresh"] = {
    "task": "repository.tasks.tuf_timestamp_refresh",
    "schedule": env.float("TUF_REFRESH_INTERVAL", default=3600.0),
}
#: Seconds a submission may stay pending or scanning before the sweep enqueues it again.
SUBMISSION_SWEEP_PENDING_AFTER = env.int("SUBMISSION_SWEEP_PENDING_AFTER", default=60)
SUBMISSION_SWEEP_SCANNING_AFTER = env.int("SUBMISSION_SWEEP_SCANNING_AFTER", default=600)
# Enqueueing never makes a request wait on a broker that is down: the sweep catches up.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)

# Moderation queue due dates, in working days (Monday to Friday).
MODERATION_DUE_WORKING_DAYS_UPDATE = env.int("MODERATION_DUE_WORKING_DAYS_UPDATE", default=2)
MODERATION_DUE_WORKING_DAYS_NEW = env.int("MODERATION_DUE_WORKING_DAYS_NEW", default=5)

# --- Licenses (licensing/keys.py, licensing/api.py) -------------------------------------------------
#: HMAC-SHA256 pepper for license key lookups, and the SecretBox key (32 bytes, base64) that encrypts
#: keys at rest. Development derives both from SECRET_KEY; with DEBUG off both must be set. Changing
#: either makes every existing key unusable (the pepper) or unrevealable (the secret).
if DEBUG:
    import base64 as _base64
    import hashlib as _hashlib

    _dev = _hashlib.sha256(f"argent-marketplace:license-key-secret:{SECRET_KEY}".encode()).digest()
    _dev_pepper = _hashlib.sha256(f"argent-marketplace:license-key-pepper:{SECRET_KEY}".encode()).hexdigest()
    LICENSE_KEY_PEPPER = env.str("LICENSE_KEY_PEPPER", default=_dev_pepper)
    LICENSE_KEY_SECRET = env.str("LICENSE_KEY_SECRET", default=_base64.b64encode(_dev).decode("ascii"))
else:
    LICENSE_KEY_PEPPER = env.str("LICENSE_KEY_PEPPER", default="")
    LICENSE_KEY_SECRET = env.str("LICENSE_KEY_SECRET", default="")
    if len(LICENSE_KEY_PEPPER) < 32 or not LICENSE_KEY_SECRET:
        raise ImproperlyConfigured(
            "LICENSE_KEY_PEPPER (at least 32 characters) and LICENSE_KEY_SECRET (32 bytes, base64; "
            "`python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'`) "
            "must be set when DEBUG is off."
        )
# Attempts on the license API: per client address and per key prefix (licensing/api.py).
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].update(
    {
        "license_address": env.str("API_LICENSE_ADDRESS_RATE", default="60/minute"),
        "license_key": env.str("API_LICENSE_KEY_RATE", default="30/minute"),
    }
)
# Keys and tokens never reach a log handler: masked in every record (request lines of `runserver`
# and `django.request` included; gunicorn's logs through marketplace.gunicorn.MaskingLogger).
# Django's own handlers (DEFAULT_LOGGING: `django`'s console, `django.server`'s) are replaced by ours,
# so no record leaves through a handler without the filter.
LOGGING.setdefault("formatters", {})["django.server"] = {
    "()": "django.utils.log.ServerFormatter",
    "format": "[{server_time}] {message}",
    "style": "{",
}
LOGGING["handlers"]["django.server"] = {"class": "logging.StreamHandler", "formatter": "django.server"}
LOGGING["loggers"]["django"] = {"handlers": [], "level": "INFO", "propagate": True}
LOGGING["loggers"]["django.server"] = {"handlers": ["django.server"], "level": "INFO", "propagate": False}
LOGGING.setdefault("filters", {})["secrets"] = {"()": "marketplace.logmask.SecretMaskingFilter"}
for _handler in LOGGING["handlers"].values():
    _handler.setdefault("filters", []).append("secrets")


# Payments (licensing/gateways/): ``fake`` local checkout pages and signed webhooks, or ``stripe``.
class StripeBackend(enum.Enum):
    FAKE = "fake"
    STRIPE = "stripe"


STRIPE_BACKEND = env_to_enum(StripeBackend, "STRIPE_BACKEND", "fake")
#: The development placeholders, published in this file: refused when ``DEBUG`` is off (below) and
#: reported by ``check --deploy`` (licensing/checks.py).
DEV_STRIPE_SECRET_KEY = "sk_test_fake"  # noqa: S105 - the marked dev default.
DEV_STRIPE_WEBHOOK_SECRET = "whsec_dev_insecure_fake_gateway_secret"  # noqa: S105 - the marked dev default.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default=DEV_STRIPE_SECRET_KEY)
#: The endpoint's signing secret; the fake gateway signs its events with it too.
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default=DEV_STRIPE_WEBHOOK_SECRET)
#: The signing secret of the Connect endpoint: the same URL registered a second time for connected
#: accounts' events, which Stripe sends only there (``account.updated`` says when a publisher's account
#: may take charges). Empty: a publisher's account changes only when they come back from onboarding.
STRIPE_CONNECT_WEBHOOK_SECRET = env.str("STRIPE_CONNECT_WEBHOOK_SECRET", default="")
#: Where the ``stripe`` library sends requests (tests point it at a local Stripe-compatible server).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
#: Days before a ``pro``/``enterprise`` license expires when the renewal reminders are sent.
LICENSE_RENEWAL_REMINDER_DAYS = (30, 7)
CELERY_BEAT_SCHEDULE["licenses-renewal-reminders"] = {
    "task": "licensing.tasks.licenses_renewal_sweep",
    "schedule": 6 * 3600.0,
}
# With DEBUG off payments go through Stripe: the fake's checkout page marks a payment paid without a
# charge, and anyone can sign its webhooks with the published development secret (README, "Production").
if not DEBUG and STRIPE_BACKEND is StripeBackend.FAKE:
    raise ImproperlyConfigured(
        "STRIPE_BACKEND=fake (the default) cannot run with DEBUG off: set STRIPE_BACKEND=stripe, with "
        "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (licensing.E001; README, Production)."
    )
if not DEBUG and STRIPE_SECRET_KEY == DEV_STRIPE_SECRET_KEY:
    raise ImproperlyConfigured(
        "Set STRIPE_SECRET_KEY to the platform's Stripe secret key when DEBUG is off (licensing.E002)."
    )
if not DEBUG and STRIPE_WEBHOOK_SECRET.startswith("whsec_dev_"):
    raise ImproperlyConfigured(
        "Set STRIPE_WEBHOOK_SECRET to the endpoint's signing secret when DEBUG is off (licensing.E003)."
    )


# Content-Security-Policy on every answer, the admin's and allauth's included (django-csp; README,
# "Configuration"). Scripts and styles come from this site's static files only: no inline script,
# style element or style attribute in our templates (an inline script would need
# ``nonce="{{ request.csp_nonce }}"``, which cached catalog pages cannot carry). Images from this site,
# ``data:`` (the admin's widgets) and the README image hosts below.
#: Hosts whose ``https`` images a README may show inline (catalog/markdown.py); default none.
README_IMAGE_HOSTS = env.list("README_IMAGE_HOSTS", default=[])
#: Origins a form may submit to besides this site: the hosted Stripe pages a checkout, a subscription
#: or Connect onboarding redirects to after the POST (browsers check redirects of a form too).
CSP_FORM_ACTION_ORIGINS = env.list(
    "CSP_FORM_ACTION_ORIGINS",
    default=["https://checkout.stripe.com", "https://connect.stripe.com"]
    if STRIPE_BACKEND is StripeBackend.STRIPE
    else [],
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *(f"https://{host}" for host in README_IMAGE_HOSTS)],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, *CSP_FORM_ACTION_ORIGINS],
    },
}
