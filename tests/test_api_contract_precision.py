"""The public API's contract, precisely: the OpenAPI schema says what the JSON really is (issue 15,
point 2), and real responses validate against it.

- JSON-LD typed per schema.org node (ArticleJsonLd, ClinicJsonLd and their JsonLd* nodes);
- the preview has its own component (published_at nullable, ``preview``);
- an absent optional value is null, never "", and the schema says nullable;
- pagination keys all required; enum components named; one description per operation;
- ``page_url`` next to ``url``; the section body's HTML allowlist documented from its constants;
- stored JSON of the old shape retired by a migration.
"""

import copy
import datetime
import functools
import importlib
import pathlib

import jsonschema
import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from api import publications
from api.jsonld_schema import components as jsonld_components
from api.models import PublicArticle, PublicDocument
from api.structured_data import SPECIALTY_KEYWORDS, TREATMENT_TYPES
from articles import previews
from articles.models import CandidateCriterion, Contraindication, Reference, Reviewer
from articles.rich_text import ALLOWED_ATTRIBUTES, ALLOWED_LINK_PREFIXES, ALLOWED_TAGS, LINK_REL
from tests.factories import (
    make_article,
    make_clinic,
    make_condition,
    make_contact_link,
    make_draft,
    make_pump,
    make_risk,
    make_section,
    republish,
)

pytestmark = pytest.mark.django_db

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


@functools.cache
def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture
def schema():
    return copy.deepcopy(_schema())


def _as_json_schema(node, *, strict: bool, in_properties: bool = False):
    """OpenAPI 3.0 schema -> JSON Schema (2020-12): nullable becomes a null alternative. ``strict``
    also forbids keys the schema does not name, so that nothing the API writes is undocumented."""
    if isinstance(node, list):
        return [_as_json_schema(item, strict=strict) for item in node]
    if not isinstance(node, dict):
        return node
    if in_properties:  # keys are property names, not keywords
        return {name: _as_json_schema(value, strict=strict) for name, value in node.items()}
    converted = {
        key: _as_json_schema(value, strict=strict, in_properties=key == "properties")
        for key, value in node.items()
        if key not in ("nullable", "example", "readOnly")
    }
    if strict and "properties" in converted and "additionalProperties" not in converted:
        converted["additionalProperties"] = False
    if node.get("nullable"):
        if "type" in converted and "enum" not in converted:
            converted["type"] = [converted["type"], "null"]
        else:
            converted = {"anyOf": [{"type": "null"}, converted]}
    return converted


def validate(schema: dict, component: str, instance, *, strict: bool = True) -> None:
    """Raise if ``instance`` does not match the OpenAPI component ``component``."""
    document = {
        "$ref": f"#/components/schemas/{component}",
        "components": _as_json_schema(schema["components"], strict=strict),
    }
    jsonschema.Draft202012Validator(document).validate(instance)


def make_full_article(**fields):
    """Every JSON-LD node type at once: a therapy with risks and contraindications, conditions, a
    question section (FAQPage), a reviewer, sources with a DOI, a PubMed ID and neither."""
    clinic = make_clinic(slug="riverside", specialty="Pain management and anaesthesia, orthopaedics")
    make_contact_link(clinic=clinic, kind="facebook", url="https://www.facebook.com/riverside", position=1)
    make_contact_link(clinic=clinic, kind="phone", label="Call us", url="tel:+17655550100", position=2)
    article = make_article(
        clinic=clinic,
        slug="nerve-blocks",
        title="Nerve blocks",
        conditions=[make_condition(slug="hip-pain"), make_condition(slug="back-pain", summary="")],
        risks=[make_risk(slug="nerve-damage"), make_risk(slug="bleeding", summary="")],
        reviewed_by=Reviewer.objects.create(name="Dr. Ada Reyes", credentials=""),
        last_reviewed_on=datetime.date(2026, 2, 10),
        treatment_type="therapy",
        treatment_name="Nerve block",
        **fields,
    )
    make_section(article=article, position=1, heading="Does it hurt?", body="<p>A <em>little</em>.</p>")
    make_section(
        article=article, position=2, heading="After", body='<p><a href="https://x.example">x</a></p>'
    )
    CandidateCriterion.objects.create(article=article, position=1, text="Other treatments have not helped.")
    Contraindication.objects.create(article=article, position=1, text="An infection at the site.")
    Reference.objects.create(article=article, position=1, title="A", doi="10.1000/xyz123")
    Reference.objects.create(article=article, position=2, title="B", pubmed_id="31234567")
    Reference.objects.create(article=article, position=3, title="C", url="https://source.example/c")
    republish(article)
    return article


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


