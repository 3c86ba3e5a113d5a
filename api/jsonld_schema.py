"""The OpenAPI schema of the JSON-LD that api/structured_data.py writes: one component per schema.org
node type, built from that module's own constants (types, specialties), so the two cannot drift.

``required`` lists what every node of a type always has; the other properties appear only when the
article or clinic has a value for them (JSON-LD leaves a property out rather than writing null).
tests/test_api_contract_precision.py validates real graphs against these components.
"""

import copy

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from api.structured_data import (
    CODING_SYSTEMS,
    PROFILE_KINDS,
    SCHEMA_CONTEXT,
    SPECIALTY_KEYWORDS,
    TREATMENT_TYPES,
    TYPES_WITH_CONTRAINDICATIONS,
)

PREFIX = "JsonLd"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{PREFIX}{name}"}


def _type(*names: str) -> dict:
    return {"type": "string", "enum": list(names), "description": "The schema.org type."}


def _text(description: str, **extra) -> dict:
    return {"type": "string", "description": description, **extra}


def _list(items: dict, description: str) -> dict:
    return {"type": "array", "items": items, "minItems": 1, "description": description}


def _node(description: str, properties: dict, required: list[str]) -> dict:
    assert set(required) <= set(properties)
    return {"type": "object", "description": description, "properties": properties, "required": required}


NODE_ID = _text("The node's identifier: its page address plus a fragment, or a blank node (_:...).")

NODES = {
    "NodeReference": _node(
        "A pointer to another node of the same graph, by its @id.",
        {"@id": _text("The @id of a node in @graph.")},
        ["@id"],
    ),
    "PostalAddress": _node(
        "The clinic's address: only the parts the clinic gave.",
        {
            "@type": _type("PostalAddress"),
            "streetAddress": _text("Street and number."),
            "addressLocality": _text("Town or city."),
            "addressRegion": _text("State or region."),
            "postalCode": _text("ZIP or postal code."),
            "addressCountry": _text("Two-letter country code."),
        },
        ["@type"],
    ),
    "MedicalClinic": _node(
        "The clinic that publishes the article (or the clinic of a clinic's page).",
        {
            "@type": _type("MedicalClinic"),
            "@id": _text("The clinic's website plus #clinic, or _:clinic-{slug} without a website."),
            "name": _text("The clinic's name."),
            "description": _text("One or two sentences about the clinic."),
            "url": _text("The clinic's own website.", format="uri"),
            "telephone": _text("Main phone number."),
            "email": _text("Public email address.", format="email"),
            "address": _ref("PostalAddress"),
            "sameAs": _list(
                _text("A profile's address.", format="uri"),
                f"The clinic's profiles elsewhere (contact links of kind {', '.join(PROFILE_KINDS)}).",
            ),
            "medicalSpecialty": _list(
                {
                    "type": "string",
                    "format": "uri",
                    "enum": list(dict.fromkeys(f"{SCHEMA_CONTEXT}/{m}" for _, m in SPECIALTY_KEYWORDS)),
                },
                "schema.org MedicalSpecialty members named by the clinic's specialty.",
            ),
        },
        ["@type", "@id", "name"],
    ),
    "MedicalAudience": _node("Who the page is written for.", {"@type": _type("Patient")}, ["@type"]),
    "Person": _node(
        "The clinician who last checked the article.",
        {
            "@type": _type("Person"),
            "name": _text("Full name."),
            "honorificSuffix": _text("Qualifications, e.g. MD."),
        },
        ["@type", "name"],
    ),
    "MedicalEntity": _node(
        "A risk or side effect of the treatment.",
        {
            "@type": _type("MedicalEntity"),
            "name": _text("The risk's name."),
            "description": _text("The risk's summary."),
        },
        ["@type", "name"],
    ),
    "MedicalCode": _node(
        "One of the condition's codes.",
        {
            "@type": _type("MedicalCode"),
            "codeValue": _text('The code: ICD-10-CM dotted ("G89.4"), SNOMED CT digits.'),
            "codingSystem": {"type": "string", "enum": list(CODING_SYSTEMS.values())},
        },
        ["@type", "codeValue", "codingSystem"],
    ),
    "MedicalCondition": _node(
        "A condition the article is about.",
        {
            "@type": _type("MedicalCondition"),
            "@id": _text("The page address plus #condition-{slug}."),
            "name": _text("The condition's name."),
            "description": _text("The condition's summary."),
            "possibleTreatment": {
                **_ref("NodeReference"),
                "description": "The treatment node, when the article explains one.",
            },
            "code": _list(_ref("MedicalCode"), "The condition's codes, in order (none: left out)."),
        },
        ["@type", "@id", "name"],
    ),
    "Treatment": _node(
        "The treatment the article explains.",
        {
            "@type": _type(*TREATMENT_TYPES.values()),
            "@id": _text("The page address plus #treatment."),
            "name": _text("The treatment's usual name."),
            "adverseOutcome": _list(_ref("MedicalEntity"), "The article's risks, in order."),
            "contraindication": _list(
                _text("One reason the treatment is not safe for someone."),
                f"Who should not have it, in order (on {' and '.join(sorted(TYPES_WITH_CONTRAINDICATIONS))}"
                " only: schema.org defines it on no other type).",
            ),
        },
        ["@type", "@id", "name"],
    ),
    "Answer": _node(
        "A section's text, as plain text.",
        {"@type": _type("Answer"), "text": _text("The section's plain text.")},
        ["@type", "text"],
    ),
    "Question": _node(
        "A section whose heading is a question.",
        {
            "@type": _type("Question"),
            "name": _text("The section's heading."),
            "acceptedAnswer": _ref("Answer"),
        },
        ["@type", "name", "acceptedAnswer"],
    ),
    "PropertyValue": _node(
        "A source's DOI, else its PubMed ID.",
        {
            "@type": _type("PropertyValue"),
            "propertyID": {"type": "string", "enum": ["DOI", "PMID"]},
            "value": _text("The DOI or PubMed ID."),
        },
        ["@type", "propertyID", "value"],
    ),
    "CreativeWork": _node(
        "A source the article is based on.",
        {
            "@type": _type("CreativeWork"),
            "name": _text("The source's title."),
            "url": _text("Where to read it: its address, DOI or PubMed page.", format="uri"),
            "identifier": _ref("PropertyValue"),
        },
        ["@type", "name", "url"],
    ),
    "ImageObject": _node(
        "A picture of the article (the lead image first), as approved with this version.",
        {
            "@type": _type("ImageObject"),
            "contentUrl": _text("The largest JPEG copy's address.", format="uri"),
            "url": _text("The same address.", format="uri"),
            "width": {"type": "integer", "description": "In pixels."},
            "height": {"type": "integer", "description": "In pixels."},
            "caption": _text("The picture's caption in the library."),
            "description": _text("Its alt text (none for a decorative picture)."),
            "creditText": _text("Who made the picture."),
        },
        ["@type", "contentUrl", "url", "width", "height"],
    ),
    "MedicalWebPage": _node(
        "The article's page on the clinic's site; also an FAQPage when a section heading is a question.",
        {
            "@type": {
                "description": "MedicalWebPage, or both types when a section heading is a question.",
                "oneOf": [
                    {"type": "string", "enum": ["MedicalWebPage"]},
                    {
                        "type": "array",
                        "items": {"type": "string", "enum": ["MedicalWebPage", "FAQPage"]},
                        "minItems": 2,
                        "maxItems": 2,
                    },
                ],
            },
            "@id": _text("The page's address (the article's page_url).", format="uri"),
            "url": _text("The page's address (the article's page_url).", format="uri"),
            "name": _text("The article's title."),
            "description": _text("The article's summary."),
            "inLanguage": _text('The article\'s language, a BCP 47 tag, e.g. "en-US" or "es".'),
            "medicalAudience": _ref("MedicalAudience"),
            "publisher": {**_ref("NodeReference"), "description": "The clinic node."},
            "datePublished": _text(
                "When the article first went live, in whole seconds (UTC). Always on the public API; "
                "a preview of an article never published has none.",
                format="date-time",
            ),
            "dateModified": _text("When this version went live, in whole seconds (UTC).", format="date-time"),
            "lastReviewed": _text("When a clinician last checked the article.", format="date"),
            "reviewedBy": _ref("Person"),
            "about": _list(
                _ref("NodeReference"), "The treatment node, else the condition nodes (none: left out)."
            ),
            "mainEntity": _list(_ref("Question"), "The sections whose headings are questions."),
            "citation": _list(_ref("CreativeWork"), "The article's sources, in order."),
            "image": _list(_ref("ImageObject"), "The lead image, then the pictures in the sections."),
            "workTranslation": _list(
                _ref("NodeReference"), "On a source article: its live translations' pages."
            ),
            "translationOfWork": {
                **_ref("NodeReference"),
                "description": "On a translation: the source article's page.",
            },
            "primaryImageOfPage": _ref("ImageObject"),
        },
        [
            "@type",
            "@id",
            "url",
            "name",
            "description",
            "inLanguage",
            "medicalAudience",
            "publisher",
            "dateModified",
        ],
    ),
}

