import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from articles import workflow
from articles.models import Article, ArticleCondition, ArticleRisk, Section
from tests.admin_forms import ADD_ARTICLE, add_rows, form_data, new_article_data
from tests.factories import (
    make_article,
    make_clinic,
    make_condition,
    make_draft,
    make_risk,
    make_scheduled,
    make_section,
)

pytestmark = pytest.mark.django_db

ARTICLES = reverse("admin:articles_article_changelist")
CONDITIONS = reverse("admin:articles_condition_changelist")
RISKS = reverse("admin:articles_risk_changelist")


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def column(response, field: str) -> dict[str, str]:
    """A changelist column as {text of the row's link: text of the ``field`` cell, without markup}."""
    rows = re.findall(r"<tr>(.*?)</tr>", response.content.decode(), re.S)
    cells = {}
    for row in rows:
        link = re.search(r'<th class="field-[^"]+"><a href="[^"]+">(.*?)</a></th>', row)
        cell = re.search(rf'<td class="field-{field}[^"]*">(.*?)</td>', row)
        if link and cell:
            cells[link.group(1)] = re.sub(r"<[^>]+>", "", cell.group(1))
    return cells


def listed(response) -> list[str]:
    return [article.title for article in response.context["cl"].result_list]


def inline_errors(response, prefix: str) -> list[dict]:
    inline = next(i for i in response.context["inline_admin_formsets"] if i.formset.prefix == prefix)
    return inline.formset.errors


def assert_form_error(response, message):
    assert response.status_code == 200
    assert "Please correct the error" in response.content.decode()
    assert escape(message) in response.content.decode()


def assert_body_error_shown(response):
    """The one section row has an error on its body, and the page shows it."""
    (errors,) = inline_errors(response, "sections")
    assert list(errors) == ["body"]
    assert escape(errors["body"][0]) in response.content.decode()


# --- Every page answers -------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["article", "condition", "risk"])
def test_article_admin_add_pages_open(staff_client, model):
    assert staff_client.get(reverse(f"admin:articles_{model}_add")).status_code == 200


def test_article_admin_change_pages_open_for_a_full_article(staff_client):
    condition, risk = make_condition(), make_risk()
    article = make_article(sections=2, conditions=[condition], risks=[risk], criteria=2)

    for url in (
        change_url(article),
        reverse("admin:articles_condition_change", args=[condition.pk]),
        reverse("admin:articles_risk_change", args=[risk.pk]),
    ):
        assert staff_client.get(url).status_code == 200


def test_article_admin_changelists_open_with_rows_in_them(staff_client):
    conditions, risks = [make_condition(), make_condition()], [make_risk()]
    make_article(sections=1, conditions=conditions, risks=risks)
    make_draft()
    make_scheduled()

    for url, rows in ((ARTICLES, 3), (CONDITIONS, 2), (RISKS, 1)):
        response = staff_client.get(url)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == rows


# --- Changelist search and filters --------------------------------------------------------------


def test_article_search_finds_words_in_a_section_text(staff_client):
    wanted = make_article(title="Nerve blocks")
    make_section(
        article=wanted, heading="Who is it for?", body="<p>People living with <em>sciatica</em>.</p>"
    )
    other = make_article(title="Knee injections")
    make_section(article=other, heading="Who is it for?", body="<p>People with knee arthritis.</p>")

    response = staff_client.get(ARTICLES, {"q": "sciatica"})

    assert listed(response) == ["Nerve blocks"]


def test_article_search_does_not_match_html_tag_names(staff_client):
    article = make_article(title="Nerve blocks")
    make_section(article=article, body="<p>A <strong>short</strong> procedure.</p>")

    assert listed(staff_client.get(ARTICLES, {"q": "strong"})) == []


def make_live_with_changes(**fields) -> Article:
    """A live article whose working copy was edited since it was approved."""
    article = make_article(**fields)
    make_section(article=article, heading="Not approved yet")
    workflow.working_copy_changed(article, by=None)
    return article


def test_article_changelist_filters_by_state(staff_client):
    make_article(title="Live")
    make_draft(title="Unfinished")
    make_live_with_changes(title="Being rewritten")

    assert listed(staff_client.get(ARTICLES, {"state": "draft"})) == ["Unfinished"]
    assert listed(staff_client.get(ARTICLES, {"state": "live_with_changes"})) == ["Being rewritten"]
    assert listed(staff_client.get(ARTICLES, {"state": "live"})) == ["Live"]


def test_article_changelist_filters_by_clinic(staff_client):
    lafayette, muncie = make_clinic(), make_clinic()
    make_article(title="From Lafayette", clinic=lafayette)
    make_article(title="From Muncie", clinic=muncie)

    assert listed(staff_client.get(ARTICLES, {"clinic__id__exact": lafayette.pk})) == ["From Lafayette"]


