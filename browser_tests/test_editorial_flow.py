import json

import pytest

from articles.models import Article
from browser_tests.conftest import log_in
from tests.factories import make_article, make_clinic, make_condition, make_section, republish

# serialized_rollback: each test starts with the roles the data migration created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def choose_autocomplete(page, select_id, text):
    """Pick ``text`` in a Django admin autocomplete (select2) box, as a person types it."""
    page.click(f"#{select_id} + .select2 .select2-selection")
    page.keyboard.type(text[:4])
    page.click(f".select2-results__option:has-text('{text}')")


def write_section(page, index, heading, words):
    page.click("#sections-group .add-row a")
    page.fill(f"#id_sections-{index}-heading", heading)
    editor = page.locator(f"#sections-{index} [contenteditable=true]")
    editor.click()
    page.keyboard.type(words[0] + " ")
    page.keyboard.press("Control+b")
    page.keyboard.type(words[1])
    page.keyboard.press("Control+b")
    page.keyboard.type(" " + words[2])


def test_writer_drafts_reviewer_publishes_and_the_api_shows_the_new_order(
    live_server, new_page, make_staff, artifacts
):
    clinic = make_clinic(name="Lafayette Pain Care", slug="lafayette-pain-care")
    make_condition(name="Cancer pain", slug="cancer-pain")
    make_condition(name="Sciatica", slug="sciatica")
    make_staff("wendy", "Writer")
    make_staff("rahul", "Clinical reviewer")

    writer = new_page()
    log_in(writer, live_server, "wendy")
    writer.goto(f"{live_server.url}/admin/articles/article/add/")
    writer.fill("#id_title", "Nerve blocks")
    writer.fill("#id_summary", "What a nerve block is and who it helps.")
    choose_autocomplete(writer, "id_clinic", clinic.name)
    write_section(writer, 0, "What is it?", ["A", "numbing", "injection near a nerve."])
    write_section(writer, 1, "Does it hurt?", ["Only", "a little", "for most people."])
    write_section(writer, 2, "Who is it for?", ["People", "with nerve pain", "that persists."])
    writer.click("#article_conditions-group .add-row a")
    choose_autocomplete(writer, "id_article_conditions-0-condition", "Sciatica")
    writer.click("#article_conditions-group .add-row a")
    choose_autocomplete(writer, "id_article_conditions-1-condition", "Cancer pain")
    writer.click("input[name=_continue]")
    writer.wait_for_selector("#workflow-panel")

    article = Article.objects.get(slug="nerve-blocks")
    assert list(article.sections.values_list("heading", flat=True)) == [
        "What is it?",
        "Does it hurt?",
        "Who is it for?",
    ]
    assert "<strong>numbing</strong>" in article.sections.get(heading="What is it?").body

    # Drag "Who is it for?" (the third section) above "Does it hurt?" (the second).
    writer.locator("#sections-2 > h3").drag_to(writer.locator("#sections-1 > h3"))
    writer.click("input[name=_continue]")
    writer.wait_for_selector("#workflow-panel")
    new_order = ["What is it?", "Who is it for?", "Does it hurt?"]
    assert list(article.sections.values_list("heading", flat=True)) == new_order
    writer.screenshot(path=artifacts / "article-edit-page.png", full_page=True)

    writer.click("#workflow-submit")
    writer.click("#transition-form input[type=submit]")
    writer.wait_for_selector("#workflow-panel")
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW
    assert writer.locator("#workflow-publish").count() == 0

    reviewer = new_page()
    log_in(reviewer, live_server, "rahul")
    reviewer.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    reviewer.click("#workflow-publish")
    reviewer.click("#transition-form input[type=submit]")
    reviewer.wait_for_selector("#workflow-panel")
    assert reviewer.locator("#workflow-status").inner_text() == "Live"

    response = reviewer.request.get(f"{live_server.url}/api/v1/articles/nerve-blocks/")
    assert response.status == 200
    published = response.json()
    assert [section["heading"] for section in published["sections"]] == new_order
    assert [condition["slug"] for condition in published["conditions"]] == ["sciatica", "cancer-pain"]
    assert "<strong>numbing</strong>" in published["sections"][0]["body"]


