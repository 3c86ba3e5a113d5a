"""``?language=`` on the clinic, condition and risk endpoints (issue 17): a Spanish site's condition
pages list Spanish articles, count them, and name the condition in Spanish once a clinician has
checked the name; counts always equal the article list's for the same language."""

import datetime

import pytest

from articles import translations, workflow
from articles.models import (
    Article,
    ArticleCondition,
    ArticleRisk,
    ConditionTranslation,
    Reviewer,
    RiskTranslation,
)
from tests.factories import (
    make_article,
    make_clinic,
    make_condition,
    make_risk,
    make_section,
    make_staff,
    republish,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 1)


@pytest.fixture
def clinic():
    return make_clinic(slug="wabash", article_url_template="https://wabash.example/{slug}")


@pytest.fixture
def people(clinic):
    return make_staff(clinic)


@pytest.fixture
def knee():
    return make_condition(slug="knee-pain", name="Knee pain", summary="Pain in the knee.")


@pytest.fixture
def back():
    return make_condition(slug="back-pain", name="Back pain")


@pytest.fixture
def infection():
    return make_risk(slug="infection", name="Infection")


def _article(clinic, slug, conditions=(), risks=()):
    article = make_article(clinic=clinic, slug=slug, title=slug.title())
    make_section(article=article, heading="What is it?", body="<p>A small pump. Call us to ask.</p>")
    for position, condition in enumerate(conditions):
        ArticleCondition.objects.create(article=article, condition=condition, position=position)
    for position, risk in enumerate(risks):
        ArticleRisk.objects.create(article=article, risk=risk, position=position)
    republish(Article.objects.get(pk=article.pk))
    return Article.objects.get(pk=article.pk)


def _spanish(source, people, *, publish=True):
    translation = translations.create_translation(source, "es", by=people["wendy"])
    translation.title = "Bomba"
    translation.save()
    if publish:
        workflow.transition(Article.objects.get(pk=translation.pk), "publish", by=people["rahul"])
    return Article.objects.get(pk=translation.pk)


def _reviewed(model, topic, name, summary=""):
    reviewer = Reviewer.objects.create(name="Dra. Ana Ruiz", credentials="MD")
    field = "condition" if model is ConditionTranslation else "risk"
    return model.objects.create(
        **{field: topic}, language="es", name=name, summary=summary, reviewed_by=reviewer, reviewed_on=TODAY
    )


def _count(client, url):
    body = client.get(url).json()
    return body["count"]


@pytest.fixture
def pump(clinic, people, knee, infection):
    """An English article on knee pain (and infection), live with its Spanish translation."""
    source = _article(clinic, "pump", conditions=[knee], risks=[infection])
    _spanish(source, people)
    return source


# Counts and lists follow the language ------------------------------------------------------------


@pytest.mark.parametrize("language", ["", "es", "en", "any"])
def test_a_conditions_count_is_the_article_lists_for_the_same_language(client, pump, language):
    query = f"&language={language}" if language else ""
    listed = _count(client, f"/api/v1/articles/?condition=knee-pain{query}")
    detail = client.get(f"/api/v1/conditions/knee-pain/?language={language}").json()
    [row] = client.get(f"/api/v1/conditions/?language={language}").json()["results"]
    assert detail["article_count"] == row["article_count"] == listed == len(detail["articles"])
    assert listed == (2 if language == "any" else 1)


def test_without_a_language_a_condition_lists_each_clinics_own_language(client, pump):
    detail = client.get("/api/v1/conditions/knee-pain/").json()
    assert [a["slug"] for a in detail["articles"]] == ["pump"]
    spanish_only = client.get("/api/v1/conditions/knee-pain/?language=es").json()
    assert [a["slug"] for a in spanish_only["articles"]] == ["pump-es"]


