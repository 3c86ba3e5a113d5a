"""Writing with feedback: live grades while typing, the unsaved-changes warning, the local draft."""

import re

import pytest
from playwright.sync_api import expect
from reversion.models import Version

from browser_tests.conftest import csp_violations, log_in
from browser_tests.test_editorial_flow import choose_autocomplete
from tests.factories import make_clinic, make_draft, make_section

# serialized_rollback: each test starts with the roles the data migration created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EASY = "<p>The pump sits under the skin.</p>"
HARD = (
    " Intrathecal administration necessitates meticulous consideration of pharmacological interactions,"
    " particularly concerning concomitant medications and individualised physiological vulnerabilities"
    " that practitioners evaluate comprehensively before implantation."
)


def test_a_writer_sees_the_grade_change_while_typing_and_gets_the_unsaved_text_back(
    live_server, new_page, make_staff, artifacts
):
    clinic = make_clinic(name="Lafayette Pain Care", slug="lafayette-pain-care")
    writer = make_staff("wendy", "Writer")
    article = make_draft(title="Intrathecal pumps", slug="intrathecal-pumps", clinic=clinic)
    make_section(article=article, position=1, heading="What is it?", body=EASY)
    versions = Version.objects.count()
    page = new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))

    log_in(page, live_server, "wendy")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    section_grade = page.locator("#live-grade-sections-0")
    article_grade = page.locator("#live-grade-article")
    expect(section_grade).to_have_text("As you type: Grade 3.1 (target 8) · 6 words · about 1 min read")
    editor = page.locator("#sections-0 [contenteditable=true]")
    assert editor.get_attribute("spellcheck") == "true"

    editor.click()
    page.keyboard.press("End")
    page.keyboard.type(HARD)

    # Graded at the pause in typing, without saving anything.
    expect(section_grade).to_have_text(
        "As you type: Above target: Grade 29.9 (target 8) · 28 words · about 1 min read"
    )
    assert "Above target" in article_grade.inner_text()
    assert article.sections.get().body == EASY
    assert Version.objects.count() == versions
    page.screenshot(path=artifacts / "writer-feedback.png", full_page=True)

    # Leaving asks first; the text is kept in this browser and offered back.
    page.reload()
    assert dialogs == ["beforeunload"]
    offer = page.locator("#local-draft-offer")
    assert re.fullmatch(r"Restore your unsaved text from .+\?", offer.locator("p").inner_text())
    assert "practitioners" not in editor.inner_text()
    page.click("#local-draft-restore")
    assert "practitioners evaluate comprehensively" in editor.inner_text()
    expect(section_grade).to_contain_text("Above target: Grade 29.9")

    # Saving is not leaving: no warning, and the saved page no longer offers the draft.
    page.click("input[name=_continue]")
    page.wait_for_selector("#workflow-panel")
    assert dialogs == ["beforeunload"]
    assert "practitioners evaluate comprehensively" in article.sections.get().body
    expect(section_grade).to_contain_text("Above target: Grade 29.9")
    assert page.locator("#local-draft-offer").count() == 0
    assert page.evaluate(f"localStorage.getItem('careleaf:article-draft:{writer.pk}:{article.pk}')") is None
    assert csp_violations(page) == []


def test_a_new_article_is_kept_in_the_browser_until_it_is_saved(live_server, new_page, make_staff):
    clinic = make_clinic(name="Lafayette Pain Care", slug="lafayette-pain-care")
    writer = make_staff("wendy", "Writer")
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())

    log_in(page, live_server, "wendy")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.click("#sections-group .add-row a")
    # django-admin-sortable2 drags only saved sections, so the page says so.
    assert page.locator("#sections-sort-hint").inner_text() == (
        "You can drag sections into order after the first save."
    )
    assert page.locator("#sections-group .inline-related.has_original").count() == 0
    assert page.locator("#id_title").get_attribute("spellcheck") == "true"
    page.fill("#id_title", "Nerve blocks")
    page.fill("#id_sections-0-heading", "What is it?")
    page.locator("#sections-0 [contenteditable=true]").click()
    page.keyboard.type("A numbing injection near a nerve.")
    expect(page.locator("#live-grade-article")).to_have_text(
        "Whole article, as you type: Above target: Grade 8.8 (target 8) · 6 words · about 1 min read"
    )

    # A crash or a closed tab loses nothing: the section comes back, with a row made for it.
    page.reload()
    assert page.locator("#sections-0").count() == 0
    page.click("#local-draft-restore")
    assert page.locator("#id_title").input_value() == "Nerve blocks"
    assert page.locator("#id_sections-0-heading").input_value() == "What is it?"
    expect(page.locator("#sections-0 [contenteditable=true]")).to_have_text(
        "A numbing injection near a nerve."
    )

    # Saved: the browser's copy is forgotten.
    page.fill("#id_summary", "What a nerve block is.")
    choose_autocomplete(page, "id_clinic", clinic.name)
    page.click("input[name=_continue]")
    page.wait_for_selector("#workflow-panel")
    assert page.evaluate(f"localStorage.getItem('careleaf:article-draft:{writer.pk}:new')") is None
    assert page.locator("#local-draft-offer").count() == 0
    assert csp_violations(page) == []


def test_another_person_at_the_same_computer_is_never_offered_the_unsaved_text(
    live_server, new_page, make_staff
):
    clinic = make_clinic(name="Lafayette Pain Care", slug="lafayette-pain-care")
    make_staff("wendy", "Writer")
    make_staff("walter", "Writer")
    article = make_draft(title="Intrathecal pumps", slug="intrathecal-pumps", clinic=clinic)
    make_section(article=article, position=1, heading="What is it?", body=EASY)
    change_page = f"{live_server.url}/admin/articles/article/{article.pk}/change/"
    drafts = "Object.keys(localStorage).filter(key => key.startsWith('careleaf:article-draft:'))"
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, "wendy")
    page.goto(change_page)
    page.locator("#sections-0 [contenteditable=true]").click()
    page.keyboard.type(" Unsaved words of Wendy's.")
    page.wait_for_function(f"() => {drafts}.length === 1")  # kept at the pause in typing

    # Her session ends without a logout (a closed tab, an expired session): the text stays hers.
    page.context.clear_cookies()
    log_in(page, live_server, "walter")
    page.goto(change_page)
    expect(page.locator("#live-grade-sections-0")).to_contain_text("Grade")  # the script has run
    assert page.locator("#local-draft-offer").count() == 0
    assert len(page.evaluate(drafts)) == 1

    # Logging out forgets every kept draft in this browser.
    page.click("#logout-form button[type=submit]")
    page.wait_for_load_state()
    assert page.evaluate(drafts) == []
