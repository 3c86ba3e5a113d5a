"""Schemathesis hooks for system_tests/test_schemathesis.py (loaded with SCHEMATHESIS_HOOKS).

One check replaces schemathesis' own response_schema_conformance: `fields=` (api/field_selection.py)
answers with only the fields asked for, while the schema's response describes the whole answer, with
every field required (which is what a client that asks for no selection relies on). OpenAPI cannot
say "required unless not selected". So:
- an answer without `fields` (or any answer but a 200) is checked by schemathesis' own check, as
  before;
- a 200 with `fields` must be exactly the whole answer cut to those fields: the same URL without
  `fields` is fetched (and that answer is checked against the schema by the same built-in check's
  logic on every case without `fields`), and the selected answer must equal it key for key, on the
  object or on each result of a page, with the page's envelope unchanged.
"""

import json
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
import schemathesis
from schemathesis.specs.openapi.checks import response_schema_conformance

PAGE_KEYS = {"count", "next", "previous", "results"}


def _selected(query) -> list[str] | None:
    value = (query or {}).get("fields")
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    return [name for item in values for name in str(item).split(",")]


def _without_fields(url: str) -> str:
    parts = urlsplit(url)
    query = [
        (name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name != "fields"
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _cut(item: dict, names: list[str]) -> dict:
    return {name: item[name] for name in item if name in names}


@schemathesis.check
def whole_or_selected_answer_conforms(ctx, response, case):
    names = _selected(case.query)
    # OPTIONS and other methods the coverage phase tries answer with their own bodies.
    if names is None or response.status_code != 200 or case.method.upper() != "GET":
        return response_schema_conformance(ctx, response, case)
    selected = json.loads(response.content)
    whole_response = requests.get(
        _without_fields(response.request.url), headers={"Accept": "application/json"}, timeout=10
    )
    assert whole_response.status_code == 200, (
        f"with fields= a 200, without it a {whole_response.status_code}: {response.request.url}"
    )
    whole = whole_response.json()
    if isinstance(whole, dict) and whole.keys() >= PAGE_KEYS and isinstance(whole.get("results"), list):
        # Page links keep the request's own parameters (fields among them): compare the rest.
        assert selected.keys() == whole.keys(), (selected.keys(), whole.keys())
        assert selected["count"] == whole["count"]
        assert [_cut(item, names) for item in whole["results"]] == selected["results"], (
            "a selected page is not the whole page cut to the fields asked for"
        )
        for item in selected["results"]:
            # A 200 means every name is a field of this endpoint (an unknown one is a 400).
            assert set(item) == set(names), f"asked for {sorted(set(names))}, got {sorted(item)}"
        return True
    assert selected == _cut(whole, names), (
        "a selected answer is not the whole answer cut to the fields asked for"
    )
    assert set(selected) == set(names), f"asked for {sorted(set(names))}, got {sorted(selected)}"
    return True


# --- Clinical codes (issue 17) -------------------------------------------------------------------
# The schema can say what an ICD-10-CM code or SNOMED CT id looks like, not which well-formed ones
# exist: a well-formed code the code set lacks is a 400 the fuzzer would take for a bug. Such a
# code is swapped for a real one of its system; malformed values are left alone (they must be 400s).

from articles import codes  # noqa: E402  (loads no Django settings; the code set loads on first use)

REAL_CODE = {codes.ICD10CM: "G89.4", codes.SNOMED: "82423001"}
CODE, CODE_SYSTEM = "mainSearchCriteria.v.c", "mainSearchCriteria.v.cs"


def _well_formed(value) -> bool:
    return (
        isinstance(value, str)
        and value.strip().isascii()
        and bool(
            codes.ICD10CM_SHAPE.fullmatch(value.strip().upper())
            or codes.SNOMED_SHAPE.fullmatch(value.strip())
        )
    )


def _real(system, value) -> bool:
    try:
        codes.normalize(system, value)
    except codes.InvalidCode:
        return False
    return True


@schemathesis.hook
def map_query(ctx, query):
    """A well-formed code the schema calls valid but the code set lacks becomes a real one."""
    if not isinstance(query, dict):
        return query
    query = dict(query)
    icd10 = query.get("icd10")
    if isinstance(icd10, str) and icd10.strip() and _well_formed(icd10) and not _real(codes.ICD10CM, icd10):
        query["icd10"] = REAL_CODE[codes.ICD10CM]
    code, system_oid = query.get(CODE), query.get(CODE_SYSTEM)
    if _well_formed(code):
        system = codes.OIDS.get(system_oid) if CODE_SYSTEM in query else codes.system_of(code)
        if system is not None and not _real(system, code):
            query[CODE] = REAL_CODE[system]
    return query
