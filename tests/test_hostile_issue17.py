"""Hostile review of issue 17 (translations, Spanish readability, handouts, codes, Infobutton):
each test asserts the correct behaviour and fails on the defect it names."""

import pytest
from django.core.exceptions import ValidationError

from articles import translations, workflow
from articles.models import Article
from tests.factories import make_article, make_clinic, make_draft, make_section, make_staff, republish

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


# Integrity ----------------------------------------------------------------------------------------


def test_deleting_a_source_and_its_translation_together(source, people):
    translation = spanish(source, people, publish=False)
    Article.objects.filter(pk__in=[source.pk, translation.pk]).delete()
    assert not Article.objects.filter(pk__in=[source.pk, translation.pk]).exists()


def test_a_source_with_translations_cannot_move_to_another_clinic(source, people):
    spanish(source, people, publish=False)
    source = Article.objects.get(pk=source.pk)
    source.clinic = make_clinic()
    with pytest.raises(ValidationError):
        source.full_clean()


def test_a_source_cannot_take_the_language_of_one_of_its_translations(source, people):
    spanish(source, people, publish=False)
    source = Article.objects.get(pk=source.pk)
    source.language = "es"
    with pytest.raises(ValidationError):
        source.full_clean()


def test_first_publication_of_an_unchanged_source_does_not_flag_its_translation(clinic, people):
    draft = make_draft(clinic=clinic, slug="draft-pump")
    make_section(article=draft, heading="What is it?", body="<p>A small pump. Call us to ask.</p>")
    translation = translations.create_translation(Article.objects.get(pk=draft.pk), "es", by=people["wendy"])
    # The very text the translation was made from goes live for the first time.
    workflow.transition(Article.objects.get(pk=draft.pk), "publish", by=people["rahul"])
    assert not Article.objects.get(pk=translation.pk).source_changed


# Stale public data --------------------------------------------------------------------------------


def _translations(client, slug):
    response = client.get(f"/api/v1/articles/{slug}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_unpublishing_the_translation_updates_the_source(client, source, people):
    translation = spanish(source, people)
    assert [t["slug"] for t in _translations(client, "pump")["translations"]] == ["pump-es"]
    workflow.transition(translation, "unpublish", by=people["rahul"], note="wrong dose")
    body = _translations(client, "pump")
    assert body["translations"] == []
    assert "workTranslation" not in str(body["jsonld"])


def test_archiving_the_source_updates_the_translation(client, source, people):
    spanish(source, people)
    assert [t["slug"] for t in _translations(client, "pump-es")["translations"]] == ["pump"]
    workflow.transition(Article.objects.get(pk=source.pk), "archive", by=people["cora"], note="old")
    body = _translations(client, "pump-es")
    assert body["translations"] == []
    assert "translationOfWork" not in str(body["jsonld"])


def test_deleting_the_translation_updates_the_source(client, source, people):
    translation = spanish(source, people)
    assert _translations(client, "pump")["translations"]
    Article.objects.get(pk=translation.pk).delete()
    assert _translations(client, "pump")["translations"] == []


def test_unlinking_the_translation_updates_the_source(client, source, people):
    translation = spanish(source, people)
    assert _translations(client, "pump")["translations"]
    translation = Article.objects.get(pk=translation.pk)
    translation.translation_of = None
    translation.save()
    assert _translations(client, "pump")["translations"] == []


def test_scheduled_translation_does_not_show(client, source, people):
    import datetime

    from django.utils import timezone

    translation = spanish(source, people, publish=False)
    workflow.transition(
        translation, "publish", by=people["rahul"], live_from=timezone.now() + datetime.timedelta(days=3)
    )
    body = _translations(client, "pump")
    assert body["translations"] == []
    assert "pump-es" not in str(body["jsonld"])
    sitemap = client.get("/api/v1/clinics/wabash/sitemap.xml").content.decode()
    assert "pump-es" not in sitemap
    assert client.get("/api/v1/articles/pump-es/handout.pdf").status_code == 404


def test_moving_a_source_to_another_clinic_never_lists_the_other_clinics_translation(client, source, people):
    """What the missing check allows: clinic B's article lists clinic A's translation."""
    spanish(source, people)
    source = Article.objects.get(pk=source.pk)
    source.clinic = make_clinic(slug="other", article_url_template="https://other.example/{slug}")
    source.save()
    republish(source)
    body = _translations(client, "pump")
    assert body["translations"] == []


# Authorisation ------------------------------------------------------------------------------------


@pytest.fixture
def other_writer(db):
    return make_staff(make_clinic(slug="elsewhere"), suffix="_b")["wendy_b"]


def test_another_clinics_writer_cannot_start_a_translation(client, source, other_writer):
    client.force_login(other_writer)
    url = f"/admin/articles/article/{source.pk}/translate/"
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {"language": "es"}).status_code in (403, 404)
    assert not Article.objects.filter(translation_of=source).exists()


