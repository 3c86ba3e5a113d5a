"""Careleaf settings: one file, every deployment choice read from the environment.

See the README's environment-variable table for what each variable does.
"""

import os
import sys
from pathlib import Path

import csp.constants as csp
import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# pytest imports these settings itself; tests must run without a production secret.
TESTING = "pytest" in sys.modules

# A local checkout's .env (`make run` writes one with DJANGO_DEBUG=true) fills in what the
# environment leaves unset: a variable set in the environment always wins over the file. Only a
# file named by CARELEAF_ENV_FILE is read, and only manage.py names the checkout's .env by itself
# (so `manage.py ...` works as documented); the WSGI and ASGI applications never do, so a
# gunicorn started in a checkout someone once ran `make run` in cannot come up in debug with the
# development secret key. Production sets its variables in the environment and has no .env. The
# test suite, and every process it starts, ignore the file: a developer's .env must not change
# what the tests see.
if TESTING:
    os.environ.setdefault("CARELEAF_ENV_FILE", "")
ENV_FILE = env.str("CARELEAF_ENV_FILE", default="")
if ENV_FILE:
    if not Path(ENV_FILE).is_file():
        raise ImproperlyConfigured(f"CARELEAF_ENV_FILE names {ENV_FILE}, which is not a file.")
    environ.Env.read_env(ENV_FILE)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(for local work set DJANGO_DEBUG=true, as the .env that `make run` writes does)."
        )
    SECRET_KEY = "django-insecure-careleaf-local-development-only"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "adminsortable2",
    "reversion",
    "django_prose_editor",
    "axes",
    "csp",
    "cms",
    "clinics",
    "media_library",
    "articles",
    "api",
    "django_tasks",
    "django_tasks_db",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that writes an API answer: brotli or gzip as the client accepts.
    "cms.lib.compression.CompressionMiddleware",
    # Content-Security-Policy on every response but static files, chosen by page (see below).
    "cms.lib.guard.ContentSecurityPolicyMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # 413 and 429 under /api/ before anything else runs (cms/guard.py).
    "cms.lib.guard.APIGuardMiddleware",
    # Before sessions and auth: a cached public response skips them.
    "api.caching.PublicAPICacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After CSRF and login: a forged action selection is a 400, not a 500 (cms/lib/admin.py).
    "cms.lib.admin.AdminSelectionGuardMiddleware",
    # Last, as its documentation asks: turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"