def test_staff_open_a_preview_link_of_a_draft(live_server, new_page, make_staff, settings):
    settings.FRONTEND_PREVIEW_URL = f"{live_server.url}/api/v1/preview/{{token}}/"
    clinic = make_clinic()
    make_staff("wendy", "Writer")
    page = new_page()
    log_in(page, live_server, "wendy")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.fill("#id_title", "Draft about pumps")
    page.fill("#id_summary", "Not public yet.")
    choose_autocomplete(page, "id_clinic", clinic.name)
    write_section(page, 0, "What is a pump?", ["A", "small", "device."])
    page.click("input[name=_continue]")
    page.wait_for_selector("#workflow-panel")

    page.click("#create-preview")
    message = page.locator(".messagelist .success").inner_text()
    preview_url = message[message.index(live_server.url) :].strip()
    assert page.request.get(f"{live_server.url}/api/v1/articles/draft-about-pumps/").status == 404

    preview = page.request.get(preview_url)
    assert preview.status == 200
    assert "no-store" in preview.headers["cache-control"]
    assert preview.json()["title"] == "Draft about pumps"
    assert preview.json()["sections"][0]["body"] == "<p>A <strong>small</strong> device.</p>"

    page.goto(preview_url)
    assert json.loads(page.locator("body").inner_text())["slug"] == "draft-about-pumps"


def test_writer_revises_a_live_article_and_the_site_shows_the_old_text_until_a_reviewer_approves(
    live_server, new_page, make_staff, artifacts
):
    article = make_article(title="Intrathecal pumps", slug="intrathecal-pumps", clinic=make_clinic())
    make_section(article=article, position=1, heading="How often is it refilled?", body="<p>Every month.</p>")
    republish(article)
    make_staff("wendy", "Writer")
    make_staff("rahul", "Clinical reviewer")
    detail = f"{live_server.url}/api/v1/articles/intrathecal-pumps/"

    def public_text(page):
        response = page.request.get(detail)
        assert response.status == 200
        return response.json()["sections"][0]["body"]

    writer = new_page()
    log_in(writer, live_server, "wendy")
    writer.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    assert writer.locator("#workflow-status").inner_text() == "Live"
    editor = writer.locator("#sections-0 [contenteditable=true]")
    editor.click()
    writer.keyboard.press("Control+a")
    writer.keyboard.type("Every one to three months, depending on your dose.")
    writer.click("input[name=_continue]")
    writer.wait_for_selector("#workflow-panel")
    assert writer.locator("#workflow-status").inner_text() == "Live with unpublished changes"
    assert public_text(writer) == "<p>Every month.</p>"

    writer.click("#workflow-submit")
    writer.click("#transition-form input[type=submit]")
    writer.wait_for_selector("#workflow-panel")
    assert writer.locator("#workflow-status").inner_text() == "Changes in review"
    assert writer.locator("#workflow-publish").count() == 0
    assert public_text(writer) == "<p>Every month.</p>"

    reviewer = new_page()
    log_in(reviewer, live_server, "rahul")
    reviewer.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    reviewer.click("#workflow-publish")
    reviewer.wait_for_selector("#changes")
    # What the reviewer approves, word by word: "Every month." becomes "Every one to three months...".
    removed = " ".join(reviewer.locator("#changes del").all_inner_texts())
    added = " ".join(reviewer.locator("#changes ins").all_inner_texts()).replace("\xa0", " ")
    assert "month" in removed and "depending on your dose" in added
    reviewer.screenshot(path=artifacts / "approve-changes-page.png", full_page=True)
    assert public_text(reviewer) == "<p>Every month.</p>"  # until the moment of approval

    reviewer.click("#transition-form input[type=submit]")
    reviewer.wait_for_selector("#workflow-panel")
    assert reviewer.locator("#workflow-status").inner_text() == "Live"
    assert public_text(reviewer) == "<p>Every one to three months, depending on your dose.</p>"
