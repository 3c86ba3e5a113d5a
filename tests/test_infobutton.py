"""The Infobutton endpoint (issue 17, point 5; api/infobutton.py): HL7 Context-Aware Knowledge
Retrieval, URL-based, answered with a clinic's live articles as JSON and as Atom, as MedlinePlus
Connect answers; refusals name their parameter."""

from urllib.parse import urlencode

import pytest
from defusedxml import ElementTree
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, ConditionCode
from tests.factories import make_article, make_clinic, make_condition, make_draft, make_scheduled
from tests.test_api_caching import wsgi_get

pytestmark = pytest.mark.django_db

ENDPOINT = "/api/v1/infobutton/"
ICD10CM = "2.16.840.1.113883.6.90"
SNOMED = "2.16.840.1.113883.6.96"
ATOM = "{http://www.w3.org/2005/Atom}"
PAGE = "https://wabash.example/learn/{slug}"


@pytest.fixture
def clinics():
    """Wabash (English and Spanish articles about cancer pain, G89.3 / SNOMED 82423001; one about
    the postlaminectomy syndrome, M96.1, coded by its category M96) and Tippecanoe (cancer pain too)."""
    wabash = make_clinic(slug="wabash", name="Wabash Pain Clinic", article_url_template=PAGE)
    tippecanoe = make_clinic(slug="tippecanoe", name="Tippecanoe Pain")
    cancer_pain = make_condition(slug="cancer-pain", name="Cancer pain")
    ConditionCode.objects.create(condition=cancer_pain, code="G89.3")
    ConditionCode.objects.create(condition=cancer_pain, system="snomed", code="82423001")
    back = make_condition(slug="failed-back", name="Failed back surgery syndrome")
    ConditionCode.objects.create(condition=back, code="M96")
    make_article(
        clinic=wabash,
        slug="pump",
        title="Intrathecal pumps",
        summary="A small pump & a thin tube.",
        conditions=[cancer_pain],
    )
    make_article(
        clinic=wabash,
        slug="bomba",
        title="Bombas intratecales",
        summary="Una bomba pequeña.",
        conditions=[cancer_pain],
        language="es",
    )
    make_article(clinic=wabash, slug="scs", title="Spinal cord stimulation", conditions=[back])
    make_article(clinic=tippecanoe, slug="tippecanoe-pump", conditions=[cancer_pain])
    make_draft(clinic=wabash, slug="draft-pump", conditions=[cancer_pain])
    make_scheduled(clinic=wabash, slug="scheduled-pump", conditions=[cancer_pain])
    make_article(
        clinic=wabash, slug="archived-pump", conditions=[cancer_pain], status=Article.Status.ARCHIVED
    )
    return {"wabash": wabash, "tippecanoe": tippecanoe}  # fmt: skip


def ask(api, path=ENDPOINT, **params):
    return api.get(f"{path}?{urlencode(params)}")


def standard(code="G89.3", system=ICD10CM, **more) -> dict:
    """The parameters of the standard's (and MedlinePlus Connect's) examples."""
    return {
        "mainSearchCriteria.v.c": code,
        "mainSearchCriteria.v.cs": system,
        "informationRecipient.languageCode.c": "en",
        "knowledgeResponseType": "application/json",
        **more,
    }


def found(response) -> list[str]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return [entry["slug"] for entry in response.json()["results"]]


def test_the_standards_example_in_json(api, clinics):
    response = ask(api, **standard(clinic="wabash", **{"mainSearchCriteria.v.dn": "Cancer pain"}))
    body = response.json()
    assert found(response) == ["pump"]
    assert body["clinic"] == {"slug": "wabash", "name": "Wabash Pain Clinic"}
    assert body["request"] == {
        "code": "G89.3",
        "system": "icd10cm",
        "display": "Cancer pain",
        "language": "en",
    }
    (entry,) = body["results"]
    assert entry["title"] == "Intrathecal pumps"
    assert entry["summary"] == "A small pump & a thin tube."
    assert entry["language"] == "en"
    assert entry["url"] == "http://testserver/api/v1/articles/pump/"
    assert entry["page_url"] == "https://wabash.example/learn/pump"
    assert response["ETag"] and "clinic-" in response["Surrogate-Key"]


def test_the_standards_example_in_atom(api, clinics):
    for response_type in ("application/atom+xml", "text/xml"):
        response = ask(api, **standard(clinic="wabash", knowledgeResponseType=response_type))
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == f"{response_type}; charset=utf-8"
        feed = ElementTree.fromstring(response.content)
        assert feed.tag == f"{ATOM}feed"
        assert feed.attrib["{http://www.w3.org/XML/1998/namespace}lang"] == "en"
        assert feed.findtext(f"{ATOM}title") == "Wabash Pain Clinic: Neoplasm related pain (acute) (chronic)"
        (entry,) = feed.findall(f"{ATOM}entry")
        assert entry.findtext(f"{ATOM}title") == "Intrathecal pumps"
        assert entry.find(f"{ATOM}link").attrib["href"] == "https://wabash.example/learn/pump"
        assert entry.findtext(f"{ATOM}summary") == "A small pump & a thin tube."