ASGI_APPLICATION = "cms.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that is down or hung is a quick 503, not a stuck worker: connecting gives up after
    # DJANGO_DB_CONNECT_TIMEOUT seconds, a statement after DJANGO_DB_STATEMENT_TIMEOUT (0: no limit).
    # The web entry points (cms/wsgi.py, cms/asgi.py) default it to 10 s; management commands
    # (migrate, imports, backups) run without one. PgBouncer refuses this startup option: set
    # statement_timeout on the database role there instead.
    database_options = DATABASES["default"].setdefault("OPTIONS", {})
    database_options.setdefault("connect_timeout", env.int("DJANGO_DB_CONNECT_TIMEOUT", default=5))
    statement_timeout = env.int("DJANGO_DB_STATEMENT_TIMEOUT", default=0)
    if statement_timeout:
        server_options = [database_options.get("options", ""), f"-c statement_timeout={statement_timeout}s"]
        database_options["options"] = " ".join(filter(None, server_options))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Every transaction takes the write lock when it begins (BEGIN IMMEDIATE), so a second admin
    # save of an article waits for the first (up to the 5 s busy timeout) and then reads its
    # version: a conflict is the form's message, not a 500 "database is locked" (a read lock cannot
    # be upgraded while another writer holds one).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("transaction_mode", "IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a login while it is locked out (see the lockout rules below).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Staff's permissions come from their roles in clinics, checked against each object's clinic.
    "clinics.roles.ClinicRoleBackend",
]
# Admin login lockout (django-axes with cms.lib.guard.LoginLockoutHandler; the rules and their
# trade-off are in that module's docstring). Two rules:
# - username + address: AXES_FAILURE_LIMIT wrong passwords for one username from one address (an
#   IPv6 /64) lock that pair for LOGIN_ADDRESS_COOLOFF_HOURS: stops one attacker, never locks the
#   clinician out from elsewhere. A successful login clears the pair's count.
# - username alone: LOGIN_USERNAME_FAILURE_LIMIT wrong passwords from any addresses within
#   LOGIN_USERNAME_WINDOW_HOURS lock the username everywhere for LOGIN_USERNAME_COOLOFF_MINUTES;
#   each further wrong password in the window locks it again for twice as long, at most
#   LOGIN_USERNAME_COOLOFF_MAX_MINUTES: rotating addresses get no unlimited guesses, and someone
#   tripping it on purpose locks a clinician out for minutes, not hours. Addresses the username
#   logged in from within LOGIN_KNOWN_ADDRESS_DAYS are exempt from this rule (not from the pair
#   rule); 0 turns that off. It counts axes' failure log, which is kept for the window only.
# Attempts made while locked are refused without being counted (no password is checked), so
# they neither lengthen a lockout nor raise the backoff.
AXES_HANDLER = "cms.lib.guard.LoginLockoutHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_COOLOFF_HOURS = env.float("AXES_COOLOFF_HOURS", default=1.0)
LOGIN_USERNAME_FAILURE_LIMIT = env.int("LOGIN_USERNAME_FAILURE_LIMIT", default=10)
LOGIN_USERNAME_COOLOFF_MINUTES = env.float("LOGIN_USERNAME_COOLOFF_MINUTES", default=5.0)
LOGIN_USERNAME_COOLOFF_MAX_MINUTES = env.float("LOGIN_USERNAME_COOLOFF_MAX_MINUTES", default=60.0)
LOGIN_USERNAME_WINDOW_HOURS = env.float("LOGIN_USERNAME_WINDOW_HOURS", default=24.0)
LOGIN_KNOWN_ADDRESS_DAYS = env.int("LOGIN_KNOWN_ADDRESS_DAYS", default=30)
# Callable: the length of the lockout the request met (for the lockout page).
AXES_COOLOFF_TIME = "cms.lib.guard.lockout_cooloff"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "cms.lib.guard.client_address"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# Dates and times read "30 Nov 2026, 15:28" throughout the admin (cms/formats/en/formats.py).
FORMAT_MODULE_PATH = ["cms.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded images: the filesystem (MEDIA_ROOT), or S3-compatible object storage with
# DJANGO_MEDIA_STORAGE=s3 (django-storages, `pip install -e .[s3]`; credentials from the standard
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables, read by boto3 itself).
MEDIA_STORAGE = env.str("DJANGO_MEDIA_STORAGE", default="filesystem")
if MEDIA_STORAGE == "filesystem":
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif MEDIA_STORAGE == "s3":
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default=None),
            "region_name": env.str("S3_REGION", default=None),
            # The public address files are served from (a CDN or the bucket's own domain).
            "custom_domain": env.str("S3_CUSTOM_DOMAIN", default=None),
            # Files are public pictures with random names; signed, expiring URLs would break cached JSON.
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured('DJANGO_MEDIA_STORAGE is "filesystem" (the default) or "s3".')
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        # The manifest needs `collectstatic` first; debug runs and tests serve files from the apps.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded images (media_library), through the "default" storage: files under MEDIA_ROOT, served at
# MEDIA_URL by the web server in production (by Django only in debug: cms/urls.py). S3-compatible
# storage: django-storages' backend as STORAGES["default"].
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = env.str("DJANGO_MEDIA_URL", default="/media/")
# Where the admin may load pictures from besides itself (the media origin, with object storage).
MEDIA_ORIGINS = [
    origin
    for origin in [
        "https://" + env.str("S3_CUSTOM_DOMAIN") if env.str("S3_CUSTOM_DOMAIN", default="") else "",
        env.str("S3_ENDPOINT_URL", default="") if MEDIA_STORAGE == "s3" else "",
        MEDIA_URL.split("/", 3)[0] + "//" + MEDIA_URL.split("/", 3)[2] if "://" in MEDIA_URL else "",
        # Plain AWS S3 (no custom domain, no other endpoint): the bucket's own addresses.
        *(
            [
                f"https://{env.str('S3_BUCKET')}.s3.amazonaws.com",
                f"https://{env.str('S3_BUCKET')}.s3.{env.str('S3_REGION', default='us-east-1')}"
                ".amazonaws.com",
            ]
            if MEDIA_STORAGE == "s3"
            and not env.str("S3_CUSTOM_DOMAIN", default="")
            and not env.str("S3_ENDPOINT_URL", default="")
            else []
        ),
    ]
    if origin
]
# Upload limits (media_library/uploads.py): bytes of the file, and pixels, checked on the image's
# header before it is decoded (a decompression bomb claims billions of pixels in a tiny file).
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)

