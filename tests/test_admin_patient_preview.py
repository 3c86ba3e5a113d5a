"""The admin's patient preview (articles/admin_preview.py) and the article page's preview panel:
the working copy laid out as a patient reads it, with no front end; links to the clinic's own
front end only where one is set up."""

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import previews
from articles.models import Article, PreviewLink, Reviewer, Section
from cms.checks import check_frontend_urls
from tests.admin_forms import form_data
from tests.factories import (
    make_article,
    make_clinic,
    make_condition,
    make_contact_link,
    make_draft,
    make_risk,
    make_section,
    make_staff,
)
from tests.test_cms_csp import EVENT_HANDLER_ATTRIBUTE, inline_scripts, policy

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SITE = "https://site.example/preview?token={token}"


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def preview_url(article) -> str:
    return reverse("admin:articles_article_patient_preview", args=[article.pk])


def patient_page(client, article):
    """The framed patient page itself."""
    return client.get(preview_url(article) + "?page=1")


@pytest.fixture
def editor(staff_client, django_user_model):
    return django_user_model.objects.get(username="editor")


def full_article():
    clinic = make_clinic(
        name="Riverside Pain Clinic", phone="+1 765 555 0100", street_address="12 Water Street"
    )
    make_contact_link(
        clinic=clinic, kind="booking", label="Book a visit", url="https://book.riverside.example/"
    )
    make_contact_link(clinic=clinic, kind="phone", label="", url="tel:+17655550199", position=2)
    article = make_draft(
        clinic=clinic,
        title="Nerve blocks",
        summary="How a nerve block eases pain.",
        conditions=[make_condition(name="Knee pain", summary="Pain in the knee.")],
        risks=[make_risk(name="Infection", summary="Germs in the wound.")],
        criteria=1,
        contraindications=1,
        references=1,
        reviewed_by=Reviewer.objects.create(name="Dr. Ada Reyes", credentials="MD, pain medicine"),
        last_reviewed_on=datetime.date(2026, 2, 10),
    )
    make_section(
        article=article,
        position=1,
        heading="Does it hurt?",
        body="<h3>On the day</h3><p>Only a <em>little</em>.</p><ul><li>Rest</li><li>Ice</li></ul>",
    )
    return article


# --- What the preview shows ----------------------------------------------------------------------


def test_the_preview_shows_the_saved_working_copy_while_the_api_keeps_the_approved_text(staff_client, api):
    article = make_article(title="Approved title", slug="blocks", sections=1)
    data = form_data(staff_client.get(change_url(article)))
    data |= {"title": "Edited title", "sections-0-body": "<p>Edited text.</p>"}
    assert staff_client.post(change_url(article), data).status_code == 302

    page = patient_page(staff_client, article).content.decode()
    around = staff_client.get(preview_url(article)).content.decode()

    assert "<h1>Edited title</h1>" in page
    assert "<p>Edited text.</p>" in page
    assert "Approved title" not in page
    assert "Live with unpublished changes" in around
    public = api.get("/api/v1/articles/blocks/").json()
    assert public["title"] == "Approved title"
    assert public["sections"][0]["body"] == "<p>Some text.</p>"


def test_the_preview_lays_out_sections_criteria_risks_sources_and_contact_links(staff_client):
    article = full_article()

    response = patient_page(staff_client, article)

    assert response.status_code == 200
    page = response.content.decode()
    section = '<section class="article-section" id="does-it-hurt">\n    <h2>Does it hurt?</h2>'
    assert section in page
    assert "<h3>On the day</h3><p>Only a <em>little</em>.</p><ul><li>Rest</li><li>Ice</li></ul>" in page
    assert "<h1>Nerve blocks</h1>" in page
    assert '<p class="summary">How a nerve block eases pain.</p>' in page
    assert "<strong>Knee pain</strong> <span>Pain in the knee.</span>" in page
    assert "<strong>Infection</strong> <span>Germs in the wound.</span>" in page
    assert '<ul class="checklist"><li>Criterion 1</li></ul>' in page
    assert '<ul class="crosslist"><li>Contraindication 1</li></ul>' in page
    assert (
        "Medically reviewed by <strong>Dr. Ada Reyes</strong>, MD, pain medicine, on 10 February 2026."
        in page
    )
    assert (
        '<a href="https://pubmed.ncbi.nlm.nih.gov/10000001/" rel="noopener noreferrer">Source 1</a>' in page
    )
    assert '<a class="contact" href="tel:+17655550100">Call +1 765 555 0100</a>' in page
    assert 'href="https://book.riverside.example/" rel="noopener">Book a visit</a>' in page
    # No label: the kind, in words.
    assert 'href="tel:+17655550199" rel="noopener">Phone</a>' in page
    assert '<h2 id="contact-heading">Contact Riverside Pain Clinic</h2>' in page
    # Its own stylesheet and nothing of the admin's, and no script at all.
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', page) == ["/static/articles/preview-page.css"]
    assert "<script" not in page
    assert not EVENT_HANDLER_ATTRIBUTE.search(page)


