"""The article page's ordered rows: reordering and re-picking never errors, and the page's cost
does not grow with the number of conditions and risks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from articles.models import Article
from tests.admin_forms import form_data
from tests.factories import make_article, make_condition, make_risk, make_staff

pytestmark = pytest.mark.django_db


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


# prefix of the inline on the article page, the article's related manager, the row's topic field
TOPICS = {
    "article_conditions": ("article_conditions", "condition", make_condition),
    "article_risks": ("article_risks", "risk", make_risk),
}


def rows(article, prefix: str) -> list[tuple]:
    related, topic, _make = TOPICS[prefix]
    return list(getattr(article, related).values_list("pk", f"{topic}__name", "position"))


@pytest.mark.parametrize("prefix", TOPICS)
def test_swapping_the_picks_of_two_rows_saves_them_in_their_new_order(staff_client, prefix):
    # The editor re-picks instead of dragging: row 1 takes the second term while row 2 still
    # holds it when row 1 is saved (the constraint on article and term used to fail: a 500).
    _related, topic, make = TOPICS[prefix]
    first, second = make(name="Back pain"), make(name="Knee pain")
    article = make_article(**{f"{topic}s": [first, second]})
    (first_row, *_), (second_row, *_) = rows(article, prefix)
    data = form_data(staff_client.get(change_url(article)))
    data |= {f"{prefix}-0-{topic}": str(second.pk), f"{prefix}-1-{topic}": str(first.pk)}

    response = staff_client.post(change_url(article), data)

    assert response.status_code == 302
    # The rows keep their ids: each took the other's term.
    assert rows(article, prefix) == [(first_row, "Knee pain", 1), (second_row, "Back pain", 2)]


@pytest.mark.parametrize("prefix", TOPICS)
def test_a_row_can_take_the_term_of_a_row_deleted_in_the_same_save(staff_client, prefix):
    _related, topic, make = TOPICS[prefix]
    first, second = make(name="Back pain"), make(name="Knee pain")
    article = make_article(**{f"{topic}s": [first, second]})
    data = form_data(staff_client.get(change_url(article)))
    data |= {f"{prefix}-0-{topic}": str(second.pk), f"{prefix}-1-DELETE": "on"}

    assert staff_client.post(change_url(article), data).status_code == 302

    assert [(name, position) for _pk, name, position in rows(article, prefix)] == [("Knee pain", 1)]


@pytest.mark.parametrize("prefix", TOPICS)
def test_re_picking_a_term_another_row_keeps_is_still_a_form_error(staff_client, prefix):
    _related, topic, make = TOPICS[prefix]
    first, second = make(name="Back pain"), make(name="Knee pain")
    article = make_article(**{f"{topic}s": [first, second]})
    before = rows(article, prefix)
    data = form_data(staff_client.get(change_url(article)))
    data |= {f"{prefix}-0-{topic}": str(second.pk)}

    response = staff_client.post(change_url(article), data)

    assert response.status_code == 200
    assert f"Please correct the duplicate data for {topic}." in response.content.decode()
    assert rows(article, prefix) == before


# prefix, the article's related manager, the field that tells rows apart
ORDERED = [
    ("sections", "sections", "heading"),
    ("article_conditions", "article_conditions", "condition__name"),
    ("article_risks", "article_risks", "risk__name"),
    ("candidate_criteria", "candidate_criteria", "text"),
    ("contraindications", "contraindications", "text"),
    ("references", "references", "title"),
]


@pytest.mark.parametrize(("prefix", "related", "label"), ORDERED)
def test_dragging_two_rows_past_each_other_saves_the_new_order(staff_client, prefix, related, label):
    article = make_article(
        sections=2,
        conditions=[make_condition(), make_condition()],
        risks=[make_risk(), make_risk()],
        criteria=2,
        contraindications=2,
        references=2,
    )
    first, second = getattr(article, related).values_list(label, flat=True)
    data = form_data(staff_client.get(change_url(article)))
    data |= {f"{prefix}-0-position": "2", f"{prefix}-1-position": "1"}

    assert staff_client.post(change_url(article), data).status_code == 302

    assert list(getattr(article, related).values_list(label, flat=True)) == [second, first]


def page_queries(client, article) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(change_url(article))
    assert response.status_code == 200
    return len(queries)


def article_with(rows: int, **fields) -> Article:
    return make_article(
        conditions=[make_condition() for _ in range(rows)], risks=[make_risk() for _ in range(rows)], **fields
    )


def test_the_article_page_costs_the_same_with_2_or_8_conditions_and_risks(staff_client):
    small, large = article_with(2), article_with(8)
    page_queries(staff_client, small)  # the first page of the process loads what it caches

    # The pickers used to run one query each for the term they show: 12 more for the large one.
    assert page_queries(staff_client, large) == page_queries(staff_client, small)


def test_the_read_only_article_page_costs_the_same_with_2_or_8_conditions_and_risks(client):
    # A writer sees an article in review read-only: each row shows its term's name as text.
    clinic = make_article().clinic
    client.force_login(make_staff(clinic)["wendy"])
    small = article_with(2, clinic=clinic, status=Article.Status.IN_REVIEW, published_at=None)
    large = article_with(8, clinic=clinic, status=Article.Status.IN_REVIEW, published_at=None)
    page_queries(client, small)

    assert page_queries(client, large) == page_queries(client, small)
    names = large.conditions.values_list("name", flat=True)
    assert all(name in client.get(change_url(large)).content.decode() for name in names)


def test_each_picker_shows_its_row_term_selected(staff_client):
    article = article_with(3)
    page = staff_client.get(change_url(article)).content.decode()

    for link in [*article.article_conditions.select_related("condition"), *article.article_risks.all()]:
        term = getattr(link, "condition", None) or link.risk
        assert f'<option value="{term.pk}" selected>{escape(term.name)}</option>' in page


def test_a_picker_sent_back_with_an_error_shows_the_new_pick(staff_client):
    # The row's loaded term is not the pick any more: the picker looks the new one up.
    knee, sciatica, infection = make_condition(name="Knee pain"), make_condition(name="Sciatica"), make_risk()
    article = make_article(conditions=[knee], risks=[infection])
    data = form_data(staff_client.get(change_url(article)))
    data |= {"article_conditions-0-condition": str(sciatica.pk), "title": ""}  # the title is required

    response = staff_client.post(change_url(article), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert f'<option value="{sciatica.pk}" selected>Sciatica</option>' in page
    assert "Knee pain" not in page


def test_a_row_id_of_another_article_posted_with_delete_leaves_that_row_alone(staff_client):
    mine, theirs = article_with(2), article_with(2)
    their_rows = rows(theirs, "article_conditions")
    data = form_data(staff_client.get(change_url(mine)))
    data["article_conditions-0-id"] = str(their_rows[0][0])
    data["article_conditions-0-DELETE"] = "on"

    staff_client.post(change_url(mine), data)

    assert rows(theirs, "article_conditions") == their_rows


def save_queries(client, article) -> list[str]:
    """The queries of saving the article's page with only its title changed."""
    data = form_data(client.get(change_url(article)))
    data["title"] += " (updated)"
    with CaptureQueriesContext(connection) as queries:
        response = client.post(change_url(article), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return [query["sql"] for query in queries]


def test_saving_an_article_costs_the_same_queries_for_2_or_8_rows_but_one_check_per_picked_term(staff_client):
    draft = {"status": Article.Status.DRAFT, "published_at": None}
    small, large = article_with(2, sections=2, **draft), article_with(8, sections=8, **draft)
    save_queries(staff_client, article_with(1, **draft))  # the first save of the process loads caches

    extra = len(save_queries(staff_client, large)) - len(save_queries(staff_client, small))

    # Each row's id and each picked condition and risk used to cost a query per row, and each saved
    # section two more for the article's reading grades. What is left per row: the model's own check
    # that a picked term exists (Django's ForeignKey.validate): 6 more conditions and 6 more risks.
    assert extra == 12
    picked = [sql for sql in save_queries(staff_client, large) if 'FROM "articles_condition"' in sql]
    assert sum(sql.startswith("SELECT 1 AS") for sql in picked) == 8
    assert sum(not sql.startswith("SELECT 1 AS") for sql in picked) == 1  # the picks, read together


@pytest.mark.parametrize("pick", ["999999", "not-a-number", "1.5"])
def test_a_pick_that_is_no_term_is_a_form_error_and_saves_nothing(staff_client, pick):
    article = article_with(2)
    before = rows(article, "article_conditions")
    data = form_data(staff_client.get(change_url(article)))
    data["article_conditions-1-condition"] = pick

    response = staff_client.post(change_url(article), data)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert rows(article, "article_conditions") == before


@pytest.mark.parametrize("clinic", ["abc", "1.5", "999999"])
def test_a_clinic_that_is_no_clinic_on_a_new_article_is_a_form_error(staff_client, clinic):
    add = reverse("admin:articles_article_add")
    data = form_data(staff_client.get(add)) | {"title": "Knee pain", "slug": "knee-pain", "summary": "S."}
    data["clinic"] = clinic

    response = staff_client.post(add, data)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Article.objects.filter(slug="knee-pain").exists()
