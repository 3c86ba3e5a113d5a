"""Careleaf's production settings plus the bench's reference views. Never used by the app."""

import os
import warnings

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

from cms.settings import *  # noqa: E402,F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
LOGGING = {"version": 1, "disable_existing_loggers": False}

# WhiteNoise warns that collectstatic has not run; the bench serves no static files.
warnings.filterwarnings("ignore", message="No directory at")

# The bench is one client hammering the API on purpose: no rate limit.
API_ANON_RATE = ""
