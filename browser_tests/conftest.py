"""End-to-end tests in Debian's headless Chromium, driven by Playwright, against a live server.

Run with `make test-browser` (it installs Playwright and Chromium first). Screenshots go to
browser_tests/artifacts/.
"""

import datetime
import os
from pathlib import Path

import pytest
import reversion
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from tests.factories import make_condition, make_pump, make_risk

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
# ordinary synchronous code, so Django's async-safety guard does not apply to them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORD = "browser-Test-pass-4821"
# Runs first in every document: keeps what the Content-Security-Policy blocked, for csp_violations().
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const blocked = event.blockedURI || "inline";
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${blocked} (${where})`);
});
"""


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def csp_violations(page) -> list[str]:
    """What the Content-Security-Policy blocked in the page's current document."""
    return page.evaluate("window.__cspViolations")


def _is_csp_error(message) -> bool:
    return message.type == "error" and "Content Security Policy" in message.text


@pytest.fixture
def new_page(browser):
    """Opens pages in fresh contexts. Every page of every browser test must run under the
    Content-Security-Policy without a violation: Chromium reports each one on the console, and
    the test errors at teardown if there was any."""
    contexts = []
    csp_errors = []

    def open_page():
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.set_default_timeout(15_000)
        context.add_init_script(CSP_LISTENER)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: _is_csp_error(message) and csp_errors.append(message.text))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not csp_errors, csp_errors


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def make_staff(django_user_model):
    from clinics import roles

    def make(username, role):
        user = django_user_model.objects.create_user(username, f"{username}@clinic.example", PASSWORD)
        user.is_staff = True
        user.save()
        roles.grant(user, role)
        return user

    return make


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


# axe-core's own options: report violations only, and skip its preloading of style sheets, which
# resolves a sheet's @import against the page's address (Django's forms.css imports widgets.css)
# and so asks the server for /admin/widgets.css; no rule we run needs it.
AXE_OPTIONS = {"resultTypes": ["violations"], "preload": False}


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """What axe-core (bundled by axe-playwright-python) finds wrong in the page's current document,
    at the given impacts: one line per element, "rule (impact): selector: html".

    Page.evaluate runs the script through the browser's debugging protocol, which the page's
    Content-Security-Policy does not govern, so the policy stays as strict as for staff."""
    results = Axe().run(page, options=AXE_OPTIONS).response
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in impacts:
            continue
        for node in violation["nodes"]:
            selector = " ".join(str(part) for part in node["target"])
            found.append(f"{violation['id']} ({violation['impact']}): {selector}: {node['html'][:160]}")
    return found


@pytest.fixture
def pump_article():
    """A live article like the demo's pump: sections, conditions, risks, criteria, contraindications
    and references (the sortable inlines, and the date field of a reference), reviewed a month ago,
    with two saved versions, the second changing a section's text."""
    article = make_pump(
        sections=4,
        conditions=[make_condition(slug="cancer-pain", name="Cancer pain"), make_condition(slug="sciatica")],
        risks=[make_risk(slug="infection", name="Infection"), make_risk(slug="bleeding", name="Bleeding")],
        criteria=3,
        contraindications=2,
        references=2,
        last_reviewed_on=datetime.date.today() - datetime.timedelta(days=30),
    )
    for body in (
        "<p>The pump sits under the skin of your belly.</p>",
        "<p>The pump is refilled monthly.</p>",
    ):
        section = article.sections.first()
        section.body = body
        section.save()
        with reversion.create_revision():
            article.save()
            reversion.set_comment("Edited the first section")
    return article
