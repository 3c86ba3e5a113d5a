"""Field selection: ``?fields=slug,title`` on the public list and detail endpoints.

A client that needs a few keys (a link list, a sitemap, a search box) names them, comma-separated,
and gets only those top-level keys of each item (of each result on a list: the page envelope,
count/next/previous/results, stays whole), in the order the full answer has them.

- The names are the top-level fields of that endpoint's serializer (a list's item fields on a list,
  the detail's fields on a detail), read from the serializer class, so a field added to a serializer
  can be selected at once. Nested names (``clinic.name``) are not fields of the endpoint.
- An unknown name, or an empty one (``?fields=``, ``?fields=slug,,title``), is a 400 naming it and
  listing the endpoint's fields. A name given twice is taken once. Several ``fields`` parameters
  (``?fields=slug&fields=title``, as a client exploding the array sends them) are merged.
- The article list and detail select keys from the JSON stored for each publication (parsed and
  dumped with orjson): no serializer runs, no query is added. The other endpoints select keys from
  their serializer's output.
- Each selection is its own variant for HTTP and response caches: the query string is in the ETag's
  variant and in the response cache's key (api/caching.py).
"""

import functools

import orjson
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from cms.lib.query_contract import SELECTION_PARAMETER

PARAMETER = SELECTION_PARAMETER
SELECTING_ACTIONS = frozenset({"list", "retrieve"})
_SHOWN_LENGTH = 60


@functools.cache
def field_names(serializer_class) -> tuple[str, ...]:
    """The top-level keys of ``serializer_class``'s output, in their order."""
    return tuple(serializer_class().fields)


def requested(request, serializer_class) -> tuple[str, ...] | None:
    """The fields ``?fields=`` selects, in the serializer's order; None without the parameter
    (every field). Raises ValidationError (a 400 naming ``fields``) for an unknown or empty name.

    Linear in the length of the value: a long one is a quick 400, or works if every name in it is
    a field (only the first bad name is named)."""
    values = request.query_params.getlist(PARAMETER)
    if not values:
        return None
    names = field_names(serializer_class)
    known = frozenset(names)
    chosen = set()
    for value in values:
        for name in value.split(","):
            if name not in known:
                raise ValidationError({PARAMETER: [_refusal(name, names)]})
            chosen.add(name)
    return tuple(name for name in names if name in chosen)


def _refusal(name: str, names: tuple[str, ...]) -> str:
    available = f"this endpoint has: {', '.join(names)}."
    if not name:
        return f"Empty field name (name at least one, with no empty item between commas); {available}"
    shown = repr(name)
    if len(shown) > _SHOWN_LENGTH:
        shown = f"{shown[: _SHOWN_LENGTH - 3]}..."
    hint = " Only top-level fields can be selected." if "." in name or "__" in name else ""
    return f"Unknown field {shown}; {available}{hint}"


def select_document(document: str | bytes, fields: tuple[str, ...] | None) -> bytes:
    """Stored JSON (one object) with only ``fields``, in their order: parsed and dumped, no serializer."""
    if fields is None:
        return document
    data = orjson.loads(document)
    return orjson.dumps({name: data[name] for name in fields if name in data})


def select_item(data, fields: tuple[str, ...] | None):
    """A serializer's output (one object) with only ``fields``, in their order."""
    if fields is None:
        return data
    return {name: data[name] for name in fields if name in data}


def select_page(response, fields: tuple[str, ...] | None):
    """A list response with only ``fields`` in each result; the page envelope is kept whole."""
    if fields is not None:
        data = response.data
        if isinstance(data, dict) and "results" in data:
            data["results"] = [select_item(item, fields) for item in data["results"]]
        else:  # not paginated
            response.data = [select_item(item, fields) for item in data]
    return response


def parameter(serializer_class, *, many: bool) -> OpenApiParameter:
    """The OpenAPI description of ``fields`` for an endpoint serving ``serializer_class``."""
    names = field_names(serializer_class)
    of = " of each result (the page's count, next, previous and results stay whole)" if many else ""
    return OpenApiParameter(
        PARAMETER,
        type={"type": "array", "items": {"type": "string", "enum": list(names)}, "minItems": 1},
        style="form",
        explode=False,
        description=(
            f"Only these top-level fields{of}, comma-separated: {', '.join(names)}. Keys keep their "
            "usual order; a name given twice, or in a repeated fields parameter, counts once; an unknown, "
            "empty or nested name (clinic.name) is a 400. Without it every field is present; with it, "
            "only the fields named."
        ),
    )


class FieldSelectionSchema(AutoSchema):
    """drf-spectacular: documents ``fields`` on the list and detail GETs of a viewset, from the
    serializer class each one uses."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        action = getattr(self.view, "action", None)
        if self.method == "GET" and action in SELECTING_ACTIONS:
            serializer_class = self.view.get_serializer_class()
            parameters = [*parameters, parameter(serializer_class, many=action == "list")]
        return parameters
