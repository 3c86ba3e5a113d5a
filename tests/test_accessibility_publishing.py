"""Accessibility checks where they act (issue 16, point 5): publishing is blocked on the checks the
clinic makes blocking (by default a picture without alt text, or missing); the editor shows them
live as the writer types; the API detail lists what the published version still has."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from articles import workflow
from articles.models import Article, Publication
from tests.factories import make_article, make_clinic, make_draft, make_image, make_section, make_staff

pytestmark = pytest.mark.django_db

GRADE = reverse("admin:articles_article_grade")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clinic():
    return make_clinic()


@pytest.fixture
def people(clinic):
    return make_staff(clinic)


def undescribed(clinic):
    """A picture an import brought in: no alt text yet."""
    return make_image(clinic=clinic, alt_text="", needs_alt_text=True)


def draft_with_figure(clinic, image, alt=None):
    article = make_draft(clinic=clinic, title="Pump refills")
    alt_attribute = f' alt="{alt}"' if alt is not None else ""
    make_section(
        article=article,
        heading="Where the pump goes",
        body=f'<p>Call us to book a refill.</p><figure><img{alt_attribute} data-file="{image.pk}"></figure>',
    )
    return Article.objects.get(pk=article.pk)


def test_a_picture_without_alt_text_blocks_publishing_and_says_where(clinic, people):
    article = draft_with_figure(clinic, undescribed(clinic))
    with pytest.raises(ValidationError) as refused:
        workflow.transition(article, "publish", by=people["rahul"])
    message = " ".join(refused.value.messages)
    assert "accessibility checks" in message and "“Where the pump goes”" in message
    assert not Publication.objects.filter(article=article).exists()


def test_describing_the_picture_in_the_library_unblocks_it(clinic, people):
    image = undescribed(clinic)
    article = draft_with_figure(clinic, image)
    image.alt_text = "The pump under the skin of the belly."
    image.save()
    workflow.transition(article, "publish", by=people["rahul"])
    assert Publication.objects.filter(article=article).count() == 1


def test_alt_text_given_at_insertion_is_enough(clinic, people):
    article = draft_with_figure(clinic, undescribed(clinic), alt="The pump under the skin of the belly.")
    workflow.transition(article, "publish", by=people["rahul"])
    assert Publication.objects.filter(article=article).exists()


def test_a_decorative_picture_passes(clinic, people):
    image = make_image(clinic=clinic, alt_text="", is_decorative=True)
    workflow.transition(draft_with_figure(clinic, image), "publish", by=people["rahul"])


def test_a_lead_image_without_alt_text_blocks_too(clinic, people):
    article = make_draft(clinic=clinic, lead_image=undescribed(clinic))
    make_section(article=article, body="<p>Call us to book a visit.</p>")
    with pytest.raises(ValidationError) as refused:
        workflow.transition(Article.objects.get(pk=article.pk), "publish", by=people["rahul"])
    assert "lead image" in " ".join(refused.value.messages)


def test_another_clinics_picture_blocks_publishing(clinic, people):
    stranger = make_image(clinic=make_clinic(), alt_text="Someone else's photo.")
    with pytest.raises(ValidationError) as refused:
        workflow.transition(draft_with_figure(clinic, stranger), "publish", by=people["rahul"])
    assert "image library" in " ".join(refused.value.messages).lower()


def test_the_admin_shows_the_refusal_on_the_publish_page(client, clinic, people):
    article = draft_with_figure(clinic, undescribed(clinic))
    client.force_login(people["rahul"])
    response = client.post(
        reverse("admin:articles_article_transition", args=[article.pk, "publish"]),
        {"note": "", "version": str(article.lock_version)},
    )
    assert response.status_code == 200
    assert escape("“Where the pump goes”") in response.content.decode()
    assert not Publication.objects.filter(article=article).exists()


def test_warnings_do_not_block_by_default_and_the_api_lists_them(client, clinic, people):
    article = make_draft(clinic=clinic, slug="refills")
    make_section(
        article=article,
        heading="More",
        body='<p>To book, <a href="https://clinic.example/book">click here</a>. Call us today.</p>',
    )
    workflow.transition(Article.objects.get(pk=article.pk), "publish", by=people["rahul"])
    issues = client.get("/api/v1/articles/refills/").json()["accessibility"]["issues"]
    assert [(issue["code"], issue["level"], issue["section"]) for issue in issues] == [
        ("link_text_vague", "warning", "more")
    ]
    assert "click here" in issues[0]["message"]


def test_the_setting_makes_every_check_block(settings, clinic, people):
    settings.ACCESSIBILITY_BLOCKING = ["all"]
    article = make_draft(clinic=clinic)
    make_section(article=article, body='<p>Read <a href="https://clinic.example/">here</a>. Call us.</p>')
    with pytest.raises(ValidationError):
        workflow.transition(Article.objects.get(pk=article.pk), "publish", by=people["rahul"])


def test_a_clean_published_article_has_no_issues(client):
    make_article(slug="clean", sections=1)
    assert client.get("/api/v1/articles/clean/").json()["accessibility"] == {"issues": []}


# Live, as the writer types ------------------------------------------------------------------------


def live(client, **data):
    response = client.post(GRADE, data=json.dumps(data), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["accessibility"]


def test_the_editor_shows_the_checks_and_suggestions_as_the_writer_types(client, clinic, people):
    image = undescribed(clinic)
    client.force_login(people["wendy"])
    issues = live(
        client,
        clinic=str(clinic.pk),
        language="en",
        lead_image="",
        sections=[
            {
                "key": "sections-0",
                "heading": "Results",
                "body": "<h4>Details</h4><p>About 35% of people feel better.</p>"
                f'<img data-file="{image.pk}">',
            }
        ],
    )
    found = {(issue["code"], issue["level"], issue["section"]) for issue in issues}
    assert ("image_alt_missing", "error", "sections-0") in found
    assert ("heading_skipped", "warning", "sections-0") in found
    assert ("numbers_without_words", "suggestion", "sections-0") in found
    assert ("no_action_for_reader", "suggestion", "sections-0") in found


def test_the_live_check_never_reads_another_clinics_library(client, clinic, people):
    theirs = make_clinic()
    described = make_image(clinic=theirs, alt_text="Their described photo.")
    client.force_login(people["wendy"])
    body = f'<p>Call us.</p><img data-file="{described.pk}">'
    for claimed in (theirs.pk, clinic.pk):
        issues = live(client, clinic=claimed, sections=[{"key": "s", "heading": "Visit", "body": body}])
        assert [issue["code"] for issue in issues] == ["image_not_found"]


def test_the_live_check_without_language_says_so(client, clinic, people):
    client.force_login(people["wendy"])
    issues = live(client, clinic=clinic.pk, language="", sections=[{"key": "s", "body": "<p>Call us.</p>"}])
    assert "language_missing" in [issue["code"] for issue in issues]


@pytest.mark.parametrize(
    "extra",
    [{"clinic": "abc"}, {"lead_image": [1]}, {"language": 5}, {"sections": [{"body": "", "heading": 7}]}],
)
def test_bad_fields_for_the_live_check_are_a_400(client, clinic, people, extra):
    client.force_login(people["wendy"])
    data = {"sections": [], **extra}
    response = client.post(GRADE, data=json.dumps(data), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