def test_an_empty_atom_answer_is_a_valid_feed_that_stays_the_same(api, clinics):
    params = standard("M96.1", clinic="tippecanoe", knowledgeResponseType="application/atom+xml")
    first, second = ask(api, **params), ask(api, **params)
    feed = ElementTree.fromstring(first.content)
    assert feed.findall(f"{ATOM}entry") == [] and feed.findtext(f"{ATOM}updated")
    assert first.content == second.content


def test_spanish_articles_for_a_spanish_reader(api, clinics):
    assert found(ask(api, **standard(clinic="wabash", **{"informationRecipient.languageCode.c": "es"}))) == [
        "bomba"
    ]
    # A region's variant reads the language's articles.
    assert found(
        ask(api, **standard(clinic="wabash", **{"informationRecipient.languageCode.c": "es-MX"}))
    ) == ["bomba"]
    # Without a language: the clinic's own.
    params = standard(clinic="wabash")
    del params["informationRecipient.languageCode.c"]
    assert found(ask(api, **params)) == ["pump"]


def test_snomed_ct_codes_match_exactly(api, clinics):
    assert found(ask(api, **standard("82423001", SNOMED, clinic="wabash"))) == ["pump"]
    assert found(ask(api, **standard("22298006", SNOMED, clinic="wabash"))) == []


def test_a_billable_code_finds_an_article_coded_by_its_category_and_a_category_its_children(api, clinics):
    # M96.1 (postlaminectomy syndrome) is under M96, the code the article's condition carries.
    assert found(ask(api, **standard("M96.1", clinic="wabash"))) == ["scs"]
    assert found(ask(api, **standard("M961", clinic="wabash"))) == ["scs"]
    # G89 (pain, not elsewhere classified) finds G89.3.
    assert found(ask(api, **standard("G89", clinic="wabash"))) == ["pump"]
    # A sibling finds nothing.
    assert found(ask(api, **standard("G89.4", clinic="wabash"))) == []


def test_the_clinic_in_the_path_or_every_clinic(api, clinics):
    params = standard()
    assert found(ask(api, "/api/v1/clinics/wabash/infobutton/", **params)) == ["pump"]
    assert sorted(found(ask(api, **params))) == ["pump", "tippecanoe-pump"]
    # Without a code: every live article of the clinic in the language.
    assert sorted(found(api.get("/api/v1/clinics/wabash/infobutton/"))) == ["pump", "scs"]


def test_never_a_draft_a_scheduled_or_an_archived_version(api, clinics):
    answer = ask(api, **standard(clinic="wabash"))
    assert not {"draft-pump", "scheduled-pump", "archived-pump"} & set(found(answer))


def test_an_unknown_clinic_is_a_404(api, clinics):
    assert ask(api, **standard(clinic="nowhere")).status_code == 404
    assert ask(api, "/api/v1/clinics/nowhere/infobutton/", **standard()).status_code == 404


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"mainSearchCriteria.v.cs": "2.16.840.1.113883.6.103"}, "mainSearchCriteria.v.cs"),  # ICD-9-CM
        ({"mainSearchCriteria.v.cs": ""}, "mainSearchCriteria.v.cs"),
        ({"mainSearchCriteria.v.c": "G89.9"}, "mainSearchCriteria.v.c"),  # not in the code set
        ({"mainSearchCriteria.v.c": "XYZ"}, "mainSearchCriteria.v.c"),
        ({"mainSearchCriteria.v.c": ""}, "mainSearchCriteria.v.c"),
        ({"mainSearchCriteria.v.c": "%00"}, "mainSearchCriteria.v.c"),
        ({"mainSearchCriteria.v.c": "82423002", "mainSearchCriteria.v.cs": SNOMED}, "mainSearchCriteria.v.c"),
        ({"knowledgeResponseType": "text/html"}, "knowledgeResponseType"),
        ({"knowledgeResponseType": ""}, "knowledgeResponseType"),
        ({"informationRecipient.languageCode.c": "english!"}, "informationRecipient.languageCode.c"),
        ({"mainSearchCriteria.v.dn": "x" * 301}, "mainSearchCriteria.v.dn"),
        ({"clinic": " wabash"}, "clinic"),
        ({"clinic": ""}, "clinic"),
        ({"mainSearchCriteria.v.x": "1"}, "mainSearchCriteria.v.x"),
        ({"search": "pump"}, "search"),
    ],
)
def test_refusals_are_400s_naming_the_parameter(api, clinics, params, named):
    response = ask(api, **standard(**({"clinic": "wabash"} | params)))
    assert response.status_code == 400, response.content
    assert list(response.json()) == [named]