# --- 1. Typed JSON-LD ----------------------------------------------------------------------------


def test_jsonld_fields_point_at_typed_graph_components(schema):
    schemas = schema["components"]["schemas"]
    for component, graph in [
        ("ArticleDetail", "ArticleJsonLd"),
        ("ArticlePreview", "ArticleJsonLd"),
        ("ClinicDetail", "ClinicJsonLd"),
    ]:
        field = schemas[component]["properties"]["jsonld"]
        assert field["allOf"] == [{"$ref": f"#/components/schemas/{graph}"}]
        assert "jsonld" in schemas[component]["required"]
    assert set(jsonld_components()) <= set(schemas)
    page = schemas["JsonLdMedicalWebPage"]
    assert {"@type", "@id", "url", "name", "publisher", "dateModified"} <= set(page["required"])
    assert schemas["JsonLdTreatment"]["properties"]["@type"]["enum"] == list(TREATMENT_TYPES.values())
    specialties = schemas["JsonLdMedicalClinic"]["properties"]["medicalSpecialty"]["items"]["enum"]
    assert specialties == [f"https://schema.org/{member}" for _, member in SPECIALTY_KEYWORDS]
    # drf-spectacular's enum hook must not have split the JSON-LD enums into components of their own.
    assert not [name for name in schemas if "@" in name or name.endswith("EnumJsonLd")]


def test_real_article_jsonld_validates_against_its_schema(api, schema):
    make_full_article()
    make_pump()

    for slug in ("nerve-blocks", "pump"):
        jsonld = api.get(f"/api/v1/articles/{slug}/").json()["jsonld"]
        validate(schema, "ArticleJsonLd", jsonld)
    types = {
        node["@type"] if isinstance(node["@type"], str) else tuple(node["@type"])
        for node in api.get("/api/v1/articles/nerve-blocks/").json()["jsonld"]["@graph"]
    }
    # The full article really exercised every node of the graph.
    assert types == {("MedicalWebPage", "FAQPage"), "MedicalTherapy", "MedicalCondition", "MedicalClinic"}


def test_real_clinic_jsonld_validates_against_its_schema(api, schema):
    clinic = make_clinic(slug="riverside", specialty="Cardiology", is_public=True)
    make_contact_link(clinic=clinic, kind="instagram", url="https://www.instagram.com/riverside")
    bare = make_clinic(
        slug="bare",
        description="",
        specialty="",
        city="",
        region="",
        postal_code="",
        phone="",
        email="",
        website="",
        is_public=True,
    )

    for slug in (clinic.slug, bare.slug):
        validate(schema, "ClinicJsonLd", api.get(f"/api/v1/clinics/{slug}/").json()["jsonld"])


def test_the_jsonld_schema_refuses_a_graph_that_breaks_it(api, schema):
    make_pump()
    jsonld = api.get("/api/v1/articles/pump/").json()["jsonld"]

    missing_name = copy.deepcopy(jsonld)
    del missing_name["@graph"][-1]["name"]  # the clinic's
    unknown_type = copy.deepcopy(jsonld)
    unknown_type["@graph"][0]["@type"] = "WebPage"
    undocumented = copy.deepcopy(jsonld)
    undocumented["@graph"][0]["keywords"] = "pump"

    for broken in (missing_name, unknown_type, undocumented):
        with pytest.raises(jsonschema.ValidationError):
            validate(schema, "ArticleJsonLd", broken)


def test_every_public_response_validates_against_its_component(api, schema):
    article = make_full_article()
    make_pump()
    make_clinic(slug="bare", description="", specialty="", phone="", email="", website="", is_public=True)
    condition = article.conditions.first()
    risk = article.risks.first()

    for path, component in [
        ("/api/v1/articles/", "PaginatedArticleList"),
        ("/api/v1/articles/nerve-blocks/", "ArticleDetail"),
        ("/api/v1/articles/pump/", "ArticleDetail"),
        ("/api/v1/clinics/", "PaginatedClinicList"),
        ("/api/v1/clinics/riverside/", "ClinicDetail"),
        ("/api/v1/clinics/bare/", "ClinicDetail"),
        ("/api/v1/conditions/", "PaginatedConditionList"),
        (f"/api/v1/conditions/{condition.slug}/", "ConditionDetail"),
        ("/api/v1/risks/", "PaginatedRiskList"),
        (f"/api/v1/risks/{risk.slug}/", "RiskDetail"),
    ]:
        response = api.get(path)
        assert response.status_code == 200, path
        validate(schema, component, response.json())