# Caches: local memory per process by default; Redis (shared by every app server) with REDIS_URL.
# A dead or hung Redis is a cache miss, never an error: short timeouts, then the cache is skipped
# for a few seconds (cms/cache.py).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "cms.lib.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": False,
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
# Public API responses: kept server-side this many seconds (0: off; a content change ends them
# sooner), and what Cache-Control tells browsers and CDNs.
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=600)
# A response body larger than this is served but not kept in the response cache (api/caching.py).
API_CACHE_MAX_ENTRY_BYTES = env.int("API_CACHE_MAX_ENTRY_BYTES", default=1024 * 1024)
API_MAX_AGE = env.int("API_MAX_AGE", default=30)
API_STALE_WHILE_REVALIDATE = env.int("API_STALE_WHILE_REVALIDATE", default=60)
# Shared caches (Varnish, a CDN): purged by tag on every publication change when CDN_PURGE_BACKENDS
# is set, so they may keep responses a day; without a purge backend, as long as browsers do.
# stale-if-error: how long they may serve a stale response while the app servers are down.
CDN_PURGE_BACKENDS = env.json("CDN_PURGE_BACKENDS", default=[])
API_SHARED_MAX_AGE = env.int("API_SHARED_MAX_AGE", default=86_400 if CDN_PURGE_BACKENDS else API_MAX_AGE)
API_STALE_IF_ERROR = env.int("API_STALE_IF_ERROR", default=86_400)

# Cross-origin front ends (a site on another domain calling the API from the browser). In debug,
# the front-end dev servers on this machine's port 3000 (Next.js, Astro's and Vite's usual port)
# are allowed, matching FRONTEND_ARTICLE_URL's default; in production, only what is listed here
# and each clinic's own origins (Clinic.allowed_origins).
CORS_ALLOWED_ORIGINS = env.list(
    "CORS_ALLOWED_ORIGINS", default=["http://localhost:3000", "http://127.0.0.1:3000"] if DEBUG else []
)
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
# A browser sends If-None-Match / If-Modified-Since only after a preflight that allows them.
CORS_ALLOW_HEADERS = ["accept", "accept-language", "content-type", "if-modified-since", "if-none-match"]
# What scripts may read besides the safelisted headers: the validators and the wait after a 429.
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]

# Security: strict unless debugging. Behind a TLS-terminating proxy, set
# DJANGO_SECURE_PROXY_SSL_HEADER=true so Django trusts X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not (DEBUG or TESTING))
# Off only to try production settings over plain http on your own machine.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Content-Security-Policy (django-csp; cms.lib.guard.ContentSecurityPolicyMiddleware picks one of
# these per page). Scripts only from our own static files, nowhere inline but where listed.
# The JSON API, the schema and anything else that is not a page: nothing may load or frame it.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [csp.NONE], "frame-ancestors": [csp.NONE]}}
# The admin (and any other HTML page): its scripts, styles, fonts and images are our static files;
# select2's autocomplete calls back to the admin. The one inline script, the rich-text editor's
# import map, is allowed by its hash (added by the middleware). Styles need 'unsafe-inline': the
# editor (Tiptap) injects a <style> element, and Django's and our admin templates carry <style>
# blocks and style attributes; no script can run from them.
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.NONE],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:", *MEDIA_ORIGINS],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "form-action": [csp.SELF],
        "base-uri": [csp.NONE],
        "object-src": [csp.NONE],
        "frame-ancestors": [csp.NONE],
    }
}
# Swagger UI at /api/docs/, from drf-spectacular-sidecar's files: its inline setup script and
# style carry the request's nonce (cms/templates/drf_spectacular/swagger_ui.html); its icons are
# data: images; "Try it out" calls the API on this origin.
API_DOCS_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.NONE],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.NONCE],
        "img-src": [csp.SELF, "data:"],
        "connect-src": [csp.SELF],
        "form-action": [csp.NONE],
        "base-uri": [csp.NONE],
        "object-src": [csp.NONE],
        "frame-ancestors": [csp.NONE],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["drf_orjson_renderer.renderers.ORJSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # The public API is read-only and anonymous: no session lookup, no CSRF on every request.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "cms.lib.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cms.lib.errors.api_exception_handler",
    # The client address for rate limits and the login lockout: REMOTE_ADDR, or behind n trusted
    # proxies the n-th X-Forwarded-For address from the right; never the whole header, which the
    # client writes. An IPv6 client counts as its /64 (cms/lib/guard.py). Which n fits which
    # deployment: the README's *Client addresses*; `check --deploy` warns (careleaf.W002) when
    # a proxy header is trusted but no proxy is counted.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    # ?format= would pick a renderer; the API has one, and the strict query contract refuses it.
    "URL_FORMAT_OVERRIDE": None,
}
# Anonymous API requests per client ("600/min", "20/s"...; empty: no limit), see cms/guard.py.
API_ANON_RATE = env.str("API_ANON_RATE", default="600/min")
# The highest rate a clinic's own admins may give an API key (above it, or none: organisation admins).
API_KEY_MAX_RATE = env.str("API_KEY_MAX_RATE", default="6000/min")

