"""The demo's Spanish version of the pump article and the codes on its conditions (issue 17): what
load_demo makes (articles/management/commands/_demo_spanish.py, _demo_content.CONDITION_CODES)."""

import pytest
import reversion
from django.core.management import call_command
from reversion.models import Version

from articles import accessibility, figures, workflow
from articles.management.commands import _demo_content as demo
from articles.management.commands import _demo_spanish as spanish
from articles.models import Article, ConditionCode
from articles.readability_es import measure_es
from articles.states import State
from media_library.models import Image

pytestmark = pytest.mark.django_db

SLUG = "intrathecal-pump-implant"
SPANISH_SLUG = "intrathecal-pump-implant-es"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _spanish_versions():
    return Article.objects.filter(translation_of__slug=SLUG, language="es")


def test_the_spanish_version_is_live_at_its_own_address_and_both_list_each_other(api):
    call_command("load_demo")
    article = _spanish_versions().get()
    assert article.slug == SPANISH_SLUG
    assert workflow.state_of(article) == State.LIVE

    detail = api.get(f"/api/v1/articles/{SPANISH_SLUG}/").json()
    assert (detail["language"], detail["title"], detail["summary"]) == ("es", spanish.TITLE, spanish.SUMMARY)
    assert detail["treatment"]["name"] == spanish.TREATMENT_NAME
    assert [section["heading"] for section in detail["sections"]] == [s["heading"] for s in spanish.SECTIONS]
    assert detail["candidate_criteria"] == spanish.CANDIDATE_CRITERIA
    assert detail["contraindications"] == spanish.CONTRAINDICATIONS
    # The conditions, risks and references are the English article's, shared.
    assert [c["slug"] for c in detail["conditions"]] == demo.ARTICLES[0]["conditions"]
    assert len(detail["risks"]) == len(demo.ARTICLES[0]["risks"])
    assert [(t["language"], t["slug"]) for t in detail["translations"]] == [("en", SLUG)]

    english = api.get(f"/api/v1/articles/{SLUG}/").json()
    assert english["language"] == "en"
    assert [(t["language"], t["slug"]) for t in english["translations"]] == [("es", SPANISH_SLUG)]

    spanish_list = api.get("/api/v1/articles/", {"language": "es"}).json()["results"]
    assert [item["slug"] for item in spanish_list] == [SPANISH_SLUG]
    assert SPANISH_SLUG not in {item["slug"] for item in api.get("/api/v1/articles/").json()["results"]}


def test_the_spanish_version_reads_easily_and_passes_the_publishing_checks(api):
    call_command("load_demo")
    article = _spanish_versions().get()

    text = "\n".join(article.sections.values_list("body_text", flat=True))
    assert measure_es(text).szigriszt_pazos >= 65
    readability = api.get(f"/api/v1/articles/{SPANISH_SLUG}/").json()["readability"]
    assert readability["szigriszt_pazos"] >= 65
    assert readability["flesch_kincaid_grade"] is None  # English grades do not apply
    assert readability["above_target"] is False
    assert not article.misses_target("es")
    # What "Approve and publish" would have checked (articles/workflow.py).
    assert accessibility.blocking(workflow.accessibility_issues(article)) == []
    for words in (
        "bomba intratecal",
        "catéter",
        "espacio alrededor de la médula espinal (espacio intratecal)",
    ):
        assert words in text
    assert "prueba de detección (ensayo)" in text and "recarga de la bomba" in text


def test_the_spanish_version_shows_its_own_clinical_review(api):
    call_command("load_demo")
    article = _spanish_versions().get()
    english = Article.objects.get(slug=SLUG)

    [review] = article.clinical_reviews.all()
    assert review.reviewer.name == demo.REVIEWER["name"]
    assert english.clinical_reviews.get().pk != review.pk  # reviewed on its own, not copied
    assert (article.reviewed_by, article.last_reviewed_on) == (review.reviewer, review.reviewed_on)

    detail = api.get(f"/api/v1/articles/{SPANISH_SLUG}/").json()
    assert detail["reviewed_by"]["name"] == demo.REVIEWER["name"]
    assert detail["last_reviewed_on"] == review.reviewed_on.isoformat()

    steps = list(article.transitions.values_list("actor_name", "action", "to_state"))
    assert steps == [("load_demo", "publish", State.LIVE)]
    [version] = Version.objects.get_for_object(article)  # one version, load_demo's, the live one
    assert version.revision.comment == "Demo content: Spanish version"
    assert article.publications.visible().get().revision_id == version.revision_id


def test_the_figure_stays_in_its_section_with_spanish_words(api):
    call_command("load_demo")
    article = _spanish_versions().get()
    english = Article.objects.get(slug=SLUG)
    [english_figure] = figures.references(english.sections.first().body)
    first, *others = article.sections.all()

    [figure] = figures.references(first.body)
    words = spanish.SECTIONS[0]["figures"][0]
    assert figure.image_id == english_figure.image_id  # the library's picture, shared
    assert (figure.alt, figure.caption_html) == (words["alt"], words["caption"])
    assert first.body.endswith("</figure>") and first.anchor == "que-es-una-bomba-intratecal"
    assert not any(figures.references(section.body) for section in others)
    assert article.lead_image_id == english.lead_image_id

    section = api.get(f"/api/v1/articles/{SPANISH_SLUG}/").json()["sections"][0]
    assert words["alt"] in section["body"] and words["caption"] in section["body"]
    assert Image.objects.get(pk=figure.image_id).alt_text not in section["body"]


