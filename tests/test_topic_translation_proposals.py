"""Names in other languages for shared conditions and risks (issue 17): clinic staff, who may not
change a shared term, propose its Spanish name; the organisation administrator applies it; patients
see it only once a clinician's check is recorded, and new wording is never covered by the check of
the old."""

import datetime

import pytest
from django.urls import reverse

from articles import translations, workflow
from articles.models import Article, ConditionTranslation, Reviewer, TopicProposal
from clinics import roles
from tests.factories import STAFF_PASSWORD, make_article, make_clinic, make_condition, make_staff

pytestmark = pytest.mark.django_db

CHECKED_ON = datetime.date(2026, 11, 2)


@pytest.fixture
def setting(django_user_model):
    clinic = make_clinic(slug="wabash")
    cancer = make_condition(name="Cancer pain", slug="cancer-pain", summary="Pain from cancer.")
    source = make_article(clinic=clinic, slug="pump", conditions=[cancer])
    staff = make_staff(clinic=clinic)
    translation = translations.create_translation(Article.objects.get(pk=source.pk), "es", by=staff["wendy"])
    workflow.transition(Article.objects.get(pk=translation.pk), "publish", by=staff["rahul"])
    boss = django_user_model.objects.create_user("boss", password=STAFF_PASSWORD, is_staff=True)
    roles.grant(boss, "Clinic admin")  # every clinic
    reviewer = Reviewer.objects.create(name="Dra. Ana Ruiz", credentials="MD")
    return {"cancer": cancer, "boss": boss, "reviewer": reviewer, **staff}


def _propose_spanish(client, condition, name="Dolor por cáncer", summary="Dolor causado por el cáncer."):
    url = reverse("admin:articles_condition_propose", args=[condition.pk])
    return client.post(
        url, {"language": "es", "name": name, "summary": summary, "reason": "Para la versión en español."}
    )


def _apply(client, proposal):
    return client.post(
        reverse("admin:articles_topicproposal_changelist"),
        {"action": "apply", "_selected_action": [proposal.pk]},
        follow=True,
    )


def _spanish_name(api):
    return api.get("/api/v1/articles/pump-es/").json()["conditions"][0]["name"]


def test_the_condition_page_offers_a_spanish_name_to_those_who_cannot_change_it(client, setting):
    client.force_login(setting["wendy"])
    page = client.get(
        reverse("admin:articles_condition_change", args=[setting["cancer"].pk])
    ).content.decode()
    assert "Propose its name in Spanish" in page
    form = client.get(
        reverse("admin:articles_condition_propose", args=[setting["cancer"].pk]), {"language": "es"}
    ).content.decode()
    assert '<option value="es" selected>' in form


def test_a_spanish_name_proposed_and_applied_shows_only_once_a_clinician_checked_it(client, api, setting):
    client.force_login(setting["wendy"])
    assert _propose_spanish(client, setting["cancer"]).status_code == 302
    proposal = TopicProposal.objects.get()
    assert (proposal.language, proposal.name) == ("es", "Dolor por cáncer")
    assert _spanish_name(api) == "Cancer pain"  # proposing changes nothing public

    client.force_login(setting["boss"])
    page = _apply(client, proposal).content.decode()
    assert "wait for a clinician" in page
    translation = ConditionTranslation.objects.get(condition=setting["cancer"], language="es")
    assert (translation.name, translation.is_reviewed) == ("Dolor por cáncer", False)
    assert _spanish_name(api) == "Cancer pain"  # not checked yet
    assert setting["cancer"].__class__.objects.get(pk=setting["cancer"].pk).name == "Cancer pain"

    translation.reviewed_by, translation.reviewed_on = setting["reviewer"], CHECKED_ON
    translation.save()
    assert _spanish_name(api) == "Dolor por cáncer"


def test_applying_new_wording_to_a_checked_name_takes_the_check_away(client, api, setting):
    ConditionTranslation.objects.create(
        condition=setting["cancer"],
        language="es",
        name="Dolor por cáncer",
        reviewed_by=setting["reviewer"],
        reviewed_on=CHECKED_ON,
    )
    assert _spanish_name(api) == "Dolor por cáncer"
    client.force_login(setting["wendy"])
    _propose_spanish(client, setting["cancer"], name="Dolor oncológico SIN REVISAR")
    client.force_login(setting["boss"])
    _apply(client, TopicProposal.objects.get())
    assert not ConditionTranslation.objects.get(condition=setting["cancer"]).is_reviewed
    assert _spanish_name(api) == "Cancer pain"


