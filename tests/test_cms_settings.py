"""Production settings, checked in a fresh interpreter: the test process has its own settings."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x9!" + "k" * 60 + "-production-like-secret",
    "DJANGO_ALLOWED_HOSTS": "api.clinic.example",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "true",
    "FRONTEND_ARTICLE_URL": "https://www.clinic.example/articles/{slug}",
    "FRONTEND_PREVIEW_URL": "https://www.clinic.example/preview?token={token}",
}


def _manage(*args, **env):
    base = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_deploy_check_warns_about_front_end_addresses_left_at_localhost():
    env = PRODUCTION_ENV | {"FRONTEND_ARTICLE_URL": "http://localhost:3000/articles/{slug}"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "careleaf.W001" in result.stderr + result.stdout
    assert "FRONTEND_ARTICLE_URL" in result.stderr + result.stdout


def test_production_settings_harden_cookies_transport_and_connections():
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'hsts': s.SECURE_HSTS_SECONDS, 'subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        "'proxy_ssl': s.SECURE_PROXY_SSL_HEADER, 'ssl_redirect': s.SECURE_SSL_REDIRECT,"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'conn_max_age': s.DATABASES['default']['CONN_MAX_AGE'],"
        "'health_checks': s.DATABASES['default']['CONN_HEALTH_CHECKS'],"
        "'renderers': s.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'],"
        "'validators': len(s.AUTH_PASSWORD_VALIDATORS), 'axes': 'axes' in s.INSTALLED_APPS}))"
    )
    result = _manage("shell", "-c", script, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "debug": False,
        "hsts": 31_536_000,
        "subdomains": True,
        "proxy_ssl": ["HTTP_X_FORWARDED_PROTO", "https"],
        "ssl_redirect": True,
        "session_secure": True,
        "csrf_secure": True,
        "conn_max_age": 60,
        "health_checks": True,
        # JSON only: the browsable API is a debugging aid, not a public page.
        "renderers": ["drf_orjson_renderer.renderers.ORJSONRenderer"],
        "validators": 4,
        "axes": True,
    }


@pytest.mark.django_db
def test_api_answers_cross_origin_requests_from_configured_front_ends(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://site.example"]
    allowed = client.get("/api/v1/", HTTP_ORIGIN="https://site.example")
    other = client.get("/api/v1/", HTTP_ORIGIN="https://elsewhere.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://site.example"
    assert "Access-Control-Allow-Origin" not in other


def test_cross_origin_headers_are_limited_to_the_api(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://site.example"]
    response = client.get("/admin/login/", HTTP_ORIGIN="https://site.example")
    assert "Access-Control-Allow-Origin" not in response