def test_a_section_body_written_around_the_sanitiser_runs_no_script_in_the_admin(staff_client):
    article = make_draft(sections=1)
    Section.objects.filter(article=article).update(body='<p onclick="steal()">Hi<script>steal()</script></p>')

    page = patient_page(staff_client, article).content.decode()

    assert "<p>Hi</p>" in page
    assert "steal" not in page


def test_the_admin_page_frames_the_patient_page_at_phone_width_with_a_desktop_switch(staff_client):
    article = make_draft(title="Nerve blocks")

    around = staff_client.get(preview_url(article))
    framed = patient_page(staff_client, article)

    page = around.content.decode()
    assert f'<iframe id="patient-frame" src="{preview_url(article)}?page=1"' in page
    assert re.search(r'<input type="radio" name="preview-width" id="preview-width-phone"[^>]* checked>', page)
    assert 'id="preview-width-desktop"' in page
    assert "/static/articles/preview-admin.css" in page
    assert inline_scripts(page) == []
    # Only the patient page may be framed, only by this site; only its frame may frame anything.
    assert policy(around)["frame-src"] == ["'self'"]
    assert policy(around)["frame-ancestors"] == ["'none'"]
    assert around["X-Frame-Options"] == "DENY"
    assert policy(framed)["frame-ancestors"] == ["'self'"]
    assert "frame-src" not in policy(framed)
    assert framed["X-Frame-Options"] == "SAMEORIGIN"
    change = staff_client.get(change_url(article))
    assert (change["X-Frame-Options"], policy(change)["frame-ancestors"]) == ("DENY", ["'none'"])
    assert "frame-src" not in policy(change)


# --- Who may see it ------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?page=1"], ids=["admin-page", "patient-page"])
def test_staff_see_the_preview_of_their_clinics_articles_only(client, query):
    a, b = make_clinic(), make_clinic()
    wendy = make_staff(clinic=a)["wendy"]
    own = make_draft(clinic=a, title="Our own draft")
    theirs = make_draft(clinic=b, title="Their secret draft")
    client.force_login(wendy)

    mine, other = client.get(preview_url(own) + query), client.get(preview_url(theirs) + query)

    assert mine.status_code == 200
    assert "Our own draft" in mine.content.decode()
    assert other.status_code == 404
    assert "Their secret draft" not in other.content.decode()


@pytest.mark.parametrize("query", ["", "?page=1"], ids=["admin-page", "patient-page"])
def test_anonymous_visitors_are_sent_to_log_in(client, query):
    article = make_draft(title="Secret draft")

    response = client.get(preview_url(article) + query)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_preview_cannot_be_posted_to(staff_client):
    assert staff_client.post(preview_url(make_draft())).status_code == 405


def test_an_unknown_article_is_a_404(staff_client):
    assert patient_page(staff_client, Article(pk=987654)).status_code == 404


# --- The article page's preview panel --------------------------------------------------------------


