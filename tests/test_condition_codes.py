"""Coded conditions (issue 17, point 4): ICD-10-CM codes checked against the current code set
(simple-icd-10-cm), SNOMED CT concept ids checked for their form, in the admin, the API (`codes`,
`?icd10=`) and the JSON-LD (MedicalCode); a code change re-renders what shows the condition."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api import publications
from api.models import PublicArticle, PublicDocument
from articles import codes
from articles.models import ConditionCode, Publication
from tests.admin_forms import add_rows, form_data
from tests.factories import make_article, make_clinic, make_condition, make_draft, make_risk, make_staff

pytestmark = pytest.mark.django_db

ARTICLES = "/api/v1/articles/"


def snomed_with_check_digit(stem: str) -> str:
    """``stem`` with the Verhoeff check digit that makes it valid."""
    return next(stem + digit for digit in "0123456789" if codes.verhoeff_valid(stem + digit))


# --- ICD-10-CM ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("G89.4", "G89.4"),
        ("G894", "G89.4"),
        (" g89.4 ", "G89.4"),
        ("G89.29", "G89.29"),
        ("M96.1", "M96.1"),
        ("S72001A", "S72.001A"),  # a 7th-character extension
        # A category with children: accepted on a condition and for searching (see articles/codes.py).
        ("G89", "G89"),
        ("G89.2", "G89.2"),  # a subcategory that is not billable
    ],
)
def test_icd10cm_codes_of_the_current_code_set_are_accepted_and_normalised(value, normalised):
    assert codes.normalize_icd10cm(value) == normalised


@pytest.mark.parametrize(
    "value",
    [
        "G89.9",  # well-formed, but the code set has no such code
        "XYZ",
        "G89.",
        "G89-G99",  # a block: a heading, not a code
        "6",  # a chapter
        "G89.4.1",
        "ı10",  # "ı".upper() is "I": not ASCII, not a code
        "",
        "G" * 40,
    ],
)
def test_other_icd10cm_values_are_refused(value):
    with pytest.raises(codes.InvalidCode):
        codes.normalize_icd10cm(value)


def test_a_category_has_children_in_the_code_set():
    assert codes.icd10cm_prefix("G89") == "G89."
    assert codes.icd10cm_prefix("G89.2") == "G89.2"
    assert codes.icd10cm_ancestors("S72.001A") == ["S72.001", "S72.00", "S72.0", "S72"]
    assert codes.icd10cm_ancestors("G89") == []


# --- SNOMED CT ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["82423001", "22298006", "279039007", "900000000000207008"])
def test_snomed_concept_ids_pass_the_format_check(value):
    assert codes.normalize_snomed(f" {value} ") == value


@pytest.mark.parametrize(
    "value",
    [
        "82423002",  # wrong check digit
        "12345",  # too short
        "1" * 19,  # too long
        "082423001",  # leading zero
        "8242300l",
        "８２４２３００１",  # other scripts' digits
        snomed_with_check_digit("8242301"),  # partition 01: a description id, not a concept
        snomed_with_check_digit("8242302"),  # partition 02: a relationship id
    ],
)
def test_other_snomed_values_are_refused(value):
    with pytest.raises(codes.InvalidCode):
        codes.normalize_snomed(value)


# --- The model and the admin ------------------------------------------------------------------------


def test_a_saved_icd10cm_code_is_normalised_and_described_from_the_code_set():
    code = ConditionCode.objects.create(condition=make_condition(), code="g894")
    assert (code.system, code.code, code.display) == ("icd10cm", "G89.4", "Chronic pain syndrome")
    snomed = ConditionCode.objects.create(condition=code.condition, system="snomed", code="82423001")
    assert snomed.display == ""
    kept = ConditionCode.objects.create(condition=make_condition(), code="M96.1", display="Failed back")
    assert kept.display == "Failed back"


def test_full_clean_refuses_a_code_not_in_the_code_set():
    code = ConditionCode(condition=make_condition(), code="G89.9")
    with pytest.raises(ValidationError) as refused:
        code.full_clean()
    assert "not in the current ICD-10-CM code set" in str(refused.value.message_dict["code"])


def change_page(condition) -> str:
    return reverse("admin:articles_condition_change", args=[condition.pk])


def test_the_admin_adds_codes_to_a_condition(staff_client):
    condition = make_condition()
    data = add_rows(
        form_data(staff_client.get(change_page(condition))),
        "codes",
        [
            {"system": "icd10cm", "code": "g894", "display": "", "position": "1"},
            {"system": "snomed", "code": "82423001", "display": "Chronic pain", "position": "2"},
        ],
    )
    response = staff_client.post(change_page(condition), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [(c.system, c.code, c.display) for c in condition.codes.all()] == [
        ("icd10cm", "G89.4", "Chronic pain syndrome"),
        ("snomed", "82423001", "Chronic pain"),
    ]


@pytest.mark.parametrize(
    ("system", "code", "message"),
    [
        ("icd10cm", "G89.9", "G89.9 is not in the current ICD-10-CM code set."),
        ("icd10cm", "XYZ", "is not an ICD-10-CM code"),
        ("snomed", "82423002", "its last digit is not its check digit"),
        ("snomed", "G89.4", "is not a SNOMED CT id"),
    ],
)
def test_the_admin_explains_a_refused_code(staff_client, system, code, message):
    condition = make_condition()
    data = add_rows(
        form_data(staff_client.get(change_page(condition))),
        "codes",
        [{"system": system, "code": code, "display": "", "position": "1"}],
    )
    response = staff_client.post(change_page(condition), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not condition.codes.exists()


def test_the_same_code_twice_is_a_form_error_not_a_database_error(staff_client):
    condition = make_condition()
    data = add_rows(
        form_data(staff_client.get(change_page(condition))),
        "codes",
        [
            {"system": "icd10cm", "code": "G89.4", "display": "", "position": "1"},
            {"system": "icd10cm", "code": "G894", "display": "", "position": "2"},
        ],
    )
    response = staff_client.post(change_page(condition), data)
    assert response.status_code == 200
    assert "Please correct the duplicate data" in response.content.decode()
    assert not condition.codes.exists()


def test_clinic_staff_see_but_cannot_change_a_shared_conditions_codes(client):
    condition = make_condition()
    ConditionCode.objects.create(condition=condition, code="G89.4")
    client.force_login(make_staff(make_clinic())["cora"])  # one clinic's admin, not the organisation's
    page = client.get(change_page(condition))
    assert page.status_code == 200
    assert "G89.4" in page.content.decode()
    assert 'name="codes-0-code"' not in page.content.decode()


# --- The API and the JSON-LD -------------------------------------------------------------------------


@pytest.fixture
def coded():
    """A live article about cancer pain (G89.3, SNOMED 82423001) and one about chronic pain
    syndrome (G89.4); a draft about G89.4 too."""
    cancer_pain = make_condition(slug="cancer-pain", name="Cancer pain")
    ConditionCode.objects.create(condition=cancer_pain, code="G89.3", position=1)
    ConditionCode.objects.create(condition=cancer_pain, system="snomed", code="82423001", position=2)
    chronic = make_condition(slug="chronic-pain", name="Chronic pain syndrome")
    ConditionCode.objects.create(condition=chronic, code="G89.4")
    uncoded = make_condition(slug="knee-pain", name="Knee pain")
    return {
        "pump": make_article(slug="pump", conditions=[cancer_pain], sections=1, treatment_type="device",
                             treatment_name="Intrathecal pump"),
        "scs": make_article(slug="scs", conditions=[chronic, uncoded]),
        "knee": make_article(slug="knee", conditions=[uncoded]),
        "draft": make_draft(slug="draft", conditions=[chronic]),
    }  # fmt: skip


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(item["slug"] for item in response.json()["results"])


def test_conditions_show_their_codes_in_the_list_detail_and_article(api, coded):
    expected = [
        {"system": "icd10cm", "code": "G89.3", "display": "Neoplasm related pain (acute) (chronic)"},
        {"system": "snomed", "code": "82423001", "display": None},
    ]
    listed = {item["slug"]: item for item in api.get("/api/v1/conditions/").json()["results"]}
    assert listed["cancer-pain"]["codes"] == expected
    assert listed["knee-pain"]["codes"] == []
    assert api.get("/api/v1/conditions/cancer-pain/").json()["codes"] == expected
    article = api.get(f"{ARTICLES}pump/").json()
    assert article["conditions"][0]["codes"] == expected
    # Risks have none.
    make_article(risks=[make_risk(slug="infection")])
    assert "codes" not in api.get("/api/v1/risks/infection/").json()


def test_the_condition_list_reads_codes_in_one_query_for_the_page(api, coded):
    for number in range(5):
        condition = make_condition()
        ConditionCode.objects.create(condition=condition, code=f"G89.{number if number != 0 else 4}")
        make_article(conditions=[condition])
    api.get("/api/v1/conditions/")  # warm the caches that are not the point
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/conditions/?page_size=2")
    with CaptureQueriesContext(connection) as many:
        api.get("/api/v1/conditions/?page_size=8")
    assert len(many) == len(few)


def test_rendering_reads_every_conditions_codes_in_one_query():
    for _ in range(4):
        condition = make_condition()
        ConditionCode.objects.create(condition=condition, code="G89.4")
        make_article(conditions=[condition, make_condition()])
    PublicDocument.objects.update(detail_json=None, summary_json=None)
    ids = list(PublicArticle.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as two:
        publications.render(Publication.objects.filter(pk__in=ids[:2]))
    with CaptureQueriesContext(connection) as four:
        publications.render(Publication.objects.filter(pk__in=ids))
    assert len(four) == len(two)


def test_the_jsonld_condition_carries_its_codes(api, coded):
    graph = api.get(f"{ARTICLES}pump/").json()["jsonld"]["@graph"]
    condition = next(node for node in graph if node["@type"] == "MedicalCondition")
    assert condition["code"] == [
        {"@type": "MedicalCode", "codeValue": "G89.3", "codingSystem": "ICD-10-CM"},
        {"@type": "MedicalCode", "codeValue": "82423001", "codingSystem": "SNOMED-CT"},
    ]
    knee = api.get(f"{ARTICLES}knee/").json()["jsonld"]["@graph"]
    assert all("code" not in node for node in knee if node["@type"] == "MedicalCondition")


def test_a_code_added_or_deleted_reaches_the_stored_json(api, coded):
    chronic = coded["scs"].conditions.get(slug="chronic-pain")
    etag = api.get(f"{ARTICLES}scs/")["ETag"]
    added = ConditionCode.objects.create(condition=chronic, system="snomed", code="279039007")
    detail = api.get(f"{ARTICLES}scs/")
    assert detail["ETag"] != etag
    assert [code["code"] for code in detail.json()["conditions"][0]["codes"]] == ["G89.4", "279039007"]
    assert [c["code"] for c in api.get("/api/v1/conditions/chronic-pain/").json()["codes"]] == [
        "G89.4",
        "279039007",
    ]
    added.delete()
    assert [code["code"] for code in api.get(f"{ARTICLES}scs/").json()["conditions"][0]["codes"]] == ["G89.4"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("G89.4", ["scs"]),
        ("G894", ["scs"]),
        ("g89.3", ["pump"]),
        ("G89", ["pump", "scs"]),  # the category finds its more specific codes
        ("G89.2", []),  # a sibling subcategory: G89.29 and the like, none coded here
        ("M96.1", []),
        ("", ["knee", "pump", "scs"]),
    ],
)
def test_the_icd10_filter_finds_live_articles_by_code_and_children(api, coded, code, expected):
    assert slugs(api.get(ARTICLES, {"icd10": code})) == expected


def test_the_icd10_filter_finds_a_more_specific_code_under_a_subcategory(api):
    condition = make_condition()
    ConditionCode.objects.create(condition=condition, code="G89.29")
    make_article(slug="other-chronic", conditions=[condition])
    assert slugs(api.get(ARTICLES, {"icd10": "G89.2"})) == ["other-chronic"]
    assert slugs(api.get(ARTICLES, {"icd10": "G89"})) == ["other-chronic"]
    assert slugs(api.get(ARTICLES, {"icd10": "G89.1"})) == []


def test_the_icd10_filter_ignores_snomed_codes_with_the_same_digits(api):
    condition = make_condition()
    ConditionCode.objects.create(condition=condition, system="snomed", code="82423001")
    make_article(conditions=[condition])
    assert slugs(api.get(ARTICLES, {"icd10": "G89"})) == []


@pytest.mark.parametrize("code", ["G89.9", "XYZ", "G89.", "G89-G99", "100%", "G89.4\x00", "ı10", "G" * 300])
def test_a_malformed_or_unknown_icd10_code_is_a_400_naming_the_parameter(api, coded, code):
    response = api.get(ARTICLES, {"icd10": code})
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["icd10"]


def test_a_condition_form_posted_without_the_codes_leaves_them_as_they_are(staff_client):
    condition = make_condition(slug="cancer-pain")
    ConditionCode.objects.create(condition=condition, code="G89.3")
    data = form_data(staff_client.get(change_page(condition)))
    data = {name: value for name, value in data.items() if not name.startswith("codes-")}
    response = staff_client.post(change_page(condition), data | {"summary": "Reworded."})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [code.code for code in condition.codes.all()] == ["G89.3"]