def test_an_unknown_language_is_refused_and_saves_nothing(client, setting):
    client.force_login(setting["wendy"])
    url = reverse("admin:articles_condition_propose", args=[setting["cancer"].pk])
    response = client.post(url, {"language": "xx", "name": "N", "summary": "", "reason": "R"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not TopicProposal.objects.exists()


# The condition's own page: rewording a checked name ---------------------------------------------


def _inline_post(condition, translation, **changes):
    row = {
        "translations-0-id": translation.pk,
        "translations-0-condition": condition.pk,
        "translations-0-language": translation.language,
        "translations-0-name": translation.name,
        "translations-0-summary": translation.summary,
        "translations-0-reviewed_by": translation.reviewed_by_id or "",
        "translations-0-reviewed_on": translation.reviewed_on.isoformat() if translation.reviewed_on else "",
    }
    row |= {f"translations-0-{name}": value for name, value in changes.items()}
    return {
        "name": condition.name,
        "slug": condition.slug,
        "summary": condition.summary,
        "synonyms": "",
        "codes-TOTAL_FORMS": 0,
        "codes-INITIAL_FORMS": 0,
        "translations-TOTAL_FORMS": 1,
        "translations-INITIAL_FORMS": 1,
        **row,
    }


@pytest.fixture
def checked(setting):
    return ConditionTranslation.objects.create(
        condition=setting["cancer"],
        language="es",
        name="Dolor por cáncer",
        reviewed_by=setting["reviewer"],
        reviewed_on=CHECKED_ON,
    )


def test_rewording_a_checked_name_needs_a_new_check_date(client, api, setting, checked):
    client.force_login(setting["boss"])
    url = reverse("admin:articles_condition_change", args=[setting["cancer"].pk])
    response = client.post(url, _inline_post(setting["cancer"], checked, name="Dolor MAL"))
    assert response.status_code == 200
    assert "checked the earlier wording" in response.content.decode()
    assert ConditionTranslation.objects.get(pk=checked.pk).name == "Dolor por cáncer"
    assert _spanish_name(api) == "Dolor por cáncer"


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "Dolor oncológico", "reviewed_on": "2026-11-20"},  # checked again
        {"name": "Dolor oncológico", "reviewed_by": "", "reviewed_on": ""},  # not checked yet
        {"reviewed_on": "2026-11-20"},  # same words, a later check
    ],
)
def test_a_checked_name_may_change_with_its_check(client, setting, checked, changes):
    client.force_login(setting["boss"])
    url = reverse("admin:articles_condition_change", args=[setting["cancer"].pk])
    response = client.post(url, _inline_post(setting["cancer"], checked, **changes))
    assert response.status_code == 302, response.content.decode()[-3000:]
    saved = ConditionTranslation.objects.get(pk=checked.pk)
    assert saved.name == changes.get("name", "Dolor por cáncer")


def _add_on_the_terms_page(client, setting, name):
    """POST the condition's page with a new, checked Spanish name in its translations inline."""
    url = reverse("admin:articles_condition_change", args=[setting["cancer"].pk])
    new = ConditionTranslation(
        condition=setting["cancer"],
        language="es",
        name=name,
        reviewed_by=setting["reviewer"],
        reviewed_on=CHECKED_ON,
    )
    data = _inline_post(setting["cancer"], new) | {"translations-INITIAL_FORMS": 0, "translations-0-id": ""}
    return client.post(url, data)


def test_clinic_staff_cannot_write_a_shared_terms_names_directly(client, api, setting):
    client.force_login(setting["wendy"])
    assert _add_on_the_terms_page(client, setting, "FALSO").status_code == 403
    assert not ConditionTranslation.objects.exists()
    assert _spanish_name(api) == "Cancer pain"


def test_the_organisation_administrator_writes_them_on_the_terms_page(client, api, setting):
    client.force_login(setting["boss"])
    assert _add_on_the_terms_page(client, setting, "Dolor por cáncer").status_code == 302
    assert _spanish_name(api) == "Dolor por cáncer"
