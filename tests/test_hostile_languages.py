"""Hostile review of ``?language=`` on clinics, conditions and risks, and of names of shared terms in
other languages (issue 17, commits 5f1084a and 084623f). Each test asserts what a patient, a
front-end developer or a clinic relies on; a failing one names a defect."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from api import purging
from articles import translations, workflow
from articles.models import (
    Article,
    ArticleCondition,
    ArticleRisk,
    Condition,
    ConditionTranslation,
    Reviewer,
    RiskTranslation,
    TopicProposal,
)
from clinics import roles
from tests.factories import (
    STAFF_PASSWORD,
    make_article,
    make_clinic,
    make_condition,
    make_risk,
    make_section,
    make_staff,
    republish,
)
from tests.test_api_caching import wsgi_get

pytestmark = pytest.mark.django_db

CHECKED_ON = datetime.date(2026, 11, 2)


# Fixtures ------------------------------------------------------------------------------------------


@pytest.fixture
def clinic():
    return make_clinic(slug="wabash", name="Wabash", article_url_template="https://wabash.example/{slug}")


@pytest.fixture
def people(clinic):
    return make_staff(clinic)


@pytest.fixture
def boss(django_user_model):
    user = django_user_model.objects.create_user("boss", password=STAFF_PASSWORD, is_staff=True)
    roles.grant(user, "Clinic admin")  # every clinic: the organisation administrator
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def reviewer():
    return Reviewer.objects.create(name="Dra. Ana Ruiz", credentials="MD")


@pytest.fixture
def knee():
    return make_condition(slug="knee-pain", name="Knee pain", summary="Pain in the knee.")


@pytest.fixture
def infection():
    return make_risk(slug="infection", name="Infection", summary="Germs get in.")


def _article(clinic, slug, conditions=(), risks=(), **options):
    article = make_article(clinic=clinic, slug=slug, title=slug.title())
    make_section(article=article, heading="What is it?", body="<p>A small pump. Call us to ask.</p>")
    for position, condition in enumerate(conditions):
        ArticleCondition.objects.create(article=article, condition=condition, position=position)
    for position, risk in enumerate(risks):
        ArticleRisk.objects.create(article=article, risk=risk, position=position)
    republish(Article.objects.get(pk=article.pk), **options)
    return Article.objects.get(pk=article.pk)


def _spanish(source, people, *, publish=True):
    translation = translations.create_translation(source, "es", by=people["wendy"])
    translation.title = "Bomba"
    translation.save()
    if publish:
        workflow.transition(Article.objects.get(pk=translation.pk), "publish", by=people["rahul"])
    return Article.objects.get(pk=translation.pk)


def _translate(topic, name, reviewer=None, language="es", summary=""):
    model = ConditionTranslation if isinstance(topic, Condition) else RiskTranslation
    field = "condition" if isinstance(topic, Condition) else "risk"
    return model.objects.create(
        **{field: topic},
        language=language,
        name=name,
        summary=summary,
        reviewed_by=reviewer,
        reviewed_on=CHECKED_ON if reviewer else None,
    )


@pytest.fixture
def pump(clinic, people, knee, infection):
    """English "pump" on knee pain and infection, live with its Spanish translation "pump-es"."""
    source = _article(clinic, "pump", conditions=[knee], risks=[infection])
    _spanish(source, people)
    return source


def _slugs(client, url):
    return [row["slug"] for row in client.get(url).json()["results"]]


# The parameter's contract: never a 500, never silently ignored -------------------------------------

ENDPOINTS = [
    "/api/v1/clinics/",
    "/api/v1/clinics/wabash/",
    "/api/v1/conditions/",
    "/api/v1/conditions/knee-pain/",
    "/api/v1/risks/",
    "/api/v1/risks/infection/",
]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    "value",
    [
        "es%00",
        "%C3%A9s",
        "any%20",
        "ANY",
        "Es",
        "es-%C3%A9%C3%A9",
        "x" * 5000,
        "es-MX-x",
        "%20es",
        "e%CC%81s",
    ],
)
def test_a_malformed_language_is_a_400_naming_it_never_a_500(client, pump, path, value):
    response = client.get(f"{path}?language={value}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert list(response.json()) == ["language"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_repeated_language_is_refused_not_silently_the_last_one(client, pump, path):
    """``?language=es&language=xx`` is ambiguous (a front end that appends its own parameter to a
    copied URL): the API must say so, as the Infobutton endpoint does for its parameters, instead
    of answering for one of them (and caching a second variant of that answer)."""
    response = client.get(f"{path}?language=es&language=xx")
    assert response.status_code == 400
    assert list(response.json()) == ["language"]


# Nothing unannounced or unchecked shows through ----------------------------------------------------


def test_a_scheduled_or_archived_spanish_version_never_opens_a_condition_in_spanish(
    client, clinic, people, knee, infection
):
    """The only Spanish article naming the term is scheduled (or archived): ``?language=es`` must
    answer exactly as for a term no Spanish article names, list, detail, count and clinic alike."""
    source = _article(clinic, "pump", conditions=[knee], risks=[infection])
    spanish = _spanish(source, people, publish=False)
    later = timezone.now() + datetime.timedelta(days=3)
    workflow.transition(spanish, "publish", by=people["rahul"], live_from=later)
    old_pain = make_condition(slug="old-pain", name="Old pain")
    archived = _spanish(_article(clinic, "old", conditions=[old_pain]), people)
    workflow.transition(archived, "archive", by=people["rahul"])
    _translate(knee, "Dolor de rodilla", Reviewer.objects.create(name="Dr. X"))

    for kind, slug in (("conditions", "knee-pain"), ("risks", "infection"), ("conditions", "old-pain")):
        assert client.get(f"/api/v1/{kind}/{slug}/?language=es").status_code == 404
        assert slug not in _slugs(client, f"/api/v1/{kind}/?language=es")
    body = client.get("/api/v1/clinics/wabash/?language=es").json()
    assert (body["article_count"], body["articles"]) == (0, [])
    assert "Dolor" not in client.get("/api/v1/conditions/?language=any").content.decode()


def test_an_unchecked_spanish_name_never_decides_the_order(client, clinic, people, reviewer):
    """Order is part of what a list shows: an unchecked name must not move a term (else the order
    of the list leaks the wording no clinician has checked)."""
    alpha = make_condition(slug="alpha", name="Alpha pain")
    mid = make_condition(slug="mid", name="Middle pain")
    zulu = make_condition(slug="zulu", name="Zulu pain")
    _spanish(_article(clinic, "pump", conditions=[alpha, mid, zulu]), people)
    _translate(zulu, "AAA sin revisar")  # unchecked: would sort first
    _translate(alpha, "Zzz sin revisar")  # unchecked: would sort last
    half = ConditionTranslation.objects.create(
        condition=mid, language="es", name="Aaa medio", reviewed_on=CHECKED_ON
    )
    assert not half.is_reviewed  # a date without a clinician is no check
    assert _slugs(client, "/api/v1/conditions/?language=es") == ["alpha", "mid", "zulu"]
    body = client.get("/api/v1/conditions/?language=es&page_size=1&page=1").json()
    assert [row["slug"] for row in body["results"]] == ["alpha"]
    assert "sin revisar" not in client.get("/api/v1/conditions/?language=es").content.decode()


def test_a_404_in_spanish_is_the_same_as_for_a_term_that_does_not_exist(client, clinic, people, knee):
    """A term only English (or only unannounced) articles name must not be told apart from a typo."""
    _article(clinic, "pump", conditions=[knee])
    known = client.get("/api/v1/conditions/knee-pain/?language=es")
    unknown = client.get("/api/v1/conditions/no-such-term/?language=es")
    assert known.status_code == unknown.status_code == 404
    assert known.json() == unknown.json()


def test_a_checked_name_in_another_language_never_shows_to_english_or_any(client, pump, knee, reviewer):
    _translate(knee, "Dolor de rodilla", reviewer, summary="Dolor en la rodilla.")
    for query in ("", "?language=en", "?language=any", "?language=en-US"):
        for url in ("/api/v1/conditions/", "/api/v1/conditions/knee-pain/"):
            assert "Dolor" not in client.get(url + query).content.decode(), url + query


def test_a_spanish_name_keeps_the_conditions_codes_and_a_field_selection(client, pump, knee, reviewer):
    from articles.models import ConditionCode

    ConditionCode.objects.create(condition=knee, system="icd10cm", code="M25.561", position=0)
    _translate(knee, "Dolor de rodilla", reviewer)
    [row] = client.get("/api/v1/conditions/?language=es").json()["results"]
    detail = client.get("/api/v1/conditions/knee-pain/?language=es").json()
    for shown in (row, detail):
        assert (shown["name"], shown["language"]) == ("Dolor de rodilla", "es")
        assert [code["code"] for code in shown["codes"]] == ["M25.561"]
    picked = client.get("/api/v1/conditions/?language=es&fields=slug,name,language").json()["results"]
    assert picked == [{"slug": "knee-pain", "name": "Dolor de rodilla", "language": "es"}]


# Caches: a change shows at once, through every layer -----------------------------------------------


def _through_cache(url):
    first = wsgi_get(url)
    assert wsgi_get(url)["body"] == first["body"]  # now kept by the response cache
    return first


@pytest.mark.parametrize("change", ["uncheck", "delete", "reword_unchecked"])
def test_taking_a_checked_name_away_shows_at_once_through_the_response_cache(pump, knee, reviewer, change):
    row = _translate(knee, "Dolor de rodilla", reviewer)
    urls = ["/api/v1/conditions/?language=es", "/api/v1/conditions/knee-pain/?language=es"]
    before = {url: _through_cache(url) for url in urls}
    assert all(b"Dolor de rodilla" in response["body"] for response in before.values())

    if change == "uncheck":
        row.reviewed_by, row.reviewed_on = None, None
        row.save()
    elif change == "delete":
        row.delete()
    else:
        ConditionTranslation.objects.filter(pk=row.pk).update(reviewed_by=None, reviewed_on=None)
        row = ConditionTranslation.objects.get(pk=row.pk)
        row.name = "Dolor nuevo"
        row.save()

    for url in urls:
        after = wsgi_get(url)
        assert b"Dolor" not in after["body"], url
        assert after["headers"]["etag"] != before[url]["headers"]["etag"]


def test_changing_a_clinics_language_shows_at_once_on_conditions_through_the_response_cache(clinic, pump):
    urls = ["/api/v1/conditions/knee-pain/", "/api/v1/risks/", "/api/v1/clinics/wabash/"]
    before = {url: _through_cache(url) for url in urls}
    assert b'"pump"' in before["/api/v1/conditions/knee-pain/"]["body"]
    clinic.default_language = "es"
    clinic.save()
    after = {url: wsgi_get(url) for url in urls}
    assert b'"pump-es"' in after["/api/v1/conditions/knee-pain/"]["body"]
    assert all(after[url]["headers"]["etag"] != before[url]["headers"]["etag"] for url in urls)


def test_changing_a_clinics_language_purges_the_condition_and_risk_pages_it_changes(
    client, clinic, pump, knee, infection, monkeypatch
):
    """Without ``?language=`` a condition counts and lists each clinic's articles in that clinic's
    own language: a new default language changes /conditions/ and /conditions/knee-pain/ (and
    the risks'). A CDN keeps those until their tags are purged."""
    condition = client.get("/api/v1/conditions/knee-pain/")
    risks = client.get("/api/v1/risks/")
    purged = []
    monkeypatch.setattr(purging, "purge_after_commit", lambda tags, **kwargs: purged.extend(tags))

    clinic.default_language = "es"
    clinic.save()

    assert client.get("/api/v1/conditions/knee-pain/").json()["articles"][0]["slug"] == "pump-es"
    for response in (condition, risks):
        shown_by = set(response["Surrogate-Key"].split())
        assert shown_by - {"api"} & set(purged), (response["Surrogate-Key"], purged)


# Names of shared terms in other languages: who writes them, and what a check covers ----------------


def _term_post(term_name, term_slug, translation=None, **row):
    data = {
        "name": term_name,
        "slug": term_slug,
        "summary": "",
        "synonyms": "",
        "codes-TOTAL_FORMS": 0,
        "codes-INITIAL_FORMS": 0,
        "translations-TOTAL_FORMS": 1,
        "translations-INITIAL_FORMS": 1 if translation else 0,
    }
    if translation is not None:
        row = {
            "id": translation.pk,
            "condition": translation.condition_id,
            "language": translation.language,
            "name": translation.name,
            "summary": translation.summary,
            "reviewed_by": translation.reviewed_by_id or "",
            "reviewed_on": translation.reviewed_on.isoformat() if translation.reviewed_on else "",
        } | row
    return data | {f"translations-0-{key}": value for key, value in row.items()}


def test_a_writer_adding_a_term_cannot_record_a_clinicians_check_of_its_spanish_name(
    client, clinic, people, reviewer
):
    """Names in other languages are the organisation administrator's to write (README); staff
    propose them. The add page lets any writer create a term together with a "checked" Spanish
    name of their own, which every clinic's Spanish articles that later name the term show."""
    client.force_login(people["wendy"])
    data = _term_post(
        "Nerve pain",
        "nerve-pain",
        language="es",
        name="NOMBRE DEL REDACTOR",
        summary="",
        reviewed_by=reviewer.pk,
        reviewed_on=CHECKED_ON.isoformat(),
    )
    client.post(reverse("admin:articles_condition_add"), data)
    assert not ConditionTranslation.objects.filter(reviewed_by__isnull=False).exists()

    # What it would do: another clinic's Spanish article names the new term.
    other = make_clinic(slug="tippecanoe")
    org = make_staff(None, suffix="-org")
    nerve = Condition.objects.get(slug="nerve-pain")
    _spanish(
        _article(other, "other", conditions=[nerve]), {"wendy": org["wendy-org"], "rahul": org["rahul-org"]}
    )
    body = client.get("/api/v1/conditions/nerve-pain/?language=es").content.decode()
    assert "NOMBRE DEL REDACTOR" not in body
    assert "NOMBRE DEL REDACTOR" not in client.get("/api/v1/articles/other-es/").content.decode()


@pytest.mark.parametrize("who", ["cora", "rahul", "wendy"])
def test_clinic_staff_cannot_check_or_reword_a_shared_name_on_the_terms_page(
    client, pump, knee, people, reviewer, who
):
    """A clinic admin of one clinic, a clinical reviewer, a writer: none is the organisation
    administrator, so none writes (or marks as checked) a name every clinic's articles show."""
    row = _translate(knee, "Dolor de rodilla")
    client.force_login(people[who])
    url = reverse("admin:articles_condition_change", args=[knee.pk])
    data = _term_post(knee.name, knee.slug, row, name="Dolor FALSO", reviewed_by=reviewer.pk)
    data["translations-0-reviewed_on"] = CHECKED_ON.isoformat()
    client.post(url, data)
    saved = ConditionTranslation.objects.get(pk=row.pk)
    assert (saved.name, saved.is_reviewed) == ("Dolor de rodilla", False)
    assert "FALSO" not in client.get("/api/v1/conditions/knee-pain/?language=es").content.decode()


def test_rewording_a_checked_name_with_an_older_check_date_is_refused(client, pump, knee, boss, reviewer):
    """The date of a check of the new wording cannot be before the check of the old one: moving
    the date back is not a new check, it is the old check passed off as covering new words."""
    row = _translate(knee, "Dolor de rodilla", reviewer)
    client.force_login(boss)
    url = reverse("admin:articles_condition_change", args=[knee.pk])
    older = (CHECKED_ON - datetime.timedelta(days=30)).isoformat()
    response = client.post(url, _term_post(knee.name, knee.slug, row, name="Dolor MAL", reviewed_on=older))
    assert response.status_code == 200
    assert ConditionTranslation.objects.get(pk=row.pk).name == "Dolor de rodilla"
    assert "MAL" not in client.get("/api/v1/conditions/knee-pain/?language=es").content.decode()


def test_moving_a_checked_name_to_another_language_without_a_new_check_is_refused(
    client, pump, knee, boss, reviewer
):
    row = _translate(knee, "Knee ache", reviewer)  # a check of it as Spanish
    client.force_login(boss)
    url = reverse("admin:articles_condition_change", args=[knee.pk])
    response = client.post(url, _term_post(knee.name, knee.slug, row, language="en"))
    assert response.status_code == 200
    assert ConditionTranslation.objects.get(pk=row.pk).language == "es"


# Proposals -----------------------------------------------------------------------------------------


def _propose(client, topic, language="es", name="Dolor de rodilla", summary=""):
    url = reverse("admin:articles_condition_propose", args=[topic.pk])
    return client.post(url, {"language": language, "name": name, "summary": summary, "reason": "Español."})


def _apply(client, *proposals):
    return client.post(
        reverse("admin:articles_topicproposal_changelist"),
        {"action": "apply", "_selected_action": [p.pk for p in proposals]},
        follow=True,
    )


@pytest.mark.parametrize("language", ["en", "EN", "fr", "es-MX", "es "])
def test_a_proposal_in_the_terms_own_or_an_unknown_language_is_refused(client, pump, knee, people, language):
    client.force_login(people["wendy"])
    response = _propose(client, knee, language=language)
    assert response.status_code == 200
    assert not TopicProposal.objects.exists()


def test_applying_a_proposal_twice_changes_nothing_the_second_time(
    client, pump, knee, people, boss, reviewer
):
    client.force_login(people["wendy"])
    _propose(client, knee, name="Dolor de rodilla")
    proposal = TopicProposal.objects.get()
    client.force_login(boss)
    _apply(client, proposal)
    row = ConditionTranslation.objects.get(condition=knee, language="es")
    row.reviewed_by, row.reviewed_on = reviewer, CHECKED_ON
    row.save()

    page = _apply(client, TopicProposal.objects.get(pk=proposal.pk)).content.decode()
    assert "0 proposals applied" in page
    saved = ConditionTranslation.objects.get(pk=row.pk)
    assert (saved.name, saved.is_reviewed) == ("Dolor de rodilla", True)
    assert client.get("/api/v1/conditions/knee-pain/?language=es").json()["name"] == "Dolor de rodilla"


def test_a_batch_with_a_proposal_that_cannot_apply_saves_it_not_at_all(
    client, pump, knee, infection, people, boss
):
    """A language dropped from CONTENT_LANGUAGES since it was proposed: that proposal is reported and
    stays open, with no translation row half-made; the others in the batch apply."""
    bad = TopicProposal.objects.create(condition=knee, language="fr", name="Douleur", reason="r")
    good = TopicProposal.objects.create(risk=infection, language="es", name="Infección", reason="r")
    client.force_login(boss)
    page = _apply(client, bad, good).content.decode()
    assert "not applied" in page
    assert TopicProposal.objects.get(pk=bad.pk).status == TopicProposal.Status.OPEN
    assert not ConditionTranslation.objects.exists()
    assert TopicProposal.objects.get(pk=good.pk).status == TopicProposal.Status.APPLIED
    assert RiskTranslation.objects.get(risk=infection).is_reviewed is False


@pytest.mark.parametrize("who", ["cora", "rahul", "wendy"])
def test_only_the_organisation_administrator_applies_a_proposal(client, pump, knee, people, who):
    proposal = TopicProposal.objects.create(condition=knee, language="es", name="Dolor", reason="r")
    client.force_login(people[who])
    _apply(client, proposal)
    assert TopicProposal.objects.get(pk=proposal.pk).status == TopicProposal.Status.OPEN
    assert not ConditionTranslation.objects.exists()


def test_another_clinics_staff_never_see_a_clinics_proposal(client, pump, knee, people):
    client.force_login(people["wendy"])
    _propose(client, knee, name="PROPUESTA DE WABASH")
    other = make_staff(make_clinic(slug="tippecanoe"), suffix="-b")
    client.force_login(other["cora-b"])
    page = client.get(reverse("admin:articles_topicproposal_changelist")).content.decode()
    assert "PROPUESTA DE WABASH" not in page


# Query budgets ---------------------------------------------------------------------------------------


def _queries(url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        from django.test import Client

        assert Client().get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/clinics/?language=es&page_size=100",
        "/api/v1/clinics/wabash/?language=es",
        "/api/v1/conditions/?language=es&page_size=100",
        "/api/v1/risks/?language=es&page_size=100",
        "/api/v1/risks/infection/?language=es",
        "/api/v1/conditions/?page_size=100",
        "/api/v1/risks/?language=any&page_size=100",
    ],
)
def test_queries_do_not_grow_with_clinics_terms_articles_or_translations(clinic, reviewer, url):
    people = make_staff(None, suffix="-all")
    people = {"wendy": people["wendy-all"], "rahul": people["rahul-all"]}
    infection = make_risk(slug="infection", name="Infection")

    def add(n):
        conditions = [make_condition(slug=f"c-{n}-{i}", name=f"C {n} {i}") for i in range(3)]
        risks = [infection, *(make_risk(slug=f"r-{n}-{i}", name=f"R {n} {i}") for i in range(3))]
        other = make_clinic(slug=f"clinic-x{n}", contact_links=2)
        for where in (clinic, other):
            _spanish(_article(where, f"a-{n}-{where.pk}", conditions=conditions, risks=risks), people)
        for topic in [*conditions, *risks[1:]]:
            _translate(topic, f"Nombre {topic.pk}", reviewer)

    add(0)
    few = _queries(url)
    for n in range(1, 3):
        add(n)
    assert _queries(url) == few


def test_a_check_dated_tomorrow_is_refused_on_the_terms_page(client, pump, knee, boss, reviewer):
    row = _translate(knee, "Dolor de rodilla")
    client.force_login(boss)
    url = reverse("admin:articles_condition_change", args=[knee.pk])
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        url, _term_post(knee.name, knee.slug, row, reviewed_by=reviewer.pk, reviewed_on=tomorrow)
    )
    assert response.status_code == 200
    assert not ConditionTranslation.objects.get(pk=row.pk).is_reviewed
    assert client.get("/api/v1/conditions/knee-pain/?language=es").json()["name"] == "Knee pain"
