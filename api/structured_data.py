"""schema.org JSON-LD, so search engines know the pages are medical content.

An article's page is one ``@graph``: the page (MedicalWebPage, also FAQPage when sections are
questions), the treatment it explains, the conditions that treatment helps, and the clinic that
publishes it (MedicalClinic, also the clinic detail's graph). Nodes point at each other by ``@id``;
ids are the front-end page address plus a fragment.
"""

import datetime

from django.conf import settings

from articles import codes, pictures

SCHEMA_CONTEXT = "https://schema.org"

# Contact-link kinds that are the clinic's own profiles elsewhere (schema.org sameAs).
PROFILE_KINDS = ("facebook", "instagram", "x", "linkedin", "youtube")

# Words in a clinic's free-text specialty -> schema.org MedicalSpecialty members. Checked in
# order; a specialty that maps to none (e.g. "Pain management": schema.org has no pain medicine)
# is left out rather than guessed.
SPECIALTY_KEYWORDS = [
    (("anesthes", "anaesthes"), "Anesthesia"),
    (("cardio", "heart"), "Cardiovascular"),
    (("dentist", "dental"), "Dentistry"),
    (("dermatolog", "skin"), "Dermatology"),
    (("nutrition", "dietet"), "DietNutrition"),
    (("emergency",), "Emergency"),
    (("endocrin", "diabet"), "Endocrine"),
    (("gastro",), "Gastroenterologic"),
    (("genetic",), "Genetic"),
    (("geriatric",), "Geriatric"),
    (("gynecolog", "gynaecolog"), "Gynecologic"),
    (("hematolog", "haematolog"), "Hematologic"),
    (("infectious",), "Infectious"),
    (("midwi",), "Midwifery"),
    (("musculoskeletal", "orthop"), "Musculoskeletal"),
    (("neurolog", "neurosurg"), "Neurologic"),
    (("obstetric",), "Obstetric"),
    (("oncolog", "cancer"), "Oncologic"),
    (("optometr",), "Optometric"),
    (("otolaryngolog", "ear, nose"), "Otolaryngologic"),
    (("pediatric", "paediatric"), "Pediatric"),
    (("physiotherap", "physical therap"), "Physiotherapy"),
    (("plastic surg",), "PlasticSurgery"),
    (("podiatr",), "Podiatric"),
    (("primary care", "family medicine"), "PrimaryCare"),
    (("psychiatr", "mental health"), "Psychiatric"),
    (("pulmon", "lung"), "Pulmonary"),
    (("radiolog",), "Radiography"),
    (("nephrolog", "renal", "kidney"), "Renal"),
    (("rheumatolog",), "Rheumatologic"),
    (("speech",), "SpeechPathology"),
    (("surgery", "surgical", "surgeon"), "Surgical"),
    (("urolog",), "Urologic"),
]


def medical_specialties(specialty: str) -> list[str]:
    """schema.org MedicalSpecialty members named by a clinic's free-text specialty."""
    text = specialty.lower()
    return [member for words, member in SPECIALTY_KEYWORDS if any(word in text for word in words)]


def clinic_id(clinic) -> str:
    """A stable identifier for the clinic node: its website, else a blank node."""
    return f"{clinic.website.rstrip('/')}/#clinic" if clinic.website else f"_:clinic-{clinic.slug}"


def clinic_node(clinic) -> dict:
    """The clinic as a schema.org MedicalClinic; ``contact_links`` should be prefetched."""
    node = {"@type": "MedicalClinic", "@id": clinic_id(clinic), "name": clinic.name}
    optional = {
        "description": clinic.description,
        "url": clinic.website,
        "telephone": clinic.phone,
        "email": clinic.email,
    }
    node.update({key: value for key, value in optional.items() if value})
    address = {
        "streetAddress": clinic.street_address,
        "addressLocality": clinic.city,
        "addressRegion": clinic.region,
        "postalCode": clinic.postal_code,
        "addressCountry": clinic.country,
    }
    if any(address.values()):
        node["address"] = {
            "@type": "PostalAddress",
            **{key: value for key, value in address.items() if value},
        }
    profiles = [link.url for link in clinic.contact_links.all() if link.kind in PROFILE_KINDS]
    if profiles:
        node["sameAs"] = profiles
    specialties = medical_specialties(clinic.specialty)
    if specialties:
        node["medicalSpecialty"] = [f"{SCHEMA_CONTEXT}/{member}" for member in specialties]
    return node


def clinic_jsonld(clinic) -> dict:
    return {"@context": SCHEMA_CONTEXT, "@graph": [clinic_node(clinic)]}


TREATMENT_TYPES = {
    "procedure": "TherapeuticProcedure",
    "therapy": "MedicalTherapy",
    "device": "MedicalDevice",
}
# schema.org defines contraindication on these only (not on procedures).
TYPES_WITH_CONTRAINDICATIONS = {"MedicalTherapy", "MedicalDevice"}


def content_language() -> str:
    """LANGUAGE_CODE as a BCP 47 tag: "en-us" -> "en-US"."""
    language, _, region = settings.LANGUAGE_CODE.partition("-")
    return f"{language}-{region.upper()}" if region else language


