"""Settings of the Huzhou craftsman subsidy portal, read from the environment.

Three ways to run the same code:

* **embedded** (the default, ``make run``): SQLite, Celery tasks run in-process, e-mail to the console, DEBUG on;
* **server**: ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` set — persistent connections and a real broker;
* **production**: ``PORTAL_PRODUCTION=1`` — refuses to start without ``SECRET_KEY`` and ``ALLOWED_HOSTS``, DEBUG off,
  HTTPS-only cookies and HSTS, so that ``manage.py check --deploy`` is clean.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# The embedded database, media and demo keys live here (the walkthrough test points it at a fresh directory).
VAR_DIR = Path(env.str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))
# An env file is read only when asked for, so a deployment's .env (used by docker compose) never leaks into
# a developer's `make run` in the same checkout.
if "PORTAL_ENV_FILE" in env:
    environ.Env.read_env(env.str("PORTAL_ENV_FILE"))

PRODUCTION = env.bool("PORTAL_PRODUCTION", default=False)
EMBEDDED = not PRODUCTION and "DATABASE_URL" not in env

if PRODUCTION:
    if not env.str("SECRET_KEY", default=""):
        raise ImproperlyConfigured("PORTAL_PRODUCTION=1 requires SECRET_KEY (50+ random characters).")
    if not env.list("ALLOWED_HOSTS", default=[]):
        raise ImproperlyConfigured("PORTAL_PRODUCTION=1 requires ALLOWED_HOSTS (comma-separated host names).")

SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-embedded-mode-only-never-use-in-production")
DEBUG = env.bool("DEBUG", default=EMBEDDED) and not PRODUCTION
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

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
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "huzhou_craftsman.accounts",
    "applications",
    "subsidies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "huzhou_craftsman.accounts.middleware.IdleSessionTimeoutMiddleware",
    "huzhou_craftsman.accounts.middleware.TwoFactorRequiredMiddleware",
    "huzhou_craftsman.accounts.middleware.ReadOnlyRoleMiddleware",
    # Demo mode only (it steps aside otherwise): the Celery beat schedule's work, run while pages are served.
    "huzhou_craftsman.periodic.EmbeddedBeatMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "huzhou_craftsman.urls"
WSGI_APPLICATION = "huzhou_craftsman.wsgi.application"

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
                "huzhou_craftsman.accounts.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # Persistent connections: measured 2.7x the throughput of reconnecting per request.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts, login hardening ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "huzhou_craftsman.accounts.backends.PortalModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: the account (not the shared office IP) is locked after 5 failures.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Locking by IP too would lock out a whole bureau or industrial park behind one NAT address after five typos
# by different people; the account is what is protected, so axes' advice (W006) is deliberately not taken.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Idle sessions end after this many minutes without a request.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=30))
SESSION_COOKIE_AGE = int(timedelta(hours=12).total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Two-factor login (TOTP) is required for every bureau and finance role.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=True)
OTP_TOTP_ISSUER = "湖州工匠资助平台"

# --- Internationalisation -------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Self-hosted front-end packages, installed from the npm registry by the set-up (no CDN).
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
]
# Uploaded materials live outside the static root and are served only through permission-checking views.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
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
WHITENOISE_USE_FINDERS = not PRODUCTION
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_MB", default=10) * 1024 * 1024
# Payment batches with more lines than this are exported by a Celery worker to a file, then streamed from disk.
EXPORT_ASYNC_LINES = env.int("EXPORT_ASYNC_LINES", default=20000)
# The bureau's own account, printed in the control record of every bank file; its CNAPS code's first three digits
# (the bank) decide 同行/跨行 for each payee. Demo values outside production; production must set all of them.
PAYER_ACCOUNT_NUMBER = env.str("PAYER_ACCOUNT_NUMBER", default="" if PRODUCTION else "33050161627000009999")
PAYER_ACCOUNT_NAME = env.str("PAYER_ACCOUNT_NAME", default="" if PRODUCTION else "湖州市人力资源和社会保障局（演示）")
PAYER_BANK_NAME = env.str("PAYER_BANK_NAME", default="" if PRODUCTION else "中国建设银行湖州分行")
PAYER_BANK_CNAPS = env.str("PAYER_BANK_CNAPS", default="" if PRODUCTION else "105336000012")
if PRODUCTION and not (PAYER_ACCOUNT_NUMBER and PAYER_ACCOUNT_NAME and PAYER_BANK_CNAPS.isascii() and PAYER_BANK_CNAPS.isdigit()
                       and len(PAYER_BANK_CNAPS) == 12):  # fmt: skip
    raise ImproperlyConfigured(
        "PORTAL_PRODUCTION=1 requires PAYER_ACCOUNT_NUMBER, PAYER_ACCOUNT_NAME and PAYER_BANK_CNAPS (12 digits)."
    )

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# An empty filter choice means "any" (never Django's "---------").
FILTERS_EMPTY_CHOICE_LABEL = _("全部")

# --- E-mail -----------------------------------------------------------------------------------------------------
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="湖州市人力社保局 <noreply@hzrs.example.cn>")

# --- Celery -----------------------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker (embedded mode) tasks run in-process, at the commit that enqueues them.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that does not answer must not hold a request for long: publishing fails fast and the row stays pending
# for the periodic sweep. Redis also re-delivers an unacknowledged task after this visibility timeout.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 10, "visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "huzhou_craftsman.accounts.tasks.clear_expired_sessions",
        "schedule": timedelta(hours=6),
    },
    "close-due-notices": {
        "task": "subsidies.tasks.close_due_notices",
        "schedule": timedelta(hours=1),
    },
    # Documents still pending after an outage of the broker or a killed worker are sent again.
    "sweep-pending-documents": {
        "task": "subsidies.documents.tasks.sweep",
        "schedule": timedelta(minutes=5),
    },
    # Likewise the e-mails of notifications whose task never reached a worker.
    "sweep-unsent-notification-emails": {
        "task": "applications.tasks.notifications_sweep",
        "schedule": timedelta(minutes=5),
    },
}

# --- Security ---------------------------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if env.bool("BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp) on every response: only the portal's own, self-hosted files; no inline script
# (behaviour lives in static/js/portal.js, switched on by data attributes). Inline *styles* stay allowed: the
# 500/503 pages must render without any static file (the server may be half down), and a few layout widths and the
# regeneration progress bar's width are data in a style attribute; a style attribute cannot run script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        # Bootstrap draws form controls (select arrows, check marks) with data: SVG images in its stylesheet.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # Reviewers read uploaded PDFs in an <object> on the review page; Chromium loads it as a frame, so that page
        # alone replaces frame-src with 'self' (applications.review_views.review_detail).
        "object-src": [SELF],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

# Behind a reverse proxy the client is the n-th address from the right of X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if TRUSTED_PROXY_COUNT else ["REMOTE_ADDR"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint and fontTools report every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

PORTAL_NAME = _("湖州工匠培育工程资助申报平台")
# The public address printed in QR codes of approval letters (the verification page must be reachable there).
PORTAL_PUBLIC_URL = env.str("PORTAL_PUBLIC_URL", default="http://127.0.0.1:8000")
ISSUING_OFFICE = env.str("ISSUING_OFFICE", default="湖州市人力资源和社会保障局")
PUBLIC_NOTICE_WORKING_DAYS = env.int("PUBLIC_NOTICE_WORKING_DAYS", default=5)
# The bureau's interpretation of §6 退出机制 (RULES.md): a studio exits after this many consecutive failed yearly
# reviews. Shown on the studio pages.
STUDIO_EXIT_AFTER_FAILED_REVIEWS = env.int("STUDIO_EXIT_AFTER_FAILED_REVIEWS", default=2)

# --- Approval documents: numbers and the digital seal (docs/documents.md) ----------------------------------------
# 发文字号 after GB/T 9704-2012 7.2.4: 代字〔年份〕序号号, the serial without leading zeros.
DOCUMENT_LETTER_CODE = env.str("DOCUMENT_LETTER_CODE", default="湖人社补")  # the applicants' 告知书 and 计划
DOCUMENT_NOTICE_CODE = env.str("DOCUMENT_NOTICE_CODE", default="湖人社发")  # the round's 通知 (a 公文)
# The round notice's addressees (主送) and copies (抄送), and the organ that prints it (印发机关).
DOCUMENT_NOTICE_ADDRESSEES = env.str(
    "DOCUMENT_NOTICE_ADDRESSEES", default="各区县人力社保局，南太湖新区人力社保局，市级各有关单位"
)
DOCUMENT_NOTICE_COPIES = env.str("DOCUMENT_NOTICE_COPIES", default="市财政局，市总工会")
DOCUMENT_NOTICE_PRINTER = env.str("DOCUMENT_NOTICE_PRINTER", default="湖州市人力资源和社会保障局办公室")
# Every document is sealed with a PAdES signature when this is on; nothing is issued unsigned while it is on.
DOCUMENT_SIGNING = env.bool("DOCUMENT_SIGNING", default=True)
# "pyhanko" signs here with the PKCS#12 key below; "remote" posts to an e-seal service (DOCUMENT_SEAL_SERVICE_URL).
DOCUMENT_SIGNING_BACKEND = env.str("DOCUMENT_SIGNING_BACKEND", default="pyhanko")
DEMO_SIGNING_P12 = VAR_DIR / "signing" / "demo-signer.p12"
DEMO_SIGNING_PASSWORD = "demo-only-not-secret"  # noqa: S105 (the demo key of make run and the tests)
DOCUMENT_SIGNING_P12 = env.str("DOCUMENT_SIGNING_P12", default="" if PRODUCTION else str(DEMO_SIGNING_P12))
DOCUMENT_SIGNING_PASSWORD = env.str("DOCUMENT_SIGNING_PASSWORD", default="" if PRODUCTION else DEMO_SIGNING_PASSWORD)
# Extra PEM files of roots a signer may chain to (e.g. the seal platform's); the p12's own CA is always trusted.
DOCUMENT_SIGNING_TRUST_ROOTS = env.list("DOCUMENT_SIGNING_TRUST_ROOTS", default=[])
DOCUMENT_SIGNING_LOCATION = env.str("DOCUMENT_SIGNING_LOCATION", default="浙江省湖州市")
DOCUMENT_SEAL_SERVICE_URL = env.str("DOCUMENT_SEAL_SERVICE_URL", default="")
DOCUMENT_SEAL_SERVICE_TOKEN = env.str("DOCUMENT_SEAL_SERVICE_TOKEN", default="")
# The visible seal: the bureau's own PNG (transparent background), or one drawn from ISSUING_OFFICE and this name.
DOCUMENT_SEAL_IMAGE = env.str("DOCUMENT_SEAL_IMAGE", default="")
DOCUMENT_SEAL_NAME = env.str("DOCUMENT_SEAL_NAME", default="" if PRODUCTION else "演示专用章")
if (PRODUCTION and DOCUMENT_SIGNING and DOCUMENT_SIGNING_BACKEND == "pyhanko") and (
    not DOCUMENT_SIGNING_P12 or not Path(DOCUMENT_SIGNING_P12).is_file() or not DOCUMENT_SIGNING_PASSWORD
):
    raise ImproperlyConfigured(
        "PORTAL_PRODUCTION=1 with DOCUMENT_SIGNING on requires DOCUMENT_SIGNING_P12 (an existing PKCS#12 file "
        "with the bureau's key and certificate) and DOCUMENT_SIGNING_PASSWORD."
    )
if PRODUCTION and DOCUMENT_SIGNING and DOCUMENT_SIGNING_BACKEND == "remote" and not DOCUMENT_SEAL_SERVICE_URL:
    raise ImproperlyConfigured("DOCUMENT_SIGNING_BACKEND=remote requires DOCUMENT_SEAL_SERVICE_URL.")
# Who verifies a payee bank account change (a second person, never the one who proposed it): role per holder kind.
# A district reviewer verifies only organisations of their own district. Values are accounts.roles.Role values.
BANK_VERIFIER_ROLES = {
    "organisation": env.str("BANK_VERIFIER_ORGANISATION", default="district_reviewer"),
    "person": env.str("BANK_VERIFIER_PERSON", default="finance_checker"),
}
# Where the public sends objections to a notice (printed on the public notice page).
NOTICE_CONTACT_NAME = env.str("NOTICE_CONTACT_NAME", default="市人力社保局职业能力建设处")
NOTICE_CONTACT_PHONE = env.str("NOTICE_CONTACT_PHONE", default="0572-2000000")
NOTICE_CONTACT_ADDRESS = env.str("NOTICE_CONTACT_ADDRESS", default="湖州市吴兴区示例路 1 号（邮编 313000）")
NOTICE_CONTACT_EMAIL = env.str("NOTICE_CONTACT_EMAIL", default="gongshi@hzrs.example.cn")

# Demo mode, for trying the whole story on one machine in one sitting (embedded mode only, never on a server):
# the periodic work of CELERY_BEAT_SCHEDULE runs while pages are served (there is no beat process), and a city
# approver may end a public notice before its last day, a button marked as a demo and audited as such.
DEMO_MODE = EMBEDDED and env.bool("DEMO_MODE", default=True)
# How often, at most, demo mode looks for due periodic work while serving pages.
DEMO_BEAT_SECONDS = env.int("DEMO_BEAT_SECONDS", default=60)