def test_the_spanish_version_names_its_conditions_and_risks_in_reviewed_spanish(api):
    call_command("load_demo")
    detail = api.get(f"/api/v1/articles/{SPANISH_SLUG}/").json()
    assert [c["name"] for c in detail["conditions"]] == [
        spanish.CONDITION_NAMES[slug][0] for slug in demo.ARTICLES[0]["conditions"]
    ]
    assert {r["name"] for r in detail["risks"]} == {name for name, _summary in spanish.RISK_NAMES.values()}
    # The condition pages of a Spanish site: the Spanish article, under the Spanish names.
    conditions = api.get("/api/v1/conditions/", {"language": "es"}).json()["results"]
    assert {c["slug"] for c in conditions} == set(demo.ARTICLES[0]["conditions"])
    assert all(c["language"] == "es" and c["article_count"] == 1 for c in conditions)
    names = [c["name"] for c in conditions]
    assert names == sorted(names)
    # The English article keeps the English names.
    english = api.get(f"/api/v1/articles/{SLUG}/").json()
    assert english["conditions"][0]["name"] == demo.CONDITIONS[0]["name"]


def test_the_spanish_names_are_made_once_and_a_clinics_own_is_kept():
    from articles.models import Condition, ConditionTranslation

    call_command("load_demo")
    own = ConditionTranslation.objects.get(condition__slug="cancer-pain", language="es")
    own.name = "Dolor oncológico"
    own.save()
    call_command("load_demo")
    assert ConditionTranslation.objects.filter(language="es").count() == len(spanish.CONDITION_NAMES)
    assert Condition.objects.get(slug="cancer-pain").translations.get().name == "Dolor oncológico"


def test_load_demo_twice_makes_one_spanish_version(capsys):
    call_command("load_demo")
    call_command("load_demo")
    assert "nothing changed" in capsys.readouterr().out
    assert _spanish_versions().count() == 1
    assert Article.objects.filter(language="es").count() == 1


def test_a_spanish_version_staff_deleted_is_not_made_again(capsys):
    call_command("load_demo")
    _spanish_versions().delete()
    call_command("load_demo")
    assert not _spanish_versions().exists()


def test_a_demo_loaded_before_gets_the_spanish_version_only_if_the_english_is_untouched(monkeypatch):
    monkeypatch.setattr(spanish, "SOURCE_SLUG", "no-such-article")
    call_command("load_demo")
    assert not _spanish_versions().exists()

    monkeypatch.setattr(spanish, "SOURCE_SLUG", SLUG)
    call_command("load_demo")
    assert _spanish_versions().get().title == spanish.TITLE


def test_an_english_article_staff_edited_gets_no_spanish_version(monkeypatch, django_user_model):
    monkeypatch.setattr(spanish, "SOURCE_SLUG", "no-such-article")
    call_command("load_demo")
    english = Article.objects.get(slug=SLUG)
    with reversion.create_revision():
        english.save()
        reversion.set_user(django_user_model.objects.create_user("writer"))

    monkeypatch.setattr(spanish, "SOURCE_SLUG", SLUG)
    call_command("load_demo")
    assert not _spanish_versions().exists()


CODES = {
    "failed-back-surgery-syndrome": ("M96.1", "Postlaminectomy syndrome, not elsewhere classified"),
    "cancer-pain": ("G89.3", "Neoplasm related pain (acute) (chronic)"),
    "brain-or-nerve-injury-pain": ("G89.0", "Central pain syndrome"),
    "chronic-pancreatitis-pain": ("K86.1", "Other chronic pancreatitis"),
    "complex-regional-pain-syndrome": ("G90.5", "Complex regional pain syndrome I (CRPS I)"),
    "sciatica": ("M54.3", "Sciatica"),
    "spinal-stenosis": ("M48.0", "Spinal stenosis"),
    "facet-joint-arthritis": ("M47.81", "Spondylosis without myelopathy or radiculopathy"),
}


def test_the_demo_conditions_carry_their_icd10cm_codes(api):
    call_command("load_demo")
    call_command("load_demo")
    assert ConditionCode.objects.count() == len(CODES) == len(demo.CONDITIONS)
    for slug, (code, display) in CODES.items():
        [row] = ConditionCode.objects.filter(condition__slug=slug)
        assert (row.system, row.code, row.display) == ("icd10cm", code, display), slug
        row.full_clean()  # valid in the current code set
    # The API serves the conditions of live articles (the others' answer 404 until one is).
    for slug in demo.ARTICLES[0]["conditions"]:
        detail = api.get(f"/api/v1/conditions/{slug}/").json()
        assert detail["codes"] == [{"system": "icd10cm", "code": CODES[slug][0], "display": CODES[slug][1]}]

    pump = api.get(f"/api/v1/articles/{SLUG}/").json()
    assert {c["slug"]: c["codes"][0]["code"] for c in pump["conditions"]} == {
        slug: CODES[slug][0] for slug in demo.ARTICLES[0]["conditions"]
    }
    found = api.get("/api/v1/articles/", {"icd10": "G89.3"}).json()["results"]
    assert [item["slug"] for item in found] == [SLUG]


def test_codes_staff_changed_are_left_alone():
    call_command("load_demo")
    ConditionCode.objects.filter(condition__slug="sciatica").update(code="M54.31")
    call_command("load_demo")
    assert list(ConditionCode.objects.filter(condition__slug="sciatica").values_list("code", flat=True)) == [
        "M54.31"
    ]