def article_language(article) -> str:
    """The article's language as a BCP 47 tag: the site's own region for the site's language
    ("en" -> "en-US" with LANGUAGE_CODE "en-us"), the bare code otherwise."""
    site = content_language()
    if not article.language or site.split("-")[0] == article.language:
        return site
    return article.language


def iso_seconds(moment: datetime.datetime) -> str:
    """ "2026-11-24T09:30:00Z": search engines need no microseconds."""
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def is_question(heading: str) -> bool:
    return heading.rstrip().endswith("?")


def article_page_url(article) -> str:
    """The article's page on its clinic's site: the graph's page node, and the API's ``page_url``."""
    return article.clinic.article_url(article.slug)


def article_jsonld(article) -> dict:
    """The graph for an article fetched with ``for_detail()``."""
    page_url = article_page_url(article)
    sections = list(article.sections.all())
    questions = [section for section in sections if is_question(section.heading)]
    treatment = treatment_node(article, page_url)
    conditions = [
        condition_node(link.condition, page_url, treatment) for link in article.article_conditions.all()
    ]

    page = {
        "@type": ["MedicalWebPage", "FAQPage"] if questions else "MedicalWebPage",
        "@id": page_url,
        "url": page_url,
        "name": article.title,
        "description": article.summary,
        "inLanguage": article_language(article),
        "medicalAudience": {"@type": "Patient"},
        "publisher": {"@id": clinic_id(article.clinic)},
    }
    if article.published_at:
        page["datePublished"] = iso_seconds(article.published_at)
    page["dateModified"] = iso_seconds(article.updated_at)
    if article.last_reviewed_on:
        page["lastReviewed"] = article.last_reviewed_on.isoformat()
    if article.reviewed_by:
        page["reviewedBy"] = reviewer_node(article.reviewed_by)
    about = [treatment] if treatment else conditions
    if about:
        page["about"] = [{"@id": node["@id"]} for node in about]
    if questions:
        page["mainEntity"] = [question_node(section) for section in questions]
    translations = getattr(article, "public_translations", [])
    source = [slug for _language, slug, is_source in translations if is_source]
    if getattr(article, "is_translation", False):
        if source:
            page["translationOfWork"] = {"@id": article.clinic.article_url(source[0])}
    elif translations:
        page["workTranslation"] = [{"@id": article.clinic.article_url(slug)} for _l, slug, _s in translations]
    images = pictures.jsonld_images(article)
    if images:
        page["image"] = images
        if article.lead_image_id in getattr(article, "public_images", {}):
            page["primaryImageOfPage"] = images[0]
    references = list(article.references.all())
    if references:
        page["citation"] = [citation_node(reference) for reference in references]

    graph = [page, *([treatment] if treatment else []), *conditions, clinic_node(article.clinic)]
    return {"@context": SCHEMA_CONTEXT, "@graph": graph}


def treatment_node(article, page_url: str) -> dict | None:
    if not article.treatment_type:
        return None
    schema_type = TREATMENT_TYPES[article.treatment_type]
    node = {"@type": schema_type, "@id": f"{page_url}#treatment", "name": article.treatment_name}
    risks = [link.risk for link in article.article_risks.all()]
    if risks:
        node["adverseOutcome"] = [entity("MedicalEntity", risk.name, risk.summary) for risk in risks]
    contraindications = [item.text for item in article.contraindications.all()]
    if contraindications and schema_type in TYPES_WITH_CONTRAINDICATIONS:
        node["contraindication"] = contraindications
    return node


# schema.org MedicalCode.codingSystem for each of ConditionCode's systems.
CODING_SYSTEMS = codes.CODING_SYSTEM_NAMES


def condition_node(condition, page_url: str, treatment: dict | None) -> dict:
    node = entity("MedicalCondition", condition.name, condition.summary)
    node["@id"] = f"{page_url}#condition-{condition.slug}"
    if treatment:
        node["possibleTreatment"] = {"@id": treatment["@id"]}
    # Prefetched where conditions are loaded for rendering (articles/snapshots.attach_topics).
    condition_codes = list(condition.codes.all()) if condition.pk is not None else []
    if condition_codes:
        node["code"] = [medical_code(code) for code in condition_codes]
    return node


def medical_code(code) -> dict:
    return {"@type": "MedicalCode", "codeValue": code.code, "codingSystem": CODING_SYSTEMS[code.system]}


def entity(schema_type: str, name: str, description: str = "") -> dict:
    node = {"@type": schema_type, "name": name}
    if description:
        node["description"] = description
    return node


def reviewer_node(reviewer) -> dict:
    node = {"@type": "Person", "name": reviewer.name}
    if reviewer.credentials:
        node["honorificSuffix"] = reviewer.credentials
    return node


def question_node(section) -> dict:
    return {
        "@type": "Question",
        "name": section.heading,
        "acceptedAnswer": {"@type": "Answer", "text": section.body_text},
    }


def citation_node(reference) -> dict:
    node = {"@type": "CreativeWork", "name": reference.title, "url": reference.link}
    if reference.doi:
        node["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": reference.doi}
    elif reference.pubmed_id:
        node["identifier"] = {"@type": "PropertyValue", "propertyID": "PMID", "value": reference.pubmed_id}
    return node
