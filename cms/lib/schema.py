"""OpenAPI post-processing: document the error bodies every read endpoint can answer with, and the
HTTP caching contract of the public ones (validators, 304, Cache-Control, cache tags)."""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, in plain words."}},
    "required": ["detail"],
}
BAD_PARAMETERS_SCHEMA = {
    "type": "object",
    "description": "Each key names a malformed query parameter, with its messages.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"page_size": ["Must be a whole number from 1 to 100; got 'abc'."]},
}
# Not the API's answer but the HTTP server's, before Django sees the request: hence HTML, not JSON.
URI_TOO_LONG = {
    "description": (
        "The request line (path and query string) is longer than the HTTP server in front of the API "
        "accepts (gunicorn's default: 4094 bytes); that server answers, in HTML."
    ),
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def _json(schema_name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
    }


VALIDATOR_HEADERS = {
    "ETag": {
        "description": "A strong validator of this answer (its version and variant): send it back in "
        "If-None-Match to get a 304 while nothing changed.",
        "schema": {"type": "string"},
    },
    "Last-Modified": {
        "description": "When this answer last changed, in whole seconds, never later than Date.",
        "schema": {"type": "string"},
    },
}
CACHING_HEADERS = {
    **VALIDATOR_HEADERS,
    "Cache-Control": {
        "description": "public, max-age (browsers), s-maxage (shared caches, purged by tag on every "
        "change), stale-while-revalidate and stale-if-error.",
        "schema": {"type": "string"},
    },
    "Surrogate-Key": {
        "description": "Cache tags (space-separated) a CDN or Varnish purges by: the article, its clinic, "
        "its topics, and the lists it appears in.",
        "schema": {"type": "string"},
    },
    "Cache-Tag": {
        "description": "The same tags, comma-separated (Cloudflare).",
        "schema": {"type": "string"},
    },
}
CONDITIONAL_PARAMETERS = [
    {
        "in": "header",
        "name": "If-None-Match",
        "required": False,
        "description": "ETags you hold (weak comparison; * for any): a 304 if one is current.",
        "schema": {"type": "string"},
    },
    {
        "in": "header",
        "name": "If-Modified-Since",
        "required": False,
        "description": "An HTTP date: a 304 if nothing changed since (ignored when If-None-Match is sent).",
        "schema": {"type": "string"},
    },
]
NOT_MODIFIED = {
    "description": "Not modified: the copy you hold (If-None-Match / If-Modified-Since) is current. No body.",
    "headers": VALIDATOR_HEADERS,
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular hook: the errors every GET under /api/v1/ can answer with (the preview
    keeps its own 403)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["BadParameters"] = BAD_PARAMETERS_SCHEMA
    retry_after = {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 1},
        }
    }
    for path, operations in result["paths"].items():
        get = operations.get("get")
        if not path.startswith("/api/v1/") or get is None:
            continue
        responses = get.setdefault("responses", {})
        responses.setdefault(
            "400",
            _json(
                "BadParameters",
                "A query parameter is malformed or unknown to this endpoint (each key names one).",
            ),
        )
        responses.setdefault("404", _json("Error", "No such published item, or no such page."))
        responses["414"] = URI_TOO_LONG
        responses["429"] = _json("Error", "Too many requests from this client; see Retry-After.")
        responses["429"]["headers"] = retry_after
        responses["500"] = _json("Error", "Unexpected server error; it has been logged.")
        responses["503"] = _json("Error", "The service is briefly unavailable (e.g. its database).")
        responses["503"]["headers"] = retry_after
        if path.startswith("/api/v1/preview/"):
            continue  # for one person, now: private, no-store, no validators
        if "200" in responses:
            responses["200"].setdefault("headers", {}).update(CACHING_HEADERS)
        responses["304"] = NOT_MODIFIED
        names = {parameter.get("name") for parameter in get.get("parameters", [])}
        get.setdefault("parameters", []).extend(
            parameter for parameter in CONDITIONAL_PARAMETERS if parameter["name"] not in names
        )
    return result
