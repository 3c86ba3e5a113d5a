"""Translations as their own articles (issue 17, point 1): each with its own working copy, review
and publication; the source-changed flag; the API's language, translations and ?language=; JSON-LD
translation links; hreflang alternates in the sitemap."""

import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles import translations, workflow
from articles.models import Article, Publication, Section
from tests.factories import make_article, make_clinic, make_section, make_staff, republish

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    return make_clinic(slug="wabash", article_url_template="https://wabash.example/{slug}")


@pytest.fixture
def people(clinic):
    return make_staff(clinic)


@pytest.fixture
def source(clinic):
    article = make_article(clinic=clinic, slug="pump", title="Intrathecal pumps")
    make_section(article=article, heading="What is it?", body="<p>A small pump. Call us to ask.</p>")
    republish(article)
    return Article.objects.get(pk=article.pk)


def spanish(source, people, *, publish=True):
    translation = translations.create_translation(source, "es", by=people["wendy"])
    section = translation.sections.get()
    section.heading = "¿Qué es?"
    section.body = "<p>Una bomba pequeña. Llámenos para preguntar.</p>"
    section.save()
    translation.title = "Bombas intratecales"
    translation.save()
    if publish:
        workflow.transition(Article.objects.get(pk=translation.pk), "publish", by=people["rahul"])
    return Article.objects.get(pk=translation.pk)


def test_a_translation_starts_as_a_draft_copy_with_its_own_history(source, people):
    translation = translations.create_translation(source, "es", by=people["wendy"])
    assert (translation.language, translation.translation_of_id, translation.status) == (
        "es",
        source.pk,
        "draft",
    )
    assert translation.slug == "pump-es"
    assert [s.heading for s in translation.sections.all()] == ["What is it?"]
    assert Section.objects.filter(article=source).count() == 1  # the source keeps its own rows
    assert translation.reviewed_by_id is None
    assert not Publication.objects.filter(article=translation).exists()


def test_approving_the_source_never_publishes_the_translation_nor_the_reverse(client, source, people):
    translation = spanish(source, people, publish=False)
    workflow.transition(Article.objects.get(pk=source.pk), "publish", by=people["rahul"])
    assert not Publication.objects.filter(article=translation).exists()
    assert client.get("/api/v1/articles/pump-es/").status_code == 404
    before = Publication.objects.filter(article=source).count()
    workflow.transition(translation, "publish", by=people["rahul"])
    assert Publication.objects.filter(article=source).count() == before
    assert client.get("/api/v1/articles/pump-es/").json()["title"] == "Bombas intratecales"


def test_a_new_source_version_flags_its_translations_until_confirmed(source, people):
    translation = spanish(source, people)
    assert not translation.source_changed
    republish(source)  # approved again, same text: nothing to check
    assert not Article.objects.get(pk=translation.pk).source_changed
    section = source.sections.get()
    section.body = "<p>A small pump under the skin. Call us to ask.</p>"
    section.save()
    republish(source)
    translation = Article.objects.get(pk=translation.pk)
    assert translation.source_changed
    translation.source_changed = False  # the translator checked it
    translation.save()
    assert not Article.objects.get(pk=translation.pk).source_changed


@pytest.mark.parametrize(
    "change, field",
    [
        ({"language": "en"}, "language"),
        ({"clinic": "other"}, "translation_of"),
    ],
)
def test_a_translation_must_be_another_language_of_the_same_clinic(source, people, change, field):
    translation = spanish(source, people, publish=False)
    if change.get("clinic"):
        translation.clinic = make_clinic()
    else:
        translation.language = change["language"]
    with pytest.raises(ValidationError) as error:
        translation.full_clean()
    assert field in error.value.message_dict


def test_a_translation_of_a_translation_and_a_second_one_per_language_are_refused(source, people):
    translation = spanish(source, people, publish=False)
    with pytest.raises(ValidationError):
        translations.create_translation(translation, "en", by=people["wendy"])
    with pytest.raises(ValidationError):
        translations.create_translation(source, "es", by=people["wendy"])
    with pytest.raises(ValidationError):
        translations.create_translation(source, "en", by=people["wendy"])


# The API ------------------------------------------------------------------------------------------


