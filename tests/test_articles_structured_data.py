"""schema.org JSON-LD on the article and clinic details: the graph, the vocabulary, and no drafts."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from api.structured_data import SPECIALTY_KEYWORDS, TREATMENT_TYPES, medical_specialties
from articles.models import Contraindication, Reference, Reviewer
from tests.factories import (
    make_article,
    make_clinic,
    make_condition,
    make_contact_link,
    make_draft,
    make_risk,
    make_section,
    republish,
)

pytestmark = pytest.mark.django_db

# Types and properties of the schema.org release, as shipped in tests/data (see its README).
VOCABULARY = json.loads((Path(__file__).parent / "data" / "schemaorg_subset.json").read_text())
SCHEMA = "https://schema.org"


@pytest.fixture(autouse=True)
def _frontend(settings):
    settings.FRONTEND_ARTICLE_URL = "https://riverside.example/articles/{slug}"


def riverside():
    clinic = make_clinic(
        name="Riverside Pain Clinic",
        slug="riverside",
        description="Pain care by the river.",
        specialty="Anesthesiology and pain medicine",
        street_address="12 Water Street",
        city="Lafayette",
        region="IN",
        postal_code="47901",
        country="US",
        phone="+1-765-555-0100",
        email="hello@riverside.example",
        website="https://riverside.example/",
    )
    make_contact_link(clinic=clinic, kind="facebook", url="https://www.facebook.com/riverside", position=1)
    make_contact_link(clinic=clinic, kind="phone", url="tel:+17655550100", position=2)
    make_contact_link(clinic=clinic, kind="instagram", url="https://www.instagram.com/riverside", position=3)
    return clinic


def nerve_block(treatment_type="procedure", **fields):
    """First published on 1 March 2026; its sections, contraindication and references added since,
    and approved now."""
    article = make_article(
        clinic=riverside(),
        title="Nerve blocks",
        slug="nerve-blocks",
        summary="How a nerve block eases pain.",
        published_at=datetime.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=datetime.UTC),
        conditions=[make_condition(name="Knee pain", slug="knee-pain", summary="Pain in the knee.")],
        risks=[
            make_risk(name="Infection", slug="infection", summary="Germs in the wound."),
            make_risk(name="Bleeding", slug="bleeding", summary=""),
        ],
        reviewed_by=Reviewer.objects.create(name="Dr. Ada Reyes", credentials="MD, pain medicine"),
        last_reviewed_on=datetime.date(2026, 2, 10),
        treatment_type=treatment_type,
        treatment_name="Genicular nerve block",
        **fields,
    )
    make_section(
        article=article,
        position=1,
        heading="What is a nerve block?",
        body="<p>A shot of <strong>numbing</strong> medicine near a nerve.</p><ul><li>It is quick.</li></ul>",
    )
    make_section(article=article, position=2, heading="Aftercare", body="<p>Rest for a day.</p>")
    make_section(article=article, position=3, heading="Does it hurt?", body="<p>Only a little.</p>")
    Contraindication.objects.create(article=article, position=1, text="An infection at the injection site.")
    Reference.objects.create(article=article, position=1, title="A trial", doi="10.1000/xyz123")
    Reference.objects.create(article=article, position=2, title="A review", pubmed_id="28042904")
    Reference.objects.create(
        article=article, position=3, title="A web page", url="https://medlineplus.gov/x.html"
    )
    republish(article)
    return article


def jsonld(api, slug="nerve-blocks"):
    response = api.get(f"/api/v1/articles/{slug}/")
    assert response.status_code == 200
    return response.json()["jsonld"]


def test_article_jsonld_is_the_whole_graph_built_from_the_approved_version(api):
    article = nerve_block()
    # Modified when the approved version went live; published when the first one did.
    live_from = article.publications.visible().get().live_from
    updated = live_from.astimezone(datetime.UTC).replace(microsecond=0).isoformat()[:19] + "Z"

    assert jsonld(api) == {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": ["MedicalWebPage", "FAQPage"],
                "@id": "https://riverside.example/articles/nerve-blocks",
                "url": "https://riverside.example/articles/nerve-blocks",
                "name": "Nerve blocks",
                "description": "How a nerve block eases pain.",
                "inLanguage": "en-US",
                "medicalAudience": {"@type": "Patient"},
                "publisher": {"@id": "https://riverside.example/#clinic"},
                "datePublished": "2026-03-01T09:30:15Z",
                "dateModified": updated,
                "lastReviewed": "2026-02-10",
                "reviewedBy": {
                    "@type": "Person",
                    "name": "Dr. Ada Reyes",
                    "honorificSuffix": "MD, pain medicine",
                },
                "about": [{"@id": "https://riverside.example/articles/nerve-blocks#treatment"}],
                "mainEntity": [
                    {
                        "@type": "Question",
                        "name": "What is a nerve block?",
                        "acceptedAnswer": {
                            "@type": "Answer",
                            "text": "A shot of numbing medicine near a nerve.\nIt is quick.",
                        },
                    },
                    {
                        "@type": "Question",
                        "name": "Does it hurt?",
                        "acceptedAnswer": {"@type": "Answer", "text": "Only a little."},
                    },
                ],
                "citation": [
                    {
                        "@type": "CreativeWork",
                        "name": "A trial",
                        "url": "https://doi.org/10.1000/xyz123",
                        "identifier": {
                            "@type": "PropertyValue",
                            "propertyID": "DOI",
                            "value": "10.1000/xyz123",
                        },
                    },
                    {
                        "@type": "CreativeWork",
                        "name": "A review",
                        "url": "https://pubmed.ncbi.nlm.nih.gov/28042904/",
                        "identifier": {"@type": "PropertyValue", "propertyID": "PMID", "value": "28042904"},
                    },
                    {"@type": "CreativeWork", "name": "A web page", "url": "https://medlineplus.gov/x.html"},
                ],
            },
            {
                "@type": "TherapeuticProcedure",
                "@id": "https://riverside.example/articles/nerve-blocks#treatment",
                "name": "Genicular nerve block",
                "adverseOutcome": [
                    {"@type": "MedicalEntity", "name": "Infection", "description": "Germs in the wound."},
                    {"@type": "MedicalEntity", "name": "Bleeding"},
                ],
            },
            {
                "@type": "MedicalCondition",
                "name": "Knee pain",
                "description": "Pain in the knee.",
                "@id": "https://riverside.example/articles/nerve-blocks#condition-knee-pain",
                "possibleTreatment": {"@id": "https://riverside.example/articles/nerve-blocks#treatment"},
            },
            {
                "@type": "MedicalClinic",
                "@id": "https://riverside.example/#clinic",
                "name": "Riverside Pain Clinic",
                "description": "Pain care by the river.",
                "url": "https://riverside.example/",
                "telephone": "+1-765-555-0100",
                "email": "hello@riverside.example",
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": "12 Water Street",
                    "addressLocality": "Lafayette",
                    "addressRegion": "IN",
                    "postalCode": "47901",
                    "addressCountry": "US",
                },
                "sameAs": ["https://www.facebook.com/riverside", "https://www.instagram.com/riverside"],
                "medicalSpecialty": ["https://schema.org/Anesthesia"],
            },
        ],
    }


@pytest.mark.parametrize(("treatment_type", "schema_type"), TREATMENT_TYPES.items())
def test_contraindications_are_emitted_only_where_schema_org_defines_them(api, treatment_type, schema_type):
    nerve_block(treatment_type=treatment_type)

    treatment = jsonld(api)["@graph"][1]

    assert treatment["@type"] == schema_type
    has_property = schema_type in VOCABULARY["properties"]["contraindication"]["domains"]
    assert ("contraindication" in treatment) == has_property
    if has_property:
        assert treatment["contraindication"] == ["An infection at the injection site."]


def test_without_a_treatment_the_page_is_about_its_conditions(api):
    clinic = make_clinic(website="")
    make_article(
        clinic=clinic,
        slug="knee-pain-explained",
        conditions=[make_condition(slug="knee-pain"), make_condition(slug="hip-pain")],
    )

    graph = jsonld(api, "knee-pain-explained")["@graph"]

    page_url = "https://riverside.example/articles/knee-pain-explained"
    assert graph[0]["@type"] == "MedicalWebPage"  # no question headings: not an FAQ page
    assert "mainEntity" not in graph[0]
    assert graph[0]["about"] == [
        {"@id": f"{page_url}#condition-knee-pain"},
        {"@id": f"{page_url}#condition-hip-pain"},
    ]
    assert [node["@type"] for node in graph] == [
        "MedicalWebPage",
        "MedicalCondition",
        "MedicalCondition",
        "MedicalClinic",
    ]
    assert all("possibleTreatment" not in node for node in graph)
    # A clinic without a website still gets an identifier the page can point at.
    assert graph[0]["publisher"] == {"@id": graph[-1]["@id"]} == {"@id": f"_:clinic-{clinic.slug}"}


def test_the_page_address_comes_from_the_frontend_article_url_setting(api, settings):
    settings.FRONTEND_ARTICLE_URL = "https://www.lafayettepaincare.example/learn/{slug}/"
    make_article(slug="pump")

    page = jsonld(api, "pump")["@graph"][0]

    assert page["@id"] == page["url"] == "https://www.lafayettepaincare.example/learn/pump/"


def test_a_frontend_article_url_without_a_slug_placeholder_stops_the_app(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import cms.settings

    monkeypatch.setenv("FRONTEND_ARTICLE_URL", "https://site.example/articles/")
    with pytest.raises(ImproperlyConfigured, match="must contain"):
        importlib.reload(cms.settings)
    monkeypatch.undo()
    importlib.reload(cms.settings)


def test_every_reference_in_the_graph_points_at_a_node_of_the_graph(api):
    nerve_block()

    graph = jsonld(api)["@graph"]

    ids = {node["@id"] for node in graph}
    references = [
        value["@id"] for value in walk_values(graph) if isinstance(value, dict) and set(value) == {"@id"}
    ]
    assert references  # publisher, about and possibleTreatment
    assert set(references) <= ids


def walk_values(value):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_values(item)


# --- The vocabulary --------------------------------------------------------------------------------


def vocabulary_errors(document) -> list[str]:
    """Every @type, property and enumeration value not in schema.org, or on a type it does not fit."""
    errors = []
    assert document["@context"] == SCHEMA
    for node in walk_values(document["@graph"]):
        if set(node) == {"@id"}:
            continue
        types = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
        applicable = set()
        for schema_type in types:
            if schema_type not in VOCABULARY["types"]:
                errors.append(f"unknown type {schema_type}")
                continue
            applicable |= {schema_type, *VOCABULARY["types"][schema_type]["superclasses"]}
        for name in node:
            if name.startswith("@"):
                continue
            if name not in VOCABULARY["properties"]:
                errors.append(f"unknown property {name}")
            elif not applicable & set(VOCABULARY["properties"][name]["domains"]):
                errors.append(f"{name} is not a property of {types}")
        for specialty in node.get("medicalSpecialty", []):
            if (
                specialty.removeprefix(SCHEMA + "/")
                not in VOCABULARY["enumeration_members"]["MedicalSpecialty"]
            ):
                errors.append(f"unknown medical specialty {specialty}")
    return errors


@pytest.mark.parametrize("treatment_type", ["", *TREATMENT_TYPES])
def test_every_type_and_property_of_an_article_graph_is_schema_org_vocabulary(api, treatment_type):
    article = nerve_block()
    article.treatment_type, article.treatment_name = treatment_type, treatment_type and "A treatment"
    article.save()
    republish(article)

    document = jsonld(api)
    assert document["@graph"][1]["@type"] == TREATMENT_TYPES.get(treatment_type, "MedicalCondition")
    assert vocabulary_errors(document) == []


def test_every_type_and_property_of_the_clinic_graph_is_schema_org_vocabulary(api):
    make_article(clinic=riverside())

    body = api.get("/api/v1/clinics/riverside/").json()

    assert body["jsonld"]["@graph"][0]["@type"] == "MedicalClinic"
    assert vocabulary_errors(body["jsonld"]) == []


def test_the_demo_content_carries_valid_jsonld(api):
    call_command("load_demo", stdout=io.StringIO())

    slugs = [article["slug"] for article in api.get("/api/v1/articles/").json()["results"]]
    assert "intrathecal-pump-implant" in slugs
    for slug in slugs:
        document = jsonld(api, slug)
        assert vocabulary_errors(document) == [], slug
        assert document["@graph"][0]["citation"], slug
    pump = jsonld(api, "intrathecal-pump-implant")["@graph"]
    assert pump[1] | {"adverseOutcome": None, "contraindication": None} == {
        "@type": "MedicalTherapy",
        "@id": "https://riverside.example/articles/intrathecal-pump-implant#treatment",
        "name": "Intrathecal drug delivery (pain pump)",
        "adverseOutcome": None,
        "contraindication": None,
    }
    assert len(pump[1]["adverseOutcome"]) == 6
    clinic = api.get("/api/v1/clinics/lafayette-pain-care/").json()["jsonld"]
    assert vocabulary_errors(clinic) == []
    assert clinic["@graph"][0]["sameAs"] == ["https://www.facebook.com/LafayettePainCare-placeholder"]


def test_the_specialty_words_map_only_to_schema_org_medical_specialties():
    members = set(VOCABULARY["enumeration_members"]["MedicalSpecialty"])
    assert {member for _, member in SPECIALTY_KEYWORDS} <= members
    assert medical_specialties("Pain management") == []  # schema.org has no pain medicine: left out
    assert medical_specialties("Anesthesiology and pain medicine") == ["Anesthesia"]
    assert medical_specialties("Orthopedic surgery") == ["Musculoskeletal", "Surgical"]


# --- Drafts ----------------------------------------------------------------------------------------


def test_drafts_never_appear_in_any_jsonld(api):
    clinic = riverside()
    shared = make_condition(name="Knee pain", slug="knee-pain")
    make_article(clinic=clinic, slug="public", conditions=[shared])
    draft = make_draft(
        clinic=clinic,
        title="Secret draft plan",
        slug="secret-draft",
        conditions=[shared, make_condition(name="Secret condition")],
        treatment_type="therapy",
        treatment_name="Secret therapy",
    )
    make_section(article=draft, heading="Secret question?", body="<p>Secret answer.</p>")

    assert api.get("/api/v1/articles/secret-draft/").status_code == 404
    documents = [jsonld(api, "public"), api.get("/api/v1/clinics/riverside/").json()["jsonld"]]
    assert "Secret" not in json.dumps(documents)
    assert "secret-draft" not in json.dumps(documents)