@pytest.mark.parametrize("language", ["", "es", "any"])
def test_a_clinics_count_and_articles_are_the_article_lists_for_the_same_language(client, pump, language):
    query = f"&language={language}" if language else ""
    listed = client.get(f"/api/v1/articles/?clinic=wabash{query}").json()
    detail = client.get(f"/api/v1/clinics/wabash/?language={language}").json()
    [row] = client.get(f"/api/v1/clinics/?language={language}").json()["results"]
    assert detail["article_count"] == row["article_count"] == listed["count"]
    assert [a["slug"] for a in detail["articles"]] == [a["slug"] for a in listed["results"]]
    assert detail["default_language"] == "en"


def test_a_clinic_whose_live_articles_are_all_in_another_language_is_still_listed(client):
    spanish_first = make_clinic(slug="tippecanoe", default_language="es")
    _article(spanish_first, "in-english")  # English only: not its own language
    rows = {row["slug"]: row for row in client.get("/api/v1/clinics/").json()["results"]}
    assert rows["tippecanoe"]["article_count"] == 0
    assert client.get("/api/v1/clinics/tippecanoe/?language=en").json()["article_count"] == 1


def test_a_condition_only_other_languages_name_answers_404_in_this_one(client, clinic, people, back):
    _article(clinic, "back", conditions=[back])
    assert client.get("/api/v1/conditions/back-pain/").status_code == 200
    assert client.get("/api/v1/conditions/back-pain/?language=es").status_code == 404
    assert "back-pain" not in client.get("/api/v1/conditions/?language=es").content.decode()


def test_a_draft_translation_is_never_counted(client, clinic, people, knee):
    source = _article(clinic, "pump", conditions=[knee])
    _spanish(source, people, publish=False)
    assert client.get("/api/v1/conditions/knee-pain/?language=es").status_code == 404
    assert client.get("/api/v1/clinics/wabash/?language=es").json()["article_count"] == 0
    assert client.get("/api/v1/conditions/knee-pain/?language=any").json()["article_count"] == 1


# Names in the language asked for -----------------------------------------------------------------


def test_a_reviewed_translation_names_the_condition_and_risk_in_spanish(client, pump, knee, infection):
    _reviewed(ConditionTranslation, knee, "Dolor de rodilla", "Dolor en la rodilla.")
    _reviewed(RiskTranslation, infection, "Infección")

    condition = client.get("/api/v1/conditions/knee-pain/?language=es").json()
    assert (condition["name"], condition["summary"], condition["language"]) == (
        "Dolor de rodilla",
        "Dolor en la rodilla.",
        "es",
    )
    [row] = client.get("/api/v1/risks/?language=es").json()["results"]
    assert (row["name"], row["language"]) == ("Infección", "es")
    # English readers (and "any") keep the original.
    for query in ("", "?language=en", "?language=any"):
        shown = client.get(f"/api/v1/conditions/knee-pain/{query}").json()
        assert (shown["name"], shown["summary"], shown["language"]) == (
            "Knee pain",
            "Pain in the knee.",
            "en",
        )


def test_an_unreviewed_translation_never_names_the_condition(client, pump, knee):
    ConditionTranslation.objects.create(condition=knee, language="es", name="SECRETO sin revisar")
    for url in ("/api/v1/conditions/?language=es", "/api/v1/conditions/knee-pain/?language=es"):
        body = client.get(url).content.decode()
        assert "SECRETO" not in body
        assert '"language":"en"' in body  # the original's name, said to be in English


def test_spanish_names_are_in_spanish_name_order(client, clinic, people, knee, back):
    source = _article(clinic, "pump", conditions=[knee, back])
    _spanish(source, people)
    _reviewed(ConditionTranslation, knee, "Dolor de rodilla")
    _reviewed(ConditionTranslation, back, "Lumbalgia")  # "Back pain" comes first in English
    english = [row["slug"] for row in client.get("/api/v1/conditions/").json()["results"]]
    spanish = [row["name"] for row in client.get("/api/v1/conditions/?language=es").json()["results"]]
    assert english == ["back-pain", "knee-pain"]
    assert spanish == ["Dolor de rodilla", "Lumbalgia"]