def test_detail_lists_the_live_translations_both_ways(client, source, people):
    assert client.get("/api/v1/articles/pump/").json()["translations"] == []
    before = client.get("/api/v1/articles/pump/")["ETag"]
    spanish(source, people)
    english = client.get("/api/v1/articles/pump/")
    assert english["ETag"] != before  # the source's stored JSON was rendered again
    assert english.json()["translations"] == [
        {
            "language": "es",
            "slug": "pump-es",
            "url": "http://testserver/api/v1/articles/pump-es/",
            "page_url": "https://wabash.example/pump-es",
        }
    ]
    assert english.json()["language"] == "en"
    spanish_detail = client.get("/api/v1/articles/pump-es/").json()
    assert spanish_detail["language"] == "es"
    assert [t["slug"] for t in spanish_detail["translations"]] == ["pump"]


def test_jsonld_links_the_translations(client, source, people):
    spanish(source, people)
    english = client.get("/api/v1/articles/pump/").json()["jsonld"]["@graph"][0]
    assert english["workTranslation"] == [{"@id": "https://wabash.example/pump-es"}]
    translated = client.get("/api/v1/articles/pump-es/").json()["jsonld"]["@graph"][0]
    assert translated["translationOfWork"] == {"@id": "https://wabash.example/pump"}
    assert translated["inLanguage"] == "es"
    assert "workTranslation" not in translated


def test_unpublishing_the_translation_takes_it_off_the_sources_list(client, source, people):
    translation = spanish(source, people)
    workflow.transition(translation, "unpublish", by=people["rahul"], note="Being checked again.")
    assert client.get("/api/v1/articles/pump/").json()["translations"] == []


def test_the_list_shows_the_clinics_language_unless_asked(client, source, people):
    spanish(source, people)
    slugs = lambda query="": [a["slug"] for a in client.get(f"/api/v1/articles/{query}").json()["results"]]  # noqa: E731
    assert slugs() == ["pump"]
    assert slugs("?language=es") == ["pump-es"]
    assert sorted(slugs("?language=any")) == ["pump", "pump-es"]
    source.clinic.default_language = "es"
    source.clinic.save()
    assert slugs() == ["pump-es"]


@pytest.mark.parametrize("value", ["english", "e", "es_ES!", "x" * 30])
def test_a_bad_language_is_a_400_naming_it(client, value):
    response = client.get("/api/v1/articles/", {"language": value})
    assert response.status_code == 400
    assert "language" in response.json()


def test_the_sitemap_names_each_versions_alternates(client, source, people):
    spanish(source, people)
    response = client.get("/api/v1/clinics/wabash/sitemap.xml")
    root = ET.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = {url.find("s:loc", ns).text: url for url in root.findall("s:url", ns)}
    for loc in ("https://wabash.example/pump", "https://wabash.example/pump-es"):
        alternates = {(link.get("hreflang"), link.get("href")) for link in urls[loc].findall("x:link", ns)}
        assert alternates == {("en", "https://wabash.example/pump"), ("es", "https://wabash.example/pump-es")}


# The admin ----------------------------------------------------------------------------------------