# --- 2. The preview's own component --------------------------------------------------------------


def test_preview_has_its_own_component_with_a_nullable_publication_time(schema):
    schemas = schema["components"]["schemas"]
    detail, preview = schemas["ArticleDetail"], schemas["ArticlePreview"]

    assert detail is not preview and detail != preview
    assert detail["properties"]["published_at"].get("nullable") is not True
    assert preview["properties"]["published_at"]["nullable"] is True
    assert "preview" not in detail["properties"]
    assert "preview" in preview["required"]
    assert set(preview["properties"]) - set(detail["properties"]) == {"preview"}

    def ok_schema(path):
        return schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]

    assert ok_schema("/api/v1/articles/{slug}/") == {"$ref": "#/components/schemas/ArticleDetail"}
    assert ok_schema("/api/v1/preview/{token}/") == {"$ref": "#/components/schemas/ArticlePreview"}


def test_a_preview_of_a_draft_validates_against_the_preview_component(api, schema, django_user_model):
    article = make_draft(slug="draft", title="Draft", sections=1)
    link = previews.create_link(article, by=django_user_model.objects.create_user("editor"))

    body = api.get(f"/api/v1/preview/{previews.token_for(link)}/").json()

    assert body["published_at"] is None
    validate(schema, "ArticlePreview", body)
    with pytest.raises(jsonschema.ValidationError):
        validate(schema, "ArticleDetail", body)


# --- 3. null, never "" ---------------------------------------------------------------------------

NULLABLE = {
    "Reference": {"doi", "pubmed_id", "accessed_on"},
    "ContactLink": {"label"},
    "Reviewer": {"credentials"},
    "ConditionWithSummary": {"summary"},
    "RiskWithSummary": {"summary"},
    "Condition": {"summary"},
    "Risk": {"summary"},
    "PostalAddress": {"street_address", "city", "region", "postal_code"},
    "ClinicProfile": {"description", "specialty", "phone", "email", "website"},
    "Clinic": {"description", "specialty", "phone", "email", "website"},
}


@pytest.mark.parametrize(("component", "fields"), NULLABLE.items())
def test_schema_says_nullable_for_every_optional_text(schema, component, fields):
    properties = schema["components"]["schemas"][component]["properties"]
    for name in fields:
        assert properties[name]["nullable"] is True, name
        assert "oneOf" not in properties[name], name  # no more "" alternative (maxLength 0)
        assert name in schema["components"]["schemas"][component]["required"]


def test_values_that_are_always_there_are_not_nullable(schema):
    schemas = schema["components"]["schemas"]
    assert "nullable" not in schemas["Article"]["properties"]["summary"]
    assert "nullable" not in schemas["Section"]["properties"]["anchor"]
    assert "nullable" not in schemas["PostalAddress"]["properties"]["country"]
    assert "nullable" not in schemas["ContactLink"]["properties"]["url"]


def test_absent_optional_values_are_null_in_every_public_response(api):
    article = make_full_article()
    make_clinic(
        slug="bare",
        description="",
        specialty="",
        street_address="",
        city="",
        region="",
        postal_code="",
        phone="",
        email="",
        website="",
        is_public=True,
    )
    bleeding = article.risks.get(slug="bleeding")

    detail = api.get("/api/v1/articles/nerve-blocks/").json()
    bare = api.get("/api/v1/clinics/bare/").json()

    assert [(r["doi"], r["pubmed_id"]) for r in detail["references"]] == [
        ("10.1000/xyz123", None),
        (None, "31234567"),
        (None, None),
    ]
    assert detail["reviewed_by"] == {"name": "Dr. Ada Reyes", "credentials": None}
    assert [link["label"] for link in detail["clinic"]["contact_links"]] == [None, "Call us"]
    assert {c["slug"]: c["summary"] for c in detail["conditions"]}["back-pain"] is None
    assert {r["slug"]: r["summary"] for r in detail["risks"]}["bleeding"] is None
    assert api.get(f"/api/v1/risks/{bleeding.slug}/").json()["summary"] is None
    for key in ("description", "specialty", "phone", "email", "website"):
        assert bare[key] is None, key
    assert bare["address"] == {
        "street_address": None,
        "city": None,
        "region": None,
        "postal_code": None,
        "country": "US",
    }
    for path in (
        "/api/v1/articles/",
        "/api/v1/articles/nerve-blocks/",
        "/api/v1/clinics/",
        "/api/v1/clinics/bare/",
        "/api/v1/conditions/",
        "/api/v1/risks/",
        f"/api/v1/risks/{bleeding.slug}/",
    ):
        assert "" not in set(_strings(api.get(path).json())), path


