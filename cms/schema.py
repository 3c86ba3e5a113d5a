"""OpenAPI post-processing: document the error bodies every read endpoint can answer with."""

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


def _json(schema_name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
    }


def add_error_responses(result, generator, request, public):
    """drf-spectacular hook: 400 and 404 on every GET under /api/v1/ (the preview keeps its 403)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["BadParameters"] = BAD_PARAMETERS_SCHEMA
    for path, operations in result["paths"].items():
        get = operations.get("get")
        if not path.startswith("/api/v1/") or get is None:
            continue
        responses = get.setdefault("responses", {})
        if any(parameter.get("in") == "query" for parameter in get.get("parameters", [])):
            responses.setdefault("400", _json("BadParameters", "A query parameter is malformed."))
        responses.setdefault("404", _json("Error", "No such published item, or no such page."))
    return result
