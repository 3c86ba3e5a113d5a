"""Reading grades of sections and articles: computed on save, shown in the admin and the API,
filtered on, and (when configured) a condition for publishing."""

import io
from html import escape

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles import workflow
from articles.models import Article, ArticleTransition, Publication, Section
from articles.readability import measure
from clinics import roles
from tests.admin_forms import add_rows, form_data
from tests.factories import make_article, make_draft, make_section, republish

pytestmark = pytest.mark.django_db

PLAIN = "<p>The pump is small. It sits under the skin. A thin tube takes the medicine to your spine.</p>"
PLAIN_TEXT = "The pump is small. It sits under the skin. A thin tube takes the medicine to your spine."
DENSE = (
    "<p>Intrathecal administration of morphine necessitates meticulous individualised titration, "
    "considering pharmacokinetic variability, concomitant systemic medications and "
    "comorbidities.</p>"
)
DENSE_HEADING = "Pharmacological considerations"


def grades(obj) -> tuple:
    return obj.flesch_kincaid_grade, obj.smog_grade


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def test_a_section_is_graded_on_save_from_its_text_without_html():
    section = make_section(article=make_draft(), body=PLAIN.replace("small", "<strong>small</strong>"))

    expected = measure(PLAIN_TEXT)
    assert (section.word_count, section.sentence_count) == (expected.words, expected.sentences) == (18, 3)
    assert grades(fresh(section)) == (expected.flesch_kincaid_grade, expected.smog_grade)


def test_tags_and_attributes_are_not_counted_as_words():
    linked = make_section(
        article=make_draft(),
        body='<p>Call <a href="https://clinic.example/extraordinarily-complicated-address">us</a> today.</p>',
    )

    assert (linked.word_count, linked.polysyllable_count) == (3, 0)


def test_article_grades_are_the_formulas_applied_to_all_its_sections_together():
    article = make_draft()
    make_section(article=article, position=1, heading="Plain", body=PLAIN)
    make_section(article=article, position=2, heading=DENSE_HEADING, body=DENSE)

    together = measure(PLAIN_TEXT) + measure(Section.objects.get(heading=DENSE_HEADING).body_text)
    assert grades(fresh(article)) == (together.flesch_kincaid_grade, together.smog_grade)


def test_article_grades_follow_sections_being_edited_and_deleted():
    article = make_draft()
    make_section(article=article, position=1, heading="Plain", body=PLAIN)
    dense = make_section(article=article, position=2, heading=DENSE_HEADING, body=DENSE)
    assert fresh(article).is_above_target

    dense.body = PLAIN
    dense.save()
    assert grades(fresh(article)) == grades(fresh(dense))
    assert not fresh(article).is_above_target

    Section.objects.filter(article=article).delete()
    assert grades(fresh(article)) == (None, None)


def test_saving_an_article_loaded_before_its_sections_changed_keeps_the_current_grades():
    article = make_draft()
    stale = Article.objects.get(pk=article.pk)
    make_section(article=article, body=DENSE)

    stale.title = "Renamed"
    stale.save()

    assert grades(fresh(article)) == grades(Section.objects.get(article=article))


def test_the_target_is_a_setting(settings):
    article = make_draft()
    make_section(article=article, body=PLAIN)
    grade = fresh(article).reading_grade

    settings.READABILITY_TARGET_GRADE = grade - 0.5
    assert fresh(article).is_above_target
    settings.READABILITY_TARGET_GRADE = grade
    assert not fresh(article).is_above_target


def test_refresh_content_regrades_rows_written_without_signals():
    article = make_draft()
    section = make_section(article=article, body=PLAIN)
    Section.objects.filter(pk=section.pk).update(
        body=DENSE, body_text=DENSE.removeprefix("<p>").removesuffix("</p>")
    )

    call_command("refresh_content", stdout=io.StringIO())

    dense = measure(Section.objects.get(pk=section.pk).body_text)
    assert grades(fresh(section)) == grades(fresh(article)) == (dense.flesch_kincaid_grade, dense.smog_grade)


# --- API ---------------------------------------------------------------------------------------------


def test_api_detail_reports_grades_and_flags_what_is_above_target(api):
    article = make_article(slug="pump")
    make_section(article=article, position=1, heading="Plain", body=PLAIN)
    make_section(article=article, position=2, heading=DENSE_HEADING, body=DENSE)
    republish(article)
    article = fresh(article)
    plain, dense = Section.objects.filter(article=article).order_by("position")

    readability = api.get("/api/v1/articles/pump/").json()["readability"]

    assert readability == {
        "flesch_kincaid_grade": article.flesch_kincaid_grade,
        "smog_grade": article.smog_grade,
        # An English article: the Spanish scores are null.
        "fernandez_huerta": None,
        "szigriszt_pazos": None,
        "inflesz_band": None,
        "above_target": True,
        "target_grade": 8.0,
        "sections": [
            {
                "anchor": "plain",
                "heading": "Plain",
                "flesch_kincaid_grade": plain.flesch_kincaid_grade,
                "smog_grade": plain.smog_grade,
                "fernandez_huerta": None,
                "szigriszt_pazos": None,
                "inflesz_band": None,
                "above_target": False,
            },
            {
                "anchor": "pharmacological-considerations",
                "heading": DENSE_HEADING,
                "flesch_kincaid_grade": dense.flesch_kincaid_grade,
                "smog_grade": dense.smog_grade,
                "fernandez_huerta": None,
                "szigriszt_pazos": None,
                "inflesz_band": None,
                "above_target": True,
            },
        ],
    }
    assert plain.reading_grade < 8 < dense.reading_grade


