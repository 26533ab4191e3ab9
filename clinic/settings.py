"""Stride Clinic settings: one module, every knob read from the environment.

Defaults give the embedded run (SQLite file, Celery on a filesystem broker, console e-mail);
production sets the variables listed in README.md and .env.example. Names follow
https://docs.djangoproject.com/en/5.2/ref/settings/ unless noted.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

# Runtime state of the embedded run (database, media, broker folders); gitignored.
VAR_DIR = Path(env.str("STRIDE_VAR_DIR", default=str(BASE_DIR / "var")))


def _embedded_secret_key() -> str:
    """A random key persisted under var/, so the embedded run needs no configuration."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
SECRET_KEY = env.str("SECRET_KEY", default="") or _embedded_secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "clinic.admin_site.ClinicAdminConfig",  # django.contrib.admin, its sign-in rate-limited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "django_ratelimit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "audit",
    "patients",
    "assessments",
    "programs",
    "scheduling",
    "fhir_api",
    "exports",
    # Management commands only (seed_demo, seed_load, demo_code); no models, nothing served.
    "demo",
    "backups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files keep their long cache); before the rest, so it sees every
    # response they make, the two-factor and lockout answers included.
    "clinic.headers.ResponseHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A NUL in the query string: 400 before any view can pass it to PostgreSQL (clinic/query.py).
    "clinic.query.RefuseNulInQueryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.AbsoluteSessionLifetimeMiddleware",
    "accounts.middleware.StaffTwoFactorMiddleware",
    "audit.context.AuditOriginMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

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
                "clinic.context_processors.clinic",
                "accounts.context_processors.role",
            ],
        },
    },
]

# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'clinic.sqlite3'}"),
}
# Tests on SQLite use a file, so a Celery worker process can share the test database.
DATABASES["default"].setdefault("TEST", {})
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"]["NAME"] = str(VAR_DIR / "test-clinic.sqlite3")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web and worker write the same file: wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Length and a common-password list, no composition rules (NIST SP 800-63B 3.1.1.2, OWASP ASVS
# 5.0 V6.2): Django's NumericPasswordValidator is left out, since "digits only" is a composition rule.
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=8)
PASSWORD_MAX_LENGTH = env.int("PASSWORD_MAX_LENGTH", default=128)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": PASSWORD_MAX_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # Not a rule: Django calls it after any new password is saved; it revokes the API tokens.
    {"NAME": "accounts.passwords.NewPasswordRevokesApiTokens"},
]
# The lockout backend first: it refuses a locked-out account before the password is checked.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout after repeated failed sign-ins (django-axes, https://django-axes.readthedocs.io/en/latest/4_configuration.html),
# on the sign-in page, the admin and the API token endpoint alike. Counted per account (username),
# not per address: a clinic's staff share one address, and an attacker can change theirs.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = env.list("AXES_LOCKOUT_PARAMETERS", default=["username"])
# axes.W006 warns that a username-only lockout can be dodged by rotating address or browser; the
# database handler counts failures per username summed over every address and browser, so it cannot.
# Adding "ip_address" (AXES_LOCKOUT_PARAMETERS=username,ip_address) would lock a whole clinic behind one NAT.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# django_ratelimit.W001 names only django-redis and memcached as supported; Django's own RedisCache
# (production) and clinic.cache.LockingFileBasedCache (embedded) are shared between processes and
# increment atomically too. Its E003 (locmem, dummy, plain file or database cache) stays on.
SILENCED_SYSTEM_CHECKS += ["django_ratelimit.W001"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# An invitation link (and a password reset link) is valid this long, and only once.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=int(timedelta(days=3).total_seconds()))

# Inactivity timeout: the session lives SESSION_IDLE_TIMEOUT seconds after the last request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Absolute lifetime: however active, a session ends this many seconds after sign-in
# (accounts/middleware.py), so a stolen or forgotten session cannot be kept alive for ever.
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_ABSOLUTE_LIFETIME", default=12 * 3600)
# Two-factor sign-in (django-otp TOTP, https://django-otp-official.readthedocs.io/en/stable/):
# staff enter a code from an authenticator app before any page or session API call
# (accounts/two_factor.py). Wrong codes double the wait before the next try (1, 2, 4 ... s).
TWO_FACTOR_REQUIRED_FOR_STAFF = env.bool("TWO_FACTOR_REQUIRED_FOR_STAFF", default=True)
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows an authenticator's key
# API tokens expire this many hours after issue (accounts/api/authentication.py).
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=12)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("CLINIC_TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": env.str("FILE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# https://docs.djangoproject.com/en/5.2/topics/email/
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Stride Clinic <clinic@localhost>")

CLINIC_NAME = env.str("CLINIC_NAME", default="Stride Clinic")
CLINIC_PHONE = env.str("CLINIC_PHONE", default="+44 20 7946 0000")
OTP_TOTP_ISSUER = CLINIC_NAME  # the account's label in authenticator apps

# HTTPS hardening, on when the site is served over TLS (production): `manage.py check --deploy`.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4, https://django-csp.readthedocs.io/en/latest/configuration.html):
# scripts and styles only from our own static files, never inline; no framing, no plugins.
# CSP_REPORT_ONLY=true sends the same policy as Content-Security-Policy-Report-Only (for a trial).
_csp_policy = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if env.str("CSP_REPORT_URI", default=""):
    _csp_policy["DIRECTIVES"]["report-uri"] = [env.str("CSP_REPORT_URI")]
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp_policy
else:
    CONTENT_SECURITY_POLICY = _csp_policy

# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous call a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ExpiringTokenAuthentication",
        "accounts.api.authentication.TwoFactorSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "clinic.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Stride Clinic API",
    "DESCRIPTION": "Patients, visits, hip-drop assessments, strength programs and appointments.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema maps every endpoint: for signed-in users, not for anyone on the internet.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Three "status" choice sets (appointments, prescriptions, assessments): the assessments' one is
    # named here, as the others are by their component (a dotted path: the settings import no app).
    "ENUM_NAME_OVERRIDES": {"AssessmentStatusEnum": "assessments.models.AssessmentStatus"},
}

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Rate-limit counters must be shared by every web process and incremented atomically (django-ratelimit's
# check, E003, refuses the per-process locmem cache): the same server as CACHE_URL when one is set
# (Redis in production), else a file cache in var/ whose add/incr hold a lock across processes
# (clinic/cache.py). MAX_ENTRIES is the number of counters kept before the oldest are dropped.
if env.str("CACHE_URL", default=""):
    CACHES["ratelimit"] = {**env.cache_url("CACHE_URL"), "KEY_PREFIX": "ratelimit"}
else:
    CACHES["ratelimit"] = {
        "BACKEND": "clinic.cache.LockingFileBasedCache",
        "LOCATION": str(VAR_DIR / "ratelimit"),
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }

# Rate limits (django-ratelimit, https://django-ratelimit.readthedocs.io/en/stable/settings.html; clinic/ratelimit.py).
# A rate is "count/period", the period s, m, h or d with an optional multiple ("30/15m"). Over it a
# page shows the reason and the API answers JSON, both 429 with Retry-After. RATELIMIT_ENABLE=false
# turns every limit off. The address is REMOTE_ADDR unless RATELIMIT_IP_META_KEY names the header
# the proxy sets with the client's address (e.g. HTTP_X_REAL_IP); never a header clients can forge.
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="") or None
# Failed sign-ins (page and admin) per address, across usernames; the per-account lockout is AXES_* above.
# Only failures count: a clinic's staff share one address and all sign in each morning.
RATE_LIMIT_SIGN_IN_FAILURES_PER_IP = env.str("RATE_LIMIT_SIGN_IN_FAILURES_PER_IP", default="30/15m")
# Password reset requests per e-mail address (mails to one inbox) and per address.
RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS = env.str("RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS", default="3/h")
RATE_LIMIT_PASSWORD_RESET_PER_IP = env.str("RATE_LIMIT_PASSWORD_RESET_PER_IP", default="20/h")
# POST /api/v1/auth/token/ per address, every request counted (a token lasts API_TOKEN_TTL_HOURS).
RATE_LIMIT_API_TOKEN_PER_IP = env.str("RATE_LIMIT_API_TOKEN_PER_IP", default="20/h")
# Video uploads (page and API) per user.
RATE_LIMIT_UPLOADS_PER_USER = env.str("RATE_LIMIT_UPLOADS_PER_USER", default="30/h")

# Celery: https://docs.celeryq.dev/en/stable/userguide/configuration.html
# Default: a filesystem broker and file result backend (no server); production: Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=f"file://{VAR_DIR / 'celery' / 'results'}")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = str(VAR_DIR / "celery" / "queue")
    # kombu's filesystem transport expects its folders to exist before web or worker use them.
    for _folder in ("queue", "processed", "results", "control"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _queue_dir,
        "data_folder_out": _queue_dir,
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        # The exchange tables; kombu's default is "control" in the working directory, which
        # left broker files (with the host's name) in the repository.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
else:
    # Longer than the hard time limit of any task, so a running job is not redelivered.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3 * 3600)}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=30 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=35 * 60)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}
# Appointment reminders go out 24 h ahead; each run sends only what is due and not yet sent.
CELERY_BEAT_SCHEDULE["scheduling-send-reminders"] = {
    "task": "scheduling.tasks.send_appointment_reminders",
    "schedule": env.int("REMINDER_INTERVAL_S", default=15 * 60),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Request paths are logged without query strings or link credentials (clinic/access_log.py).
    "filters": {
        "loggable_path": {"()": "clinic.access_log.LoggablePathFilter"},
        "refusal_without_traceback": {"()": "clinic.access_log.RefusalWithoutTraceback"},
    },
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # A refused request (403, 404) is one line: no traceback of the PermissionDenied.
        "django.request": {"filters": ["loggable_path", "refusal_without_traceback"]},
        # runserver's request lines: Django's own handler and format, plus the filter.
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["loggable_path"],
        },
    },
}

