"""Settings of the Zománc practice system.

Everything that differs between a laptop demo and a hosted service comes from the environment:
DATABASE_URL (PostgreSQL; SQLite otherwise), ZOMANC_ENV=production (secure cookies, HSTS),
ZOMANC_SECRET_KEY, ZOMANC_ALLOWED_HOSTS, ZOMANC_DATA_DIR.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ZOMANC_DATA_DIR", BASE_DIR / "var"))
SHARED_DIR = BASE_DIR.parent / "shared"

PRODUCTION = os.environ.get("ZOMANC_ENV") == "production"
DEBUG = os.environ.get("ZOMANC_DEBUG", "0" if PRODUCTION else "1") == "1"

# A fixed development key keeps demo sessions across restarts; production must set its own.
SECRET_KEY = os.environ.get("ZOMANC_SECRET_KEY", "" if PRODUCTION else "dev-only-not-secret-zomanc")
if PRODUCTION and not SECRET_KEY:
    raise RuntimeError("ZOMANC_SECRET_KEY must be set in production")

ALLOWED_HOSTS = os.environ.get("ZOMANC_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "zomanc.core.admin_apps.ZomancAdminConfig",  # the admin, superusers only (core/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_ox",
    "zomanc.core",
    "zomanc.accounts",
    "zomanc.practices",
    "zomanc.audit",
    "zomanc.patients",
    "zomanc.codes",
    "zomanc.scheduling",
    "zomanc.clinical",
    "zomanc.plans",
    "zomanc.eeszt",
    "zomanc.eeszt.outbox",
    "zomanc.nav",
    "zomanc.billing",
    "zomanc.recall",
    "zomanc.messaging",
    "zomanc.reminders",
    "zomanc.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "zomanc.core.middleware.RequestTooLargeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zomanc.core.middleware.PracticeMiddleware",
]

ROOT_URLCONF = "zomanc.urls"
WSGI_APPLICATION = "zomanc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "zomanc" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "zomanc.core.context_processors.practice",
            ],
        },
    },
]

# SQLite for the one-command demo and single-practice installs; PostgreSQL for hosting and CI.
# WAL + IMMEDIATE transactions + a busy timeout let the web process and the workers share
# one SQLite file without "database is locked" errors.
DATA_DIR.mkdir(parents=True, exist_ok=True)
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    # A test database per test process: several test runs (developers, CI jobs) can share one
    # PostgreSQL server without dropping each other's database.
    DATABASES["default"]["TEST"] = {"NAME": f"test_zomanc_{os.getpid()}"}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "zomanc.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Per process, in memory. "default" is Django's own default (the daily insurance status);
# "fragments" holds the visit list's rendered items (zomanc/clinical/fragments.py) apart from
# it, so their churn cannot evict anything else. An item is ≈ 1–2 KB: 2,000 entries bound the
# cache at a few MB per process (the RSS budget, docs/benchmarks.md) — 100 patients' first pages.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Hungarian first, English second; tests run in Hungarian.
LANGUAGE_CODE = "hu"
LANGUAGES = [("hu", _("Magyar")), ("en", _("Angol"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Budapest"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from the apps in development and tests; collectstatic fills STATIC_ROOT.
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [BASE_DIR / "zomanc" / "static"]

# Bad input is a 4xx, never a 500: Django answers oversized bodies with 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Console e-mail in the demo (password reset links appear in the server log).
MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "ZOMANC_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
        )
    }
}
DEFAULT_FROM_EMAIL = "Zománc <noreply@zomanc.invalid>"
# Absolute links in e-mails sent outside a request (management commands, background work).
ZOMANC_BASE_URL = os.environ.get("ZOMANC_BASE_URL", "http://127.0.0.1:8000")
# The label authenticator apps show next to a staff member's TOTP code.
OTP_TOTP_ISSUER = "Zománc"

# Background work: django.tasks on django-ox (database-backed, survives killed workers).
TASKS = {
    "default": {
        "BACKEND": "django_ox.backend.OxBackend",
        "OPTIONS": {
            # Our outbox rows decide about retries (backoff, Retry-After, waiting for a login);
            # the queue only has to run each wake-up once, and re-run it if a worker dies.
            "MAX_ATTEMPTS": 5,
            "LOCK_TIMEOUT": 60,
            "SCHEDULES": {
                # Finds rows whose wake-up task went missing: the rows are the source of truth.
                "eeszt-outbox-sweep": {
                    "task": "zomanc.eeszt.outbox.services.outbox_sweep_task",
                    "every": int(os.environ.get("EESZT_OUTBOX_SWEEP_SECONDS", "30")),
                },
                # The same for the NAV invoice reports (zomanc/nav/outbox.py).
                "nav-outbox-sweep": {
                    "task": "zomanc.nav.outbox.nav_sweep_task",
                    "every": int(os.environ.get("NAV_OUTBOX_SWEEP_SECONDS", "30")),
                },
                # And for outgoing e-mail (zomanc/messaging/services.py).
                "messaging-outbox-sweep": {
                    "task": "zomanc.messaging.services.message_sweep_task",
                    "every": int(os.environ.get("MESSAGING_SWEEP_SECONDS", "30")),
                },
                # Appointment reminders that are due (zomanc/reminders/services.py): each
                # has its own wake-up; this sends the lost ones and those held till 08:00.
                "reminders-due": {
                    "task": "zomanc.reminders.services.reminders_due_task",
                    "every": int(os.environ.get("REMINDERS_SWEEP_SECONDS", "60")),
                },
            },
        },
    }
}

# Content Security Policy: only our own scripts and styles (htmx is served from static/).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF, "http://127.0.0.1:*"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# EESZT module (docs/eeszt-module.md). The endpoint, CA and session length are settings so a
# real EESZT contract can replace the sandbox's behind the same functions.
EESZT_ENDPOINT = os.environ.get("EESZT_ENDPOINT", "https://127.0.0.1:9443")
EESZT_CA_BUNDLE = os.environ.get(
    "EESZT_CA_BUNDLE", str(BASE_DIR / "var" / "sandbox" / "pki" / "ca-bundle.pem")
)
# The one CA that issues WAF-SSL client certificates (its CN; it must also chain to a CA of
# EESZT_CA_BUNDLE): an upload issued by any other CA of the bundle (the eID-card CA, the root
# itself) is refused. The sandbox's name by default.
EESZT_WAF_ISSUER_CN = os.environ.get("EESZT_WAF_ISSUER_CN", "Sandbox EESZT WAF CA")
EESZT_REFDATA_URL = os.environ.get("EESZT_REFDATA_URL", "http://127.0.0.1:9080/refdata/getEntity")
EESZT_PORTAL_URL = os.environ.get("EESZT_PORTAL_URL", "http://127.0.0.1:9080/")
# EESZT's machine-readable notice of planned maintenance (docs/eeszt-module.md): read at most
# every EESZT_MAINTENANCE_CACHE_SECONDS, announced EESZT_MAINTENANCE_AHEAD_HOURS ahead.
# Published on the portal's host, so a demo on moved ports (EESZT_PORTAL_URL) reads its own.
EESZT_MAINTENANCE_URL = os.environ.get(
    "EESZT_MAINTENANCE_URL", EESZT_PORTAL_URL.rstrip("/") + "/maintenance/notice.json"
)
EESZT_MAINTENANCE_CACHE_SECONDS = int(os.environ.get("EESZT_MAINTENANCE_CACHE_SECONDS", "300"))
EESZT_MAINTENANCE_AHEAD_HOURS = float(os.environ.get("EESZT_MAINTENANCE_AHEAD_HOURS", "72"))
EESZT_SESSION_HOURS = float(os.environ.get("EESZT_SESSION_HOURS", "7"))
EESZT_TIMEOUT_SECONDS = float(os.environ.get("EESZT_TIMEOUT_SECONDS", "15"))
# The test patient the connection test's VMátrix check reads (the sandbox's first demo TAJ).
EESZT_TEST_PATIENT_TAJ = os.environ.get("EESZT_TEST_PATIENT_TAJ", "111111110")
# Outbox delivery (docs/eeszt-reporting.md): first retry delay (doubles per attempt, capped at
# 15 min) and how long a claimed row is left to its worker before another may send it again.
# Production keeps the defaults; the reliability scenario shortens them to run in minutes.
EESZT_OUTBOX_BACKOFF_SECONDS = float(os.environ.get("EESZT_OUTBOX_BACKOFF_SECONDS", "5"))
EESZT_OUTBOX_LEASE_SECONDS = float(os.environ.get("EESZT_OUTBOX_LEASE_SECONDS", "60"))
EESZT_OUTBOX_RETRY_MAX_SECONDS = float(os.environ.get("EESZT_OUTBOX_RETRY_MAX_SECONDS", "900"))

# NAV Online Számla (docs/invoicing.md): the API endpoint (without /invoiceService/v3/) and
# the CA its server certificate is checked against (pinned; the demo: the sandbox's CA).
NAV_ENDPOINT = os.environ.get("NAV_ENDPOINT", "https://127.0.0.1:9444")
NAV_CA_BUNDLE = os.environ.get(
    "NAV_CA_BUNDLE", str(BASE_DIR / "var" / "sandbox" / "pki" / "ca-bundle.pem")
)
NAV_TIMEOUT_SECONDS = float(os.environ.get("NAV_TIMEOUT_SECONDS", "15"))
# Outbox: first retry delay (doubled per attempt, capped), the lease of a claimed row, and
# how often a processing invoice's status is asked.
NAV_OUTBOX_BACKOFF_SECONDS = float(os.environ.get("NAV_OUTBOX_BACKOFF_SECONDS", "5"))
NAV_OUTBOX_RETRY_MAX_SECONDS = float(os.environ.get("NAV_OUTBOX_RETRY_MAX_SECONDS", "900"))
NAV_OUTBOX_LEASE_SECONDS = float(os.environ.get("NAV_OUTBOX_LEASE_SECONDS", "60"))
NAV_STATUS_POLL_SECONDS = float(os.environ.get("NAV_STATUS_POLL_SECONDS", "2"))
# A send whose answer never came is looked up in NAV's transaction list over its time span
# widened by this much either side (our clock against NAV's).
NAV_LOOKUP_MARGIN_SECONDS = float(os.environ.get("NAV_LOOKUP_MARGIN_SECONDS", "120"))
# Outgoing e-mail (zomanc/messaging, docs/messaging.md): each practice's own SMTP settings;
# a failed try waits BACKOFF doubled per attempt up to RETRY_MAX; after MAX_ATTEMPTS tries
# of a retryable failure (about a day with these values) the message is failed for good.
MESSAGING_SMTP_TIMEOUT_SECONDS = float(os.environ.get("MESSAGING_SMTP_TIMEOUT_SECONDS", "20"))
MESSAGING_BACKOFF_SECONDS = float(os.environ.get("MESSAGING_BACKOFF_SECONDS", "30"))
MESSAGING_RETRY_MAX_SECONDS = float(os.environ.get("MESSAGING_RETRY_MAX_SECONDS", "3600"))
MESSAGING_MAX_ATTEMPTS = int(os.environ.get("MESSAGING_MAX_ATTEMPTS", "30"))
MESSAGING_LEASE_SECONDS = float(os.environ.get("MESSAGING_LEASE_SECONDS", "120"))
ZOMANC_CARD_SERVICE_URL = os.environ.get("ZOMANC_CARD_SERVICE_URL", "http://127.0.0.1:9451")
# Master keys of the secret vault: "kid:base64key,..." (first = current). Outside production
# a fixed, clearly named development key is used; production refuses to start without it.
ZOMANC_MASTER_KEYS = os.environ.get("ZOMANC_MASTER_KEYS", "")
if PRODUCTION and not ZOMANC_MASTER_KEYS:
    raise RuntimeError("ZOMANC_MASTER_KEYS must be set in production (docs/eeszt-module.md)")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZOMANC_LOG_LEVEL", "INFO")},
    # WeasyPrint reports every rendering step at INFO; only its problems are worth a line.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # zeep logs whole SOAP messages at DEBUG: passwords, one-time codes and SAML
        # assertions must never reach a log, whatever ZOMANC_LOG_LEVEL says.
        "zeep.transports": {"level": "WARNING"},
    },
}