def test_demo_articles_are_graded_and_the_pump_article_is_within_the_target(api):
    call_command("load_demo", stdout=io.StringIO())

    pump = api.get("/api/v1/articles/intrathecal-pump-implant/").json()["readability"]

    assert pump["above_target"] is False
    assert 0 < pump["flesch_kincaid_grade"] <= 8
    assert 0 < pump["smog_grade"] <= 8
    assert len(pump["sections"]) == 6
    assert not Article.objects.filter(flesch_kincaid_grade__isnull=True).exists()


# --- Admin -------------------------------------------------------------------------------------------


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def test_admin_change_page_shows_grades_next_to_the_target_and_flags_sections_above_it(staff_client):
    article = make_draft()
    make_section(article=article, position=1, heading="Plain", body=PLAIN)
    make_section(article=article, position=2, heading=DENSE_HEADING, body=DENSE)
    dense = Section.objects.get(heading=DENSE_HEADING)

    page = staff_client.get(change_url(article)).content.decode()

    assert page.count('class="readability-above-target"') == 2  # the article and the dense section
    assert page.count('class="readability-within-target"') == 1  # the plain section
    assert "target: grade 8" in page
    assert f"SMOG {dense.smog_grade:g}" in page
    assert escape(f"Sections above the target: “{DENSE_HEADING}” (grade {dense.reading_grade:g})") in page


def test_admin_grades_a_section_as_soon_as_it_is_saved_in_the_form(staff_client):
    article = make_draft(slug="new-one")
    data = form_data(staff_client.get(change_url(article)))
    add_rows(data, "sections", [{"position": "1", "heading": DENSE_HEADING, "body": DENSE}])

    response = staff_client.post(change_url(article), data)

    assert response.status_code == 302
    assert fresh(article).is_above_target
    assert "readability-above-target" in staff_client.get(change_url(article)).content.decode()


def test_admin_list_filters_articles_above_the_target(staff_client, settings):
    hard = make_draft(title="Hard article")
    make_section(article=hard, body=DENSE)
    easy = make_draft(title="Easy article")
    make_section(article=easy, body=PLAIN)
    make_draft(title="Empty article")
    changelist = reverse("admin:articles_article_changelist")

    above = staff_client.get(changelist, {"reading": "above"}).context["cl"].result_list
    within = staff_client.get(changelist, {"reading": "within"}).context["cl"].result_list

    assert [article.title for article in above] == ["Hard article"]
    assert [article.title for article in within] == ["Easy article"]
    settings.READABILITY_TARGET_GRADE = 100
    assert list(staff_client.get(changelist, {"reading": "above"}).context["cl"].result_list) == []


# --- Publishing ----------------------------------------------------------------------------------------


@pytest.fixture
def reviewer(django_user_model):
    user = django_user_model.objects.create_user(
        "reviewer", "r@clinic.example", "long-Pass-9921", is_staff=True
    )
    roles.grant(user, "Clinical reviewer")
    return user


def hard_draft():
    article = make_draft(title="Hard article")
    make_section(article=article, position=1, heading="Plain", body=PLAIN)
    make_section(article=article, position=2, heading=DENSE_HEADING, body=DENSE)
    make_section(
        article=article,
        position=3,
        heading="Contraindications",
        body="<p>Contraindications encompass uncontrolled coagulopathy and systemic infection.</p>",
    )
    return fresh(article)


def test_publishing_refuses_an_article_above_target_when_configured_naming_the_worst_sections(
    settings, reviewer
):
    settings.READABILITY_BLOCKS_PUBLISHING = True
    article = hard_draft()
    worst, second = sorted(
        (s for s in Section.objects.filter(article=article) if s.is_above_target),
        key=lambda s: -s.reading_grade,
    )

    with pytest.raises(Exception) as refused:
        workflow.transition(article, "publish", by=reviewer)

    message = " ".join(refused.value.messages)
    assert f"reads at grade {article.reading_grade:g}, above the target of grade 8" in message
    assert f"“{worst.heading}” (grade {worst.reading_grade:g}); “{second.heading}”" in message
    assert "“Plain”" not in message
    assert fresh(article).status == Article.Status.DRAFT
    assert not ArticleTransition.objects.filter(article=article).exists()
    assert not Publication.objects.filter(article=article).exists()


def test_publishing_in_the_admin_shows_the_readability_refusal(client, settings, reviewer):
    settings.READABILITY_BLOCKS_PUBLISHING = True
    article = hard_draft()
    client.force_login(reviewer)

    response = client.post(
        reverse("admin:articles_article_transition", args=[article.pk, "publish"]),
        {"note": "", "version": str(article.lock_version)},
    )

    assert response.status_code == 200
    assert escape(f"“{DENSE_HEADING}”") in response.content.decode()
    assert fresh(article).status == Article.Status.DRAFT
    assert not Publication.objects.filter(article=article).exists()


def test_publishing_an_article_above_target_is_allowed_by_default(reviewer):
    article = hard_draft()

    workflow.transition(article, "publish", by=reviewer)

    assert fresh(article).status == Article.Status.PUBLISHED


def test_an_article_within_target_publishes_when_the_rule_is_on(settings, reviewer):
    settings.READABILITY_BLOCKS_PUBLISHING = True
    article = make_draft()
    make_section(article=article, body=PLAIN)

    workflow.transition(article, "publish", by=reviewer)

    assert fresh(article).status == Article.Status.PUBLISHED
