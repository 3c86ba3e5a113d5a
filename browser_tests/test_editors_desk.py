"""A reviewer's day and a writer's day, from the admin home page (the editor's desk), in Chromium."""

import pytest
import reversion
from playwright.sync_api import expect

from articles import workflow
from articles.models import Article
from browser_tests.conftest import log_in
from tests.factories import make_article, make_clinic, make_draft, make_section

# serialized_rollback: each test starts with the roles the data migration created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def submitted_article(clinic, writer) -> Article:
    article = make_draft(clinic=clinic, title="Nerve blocks", slug="nerve-blocks")
    make_section(
        article=article,
        position=1,
        heading="Does it hurt?",
        body="<p>Most people feel <strong>a little pressure</strong> and a short sting.</p>",
    )
    make_section(article=article, position=2, heading="Afterwards", body="<ul><li>Rest for a day.</li></ul>")
    with reversion.create_revision():
        reversion.add_to_revision(article)
        reversion.set_user(writer)
    workflow.transition(article, "submit", by=writer)
    return article


def test_a_reviewers_day_home_preview_approve(live_server, new_page, make_staff, artifacts):
    clinic = make_clinic(name="Lafayette Pain Care")
    make_article(clinic=clinic, title="Intrathecal pump implants")
    writer = make_staff("wendy", "Writer")
    make_staff("rahul", "Clinical reviewer")
    article = submitted_article(clinic, writer)

    page = new_page()
    log_in(page, live_server, "rahul")
    waiting = page.locator("#desk-waiting-review")
    assert "Waiting for my review (1)" in waiting.locator("h2").inner_text()
    assert "Submitted by wendy" in waiting.inner_text()
    page.screenshot(path=artifacts / "desk-reviewer-home.png", full_page=True)

    waiting.get_by_role("link", name="Nerve blocks").click()
    page.wait_for_selector("#workflow-panel")
    assert page.locator("#workflow-status").inner_text() == "In review"

    page.click("#patient-preview")
    frame = page.frame_locator("#patient-frame")
    assert frame.locator("h1").inner_text() == "Nerve blocks"
    assert frame.locator("strong", has_text="a little pressure").count() == 1
    assert frame.locator("li", has_text="Rest for a day.").count() == 1
    page.screenshot(path=artifacts / "desk-reviewer-preview.png", full_page=True)

    page.go_back()
    page.click("#workflow-publish")
    page.click("#transition-form input[type=submit]")
    page.wait_for_selector("#workflow-panel")
    assert page.locator("#workflow-status").inner_text() == "Live"
    response = page.request.get(f"{live_server.url}/api/v1/articles/nerve-blocks/")
    assert response.status == 200
    assert response.json()["sections"][0]["heading"] == "Does it hurt?"

    page.goto(f"{live_server.url}/admin/")
    assert "Nothing is waiting for review." in page.locator("#desk-waiting-review").inner_text()
    assert "Nerve blocks" in page.locator("#desk-recent").inner_text()
    assert Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED


LONG_SENTENCE = (
    " Intrathecal administration necessitates meticulous consideration of pharmacological interactions"
    " and individualised physiological vulnerabilities that practitioners evaluate comprehensively."
)


def test_a_writers_day_home_continue_type_warned_submit(live_server, new_page, make_staff, artifacts):
    clinic = make_clinic(name="Lafayette Pain Care")
    writer = make_staff("wendy", "Writer")
    rahul = make_staff("rahul", "Clinical reviewer")
    draft = make_draft(clinic=clinic, title="Nerve blocks", slug="nerve-blocks")
    make_section(article=draft, position=1, heading="What is it?", body="<p>A numbing shot near a nerve.</p>")
    with reversion.create_revision():
        reversion.add_to_revision(draft)
        reversion.set_user(writer)
    sent_back = make_draft(clinic=clinic, title="Spinal cord stimulation", slug="scs")
    with reversion.create_revision():
        reversion.add_to_revision(sent_back)
        reversion.set_user(writer)
    workflow.transition(sent_back, "submit", by=writer)
    workflow.transition(sent_back, "withdraw", by=rahul, note="Please add the recovery time.")

    page = new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    log_in(page, live_server, "wendy")
    assert "Please add the recovery time." in page.locator("#desk-sent-back").inner_text()
    assert page.locator("#desk-waiting-review").count() == 0  # not a reviewer
    page.screenshot(path=artifacts / "desk-writer-home.png", full_page=True)

    page.locator("#desk-my-drafts").get_by_role("link", name="Nerve blocks").click()
    page.wait_for_selector("#workflow-panel")
    grade = page.locator("#live-grade-sections-0")
    expect(grade).not_to_contain_text("Above target")
    page.locator("#sections-0 [contenteditable=true]").click()
    page.keyboard.press("End")
    page.keyboard.type(LONG_SENTENCE)
    expect(grade).to_contain_text("Above target")  # graded while typing, nothing saved
    page.wait_for_function(
        "() => Object.keys(localStorage).some(key => key.startsWith('careleaf:article-draft:'))"
    )
    assert "practitioners" not in Article.objects.get(pk=draft.pk).sections.get().body

    page.goto(f"{live_server.url}/admin/")  # leaving with unsaved text asks first
    assert dialogs == ["beforeunload"]
    page.go_back()
    page.click("#local-draft-restore")
    page.click("input[name=_continue]")
    page.wait_for_selector("#workflow-panel")
    assert "practitioners" in Article.objects.get(pk=draft.pk).sections.get().body

    page.click("#workflow-submit")
    page.click("#transition-form input[type=submit]")
    page.wait_for_selector("#workflow-panel")
    assert page.locator("#workflow-status").inner_text() == "In review"
    assert "Read only." in page.locator("#read-only-reason").inner_text()
    page.goto(f"{live_server.url}/admin/")
    assert "Nerve blocks" not in page.locator("#desk-my-drafts").inner_text()