def test_without_its_system_the_codes_form_tells_and_a_system_alone_asks_nothing(api, clinics):
    assert found(ask(api, clinic="wabash", **{"mainSearchCriteria.v.c": "G89.3"})) == ["pump"]
    assert found(ask(api, clinic="wabash", **{"mainSearchCriteria.v.c": "82423001"})) == ["pump"]
    assert sorted(found(ask(api, clinic="wabash", **{"mainSearchCriteria.v.cs": ICD10CM}))) == ["pump", "scs"]
    # A code of the other system than the one named finds nothing.
    assert found(ask(api, **standard("82423001", ICD10CM, clinic="wabash"))) == []
    assert found(ask(api, **standard("G89.3", SNOMED, clinic="wabash"))) == []
    refused = ask(api, clinic="wabash", **{"mainSearchCriteria.v.c": "G89.9"})
    assert refused.status_code == 400
    assert list(refused.json()) == ["mainSearchCriteria.v.c"]


def test_the_clinic_parameter_is_not_taken_where_the_path_names_one(api, clinics):
    response = ask(api, "/api/v1/clinics/wabash/infobutton/", **standard(clinic="wabash"))
    assert response.status_code == 400
    assert list(response.json()) == ["clinic"]


def test_a_parameter_given_twice_is_refused(api, clinics):
    response = api.get(f"{ENDPOINT}?mainSearchCriteria.v.c=G89.3&mainSearchCriteria.v.c=G89.4")
    assert response.status_code == 400
    assert list(response.json()) == ["mainSearchCriteria.v.c"]


def test_the_standards_other_context_is_accepted_and_ignored(api, clinics):
    params = standard(
        clinic="wabash",
        **{
            "taskContext.c.c": "PROBLISTREV",
            "patientPerson.administrativeGenderCode.c": "F",
            "age.v.v": "63",
            "age.v.u": "a",
            "informationRecipient": "PAT",
            "performer": "PROV",
            "mainSearchCriteria.v.ot": "cancer pain",
            "representedOrganization.id.root": "1.3.6.1.4.1.12009.1.1",
        },
    )
    assert found(ask(api, **params)) == ["pump"]


def test_weird_values_are_refused_or_answered_never_a_500(api, clinics):
    weird = ["\x00", "\ud800", "é" * 50, "G89.3\n", " G89.3 ", "1" * 500, "<x/>", "%", "ı10", "G89.3'--"]
    for value in weird:
        for name in (
            "mainSearchCriteria.v.c",
            "mainSearchCriteria.v.dn",
            "informationRecipient.languageCode.c",
        ):
            params = standard(clinic="wabash", knowledgeResponseType="application/atom+xml", **{name: value})
            response = api.get(f"{ENDPOINT}?{urlencode(params, errors='surrogatepass')}")
            assert response.status_code in (200, 400), (name, value, response.status_code)
            if response.status_code == 200:
                ElementTree.fromstring(response.content)


def test_a_fixed_number_of_queries_whatever_the_number_of_articles(api, clinics):
    params = standard(clinic="wabash", knowledgeResponseType="application/atom+xml")
    with CaptureQueriesContext(connection) as few:
        ask(api, **params)
    condition = make_condition()
    ConditionCode.objects.create(condition=condition, code="G89.3")
    for _ in range(5):
        make_article(clinic=clinics["wabash"], conditions=[condition])
    api.get("/api/v1/")  # a new listing version: not cached
    with CaptureQueriesContext(connection) as many:
        assert len(ElementTree.fromstring(ask(api, **params).content).findall(f"{ATOM}entry")) == 6
    assert len(many) == len(few)


def test_cached_and_validated_like_the_rest_of_the_api(api, clinics):
    url = f"{ENDPOINT}?{urlencode(standard(clinic='wabash'))}"
    first = api.get(url)
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    miss, hit = wsgi_get(url), wsgi_get(url)
    assert miss["status"] == hit["status"] == 200
    assert hit["body"] == first.content
    # A new code on a condition changes the answer.
    ConditionCode.objects.create(condition=make_condition(), code="G89.4")
    chronic = make_condition()
    ConditionCode.objects.create(condition=chronic, code="G89.3")
    make_article(clinic=clinics["wabash"], slug="new-pump", conditions=[chronic])
    again = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert sorted(found(again)) == ["new-pump", "pump"]


def test_a_code_added_to_a_condition_reaches_the_answer(api, clinics):
    url = f"{ENDPOINT}?{urlencode(standard('M54.5', clinic='wabash'))}"
    assert found(api.get(url)) == []
    ConditionCode.objects.create(
        condition=clinics["wabash"].public_articles.get(slug="scs").conditions.get(), code="M54.50"
    )
    assert found(api.get(url)) == ["scs"]
