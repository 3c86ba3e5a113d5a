"""The live API against its OpenAPI schema (issue 15), on the demo content.

Every GET operation under /api/v1/ is read from the generated schema (tests/contract.py), so an
endpoint added later is covered here without a new test; its addresses are filled with the demo's
real slugs (every one its list shows) and real preview tokens. Each answer must have a documented
status, the documented content type and headers, and a JSON body that the documented schema
accepts with no field it does not declare (additionalProperties: false on every declared object):
a serializer that grows, renames or nulls a field without the schema saying so fails here.
"""

import json

import pytest

from tests import contract
from tests.test_api_caching import wsgi_get

pytestmark = pytest.mark.django_db

TEMPLATES = contract.public_get_templates()
PUBLIC = [template for template in TEMPLATES if contract.is_public(template)]
PRIVATE = [template for template in TEMPLATES if not contract.is_public(template)]
# Every public address that can be missing: a detail (an unknown key) or a list (a page past the end).
MISSABLE = [template for template in PUBLIC if contract.missing_address(template) is not None]
UNKNOWN_PARAMETER = "no_such_parameter"


def media_type(response) -> str:
    return response.get("Content-Type", "").split(";", 1)[0].strip().lower()


def check_response(template: str, url: str, response) -> None:
    """Status, content type, headers and body of one live answer, against the schema."""
    status = response.status_code
    documented = contract.documented(template, status)
    assert documented is not None, f"GET {url}: {status} is not a documented response of {template}"
    types = contract.media_types(documented)
    if not types:
        assert response.content == b"", f"GET {url}: {status} documents no body but has one"
    else:
        assert media_type(response) in types, f"GET {url}: {status} is {media_type(response)!r}, not {types}"
    for name, header in documented.get("headers", {}).items():
        assert name in response, f"GET {url}: {status} documents the {name} header; it is missing"
        if header.get("schema", {}).get("type") == "integer":
            assert response[name].strip().isdigit(), f"GET {url}: {name}: {response[name]!r} is no integer"
    if status == 200 and contract.is_public(template):
        for name in ("ETag", "Cache-Control"):
            assert name in documented.get("headers", {}), f"{template}: 200 does not document {name}"
            assert response.get(name), f"GET {url}: a public 200 without {name}"
    if types and contract.is_json(media_type(response)):
        errors = contract.body_errors(template, status, json.loads(response.content))
        assert not errors, f"GET {url} ({status}) does not match its schema:\n" + "\n".join(errors)
    # Anything else (sitemaps, feeds): the documented content type is the contract; not the body.


def test_the_schema_has_public_get_operations_to_check():
    assert PUBLIC, "no public GET operation under /api/v1/ in the schema"
    assert PRIVATE == ["/api/v1/preview/{token}/"]


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_live_answer_matches_its_documented_schema(api, demo, template):
    urls = contract.fill(template, api)
    if contract.documents_paging(template) and not contract.path_parameters(template):
        # Small pages, so that next and previous are links, not nulls.
        urls += [f"{template}?page_size=1", f"{template}?page_size=1&page=2"]
    for url in urls:
        check_response(template, url, api.get(url))


@pytest.mark.parametrize("template", PUBLIC)
def test_every_public_answer_gives_a_documented_304_to_its_own_etag(api, demo, template):
    for url in contract.fill(template, api):
        first = api.get(url)
        assert first.status_code == 200, url
        response = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert response.status_code == 304, f"GET {url} with its own ETag: {response.status_code}"
        check_response(template, url, response)
        assert response["ETag"] == first["ETag"]


@pytest.mark.parametrize("template", TEMPLATES)
def test_an_unknown_parameter_is_a_documented_400_that_names_it(api, demo, template):
    url = f"{contract.first_address(template, api)}?{UNKNOWN_PARAMETER}=1"
    response = api.get(url)
    assert response.status_code == 400, f"GET {url}: {response.status_code}"
    check_response(template, url, response)
    assert UNKNOWN_PARAMETER in response.json()


@pytest.mark.parametrize("template", MISSABLE)
def test_a_missing_item_or_page_is_a_documented_404(api, demo, template):
    url = contract.missing_address(template)
    response = api.get(url)
    assert response.status_code == 404, f"GET {url}: {response.status_code}"
    check_response(template, url, response)


@pytest.mark.parametrize("template", PRIVATE)
@pytest.mark.parametrize("token", ["garbage", "x" * 40])
def test_a_refused_preview_token_is_a_documented_answer(api, demo, template, token):
    url = template.replace("{token}", token)
    response = api.get(url)
    assert response.status_code in (403, 404), f"GET {url}: {response.status_code}"
    check_response(template, url, response)


def test_the_strict_check_catches_an_undeclared_field(api, demo):
    """The contract check itself: a body with one field more than the schema declares, or a null
    the schema does not allow, fails."""
    template = "/api/v1/articles/{slug}/"
    body = api.get(contract.first_address(template, api)).json()
    assert contract.body_errors(template, 200, body) == []
    assert contract.body_errors(template, 200, {**body, "surprise": 1})
    assert contract.body_errors(template, 200, {**body, "clinic": {**body["clinic"], "surprise": 1}})
    assert contract.body_errors(template, 200, {**body, "title": None})
    without_title = {key: value for key, value in body.items() if key != "title"}
    assert contract.body_errors(template, 200, without_title)
    # A nullable field takes null and its documented type, nothing else.
    assert contract.body_errors(template, 200, {**body, "last_reviewed_on": None}) == []
    assert contract.body_errors(template, 200, {**body, "last_reviewed_on": "yesterday"})
    assert contract.body_errors(template, 200, {**body, "url": "not a uri"})


@pytest.mark.parametrize("template", PUBLIC)
def test_a_response_cache_hit_keeps_the_documented_status_headers_and_body(api, demo, template):
    """What the WSGI response cache serves without entering Django is held to the same contract."""
    url = contract.first_address(template, api)
    rendered = api.get(url)
    miss, hit = wsgi_get(url), wsgi_get(url)
    for served in (miss, hit):
        assert served["status"] == 200, url
        assert served["body"] == rendered.content, f"GET {url}: the WSGI stack serves another body"
        for name in contract.documented(template, 200).get("headers", {}):
            assert name.lower() in served["headers"], f"GET {url}: a cached 200 without {name}"
        assert served["headers"]["content-type"] == rendered["Content-Type"]
    assert hit["headers"] == miss["headers"]