def test_reviewing_a_translation_shows_at_once_on_the_condition(client, pump, knee):
    before = client.get("/api/v1/conditions/knee-pain/?language=es")
    assert before.json()["name"] == "Knee pain"
    _reviewed(ConditionTranslation, knee, "Dolor de rodilla")
    after = client.get("/api/v1/conditions/knee-pain/?language=es", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after.json()["name"] == "Dolor de rodilla"


# The parameter's contract ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/v1/conditions/", "/api/v1/conditions/knee-pain/", "/api/v1/risks/", "/api/v1/clinics/wabash/"],
)
@pytest.mark.parametrize("value", ["es%0A", "spanish", "ES", "e", "es_MX", "x" * 30, "es-"])
def test_a_malformed_language_is_a_400_naming_it(client, pump, path, value):
    response = client.get(f"{path}?language={value}")
    assert response.status_code == 400
    assert list(response.json()) == ["language"]


def test_other_parameters_are_still_refused_on_a_detail(client, pump):
    response = client.get("/api/v1/conditions/knee-pain/?language=es&lang=es")
    assert response.status_code == 400
    assert list(response.json()) == ["lang"]


@pytest.mark.parametrize("path", ["/api/v1/conditions/", "/api/v1/risks/", "/api/v1/clinics/"])
def test_the_schema_documents_language_on_lists_and_details(path):
    from tests.contract import openapi_schema

    schema = openapi_schema()
    for operation in (schema["paths"][path]["get"], schema["paths"][path + "{slug}/"]["get"]):
        [parameter] = [p for p in operation["parameters"] if p["name"] == "language"]
        assert parameter["schema"]["pattern"].startswith("^(|any|")


# Query budgets -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 25])
def test_a_spanish_condition_list_costs_the_same_for_any_number_of_conditions(
    client, clinic, people, django_assert_max_num_queries, rows
):
    conditions = [make_condition(slug=f"c-{n}", name=f"Condition {n}") for n in range(rows)]
    source = _article(clinic, "pump", conditions=conditions)
    _spanish(source, people)
    for condition in conditions:
        _reviewed(ConditionTranslation, condition, f"Afección {condition.pk}")

    # 1. the listing version, 2. COUNT(*), 3. the page with counts and Spanish names for ordering,
    # 4. the page's codes, 5. the page's translations
    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/conditions/?language=es&page_size=100").json()
    assert len(body["results"]) == rows
    assert all(row["language"] == "es" and row["article_count"] == 1 for row in body["results"])


@pytest.mark.parametrize("rows", [1, 25])
def test_a_spanish_condition_detail_costs_the_same_for_any_number_of_articles(
    client, clinic, people, knee, django_assert_max_num_queries, rows
):
    for n in range(rows):
        _spanish(_article(clinic, f"pump-{n}", conditions=[knee]), people)
    _reviewed(ConditionTranslation, knee, "Dolor de rodilla")

    # 1. the listing version, 2. the condition with its count, 3. its articles, 4. its codes,
    # 5. its translations
    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/conditions/knee-pain/?language=es").json()
    assert body["article_count"] == len(body["articles"]) == rows


# A clinic's default language is public ------------------------------------------------------------


def test_changing_a_clinics_language_changes_its_default_list_at_once(client, clinic, pump):
    assert [a["slug"] for a in client.get("/api/v1/articles/?clinic=wabash").json()["results"]] == ["pump"]
    assert client.get("/api/v1/clinics/wabash/").json()["article_count"] == 1
    clinic.default_language = "es"
    clinic.save()
    assert [a["slug"] for a in client.get("/api/v1/articles/?clinic=wabash").json()["results"]] == ["pump-es"]
    clinic_json = client.get("/api/v1/clinics/wabash/").json()
    assert clinic_json["default_language"] == "es"
    assert [a["slug"] for a in clinic_json["articles"]] == ["pump-es"]


def test_changing_a_clinics_language_purges_what_shows_it(clinic, pump, monkeypatch):
    from api import purging

    purged = []
    monkeypatch.setattr(purging, "purge_after_commit", lambda tags, **kwargs: purged.extend(tags))
    clinic.default_language = "es"
    clinic.save()
    assert {"clinics", "articles", f"clinic-{clinic.pk}"} <= set(purged)