CONTEXT = {"type": "string", "enum": [SCHEMA_CONTEXT], "description": "Always schema.org."}

GRAPHS = {
    "ArticleJsonLd": {
        "type": "object",
        "description": "schema.org JSON-LD for the article's page, one @graph: the page first, then the "
        "treatment (if the article explains one), the conditions, and the clinic last.",
        "properties": {
            "@context": CONTEXT,
            "@graph": {
                "type": "array",
                "minItems": 2,
                "items": {
                    "oneOf": [
                        _ref("MedicalWebPage"),
                        _ref("Treatment"),
                        _ref("MedicalCondition"),
                        _ref("MedicalClinic"),
                    ]
                },
            },
        },
        "required": ["@context", "@graph"],
    },
    "ClinicJsonLd": {
        "type": "object",
        "description": "schema.org JSON-LD for the clinic's page: a graph of one MedicalClinic.",
        "properties": {
            "@context": CONTEXT,
            "@graph": {"type": "array", "minItems": 1, "maxItems": 1, "items": _ref("MedicalClinic")},
        },
        "required": ["@context", "@graph"],
    },
}


def components() -> dict[str, dict]:
    """{component name: schema} of every JSON-LD component."""
    return {f"{PREFIX}{name}": schema for name, schema in NODES.items()} | GRAPHS


class JsonLdField(serializers.Field):
    """The object's JSON-LD, made by ``build`` (a function of the object), typed in the OpenAPI
    schema as the ``graph`` component (ArticleJsonLd or ClinicJsonLd)."""

    def __init__(self, build, graph: str, **kwargs):
        assert graph in GRAPHS
        self.build, self.graph = build, graph
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        return self.build(value)


class JsonLdFieldExtension(OpenApiSerializerFieldExtension):
    target_class = JsonLdField

    def map_serializer_field(self, auto_schema, direction):
        return {"$ref": f"#/components/schemas/{self.target.graph}"}


def add_components(result, generator, request, public):
    """drf-spectacular hook (after postprocess_schema_enums, which would turn each one-value
    ``@type`` enum into a component of its own): the JSON-LD components the fields point at."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(copy.deepcopy(components()))
    return result
