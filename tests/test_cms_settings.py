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
    # One TLS-terminating reverse proxy in front (the README's Client addresses).
    "NUM_PROXIES": "1",
    "FRONTEND_ARTICLE_URL": "https://www.clinic.example/articles/{slug}",
    "FRONTEND_PREVIEW_URL": "https://www.clinic.example/preview?token={token}",
}


def _manage(*args, **env):
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "NUM_PROXIES"
    }
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


def test_deploy_check_warns_when_a_proxy_header_is_trusted_but_no_proxy_is_counted():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "NUM_PROXIES"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **env)
    output = result.stderr + result.stdout
    assert result.returncode != 0
    assert "careleaf.W002" in output
    assert "SECURE_PROXY_SSL_HEADER" in output and "NUM_PROXIES is 0" in output


PROXY_SSL = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.parametrize(
    ("deployment", "num_proxies", "proxy_settings", "warns"),
    [
        ("direct", 0, {}, False),
        ("one proxy", 1, {"SECURE_PROXY_SSL_HEADER": PROXY_SSL}, False),
        ("cdn and proxy", 2, {"SECURE_PROXY_SSL_HEADER": PROXY_SSL}, False),
        ("a proxy, not counted", 0, {"SECURE_PROXY_SSL_HEADER": PROXY_SSL}, True),
        ("a proxy's host, not counted", 0, {"USE_X_FORWARDED_HOST": True}, True),
        ("a proxy's port, not counted", 0, {"USE_X_FORWARDED_PORT": True}, True),
        ("negative", -1, {}, True),
    ],
)
def test_the_num_proxies_check_for_each_deployment(settings, deployment, num_proxies, proxy_settings, warns):
    from cms.checks import check_num_proxies

    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": num_proxies}
    for name in ["SECURE_PROXY_SSL_HEADER", "USE_X_FORWARDED_HOST", "USE_X_FORWARDED_PORT"]:
        setattr(
            settings, name, proxy_settings.get(name, None if name == "SECURE_PROXY_SSL_HEADER" else False)
        )

    warnings = check_num_proxies(None)

    assert [warning.id for warning in warnings] == (["careleaf.W002"] if warns else [])


def test_the_num_proxies_check_runs_with_the_deploy_checks_only():
    from django.core.checks import registry

    assert "check_num_proxies" in {
        check.__name__ for check in registry.registry.get_checks(include_deployment_checks=True)
    }
    assert "check_num_proxies" not in {check.__name__ for check in registry.registry.get_checks()}


def test_production_settings_harden_cookies_transport_and_connections():
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'hsts': s.SECURE_HSTS_SECONDS, 'subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        "'proxy_ssl': s.SECURE_PROXY_SSL_HEADER, 'ssl_redirect': s.SECURE_SSL_REDIRECT,"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'conn_max_age': s.DATABASES['default']['CONN_MAX_AGE'],"
        "'health_checks': s.DATABASES['default']['CONN_HEALTH_CHECKS'],"
        "'renderers': s.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'],"
        "'validators': len(s.AUTH_PASSWORD_VALIDATORS), 'axes': 'axes' in s.INSTALLED_APPS,"
        "'axes_handler': s.AXES_HANDLER, 'num_proxies': s.REST_FRAMEWORK['NUM_PROXIES'],"
        "'csp': 'cms.lib.guard.ContentSecurityPolicyMiddleware' in s.MIDDLEWARE}))"
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
        "axes_handler": "cms.lib.guard.LoginLockoutHandler",
        "num_proxies": 1,
        "csp": True,
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


@pytest.mark.parametrize("setting", ["WEBHOOKS_ALLOW_HTTP", "WEBHOOKS_ALLOW_LOOPBACK"])
def test_deploy_check_warns_when_webhooks_may_go_to_http_or_this_machine(setting):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **(PRODUCTION_ENV | {setting: "true"}))
    output = result.stderr + result.stdout
    assert result.returncode != 0
    assert "careleaf.W003" in output and setting in output


def test_webhooks_to_http_and_this_machine_are_allowed_by_default_only_in_debug():
    code = "from django.conf import settings as s; print(s.WEBHOOKS_ALLOW_HTTP, s.WEBHOOKS_ALLOW_LOOPBACK)"
    debug = _manage("shell", "-c", code, DJANGO_DEBUG="true")
    production = _manage("shell", "-c", code, **PRODUCTION_ENV)
    # The last line: Django's shell may first say what it imported.
    assert debug.stdout.splitlines()[-1] == "True True", debug.stderr
    assert production.stdout.splitlines()[-1] == "False False", production.stderr


@pytest.mark.parametrize(
    ("backends", "words"),
    [
        ('[{"BACKEND": "akamai"}]', "akamai"),
        ('[{"BACKEND": "fastly", "API_TOKEN": "t"}]', "SERVICE_ID"),
        (
            '[{"BACKEND": "varnish", "LOCATIONS": ["http://127.0.0.1:6081"], "SOFT_PURGE": true}]',
            "SOFT_PURGE",
        ),
    ],
)
def test_check_fails_on_a_purge_backend_that_cannot_work(backends, words):
    result = _manage("check", DJANGO_DEBUG="true", CDN_PURGE_BACKENDS=backends)
    output = result.stderr + result.stdout
    assert result.returncode != 0
    assert "careleaf.E001" in output and words in output


def test_in_debug_a_front_end_dev_server_on_port_3000_may_call_the_api_and_in_production_none():
    code = "from django.conf import settings as s; print(','.join(s.CORS_ALLOWED_ORIGINS) or '-')"
    debug = _manage("shell", "-c", code, DJANGO_DEBUG="true")
    production = _manage("shell", "-c", code, **PRODUCTION_ENV)
    assert debug.stdout.splitlines()[-1] == "http://localhost:3000,http://127.0.0.1:3000", debug.stderr
    assert production.stdout.splitlines()[-1] == "-", production.stderr