# --- 4. Pagination -------------------------------------------------------------------------------


def test_every_paginated_component_requires_all_four_keys(schema):
    paginated = {
        name: s for name, s in schema["components"]["schemas"].items() if name.startswith("Paginated")
    }

    assert set(paginated) == {
        "PaginatedArticleList",
        "PaginatedClinicList",
        "PaginatedConditionList",
        "PaginatedRiskList",
    }
    for component in paginated.values():
        assert sorted(component["required"]) == ["count", "next", "previous", "results"]
        assert component["properties"]["next"]["nullable"] is True
        assert component["properties"]["previous"]["nullable"] is True


def test_a_single_page_list_has_null_next_and_previous(api):
    make_pump()

    body = api.get("/api/v1/articles/").json()

    assert list(body) == ["count", "next", "previous", "results"]
    assert (body["next"], body["previous"]) == (None, None)


# --- 5. Named enums ------------------------------------------------------------------------------


def test_enum_components_are_named_for_what_they_are(schema):
    schemas = schema["components"]["schemas"]

    assert not {"KindEnum", "TypeEnum", "StateEnum"} & set(schemas)
    assert not [name for name in schemas if name.endswith("Enum")]
    assert schemas["ContactLinkKind"]["enum"][0] == "website"
    assert schemas["TreatmentType"]["enum"] == ["procedure", "therapy", "device"]
    assert "live_with_changes" in schemas["ArticleState"]["enum"]
    assert schemas["ContactLink"]["properties"]["kind"]["allOf"] == [
        {"$ref": "#/components/schemas/ContactLinkKind"}
    ]
    assert schemas["Treatment"]["properties"]["type"]["allOf"] == [
        {"$ref": "#/components/schemas/TreatmentType"}
    ]
    assert schemas["PreviewVersion"]["properties"]["state"]["allOf"] == [
        {"$ref": "#/components/schemas/ArticleState"}
    ]


# --- 6. One description per operation ------------------------------------------------------------


@pytest.mark.parametrize("collection", ["articles", "conditions", "risks", "clinics"])
def test_list_and_detail_operations_have_descriptions_of_their_own(schema, collection):
    listing = schema["paths"][f"/api/v1/{collection}/"]["get"]["description"]
    detail = schema["paths"][f"/api/v1/{collection}/{{slug}}/"]["get"]["description"]

    assert listing and detail and listing != detail
    assert "slug" in detail


# --- 7. page_url ---------------------------------------------------------------------------------


@pytest.mark.parametrize("component", ["Article", "ArticleDetail", "ArticlePreview", "ArticleLink"])
def test_schema_documents_page_url_next_to_url(schema, component):
    properties = schema["components"]["schemas"][component]["properties"]
    names = list(properties)

    assert properties["page_url"]["format"] == "uri"
    assert names.index("page_url") == names.index("url") + 1
    assert "page_url" in schema["components"]["schemas"][component]["required"]


def test_page_url_is_the_page_the_jsonld_describes_everywhere_the_article_is_listed(api):
    clinic = make_clinic(slug="own", article_url_template="https://own.example/read/{slug}")
    make_pump(clinic=clinic)
    expected = "https://own.example/read/pump"

    detail = api.get("/api/v1/articles/pump/").json()
    [item] = api.get("/api/v1/articles/").json()["results"]

    assert detail["page_url"] == item["page_url"] == expected
    assert detail["jsonld"]["@graph"][0]["@id"] == expected
    for path in ("/api/v1/clinics/own/", "/api/v1/conditions/knee-pain/", "/api/v1/risks/infection/"):
        [link] = api.get(path).json()["articles"]
        assert link["page_url"] == expected, path


