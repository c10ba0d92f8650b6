"""Settings of the EESZT sandbox project (its own DB, its own process, its own data folder)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

REPO_DIR = Path(__file__).resolve().parent.parent
SANDBOX_DIR = Path(__file__).resolve().parent

# Everything the sandbox creates at runtime (SQLite DB, PKI, SoftHSM token) lives here, so
# deleting this one folder gives a fresh national side.
SANDBOX_DATA_DIR = Path(os.environ.get("SANDBOX_DATA_DIR", REPO_DIR / "var" / "sandbox"))

SECRET_KEY = os.environ.get("SANDBOX_SECRET_KEY", "sandbox-not-secret-only-for-the-demo")
DEBUG = os.environ.get("SANDBOX_DEBUG", "") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "sandbox.clock",
    "sandbox.registry",
    "sandbox.pki",
    "sandbox.faults",
    "sandbox.soap",
    "sandbox.idp",
    "sandbox.ekat",
    "sandbox.access",
    "sandbox.documents",
    "sandbox.profile",
    "sandbox.referral",
    "sandbox.eligibility",
    "sandbox.refdata",
    "sandbox.server",
    "sandbox.portal",
    "sandbox.nav",
    "sandbox.mail",
    "sandbox.sms",
]

MIDDLEWARE = [
    "sandbox.server.middleware.listener_guard",
    # The portal's stylesheet and card-login script, straight from the app (no collectstatic).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Cookies ignore ports: on 127.0.0.1 the portal and the practice system (both Django) would
# overwrite each other's "sessionid"/"csrftoken", so logging in to one logged the user out
# of the other (found by the setup-guide walk, which uses both in one browser).
SESSION_COOKIE_NAME = "eeszt_sandbox_session"
CSRF_COOKIE_NAME = "eeszt_sandbox_csrftoken"

ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "sandbox.portal.context.portal",
            ]
        },
    }
]


def _database() -> dict[str, object]:
    url = os.environ.get("SANDBOX_DATABASE_URL")
    if url:
        return dict(dj_database_url.parse(url, conn_max_age=60))
    # SQLite cannot create its folder; the data folder is ours, so make it.
    SANDBOX_DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": SANDBOX_DATA_DIR / "sandbox.sqlite3",
        # IMMEDIATE + busy timeout: concurrent SOAP writers queue instead of failing with
        # "database is locked" (the mutual-TLS server is threaded).
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # A file, not ":memory:": SQLite's shared in-memory cache answers a concurrent
        # writer "table is locked" at once, where the sandbox's file database waits its
        # busy timeout — tests of concurrent calls must see the real behaviour. One file
        # per test process (parallel runs never share it).
        "TEST": {
            "NAME": Path(tempfile.gettempdir()) / f"zomanc-sandbox-test-{os.getpid()}.sqlite3"
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

LANGUAGE_CODE = "hu"
TIME_ZONE = "Europe/Budapest"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
WHITENOISE_USE_FINDERS = True

# The portal's card login talks to the workstation's card service from the browser, so
# connect-src names it; no inline script or style anywhere (portal static files only).
SANDBOX_CARD_SERVICE_URL = os.environ.get("SANDBOX_CARD_SERVICE_URL", "http://127.0.0.1:9451")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF, SANDBOX_CARD_SERVICE_URL],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
}

# --- Sandbox rules (contract doc 03-sandbox-contract.md) ---------------------------------
SANDBOX_HTTPS_HOST = os.environ.get("SANDBOX_HOST", "127.0.0.1")
SANDBOX_HTTPS_PORT = int(os.environ.get("SANDBOX_HTTPS_PORT", "9443"))
SANDBOX_HTTP_PORT = int(os.environ.get("SANDBOX_HTTP_PORT", "9080"))
# NAV Online Számla (sandbox.nav, docs/nav-sandbox.md): its own port, server-authenticated
# TLS; the exchange token lives 5 minutes (spec §1.1); a transaction is RECEIVED, then
# PROCESSING for these many seconds before its invoices get their final state.
SANDBOX_NAV_HTTPS_PORT = int(os.environ.get("SANDBOX_NAV_HTTPS_PORT", "9444"))
# The mail catcher (sandbox.mail, docs/messaging.md): plain SMTP on its own port; its pages
# ("Elküldött levelek") on the HTTP listener at /levelek/.
SANDBOX_SMTP_PORT = int(os.environ.get("SANDBOX_SMTP_PORT", "2525"))
# The SMS gateway stand-in (sandbox.sms, docs/messaging.md): its API at /sms/api/messages and
# its page at /sms-ek/ on the HTTP listener; a message's delivery report after these seconds.
SANDBOX_SMS_DELIVERY_SECONDS = float(os.environ.get("SANDBOX_SMS_DELIVERY_SECONDS", "2"))
SANDBOX_NAV_TOKEN_MINUTES = float(os.environ.get("SANDBOX_NAV_TOKEN_MINUTES", "5"))
SANDBOX_NAV_RECEIVED_SECONDS = float(os.environ.get("SANDBOX_NAV_RECEIVED_SECONDS", "1"))
SANDBOX_NAV_PROCESSING_SECONDS = float(os.environ.get("SANDBOX_NAV_PROCESSING_SECONDS", "1"))
SANDBOX_ADMIN_TOKEN = os.environ.get("SANDBOX_ADMIN_TOKEN", "sandbox-admin")
SANDBOX_SAML_ISSUER = "urn:zomanc:eeszt-sandbox:idp"
SANDBOX_SAML_AUDIENCE = os.environ.get("SANDBOX_SAML_AUDIENCE", "urn:zomanc:eeszt-sandbox:services")
SANDBOX_SESSION_HOURS = float(os.environ.get("SANDBOX_SESSION_HOURS", "7"))
SANDBOX_TIMESTAMP_MAX_AGE_SECONDS = 300
SANDBOX_NONCE_SECONDS = 120
SANDBOX_LOCKOUT_FAILURES = 5
SANDBOX_LOCKOUT_WINDOW_MINUTES = 15
SANDBOX_LOCKOUT_MINUTES = 15
SANDBOX_EVENT_DEADLINE_DAYS = int(os.environ.get("SANDBOX_EVENT_DEADLINE_DAYS", "4"))
SANDBOX_TREATMENT_RELATIONSHIP_DAYS = 30
# Access rules (contract §6, domain doc): breakglass length, waiver length, and the delay
# with which a DÖR change takes effect (law: "within 24 h"; 0 = immediately, our choice).
SANDBOX_BREAKGLASS_HOURS = float(os.environ.get("SANDBOX_BREAKGLASS_HOURS", "4"))
SANDBOX_WAIVER_HOURS = 24
SANDBOX_DOR_DELAY_HOURS = float(os.environ.get("SANDBOX_DOR_DELAY_HOURS", "0"))
SANDBOX_REFERRAL_VALID_DAYS = 90
SANDBOX_CERT_VALID_DAYS = 365
SANDBOX_PKCS11_LIB = os.environ.get("SANDBOX_PKCS11_LIB", "/usr/lib/softhsm/libsofthsm2.so")
# Off in production paths for speed; the test suite turns it on so every answer the
# handlers build is checked against the published XSD (the contract binds both sides).
SANDBOX_VALIDATE_RESPONSES = os.environ.get("SANDBOX_VALIDATE_RESPONSES", "") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "sandbox": {"handlers": ["console"], "level": "INFO"},
        # A 500's traceback in the sandbox's log (Django sends it only to mail_admins when
        # DEBUG is off); the harness prints the log's tail when a run fails.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