def test_article_changelist_filters_by_condition(staff_client):
    sciatica, migraine = make_condition(name="Sciatica"), make_condition(name="Migraine")
    make_article(title="Nerve blocks", conditions=[sciatica, migraine])
    make_article(title="Botox for migraine", conditions=[migraine])
    make_article(title="General advice")

    assert listed(staff_client.get(ARTICLES, {"conditions__id__exact": sciatica.pk})) == ["Nerve blocks"]


# --- Saving a whole article through the add form ------------------------------------------------


def test_article_add_form_saves_the_article_with_all_its_inlines_in_order(staff_client):
    clinic = make_clinic()
    sciatica, back_pain = make_condition(name="Sciatica"), make_condition(name="Back pain")
    infection, bruising = make_risk(name="Infection"), make_risk(name="Bruising")
    data = new_article_data(staff_client, clinic)
    add_rows(
        data,
        "sections",
        [
            {"position": "1", "heading": "What is it?", "body": "<p>An injection near a nerve.</p>"},
            {"position": "2", "heading": "Does it hurt?", "body": "<p>Only a <strong>little</strong>.</p>"},
        ],
    )
    # Posted against name order: the stored order must be the posted one.
    add_rows(
        data,
        "article_conditions",
        [{"position": "1", "condition": sciatica.pk}, {"position": "2", "condition": back_pain.pk}],
    )
    add_rows(
        data,
        "article_risks",
        [{"position": "1", "risk": infection.pk}, {"position": "2", "risk": bruising.pk}],
    )
    add_rows(
        data,
        "candidate_criteria",
        [
            {"position": "1", "text": "Pain runs down one leg."},
            {"position": "2", "text": "Other treatments have not helped."},
        ],
    )

    response = staff_client.post(ADD_ARTICLE, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get()
    assert (article.title, article.slug, article.summary, article.clinic, article.status) == (
        "Nerve blocks",
        "nerve-blocks",
        "What a nerve block is and who it helps.",
        clinic,
        Article.Status.DRAFT,
    )
    assert list(article.sections.values_list("position", "heading", "anchor", "body")) == [
        (1, "What is it?", "what-is-it", "<p>An injection near a nerve.</p>"),
        (2, "Does it hurt?", "does-it-hurt", "<p>Only a <strong>little</strong>.</p>"),
    ]
    assert [link.condition for link in article.article_conditions.all()] == [sciatica, back_pain]
    assert [link.risk for link in article.article_risks.all()] == [infection, bruising]
    assert list(article.candidate_criteria.values_list("text", flat=True)) == [
        "Pain runs down one leg.",
        "Other treatments have not helped.",
    ]


def test_article_add_form_keeps_the_posted_order_of_conditions_and_risks(staff_client):
    first_condition, second_condition = make_condition(name="A first"), make_condition(name="B second")
    first_risk, second_risk = make_risk(name="A first"), make_risk(name="B second")
    data = new_article_data(staff_client, make_clinic())
    # The editor dragged the second of each above the first: positions, not row order, decide.
    add_rows(
        data,
        "article_conditions",
        [
            {"position": "2", "condition": first_condition.pk},
            {"position": "1", "condition": second_condition.pk},
        ],
    )
    add_rows(
        data,
        "article_risks",
        [{"position": "2", "risk": first_risk.pk}, {"position": "1", "risk": second_risk.pk}],
    )

    assert staff_client.post(ADD_ARTICLE, data).status_code == 302

    article = Article.objects.get()
    assert [link.condition for link in article.article_conditions.all()] == [
        second_condition,
        first_condition,
    ]
    assert [link.risk for link in article.article_risks.all()] == [second_risk, first_risk]


def test_article_add_form_stores_a_section_body_sanitised(staff_client):
    data = new_article_data(staff_client, make_clinic())
    add_rows(
        data,
        "sections",
        [
            {
                "position": "1",
                "heading": "Hello",
                "body": '<script>alert(1)</script><p onclick="x">Hi <a href="javascript:alert(1)">x</a></p>',
            }
        ],
    )

    assert staff_client.post(ADD_ARTICLE, data).status_code == 302

    section = Section.objects.get()
    assert section.body == '<p>Hi <a rel="noopener noreferrer">x</a></p>'
    assert "script" not in section.body
    assert "onclick" not in section.body
    assert "javascript:" not in section.body
    assert section.body_text == "Hi x"


def test_article_add_form_gives_two_sections_with_one_heading_distinct_anchors(staff_client):
    data = new_article_data(staff_client, make_clinic())
    add_rows(
        data,
        "sections",
        [
            {"position": "1", "heading": "Aftercare", "body": "<p>Rest.</p>"},
            {"position": "2", "heading": "Aftercare", "body": "<p>Ice.</p>"},
        ],
    )

    assert staff_client.post(ADD_ARTICLE, data).status_code == 302

    assert list(Section.objects.values_list("anchor", flat=True)) == ["aftercare", "aftercare-2"]


def test_article_add_form_cannot_set_the_workflow_status(staff_client):
    data = new_article_data(staff_client, make_clinic(), status="published", published_at_0="2024-03-05")

    response = staff_client.post(ADD_ARTICLE, data)

    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.status, article.published_at) == (Article.Status.DRAFT, None)