SPECTACULAR_SETTINGS = {
    "TITLE": "Careleaf API",
    "DESCRIPTION": (
        "Read-only JSON API for clinic patient-education content. "
        "Only published articles are visible; drafts and scheduled articles never appear."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: no third-party CDN on a clinic's docs page.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cms.lib.schema.add_error_responses",
        # After the enum hook, which would make components of JSON-LD's one-value @type enums.
        "api.jsonld_schema.add_components",
    ],
    # Enum components named for what they are, not KindEnum/TypeEnum/StateEnum (docs/api-changelog.md).
    "ENUM_NAME_OVERRIDES": {
        "ContactLinkKind": "clinics.models.ContactLink.Kind",
        "TreatmentType": "articles.models.Article.TreatmentType",
        "ArticleState": "articles.states.State",
        "AccessibilityLevel": ["error", "warning"],
    },
}

# Editorial workflow
CLINICAL_REVIEW_INTERVAL_MONTHS = env.int("CLINICAL_REVIEW_INTERVAL_MONTHS", default=12)
# Where staff preview a draft on the real site; {token} is replaced by a signed preview token.
# Empty (the default): no front-end preview links, only the admin's own "Preview as a patient"
# (a clinic may still set its own address). A default pointing at a front end that is not
# running would hand staff links that open nothing.
FRONTEND_PREVIEW_URL = env.str("FRONTEND_PREVIEW_URL", default="")
if FRONTEND_PREVIEW_URL and "{token}" not in FRONTEND_PREVIEW_URL:
    raise ImproperlyConfigured(
        "FRONTEND_PREVIEW_URL must contain {token}, e.g. https://site.example/preview?token={token}"
    )
PREVIEW_LINK_MAX_AGE = env.int("PREVIEW_LINK_MAX_AGE", default=60 * 60)

# Medical content
# The article's page on the clinic's site, for schema.org JSON-LD; {slug} is the article's slug.
FRONTEND_ARTICLE_URL = env.str("FRONTEND_ARTICLE_URL", default="http://localhost:3000/articles/{slug}")
if "{slug}" not in FRONTEND_ARTICLE_URL:
    raise ImproperlyConfigured(
        "FRONTEND_ARTICLE_URL must contain {slug}, e.g. https://site.example/articles/{slug}"
    )
# Reading grade patient-education guidelines ask for (NIH: below 8th grade; AMA: 6th).
READABILITY_TARGET_GRADE = env.float("READABILITY_TARGET_GRADE", default=8.0)
# When true, publishing refuses an article whose reading grade is above the target.
READABILITY_BLOCKS_PUBLISHING = env.bool("READABILITY_BLOCKS_PUBLISHING", default=False)
# Spanish articles: the Szigriszt-Pazos (INFLESZ) score they should reach at least (higher is
# easier; 65 starts "bastante fácil", what patient materials should be).
READABILITY_TARGET_SZIGRISZT_PAZOS = env.float("READABILITY_TARGET_SZIGRISZT_PAZOS", default=65.0)
# The languages articles may be written in (BCP 47 code: name), e.g. "en:English,es:Spanish".
CONTENT_LANGUAGES = dict(
    item.split(":", 1) for item in env.list("CONTENT_LANGUAGES", default=["en:English", "es:Spanish"])
)
# The accessibility checks (articles/accessibility.py) that block publishing; the others warn.
# "all" blocks on every one.
ACCESSIBILITY_BLOCKING = env.list("ACCESSIBILITY_BLOCKING", default=["image_alt_missing", "image_not_found"])

# Background jobs (django-tasks): webhook deliveries, CDN purges, scheduled moments. The database
# backend keeps the queue in the app's own database, so a task is written in the same transaction
# as the change that causes it. Run the worker with `manage.py run_worker` (make run starts one).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
WORKER_POLL_SECONDS = env.float("WORKER_POLL_SECONDS", default=0.2)

# Webhooks: the public API's address, for the URLs in event payloads.
API_PUBLIC_URL = env.str("API_PUBLIC_URL", default="http://127.0.0.1:8000")
# A failing delivery is retried with growing delays for this long, then given up (admins are told).
WEBHOOK_RETRY_HOURS = env.float("WEBHOOK_RETRY_HOURS", default=24)
# Endpoints must be https on public addresses; local development may send to http and to this
# machine (a receiver on localhost). `check --deploy` warns if either is on in production.
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=DEBUG)
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=DEBUG)
# Mail (a failing webhook endpoint is reported to the organisation's admins): printed in debug.
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="careleaf@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
