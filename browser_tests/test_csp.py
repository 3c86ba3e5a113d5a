"""The Content-Security-Policy in a real browser: the admin's rich-text editor and Swagger UI
still work, and nothing on their pages is blocked (the console and `securitypolicyviolation`
events both stay empty; new_page also checks the console of every other browser test)."""

import pytest

from articles.models import Article
from browser_tests.conftest import PASSWORD, csp_violations, log_in
from tests.factories import make_article, make_section

# serialized_rollback: each test starts with the roles the data migration created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_article_editor_works_under_the_admin_policy(live_server, new_page, django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@clinic.example", PASSWORD)
    article = make_article(title="Intrathecal pumps", slug="intrathecal-pumps", status=Article.Status.DRAFT)
    make_section(article=article, position=1, heading="How often is it refilled?", body="<p>Monthly.</p>")
    page = new_page()

    log_in(page, live_server, "admin")
    response = page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    assert "script-src 'self' 'sha256-" in response.headers["content-security-policy"]
    # The editor is a JavaScript module found through the page's inline import map: if the
    # policy blocked either, there would be a bare textarea and no contenteditable.
    editor = page.locator("#sections-0 [contenteditable=true]")
    editor.click()
    page.keyboard.press("End")
    page.keyboard.type(" Or ")
    page.keyboard.press("Control+b")
    page.keyboard.type("every three months")
    page.keyboard.press("Control+b")
    assert csp_violations(page) == []
    page.click("input[name=_continue]")
    page.wait_for_selector("#workflow-panel")

    assert csp_violations(page) == []
    body = article.sections.get().body
    assert "Monthly. Or <strong>every three months</strong>" in body


def test_swagger_ui_works_under_the_docs_policy(live_server, new_page):
    page = new_page()

    response = page.goto(f"{live_server.url}/api/docs/")
    assert "'nonce-" in response.headers["content-security-policy"]
    # Rendered from the schema: the nonce'd setup script ran and fetched /api/schema/.
    operation = page.locator(".opblock-get", has=page.locator("[data-path='/api/v1/articles/']"))
    operation.locator(".opblock-summary").click()
    page.click(".try-out__btn")
    page.click(".execute")
    status = operation.locator(".live-responses-table tr.response .response-col_status")

    assert status.inner_text().strip() == "200"
    # Swagger UI filled in the schema's example filters; the point is that the call was made.
    assert '"results"' in operation.locator(".live-responses-table .microlight").first.inner_text()
    assert csp_violations(page) == []