# Absolute address of the site, for links in e-mails (invitations, reminders).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Assessments (treadmill videos and their analysis). Videos are clinical data: they live on a
# private storage (never under MEDIA_URL) and are streamed by an authorised view.
# Local disk by default; S3-compatible object storage with
# ASSESSMENT_STORAGE_BACKEND=storages.backends.s3.S3Storage and ASSESSMENT_STORAGE_OPTIONS as JSON
# (https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html), e.g.
# {"bucket_name": "stride-videos", "default_acl": "private", "querystring_auth": true}.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
_assessment_backend = env.str("ASSESSMENT_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")
STORAGES["assessments"] = {
    "BACKEND": _assessment_backend,
    "OPTIONS": (
        {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None}
        if _assessment_backend.endswith("FileSystemStorage")
        else env.json("ASSESSMENT_STORAGE_OPTIONS", default={})
    ),
}
# Upload checks: larger bodies get a 413; shorter, longer or slower clips a 400 before queueing.
# Analysis that scales out (issue 15): a clip is posed in chunks of this many seconds, one Celery
# task per chunk and tracker, on any worker. Shorter chunks spread a clip over more workers but
# each pays a 1 s warm-up; a clip of one chunk is analysed in a single task (README "Sizing").
ASSESSMENT_CHUNK_S = env.float("ASSESSMENT_CHUNK_S", default=4.5)
ASSESSMENT_MAX_UPLOAD_BYTES = env.int("ASSESSMENT_MAX_UPLOAD_BYTES", default=1024**3)
ASSESSMENT_MIN_DURATION_S = env.float("ASSESSMENT_MIN_DURATION_S", default=1.0)
# Resumable uploads (tus 1.0.0 under /api/v1/uploads/): the page sends clips larger than
# ASSESSMENT_RESUMABLE_THRESHOLD_BYTES in pieces that survive a dropped connection. The pieces wait
# in a private folder outside the media roots; an upload untouched for ASSESSMENT_RESUMABLE_EXPIRE_S
# is abandoned and swept (parts and row) by the beat task below.
ASSESSMENT_RESUMABLE_DIR = Path(env.str("ASSESSMENT_RESUMABLE_DIR", default=str(VAR_DIR / "uploads-partial")))
ASSESSMENT_RESUMABLE_EXPIRE_S = env.int("ASSESSMENT_RESUMABLE_EXPIRE_S", default=24 * 3600)
ASSESSMENT_RESUMABLE_THRESHOLD_BYTES = env.int("ASSESSMENT_RESUMABLE_THRESHOLD_BYTES", default=20 * 1024**2)
ASSESSMENT_RESUMABLE_CHUNK_BYTES = env.int("ASSESSMENT_RESUMABLE_CHUNK_BYTES", default=8 * 1024**2)
ASSESSMENT_MAX_DURATION_S = env.float("ASSESSMENT_MAX_DURATION_S", default=180.0)
ASSESSMENT_MIN_FPS = env.float("ASSESSMENT_MIN_FPS", default=15.0)
# Limits read from the container before any frame is decoded (issue 18): one frame of a 422 KB
# 16384x8704 clip took 1.6 GB to decode, a 32x32 clip at 1000 fps minutes of the only worker.
# 4K at 60 fps and 1080p at 240 fps are both 498 million pixels per second.
ASSESSMENT_MAX_SIDE_PX = env.int("ASSESSMENT_MAX_SIDE_PX", default=4096)
ASSESSMENT_MAX_FPS = env.float("ASSESSMENT_MAX_FPS", default=240.0)
ASSESSMENT_MAX_PIXELS_PER_S = env.float("ASSESSMENT_MAX_PIXELS_PER_S", default=3840 * 2160 * 60.0)
ASSESSMENT_MAX_FRAMES = env.int("ASSESSMENT_MAX_FRAMES", default=180 * 120)
# Address space one analysis job may add to its worker process (MB); past it the job fails
# with a reason instead of taking the machine's memory. 0 switches the cap off.
ASSESSMENT_JOB_MEMORY_MB = env.int("ASSESSMENT_JOB_MEMORY_MB", default=3072)
# Processing: limits per run, and the sweeper that re-queues jobs whose worker died.
ASSESSMENT_SOFT_TIME_LIMIT_S = env.int("ASSESSMENT_SOFT_TIME_LIMIT_S", default=20 * 60)
ASSESSMENT_TIME_LIMIT_S = env.int("ASSESSMENT_TIME_LIMIT_S", default=25 * 60)
ASSESSMENT_STALE_AFTER_S = env.int("ASSESSMENT_STALE_AFTER_S", default=5 * 60)
ASSESSMENT_MAX_ATTEMPTS = env.int("ASSESSMENT_MAX_ATTEMPTS", default=3)
# Jobs still queued after this long have their message sent again (lost with the broker?).
ASSESSMENT_QUEUED_RESEND_AFTER_S = env.int("ASSESSMENT_QUEUED_RESEND_AFTER_S", default=10 * 60)
CELERY_BEAT_SCHEDULE["assessments-requeue-stuck"] = {
    "task": "assessments.tasks.requeue_stuck_assessments",
    "schedule": env.int("ASSESSMENT_SWEEP_EVERY_S", default=60),
}