def test_translation_of_autocomplete_hides_other_clinics_articles(client, source, other_writer):
    client.force_login(other_writer)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": "article", "field_name": "translation_of", "term": ""},
    )
    assert "Intrathecal" not in response.content.decode()


def test_translation_of_autocomplete_offers_only_originals(client, source, people):
    spanish(source, people, publish=False)
    client.force_login(people["wendy"])
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": "article", "field_name": "translation_of", "term": "Bombas"},
    )
    assert response.status_code == 200
    assert response.json()["results"] == []  # a translation cannot be chosen as a source


@pytest.mark.parametrize("language", ["", "xx", "en", "es\x00", "é" * 5000, "es-" + "a" * 100])
def test_translate_view_with_bad_languages_is_a_form_error(client, source, people, language):
    client.force_login(people["wendy"])
    response = client.post(f"/admin/articles/article/{source.pk}/translate/", {"language": language})
    assert response.status_code == 200
    assert not Article.objects.filter(translation_of=source).exists()


# Bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "language=es%0A",
        "language=es%00",
        "language=ANY",
        "language=es&language=en",
        "language=" + "a" * 5000,
        "language=%E2%80%8Bes",
        "language=es-%D9%A1%D9%A2",
    ],
)
def test_article_list_language_oddities_are_never_500(client, source, query):
    response = client.get(f"/api/v1/articles/?{query}")
    assert response.status_code in (200, 400), (query, response.status_code)


def test_language_with_trailing_newline_is_refused(client, source):
    # RegexField's $ lets "es\n" through as a language nobody writes in: a silent empty list.
    assert client.get("/api/v1/articles/?language=es%0A").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "mainSearchCriteria.v.c=G89.4&mainSearchCriteria.v.c=G89.4",
        "mainSearchCriteria.v.c=",
        "mainSearchCriteria.v.c=%20",
        "mainSearchCriteria.v.c=%D9%A1%D9%A2%D9%A3%D9%A4%D9%A5%D9%A6",
        "mainSearchCriteria.v.c=%C2%B2%C2%B2%C2%B2%C2%B2%C2%B2%C2%B2",
        "mainSearchCriteria.v.c=" + "9" * 5000,
        "mainSearchCriteria.v.c=" + "G" * 5000,
        "mainSearchCriteria.v.c=G89.4%00",
        "mainSearchCriteria.v.c=%C4%B110",
        "mainSearchCriteria.v.c=G89.4&mainSearchCriteria.v.cs=",
        "mainSearchCriteria.v.c=G89.4&mainSearchCriteria.v.cs=2.16.840.1.113883.6.96",
        "mainSearchCriteria.v.c=82423001&mainSearchCriteria.v.cs=2.16.840.1.113883.6.90",
        "mainSearchCriteria.v.cs=2.16.840.1.113883.6.90",
        "mainSearchCriteria.v.dn=%00%01&knowledgeResponseType=application/atom%2Bxml",
        "mainSearchCriteria.v.dn=" + "x" * 301,
        "informationRecipient.languageCode.c=es-US",
        "informationRecipient.languageCode.c=%00",
        "informationRecipient.languageCode.c=es&informationRecipient.languageCode.c=en",
        "knowledgeResponseType=",
        "knowledgeResponseType=text/html",
        "clinic=",
        "clinic=%00",
        "clinic=nope",
        "clinic=wabash&clinic=wabash",
        "age.v.v=%00",
    ],
)
def test_infobutton_oddities_are_never_500(client, source, query):
    response = client.get(f"/api/v1/infobutton/?{query}")
    assert response.status_code in (200, 400, 404), (query, response.status_code, response.content[:300])