# --- Editing through the change form ------------------------------------------------------------


def test_article_change_form_reorders_sections_and_keeps_their_anchors(staff_client):
    article = make_article(sections=2)  # "Section 1" (section-1) at 1, "Section 2" (section-2) at 2
    data = form_data(staff_client.get(change_url(article)))
    assert (data["sections-0-heading"], data["sections-1-heading"]) == ("Section 1", "Section 2")
    data |= {"sections-0-position": "2", "sections-1-position": "1"}

    response = staff_client.post(change_url(article), data)

    assert response.status_code == 302
    assert list(article.sections.values_list("heading", "anchor")) == [
        ("Section 2", "section-2"),
        ("Section 1", "section-1"),
    ]


def test_article_change_form_keeps_a_section_anchor_when_its_heading_is_edited(staff_client):
    article = make_article()
    make_section(article=article, position=1, heading="Does it hurt?")
    make_section(article=article, position=2, heading="Aftercare")
    data = form_data(staff_client.get(change_url(article)))
    data |= {"sections-0-heading": "Is it painful?", "sections-0-position": "2", "sections-1-position": "1"}

    assert staff_client.post(change_url(article), data).status_code == 302

    # Links to #does-it-hurt that patients already shared keep working.
    assert list(article.sections.values_list("heading", "anchor")) == [
        ("Aftercare", "aftercare"),
        ("Is it painful?", "does-it-hurt"),
    ]


def test_article_change_form_adds_a_section_after_the_existing_ones(staff_client):
    article = make_article(sections=2)
    data = form_data(staff_client.get(change_url(article)))
    add_rows(data, "sections", [{"position": "3", "heading": "Section 1", "body": "<p>Again.</p>"}])

    assert staff_client.post(change_url(article), data).status_code == 302

    assert list(article.sections.values_list("anchor", flat=True)) == [
        "section-1",
        "section-2",
        "section-1-2",
    ]


# --- Validation errors are shown on the form, nothing saved -------------------------------------


def test_article_add_form_rejects_a_slug_another_article_has(staff_client):
    make_article(slug="nerve-blocks")

    response = staff_client.post(
        ADD_ARTICLE, new_article_data(staff_client, make_clinic(), slug="nerve-blocks")
    )

    assert_form_error(response, "Article with this Slug already exists.")
    assert Article.objects.count() == 1


def test_article_add_form_rejects_the_same_condition_listed_twice(staff_client):
    sciatica = make_condition()
    data = new_article_data(staff_client, make_clinic())
    add_rows(
        data,
        "article_conditions",
        [{"position": "1", "condition": sciatica.pk}, {"position": "2", "condition": sciatica.pk}],
    )

    response = staff_client.post(ADD_ARTICLE, data)

    assert_form_error(response, "Please correct the duplicate data for condition.")
    assert Article.objects.count() == 0
    assert ArticleCondition.objects.count() == 0


def test_article_change_form_rejects_a_condition_the_article_already_lists(staff_client):
    sciatica = make_condition()
    article = make_article(conditions=[sciatica])
    data = form_data(staff_client.get(change_url(article)))
    add_rows(data, "article_conditions", [{"position": "2", "condition": sciatica.pk}])

    response = staff_client.post(change_url(article), data)

    assert_form_error(response, "Please correct the duplicate data for condition.")
    assert ArticleCondition.objects.count() == 1


def test_article_change_form_rejects_the_same_risk_listed_twice(staff_client):
    infection = make_risk()
    article = make_article()
    data = form_data(staff_client.get(change_url(article)))
    add_rows(
        data,
        "article_risks",
        [{"position": "1", "risk": infection.pk}, {"position": "2", "risk": infection.pk}],
    )

    response = staff_client.post(change_url(article), data)

    assert_form_error(response, "Please correct the duplicate data for risk.")
    assert ArticleRisk.objects.count() == 0


def test_article_add_form_rejects_a_section_with_an_empty_body(staff_client):
    data = new_article_data(staff_client, make_clinic())
    add_rows(data, "sections", [{"position": "1", "heading": "Does it hurt?", "body": ""}])

    response = staff_client.post(ADD_ARTICLE, data)

    assert_form_error(response, "This field is required.")
    assert inline_errors(response, "sections") == [{"body": ["This field is required."]}]
    assert Article.objects.count() == 0
    assert Section.objects.count() == 0


