"""Content-Security-Policy (django-csp, cms.lib.guard.ContentSecurityPolicyMiddleware): one policy
per kind of page. The browser tests check that the editor and Swagger UI still work under it."""

import base64
import hashlib
import re

import pytest

from tests.factories import make_pump
from tests.test_api_caching import wsgi_get

pytestmark = pytest.mark.django_db

# django-csp writes the directives in no fixed order: compare them parsed.
STRICT = {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}
SCRIPT = re.compile(r"<script(?P<attributes>[^>]*)>(?P<body>.*?)</script>", re.DOTALL)
STYLE = re.compile(r"<style(?P<attributes>[^>]*)>", re.DOTALL)
EVENT_HANDLER_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def policy(response_or_header) -> dict[str, list[str]]:
    header = response_or_header
    if not isinstance(header, str):
        header = response_or_header["Content-Security-Policy"]
    return {name: values for name, *values in (directive.split() for directive in header.split("; "))}


def sha256(text: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


def inline_scripts(html: str) -> list[tuple[str, str]]:
    """(attributes, body) of every inline script the browser runs (JSON data blocks do not run)."""
    return [
        (match["attributes"], match["body"])
        for match in SCRIPT.finditer(html)
        if "src=" not in match["attributes"] and 'type="application/json"' not in match["attributes"]
    ]


@pytest.mark.parametrize(
    "path", ["/api/v1/", "/api/v1/articles/", "/api/v1/articles/pump/", "/api/schema/", "/api/v1/nowhere/"]
)
def test_the_json_api_may_load_nothing_and_be_framed_by_nothing(api, path):
    make_pump()
    response = api.get(path)

    assert policy(response) == STRICT
    assert "Content-Security-Policy-Report-Only" not in response


def test_refusals_before_any_view_carry_the_strict_policy_too(api, settings):
    settings.API_ANON_RATE = "1/min"
    api.get("/api/v1/", REMOTE_ADDR="203.0.113.7")
    refused = api.get("/api/v1/", REMOTE_ADDR="203.0.113.7")

    assert refused.status_code == 429
    assert policy(refused) == STRICT


def test_responses_from_the_response_cache_keep_the_policy():
    make_pump()
    first = wsgi_get("/api/v1/articles/pump/", REMOTE_ADDR="203.0.113.7")
    cached = wsgi_get("/api/v1/articles/pump/", REMOTE_ADDR="203.0.113.7")

    assert first["status"] == cached["status"] == 200
    assert policy(first["headers"]["content-security-policy"]) == STRICT
    assert policy(cached["headers"]["content-security-policy"]) == STRICT


ADMIN_PAGES = [
    "/admin/",
    "/admin/articles/article/",
    "/admin/articles/article/add/",
    "/admin/articles/article/{pump}/change/",
    "/admin/articles/article/{pump}/history/",
    "/admin/auth/user/",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_run_only_our_own_scripts(staff_client, path):
    pump = make_pump()
    response = staff_client.get(path.format(pump=pump.pk))
    html = response.content.decode()
    directives = policy(response)

    assert response.status_code == 200
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"][0] == "'self'"
    # Nothing inline runs but what a hash names: no 'unsafe-inline', no eval, no nonce to reuse.
    assert all(source.startswith("'sha256-") for source in directives["script-src"][1:])
    for attributes, body in inline_scripts(html):
        assert sha256(body) in directives["script-src"], attributes
    assert not EVENT_HANDLER_ATTRIBUTE.search(html)
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["object-src"] == directives["base-uri"] == ["'none'"]
    assert directives["connect-src"] == directives["font-src"] == ["'self'"]


def test_the_editor_import_map_is_the_one_inline_script_and_its_hash_is_allowed(staff_client):
    pump = make_pump()
    response = staff_client.get(f"/admin/articles/article/{pump.pk}/change/")
    scripts = inline_scripts(response.content.decode())

    assert [attributes.strip() for attributes, _ in scripts] == ['type="importmap"']
    assert "django-prose-editor/editor" in scripts[0][1]
    assert policy(response)["script-src"] == ["'self'", sha256(scripts[0][1])]


def test_the_login_and_lockout_pages_have_the_admin_policy(client):
    login = client.get("/admin/login/")

    assert policy(login)["script-src"][0] == "'self'"
    assert policy(login)["default-src"] == ["'none'"]


def test_the_api_docs_allow_their_inline_setup_by_a_fresh_nonce(client):
    first, second = client.get("/api/docs/"), client.get("/api/docs/")
    html = first.content.decode()
    directives = policy(first)
    nonce = directives["script-src"][1].removeprefix("'nonce-").removesuffix("'")

    assert first.status_code == 200
    assert directives["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert directives["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert directives["default-src"] == directives["frame-ancestors"] == ["'none'"]
    assert directives["connect-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    scripts = inline_scripts(html)
    assert len(scripts) == 1 and "SwaggerUIBundle(" in scripts[0][1]
    assert f'nonce="{nonce}"' in scripts[0][0]
    assert [match["attributes"].strip() for match in STYLE.finditer(html)] == [f'nonce="{nonce}"']
    # Swagger UI's files are ours (drf-spectacular-sidecar), not a CDN's.
    assert re.findall(r'src="([^"]+)"', html) == [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
    ]
    assert policy(second)["script-src"] != directives["script-src"]
