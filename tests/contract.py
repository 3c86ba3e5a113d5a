"""The public API's OpenAPI document as a test oracle (issue 15).

- ``openapi_schema()``: the schema generated in-process, exactly as /api/schema/ serves it.
- ``public_get_templates()``: every GET operation under /api/v1/, read from the schema, so an
  endpoint added later is covered without touching the tests.
- ``fill(template, api)``: the template's real addresses on the content in the database (every slug
  its list shows; a signed token for the preview).
- ``body_errors(...)``: a JSON body checked against the documented response schema with jsonschema,
  after turning OpenAPI 3.0 into JSON Schema 2020-12 (``$ref`` to components, ``nullable``) and
  making every declared object strict: a field the schema does not declare is drift, and fails.
"""

import contextlib
import copy
import datetime
import io
import json
import re
import sys
import urllib.parse
from functools import cache

import jsonschema
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from articles import previews
from articles.models import Article

API_PREFIX = "/api/v1/"
PREVIEW_PREFIX = "/api/v1/preview/"
PARAMETER = re.compile(r"\{([^}/]+)\}")
# Keywords whose values are data (or documentation), not schemas: never rewritten.
DATA_KEYWORDS = {"example", "examples", "enum", "const", "default", "description", "title", "pattern"}


@cache
def openapi_schema() -> dict:
    """The generated schema, as the JSON /api/schema/?format=json would send (plain types only)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


def public_get_templates() -> list[str]:
    """Every path template under /api/v1/ with a GET operation, the preview included."""
    paths = openapi_schema()["paths"]
    return sorted(path for path in paths if path.startswith(API_PREFIX) and "get" in paths[path])


def is_public(template: str) -> bool:
    """Public (cacheable, validated) rather than private (the preview: for one person, now)."""
    return not template.startswith(PREVIEW_PREFIX)


def operation(template: str) -> dict:
    return openapi_schema()["paths"][template]["get"]


def documented(template: str, status: int) -> dict | None:
    """The documented response for this status (or its range, or default), if any."""
    responses = operation(template)["responses"]
    return responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")


def media_types(response: dict) -> list[str]:
    return list(response.get("content", {}))


def is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def documents_paging(template: str) -> bool:
    return any(p["in"] == "query" and p["name"] == "page_size" for p in operation(template)["parameters"])


def path_parameters(template: str) -> list[str]:
    return PARAMETER.findall(template)


# --- Real addresses -------------------------------------------------------------------------------


def _list_values(api, list_path: str, field: str) -> list[str]:
    """``field`` of every item of a paginated list (all its pages), in order."""
    values, url = [], list_path
    while url:
        response = api.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code} (to fill {list_path}{{{field}}})"
        page = response.json()
        values += [item[field] for item in page["results"]]
        url = page.get("next")
    return values


def preview_tokens() -> list[str]:
    """A signed token for every article that has a saved version (a draft and a live one, in the
    demo), made by a staff member as the admin would."""
    user, _ = get_user_model().objects.get_or_create(username="contract-writer", defaults={"is_staff": True})
    tokens = []
    for article in Article.objects.order_by("pk"):
        tokens.append(previews.token_for(previews.create_link(article, by=user)))
    return tokens


def parameter_values(api, template: str, name: str) -> list[str]:
    """Real values for one path parameter: the slugs (or other key) the sibling list shows, or
    preview tokens. A parameter nobody knows how to fill fails loudly: teach this function."""
    if template.startswith(PREVIEW_PREFIX) and name == "token":
        return preview_tokens()
    # /api/v1/clinics/{slug}/ and /api/v1/clinics/{slug}/sitemap.xml: the slugs /api/v1/clinics/ lists.
    list_path = template.split("{", 1)[0]
    if list_path in openapi_schema()["paths"] and documents_paging(list_path):
        return _list_values(api, list_path, name)
    raise AssertionError(
        f"No way to fill {{{name}}} in {template}: teach tests/contract.py parameter_values() about it"
    )


def fill(template: str, api) -> list[str]:
    """Every real address of this template on the current content (the template itself if it has
    no parameters). Fails if there is none: the demo must exercise every endpoint."""
    names = path_parameters(template)
    if not names:
        return [template]
    assert len(names) == 1, f"{template}: more than one path parameter; teach fill() about it"
    values = parameter_values(api, template, names[0])
    assert values, f"{template}: the content in the database gives no value for {{{names[0]}}}"
    return [template.replace(f"{{{names[0]}}}", urllib.parse.quote(value, safe="")) for value in values]


def first_address(template: str, api) -> str:
    return fill(template, api)[0]


def missing_address(template: str) -> str | None:
    """An address of this template that does not exist: a detail with an unknown key, or a page
    past the end of a list. None for the preview (a bad token is a 403, not a 404)."""
    if not is_public(template):
        return None
    names = path_parameters(template)
    if names:
        return template.replace(f"{{{names[0]}}}", "no-such-thing-at-all")
    if documents_paging(template):
        return f"{template}?page=9999"
    return None


# --- OpenAPI 3.0 -> JSON Schema 2020-12 --------------------------------------------------------


def _exclusive_bounds(node: dict) -> None:
    # OpenAPI 3.0 (JSON Schema draft 4): a boolean that qualifies minimum/maximum.
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if node.get(exclusive) is True and bound in node:
            node[exclusive] = node.pop(bound)
        elif node.get(exclusive) is False:
            del node[exclusive]


def to_json_schema(node, *, strict: bool = True):
    """A copy of an OpenAPI 3.0 schema object as JSON Schema 2020-12.

    ``nullable: true`` becomes ``anyOf: [{"type": "null"}, <the rest>]`` (works for schemas
    without a ``type`` too: ``allOf: [$ref]`` wrappers, ``oneOf``, enums); with ``strict``, an
    object schema that declares properties and says nothing about others gets
    ``additionalProperties: false``: an undeclared field in a response then fails validation.
    (Every ``allOf`` this schema makes has a single member, so no object is split across two.)
    """
    if isinstance(node, list):
        return [to_json_schema(item, strict=strict) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        if key in DATA_KEYWORDS:
            result[key] = copy.deepcopy(value)
        elif key == "properties":
            result[key] = {name: to_json_schema(sub, strict=strict) for name, sub in value.items()}
        else:
            result[key] = to_json_schema(value, strict=strict)
    _exclusive_bounds(result)
    if strict and "properties" in result and "additionalProperties" not in result:
        result["additionalProperties"] = False
    if result.pop("nullable", False):
        annotations = {k: result.pop(k) for k in ("description", "readOnly", "title") if k in result}
        result = {"anyOf": [{"type": "null"}, result], **annotations}
    return result


@cache
def _components() -> dict:
    schemas = openapi_schema().get("components", {}).get("schemas", {})
    return {"components": {"schemas": {name: to_json_schema(s) for name, s in schemas.items()}}}


def _rfc3339_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)", value):
        return False
    datetime.datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    return True


def _uri(value) -> bool:
    # RFC 3986's absolute URI: a scheme, and no spaces; http(s) ones name a host.
    if not isinstance(value, str):
        return True
    parts = urllib.parse.urlsplit(value)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme) or re.search(r"\s", value):
        return False
    return bool(parts.netloc) if parts.scheme in ("http", "https") else bool(parts.path or parts.netloc)


FORMATS = jsonschema.FormatChecker()
FORMATS.checks("date-time", raises=ValueError)(_rfc3339_date_time)
FORMATS.checks("uri", raises=ValueError)(_uri)


def validator(schema: dict) -> jsonschema.protocols.Validator:
    """A validator for one documented response schema, its $refs resolved against the components."""
    root = {**to_json_schema(schema), **_components()}
    jsonschema.Draft202012Validator.check_schema(root)
    return jsonschema.Draft202012Validator(root, format_checker=FORMATS)


def _describe(error, depth: int = 0) -> list[str]:
    where = "/".join(str(part) for part in error.absolute_path) or "(body)"
    lines = [f"{'  ' * depth}{where}: {error.message[:300]}"]
    # Under anyOf/oneOf (every nullable field) the reason is in the context: show the deepest.
    for sub in sorted(error.context or [], key=lambda e: -len(e.absolute_path))[:3]:
        lines += _describe(sub, depth + 1)
    return lines


def body_errors(template: str, status: int, body) -> list[str]:
    """What in ``body`` the documented JSON schema for this status does not allow ([] if it fits)."""
    response = documented(template, status)
    assert response is not None, f"{template}: {status} is not documented"
    schema = response["content"]["application/json"]["schema"]
    errors = sorted(validator(schema).iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
    return [line for error in errors for line in _describe(error)]


# --- The demo content, loaded once per test module -------------------------------------------------


@contextlib.contextmanager
def demo_loaded(django_db_blocker):
    """The demo (manage.py load_demo) in a transaction around a whole test module, rolled back at
    its end: each test's own transaction is a savepoint inside it. Loading it for each of a few
    hundred parametrized tests would take minutes."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_demo", stdout=io.StringIO())
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


ROOT = "/api/v1/"


def address(template: str, client) -> str:
    """The first real address of a schema path (the API root, which the schema leaves out, as is)."""
    return template if template == ROOT else first_address(template, client)


def header_set(value: str | None) -> set[str]:
    return {item.strip().lower() for item in (value or "").split(",") if item.strip()}