def test_with_a_front_end_each_active_link_opens_on_the_site_and_can_be_copied(
    staff_client, editor, api, settings
):
    settings.FRONTEND_PREVIEW_URL = SITE
    article = make_draft()
    link = previews.create_link(article, by=editor)
    revoked = previews.create_link(article, by=editor)
    previews.revoke(revoked)

    page = staff_client.get(change_url(article)).content.decode()

    assert f'href="{preview_url(article)}">Preview as a patient</a>' in page
    assert 'id="create-preview"' in page
    (opened,) = re.findall(
        r'<a class="button open-on-site" href="([^"]+)" target="_blank" rel="noopener">', page
    )
    (copied,) = re.findall(r'data-copy-link="([^"]+)"', page)
    assert opened == copied
    token = opened.removeprefix("https://site.example/preview?token=")
    assert token != opened
    # The signed link opens this link's version; the revoked one is not offered.
    assert api.get(f"/api/v1/preview/{token}/").status_code == 200
    assert previews.open_token(token).link == link
    assert '<script src="/static/articles/preview.js" defer></script>' in page


def test_without_a_front_end_only_the_built_in_preview_is_offered(staff_client, editor, settings):
    settings.FRONTEND_PREVIEW_URL = ""
    article = make_draft()
    old = previews.create_link(article, by=editor)  # made while a front end was set up

    page = staff_client.get(change_url(article)).content.decode()
    response = staff_client.post(reverse("admin:articles_article_preview", args=[article.pk]))

    assert 'id="patient-preview"' in page
    assert 'id="create-preview"' not in page
    assert "Open on the site" not in page
    assert "data-copy-link" not in page
    # A link made before can still be revoked.
    assert reverse("admin:articles_article_revoke_preview", args=[article.pk, old.pk]) in page
    assert response.status_code == 302
    assert list(PreviewLink.objects.all()) == [old]
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Preview as a patient" in message


def test_a_clinics_own_front_end_is_offered_without_the_install_setting(staff_client, editor, settings):
    settings.FRONTEND_PREVIEW_URL = ""
    article = make_draft(
        clinic=make_clinic(preview_url_template="https://preview.wabash.example/p?t={token}")
    )
    response = staff_client.post(reverse("admin:articles_article_preview", args=[article.pk]))
    link = PreviewLink.objects.get()

    page = staff_client.get(change_url(article)).content.decode()

    assert response.status_code == 302
    assert 'id="create-preview"' in page
    (opened,) = re.findall(r'<a class="button open-on-site" href="([^"]+)"', page)
    assert previews.open_token(opened.removeprefix("https://preview.wabash.example/p?t=")).link == link


# --- Queries -------------------------------------------------------------------------------------


def preview_queries(client, rows: int) -> list[str]:
    article = make_draft(
        clinic=make_clinic(contact_links=rows),
        sections=rows,
        conditions=[make_condition() for _ in range(rows)],
        risks=[make_risk() for _ in range(rows)],
        criteria=rows,
        contraindications=rows,
        references=rows,
        reviewed_by=Reviewer.objects.create(name="Dr. Ada Reyes"),
    )
    with CaptureQueriesContext(connection) as context:
        page = patient_page(client, article).content.decode()
    assert page.count('class="article-section"') == rows
    assert page.count('href="https://clinic.example/"') == rows
    return [query["sql"] for query in context.captured_queries]


def test_the_preview_runs_the_same_queries_for_one_row_or_many(staff_client):
    one, many = preview_queries(staff_client, 1), preview_queries(staff_client, 25)

    # Expect 13 queries (a superuser: no role lookups):
    # 1. the session, 2. the user (admin login check)
    # 3. the article, scoped to the user's clinics
    # 4. the working copy's article row, 5-10. its sections, criteria, conditions (with their
    #    topic), risks (with theirs), contraindications, references
    # 11. the clinic, 12. its contact links, 13. the reviewer
    assert len(one) == len(many) == 13


# --- Settings ------------------------------------------------------------------------------------


def test_the_deploy_check_accepts_no_front_end_preview_but_not_one_at_localhost(settings):
    settings.FRONTEND_ARTICLE_URL = "https://www.clinic.example/articles/{slug}"

    settings.FRONTEND_PREVIEW_URL = ""
    assert check_frontend_urls(None) == []
    settings.FRONTEND_PREVIEW_URL = "http://localhost:3000/preview?token={token}"
    assert [warning.id for warning in check_frontend_urls(None)] == ["careleaf.W001"]


def test_a_front_end_preview_address_without_the_token_stops_the_app_starting():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
        | {"DJANGO_DEBUG": "true", "FRONTEND_PREVIEW_URL": "https://site.example/p"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "FRONTEND_PREVIEW_URL must contain {token}" in result.stderr