# The editor posts "<p></p>" for an empty body; a pasted script sanitises to nothing.
@pytest.mark.parametrize(
    "body",
    ["<p></p>", "<script>alert(1)</script>", "<p><script>alert(1)</script></p>"],
    ids=["empty-paragraph", "only-script", "script-in-paragraph"],
)
def test_article_add_form_rejects_a_section_body_that_sanitises_to_nothing(staff_client, body):
    data = new_article_data(staff_client, make_clinic())
    add_rows(data, "sections", [{"position": "1", "heading": "Does it hurt?", "body": body}])

    response = staff_client.post(ADD_ARTICLE, data)

    assert response.status_code == 200
    assert_body_error_shown(response)
    assert Article.objects.count() == 0
    assert Section.objects.count() == 0


def test_article_change_form_rejects_a_section_body_replaced_by_a_script(staff_client):
    article = make_article(sections=1)
    data = form_data(staff_client.get(change_url(article)))
    data["sections-0-body"] = "<script>alert(1)</script>"

    response = staff_client.post(change_url(article), data)

    assert response.status_code == 200
    assert_body_error_shown(response)
    assert Section.objects.get().body == "<p>Some text.</p>"


# --- Changelist columns -------------------------------------------------------------------------


def test_article_changelist_shows_the_state_of_each_article(staff_client):
    make_article(title="Live")
    make_draft(title="Unfinished")
    make_article(title="Archived one", status=Article.Status.ARCHIVED)
    make_article(title="Coming soon", published_at=timezone.make_aware(datetime.datetime(2099, 1, 2, 3, 4)))
    make_live_with_changes(title="Being rewritten")
    make_article(title="Taken down", expires_at=timezone.now() - datetime.timedelta(minutes=1))

    assert column(staff_client.get(ARTICLES), "state") == {
        "Live": "Live",
        "Unfinished": "Draft",
        "Archived one": "Archived",
        "Coming soon": "Scheduled",
        "Being rewritten": "Live with unpublished changes",
        "Taken down": "Expired",
    }


@pytest.mark.parametrize("url", [CONDITIONS, RISKS], ids=["conditions", "risks"])
def test_topic_changelists_show_how_many_articles_use_each_topic(staff_client, url):
    make = make_condition if url == CONDITIONS else make_risk
    field = "conditions" if url == CONDITIONS else "risks"
    common, rare = make(name="Common"), make(name="Rare")
    make(name="Unused")
    make_article(**{field: [common, rare]})
    make_draft(**{field: [common]})  # editors see every use, drafts included

    assert column(staff_client.get(url), "used_by") == {
        "Common": "2 articles",
        "Rare": "1 article",
        "Unused": "0 articles",
    }


# --- Query budgets ------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 100])
def test_article_changelist_runs_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries, rows):
    clinics = [make_clinic() for _ in range(3)]
    conditions = [make_condition() for _ in range(3)]
    for n in range(rows):
        make_article(
            clinic=clinics[n % 3],
            conditions=conditions[: n % 3 + 1],
            sections=1,
            published_ago=datetime.timedelta(days=n + 1),
        )

    # session, user, clinic filter choices, condition filter choices, count, full count,
    # the page of articles joined to their clinic, date hierarchy min/max, date hierarchy dates.
    with django_assert_max_num_queries(9):
        response = staff_client.get(ARTICLES)

    assert len(response.context["cl"].result_list) == rows


@pytest.mark.parametrize("url", [CONDITIONS, RISKS], ids=["conditions", "risks"])
@pytest.mark.parametrize("rows", [1, 100])
def test_topic_changelist_runs_a_fixed_number_of_queries(
    staff_client, django_assert_max_num_queries, url, rows
):
    make = make_condition if url == CONDITIONS else make_risk
    field = "conditions" if url == CONDITIONS else "risks"
    topics = [make() for _ in range(rows)]
    clinic = make_clinic()
    for n in range(3):
        make_article(clinic=clinic, **{field: topics[n:]})

    # session, user, count, full count, the page of topics with their "Used by" count annotated.
    with django_assert_max_num_queries(5):
        response = staff_client.get(url)

    assert len(response.context["cl"].result_list) == rows


@pytest.mark.parametrize(
    ("model_name", "field_name", "make"),
    [
        ("articlecondition", "condition", make_condition),
        ("articlerisk", "risk", make_risk),
    ],
)
def test_condition_and_risk_autocomplete_finds_terms_in_name_order(
    staff_client, model_name, field_name, make
):
    for name in ["Sciatica", "Back pain", "Sacroiliac pain"]:
        make(name=name)

    response = staff_client.get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": model_name, "field_name": field_name, "term": "pain"},
    )

    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Back pain", "Sacroiliac pain"]