def test_the_admin_starts_a_translation_and_shows_the_link(client, source, people):
    client.force_login(people["wendy"])
    url = reverse("admin:articles_article_translate", args=[source.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'value="es"' in page.content.decode()
    response = client.post(url, {"language": "es"})
    made = Article.objects.get(translation_of=source)
    assert response["Location"] == reverse("admin:articles_article_change", args=[made.pk])
    change = client.get(reverse("admin:articles_article_change", args=[source.pk])).content.decode()
    assert reverse("admin:articles_article_change", args=[made.pk]) in change


def test_another_clinics_staff_cannot_translate(client, source):
    outsider = make_staff(make_clinic(), suffix="-other")["wendy-other"]
    client.force_login(outsider)
    response = client.post(reverse("admin:articles_article_translate", args=[source.pk]), {"language": "es"})
    assert response.status_code in (403, 404)
    assert not Article.objects.filter(translation_of=source).exists()


# Readability per language ---------------------------------------------------------------------

PLAIN_SPANISH = (
    "<p>La bomba es pequeña. Está bajo la piel. Lleva el medicamento a la espalda. "
    "Llámenos si tiene dolor.</p>"
)


def test_a_spanish_article_is_scored_in_spanish(client, source, people):
    translation = spanish(source, people, publish=False)
    section = translation.sections.get()
    section.body = PLAIN_SPANISH
    section.save()
    workflow.transition(Article.objects.get(pk=translation.pk), "publish", by=people["rahul"])
    readability = client.get("/api/v1/articles/pump-es/").json()["readability"]
    assert readability["flesch_kincaid_grade"] is None and readability["smog_grade"] is None
    assert readability["szigriszt_pazos"] > 65 and readability["inflesz_band"] in {
        "bastante fácil",
        "muy fácil",
    }
    assert readability["above_target"] is False
    assert readability["sections"][0]["szigriszt_pazos"] == readability["szigriszt_pazos"]
    english = client.get("/api/v1/articles/pump/").json()["readability"]
    assert english["szigriszt_pazos"] is None and english["flesch_kincaid_grade"] is not None


def test_a_hard_spanish_article_is_refused_when_readability_blocks(settings, source, people):
    settings.READABILITY_BLOCKS_PUBLISHING = True
    translation = spanish(source, people, publish=False)
    section = translation.sections.get()
    section.body = (
        "<p>La administración intratecal continua de analgésicos opioides mediante dispositivos "
        "implantables programables constituye una alternativa terapéutica considerablemente "
        "eficaz en determinadas circunstancias clínicas extraordinariamente complejas.</p>"
    )
    section.save()
    with pytest.raises(ValidationError) as refused:
        workflow.transition(Article.objects.get(pk=translation.pk), "publish", by=people["rahul"])
    assert "Szigriszt-Pazos" in " ".join(refused.value.messages)


def test_the_editor_scores_spanish_text_as_the_writer_types(client, clinic, people):
    import json

    client.force_login(people["wendy"])
    answer = client.post(
        reverse("admin:articles_article_grade"),
        data=json.dumps(
            {"language": "es", "clinic": clinic.pk, "sections": [{"key": "s", "body": PLAIN_SPANISH}]}
        ),
        content_type="application/json",
    ).json()
    assert answer["target"] == 65
    assert answer["article"]["grade"] is None and answer["article"]["szigriszt_pazos"] > 65
    assert answer["sections"][0]["inflesz_band"] in {"bastante fácil", "muy fácil"}


# Conditions and risks in the article's language ---------------------------------------------------


def test_a_spanish_article_names_its_conditions_in_spanish_once_reviewed(client, clinic, people):
    import datetime

    from articles.models import ConditionTranslation, Reviewer
    from tests.factories import make_condition

    pain = make_condition(slug="cancer-pain", name="Cancer pain", summary="Pain from cancer.")
    source = make_article(clinic=clinic, slug="pump", conditions=[pain])
    make_section(article=source, body="<p>A small pump. Call us to ask.</p>")
    republish(source)
    spanish(Article.objects.get(pk=source.pk), people)
    translated = ConditionTranslation.objects.create(
        condition=pain, language="es", name="Dolor por cáncer", summary="Dolor causado por el cáncer."
    )
    shown = lambda slug: client.get(f"/api/v1/articles/{slug}/").json()  # noqa: E731
    assert shown("pump-es")["conditions"][0]["name"] == "Cancer pain"  # not checked yet
    before = client.get("/api/v1/articles/pump-es/")["ETag"]
    translated.reviewed_by = Reviewer.objects.create(name="Dra. Ana Ruiz")
    translated.reviewed_on = datetime.date(2026, 11, 1)
    translated.save()
    after = client.get("/api/v1/articles/pump-es/")
    assert after["ETag"] != before
    condition = after.json()["conditions"][0]
    assert (condition["slug"], condition["name"], condition["summary"]) == (
        "cancer-pain",
        "Dolor por cáncer",
        "Dolor causado por el cáncer.",
    )
    graph = after.json()["jsonld"]["@graph"]
    assert "Dolor por cáncer" in [node.get("name") for node in graph]
    assert shown("pump")["conditions"][0]["name"] == "Cancer pain"  # the English article keeps its own


def test_a_translated_name_needs_both_reviewer_and_date(clinic):
    import datetime

    from articles.models import RiskTranslation
    from tests.factories import make_risk

    translation = RiskTranslation(
        risk=make_risk(), language="es", name="Infección", reviewed_on=datetime.date(2026, 1, 1)
    )
    with pytest.raises(ValidationError):
        translation.full_clean()