def test_page_url_falls_back_to_the_installs_front_end_address(api, settings):
    settings.FRONTEND_ARTICLE_URL = "https://patients.example/a/{slug}"
    make_pump()

    assert api.get("/api/v1/articles/pump/").json()["page_url"] == "https://patients.example/a/pump"
    assert api.get("/api/v1/conditions/knee-pain/").json()["articles"][0]["page_url"] == (
        "https://patients.example/a/pump"
    )


@pytest.mark.parametrize("path", ["/api/v1/conditions/knee-pain/", "/api/v1/clinics/wabash/"])
def test_page_url_on_article_links_costs_no_query(api, path):
    knee = make_condition(slug="knee-pain")
    wabash = make_clinic(slug="wabash")
    make_article(clinic=wabash, conditions=[knee])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path).status_code == 200
        return len(captured)

    one = queries()
    for _ in range(3):
        make_article(clinic=wabash, conditions=[knee])
        make_article(clinic=make_clinic(), conditions=[knee])
    cache.clear()
    assert queries() == one


# --- 7b. Stored JSON of the old shape ------------------------------------------------------------


def test_the_migration_retires_stored_json_and_post_migrate_renders_it_again(api):
    make_pump()
    row = PublicArticle.objects.get()
    old_etag = row.etag
    # A document as stored before this change: no page_url, "" for absent values.
    stale = PublicDocument.objects.get().detail_json.replace('"page_url"', '"old_page_url"')
    PublicDocument.objects.update(detail_json=stale)
    before = api.get("/api/v1/articles/pump/")
    assert "page_url" not in before.json()
    migration = importlib.import_module("api.migrations.0005_stored_json_contract_precision")

    migration.retire_stored_json(apps, None)

    row.refresh_from_db()
    assert row.etag != old_etag
    assert PublicDocument.objects.filter(detail_json=None, summary_json=None).count() == 1
    # Readers render on the fly meanwhile: the new shape, under a new validator.
    after = api.get("/api/v1/articles/pump/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after.json()["page_url"] == "http://localhost:3000/articles/pump"
    listing_etag = api.get("/api/v1/articles/")["ETag"]
    assert publications.render_cleared() == 1
    document = PublicDocument.objects.get()
    assert '"page_url"' in document.detail_json and '"page_url"' in document.summary_json
    # What was served between the migration and the render (by old app servers still running,
    # in the old shape) is never validated, nor served from a cache keyed by those ETags.
    assert api.get("/api/v1/articles/pump/", HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 200
    assert api.get("/api/v1/articles/", HTTP_IF_NONE_MATCH=listing_etag).status_code == 200
    assert publications.render_cleared() == 0


def test_the_migration_backwards_also_retires_stored_json_for_the_older_code():
    make_pump()
    row = PublicArticle.objects.get()
    migration = importlib.import_module("api.migrations.0005_stored_json_contract_precision")
    operation = migration.Migration.operations[0]

    operation.reverse_code(apps, None)

    assert PublicArticle.objects.get().etag != row.etag
    assert PublicDocument.objects.filter(detail_json=None, summary_json=None).count() == 1


# --- 8. The section body's HTML ------------------------------------------------------------------


def test_section_body_description_lists_the_allowlist(schema):
    description = schema["components"]["schemas"]["Section"]["properties"]["body"]["description"]

    for tag in ALLOWED_TAGS:
        assert f"<{tag}>" in description
    for names in ALLOWED_ATTRIBUTES.values():
        for name in names:
            assert name in description
    for prefix in ALLOWED_LINK_PREFIXES:
        assert prefix in description
    assert LINK_REL in description


def test_rich_text_doc_names_every_allowed_tag_and_attribute():
    text = (DOCS / "rich-text.md").read_text()

    for tag in ALLOWED_TAGS:
        assert f"`<{tag}>`" in text, tag
    for names in ALLOWED_ATTRIBUTES.values():
        for name in names:
            assert f"`{name}`" in text, name
    for prefix in ALLOWED_LINK_PREFIXES:
        assert f"`{prefix}`" in text, prefix


# --- 9. The changelog ----------------------------------------------------------------------------


def test_changelog_lists_the_breaking_changes_of_v1():
    text = (DOCS / "api-changelog.md").read_text()

    assert "/api/v1/" in text
    for name in ("ContactLinkKind", "TreatmentType", "ArticleState", "KindEnum", "page_url", "null"):
        assert name in text, name
