"""schema.org JSON-LD for a clinic: the MedicalClinic node that articles name as their publisher."""

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