@pytest.mark.parametrize("query", ["size=", "size=huge", "size=%00", "size=LARGE"])
def test_handout_size_oddities_are_never_500(client, source, query):
    response = client.get(f"/api/v1/articles/pump/handout.pdf?{query}")
    assert response.status_code in (400,), (query, response.status_code)


# Condition translations ---------------------------------------------------------------------------


def _spanish_with_condition(source, people, condition):
    from articles.models import ArticleCondition

    ArticleCondition.objects.create(article=source, condition=condition, position=1)
    republish(Article.objects.get(pk=source.pk))
    return spanish(Article.objects.get(pk=source.pk), people)


def test_an_unreviewed_condition_translation_never_shows(client, source, people):
    from articles.models import ConditionTranslation
    from tests.factories import make_condition

    condition = make_condition(slug="knee-pain", name="Knee pain")
    _spanish_with_condition(source, people, condition)
    ConditionTranslation.objects.create(condition=condition, language="es", name="SECRETO sin revisar")
    for slug in ("pump-es", "pump"):
        assert "SECRETO" not in client.get(f"/api/v1/articles/{slug}/").content.decode()
    assert "SECRETO" not in client.get("/api/v1/articles/?language=es").content.decode()


def test_unchecking_a_condition_translation_takes_it_off(client, source, people):
    import datetime

    from articles.models import ConditionTranslation, Reviewer
    from tests.factories import make_condition

    condition = make_condition(slug="knee-pain", name="Knee pain")
    _spanish_with_condition(source, people, condition)
    reviewer = (
        Reviewer.objects.create(name="Dr Ruiz") if not Reviewer.objects.exists() else Reviewer.objects.first()
    )
    row = ConditionTranslation.objects.create(
        condition=condition,
        language="es",
        name="Dolor de rodilla",
        reviewed_by=reviewer,
        reviewed_on=datetime.date.today() - datetime.timedelta(days=1),
    )
    assert "Dolor de rodilla" in client.get("/api/v1/articles/pump-es/").content.decode()
    row.name = "Dolor de rodilla MAL"
    row.reviewed_by = None
    row.reviewed_on = None
    row.save()
    body = client.get("/api/v1/articles/pump-es/").content.decode()
    assert "MAL" not in body
    row.delete()
    assert "Dolor de rodilla" not in client.get("/api/v1/articles/pump-es/").content.decode()


def test_deleting_an_unused_condition_with_a_translation(client, source, people):
    from articles.models import Condition, ConditionTranslation
    from tests.factories import make_condition

    condition = make_condition(slug="knee-pain", name="Knee pain")
    ConditionTranslation.objects.create(condition=condition, language="es", name="Dolor")
    condition.delete()  # the translation goes by CASCADE; its receiver must cope
    assert not Condition.objects.filter(slug="knee-pain").exists()
    assert client.get("/api/v1/articles/pump/").status_code == 200


# Counts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["", "es", "any"])
def test_clinic_article_count_matches_its_list_in_each_language(client, source, people, language):
    """Counts (and a clinic's or condition's own article lists) follow ?language= as the article
    list does, its default included (each clinic's own language)."""
    spanish(source, people)
    query = f"&language={language}" if language else ""
    listed = client.get(f"/api/v1/articles/?clinic=wabash{query}").json()
    clinic = client.get(f"/api/v1/clinics/wabash/?language={language}").json()
    assert clinic["article_count"] == listed["count"] == (2 if language == "any" else 1)


@pytest.mark.parametrize("language", ["", "es", "any"])
def test_condition_article_count_matches_its_list_in_each_language(client, source, people, language):
    from tests.factories import make_condition

    condition = make_condition(slug="knee-pain", name="Knee pain")
    _spanish_with_condition(source, people, condition)
    query = f"&language={language}" if language else ""
    listed = client.get(f"/api/v1/articles/?condition=knee-pain{query}").json()
    topic = client.get(f"/api/v1/conditions/knee-pain/?language={language}").json()
    assert topic["article_count"] == listed["count"] == (2 if language == "any" else 1)
