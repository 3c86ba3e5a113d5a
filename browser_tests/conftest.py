"""End-to-end tests in Debian's headless Chromium, driven by Playwright, against a live server.

Run with `make test-browser` (it installs Playwright and Chromium first). Screenshots go to
browser_tests/artifacts/.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

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
