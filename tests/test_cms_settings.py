"""Production settings, checked in a fresh interpreter: the test process has its own settings."""

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