# Retention: original videos (and their renditions) are deleted this many days after upload;
# numbers, keyframes, landmarks and reports stay. 0 (the default) keeps them: deleting clinical
# data is the clinic's decision, not the software's. Queued or processing videos are never touched.
VIDEO_RETENTION_DAYS = env.int("VIDEO_RETENTION_DAYS", default=0)
# Data exports (right of access): a download link works this long, then the zip is deleted.
EXPORT_LINK_TTL_S = env.int("EXPORT_LINK_TTL_S", default=48 * 3600)
CELERY_BEAT_SCHEDULE["exports-remove-expired"] = {
    "task": "exports.tasks.remove_expired_exports",
    "schedule": env.int("EXPORT_SWEEP_EVERY_S", default=3600),
}
CELERY_BEAT_SCHEDULE["assessments-resumable-expire"] = {
    "task": "assessments.tasks.remove_expired_resumable_uploads",
    "schedule": env.int("ASSESSMENT_RESUMABLE_SWEEP_EVERY_S", default=900),
}
CELERY_BEAT_SCHEDULE["assessments-video-retention"] = {
    "task": "assessments.tasks.remove_expired_videos",
    "schedule": env.int("VIDEO_RETENTION_SWEEP_EVERY_S", default=3600),
}

# Strength programs: athletes with an active programme and nothing logged for this many days
# get one encouraging e-mail (once per quiet spell); the sweep runs every few hours.
PROGRAM_REMINDER_AFTER_DAYS = env.int("PROGRAM_REMINDER_AFTER_DAYS", default=4)
CELERY_BEAT_SCHEDULE["programs-inactivity-reminders"] = {
    "task": "programs.tasks.send_inactivity_reminders",
    "schedule": env.int("PROGRAM_REMINDER_SWEEP_EVERY_S", default=6 * 3600),
}
# Pain alerts (programs/pain_rules.py: pain above 5/10, or rising over three sessions) show in
# the site at once; each prescribing clinician also gets one e-mail a day listing the new ones,
# at this hour of the clinic's time zone (each alert is e-mailed once, however often it runs).
PAIN_ALERT_DIGEST_HOUR = env.int("PAIN_ALERT_DIGEST_HOUR", default=7)
CELERY_BEAT_SCHEDULE["programs-pain-alert-digest"] = {
    "task": "programs.tasks.send_pain_alert_digest",
    "schedule": crontab(hour=PAIN_ALERT_DIGEST_HOUR, minute=0),
}
