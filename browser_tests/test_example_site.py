"""The example front end (examples/site: Vite + TypeScript on the generated client types), built
against a live Careleaf with the demo content and served as static files from another origin, in
Chromium: the list, an article with everything the API gives, its JSON-LD, a heading that tries
to break out of the JSON-LD <script>, a preview link and a refused one, a 404 and a 429.

It runs `npm ci` in examples/site when node_modules is missing (Node 20.19+ and npm are needed),
builds into a temporary folder with VITE_API_URL set to the live server, and serves that folder
with Python's http.server; the API allows the site's origin through CORS_ALLOWED_ORIGINS.
"""

import functools
import http.server
import io
import json
import os
import shutil
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from articles import previews
from articles.models import Article
from browser_tests.conftest import axe_violations
from clinics.models import Clinic
from tests.factories import make_article, make_section, republish

# serialized_rollback: each test starts with the roles the data migration created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SITE = Path(__file__).resolve().parent.parent / "examples" / "site"
PUMP = "intrathecal-pump-implant"
BREAKOUT = "</script><script>window.pwned=1</script>"


def _npm(*args: str, env: dict | None = None) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("The example site's test needs Node.js 20.19+ and npm on PATH.")
    result = subprocess.run(
        [npm, *args], cwd=SITE, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        pytest.fail(
            f"npm {' '.join(args)} failed in examples/site:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )


class _StaticFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no access log on the test's output
        pass


@pytest.fixture(scope="module")
def site(live_server, tmp_path_factory):
    """The site built for this live server, served on a free port of 127.0.0.1: its address."""
    installed = SITE / "node_modules" / ".package-lock.json"  # what npm last installed there
    if not installed.is_file() or installed.stat().st_mtime < (SITE / "package-lock.json").stat().st_mtime:
        _npm("ci", "--no-audit", "--no-fund")
    dist = tmp_path_factory.mktemp("example-site")
    _npm(
        "run",
        "build",
        "--",
        "--outDir",
        str(dist),
        "--emptyOutDir",
        "--logLevel",
        "warn",
        env={**os.environ, "VITE_API_URL": live_server.url},
    )
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_StaticFiles, directory=str(dist))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def demo(site, settings):
    """The demo content, the site's origin allowed by CORS, no cached answers or request counts."""
    settings.CORS_ALLOWED_ORIGINS = [site]
    cache.clear()
    call_command("load_demo", stdout=io.StringIO())
    yield
    cache.clear()


def api_json(live_server, path: str) -> dict:
    with urllib.request.urlopen(f"{live_server.url}{path}", timeout=10) as response:
        return json.load(response)


def open_site(new_page, url: str):
    page = new_page()
    page.goto(url)
    page.wait_for_selector("main[aria-busy=false]")
    return page


def test_the_list_shows_the_published_demo_articles(demo, site, live_server, new_page):
    page = open_site(new_page, site)

    titles = page.locator(".cards h2").all_inner_texts()
    api_titles = [item["title"] for item in api_json(live_server, "/api/v1/articles/")["results"]]
    assert titles == api_titles
    assert set(titles) == {"Intrathecal pump implants", "Spinal cord stimulation"}
    assert page.locator(".cards .clinic").all_inner_texts() == ["Lafayette Pain Care"] * 2
    assert page.title() == "Patient guides"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert axe_violations(page) == []

    page.get_by_role("link", name="Intrathecal pump implants").click()
    page.wait_for_selector("main[aria-busy=false] h1")
    assert page.locator("h1").inner_text() == "Intrathecal pump implants"


def test_the_pump_page_shows_everything_the_api_gives(demo, site, live_server, new_page, artifacts):
    article = api_json(live_server, f"/api/v1/articles/{PUMP}/")
    page = open_site(new_page, f"{site}/?article={PUMP}")

    assert page.locator("h1").inner_text() == article["title"]
    assert page.title() == f"{article['title']} | Patient guides"
    for section in article["sections"]:
        block = page.locator(f"section#{section['anchor']}")
        assert block.locator("h2").inner_text() == section["heading"]
        # The section's HTML is rendered as HTML: no tags show as text.
        assert "<p>" not in block.locator(".section-body").inner_text()
    assert page.locator("main section[id] .section-body p").count() >= len(article["sections"])
    risks = page.locator("section[aria-labelledby=risks-heading] li strong").all_inner_texts()
    assert risks == [risk["name"] for risk in article["risks"]]
    criteria = page.locator("section[aria-labelledby=criteria-heading] li").all_inner_texts()
    assert criteria == article["candidate_criteria"]
    contraindications = page.locator(
        "section[aria-labelledby=contraindications-heading] li"
    ).all_inner_texts()
    assert contraindications == article["contraindications"]
    sources = page.locator("section[aria-labelledby=references-heading] li a")
    assert sources.all_inner_texts() == [reference["title"] for reference in article["references"]]
    assert sources.first.get_attribute("href") == article["references"][0]["url"]
    phone = page.locator(".clinic a.phone")
    assert phone.inner_text() == article["clinic"]["phone"]
    assert phone.get_attribute("href").startswith("tel:+")
    assert (
        page.locator(".clinic address")
        .inner_text()
        .startswith(article["clinic"]["address"]["street_address"])
    )
    contact_links = page.locator(".contact-links a")
    assert contact_links.count() == len(article["clinic"]["contact_links"])

    # The JSON-LD in the head is the API's, parsed by the browser.
    scripts = page.locator('head script[type="application/ld+json"]')
    assert scripts.count() == 1
    parsed = page.evaluate("JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').text)")
    assert parsed == article["jsonld"]
    if article.get("page_url"):
        assert page.locator("head link[rel=canonical]").get_attribute("href") == article["page_url"]
    # Landmarks and heading order: one h1, then h2s.
    assert page.locator("main").count() == 1 and page.locator("header").count() >= 1
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "example_site_article.png", full_page=True)


def test_a_heading_that_closes_the_script_element_stays_text(demo, site, live_server, new_page):
    clinic = Clinic.objects.get(slug="lafayette-pain-care")
    article = make_article(
        clinic=clinic, slug="breakout", title=f"Title {BREAKOUT}", summary=f"Summary {BREAKOUT}"
    )
    make_section(article=article, position=1, heading=f"Heading {BREAKOUT}", body="<p>Body.</p>")
    republish(article)
    jsonld = api_json(live_server, "/api/v1/articles/breakout/")["jsonld"]

    page = open_site(new_page, f"{site}/?article=breakout")

    assert page.locator("h1").inner_text() == f"Title {BREAKOUT}"
    assert page.locator("main section[id] h2").first.inner_text() == f"Heading {BREAKOUT}"
    assert page.evaluate("typeof window.pwned") == "undefined"
    raw = page.evaluate("document.querySelector('script[type=\"application/ld+json\"]').text")
    assert "<" not in raw and ">" not in raw and "&" not in raw
    assert "\\u003c/script\\u003e" in raw
    assert (
        page.evaluate("JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').text)")
        == jsonld
    )
    # Nothing the heading carried became an element.
    assert page.locator("script:not([type='application/ld+json']):not([src])").count() == 0


def test_a_preview_link_shows_the_saved_version_with_a_banner(
    demo, site, new_page, django_user_model, artifacts
):
    author = django_user_model.objects.create_user("previewer", "previewer@clinic.example", "x-Pass-48213")
    draft = Article.objects.get(slug="epidural-steroid-injection")
    token = previews.token_for(previews.create_link(draft, by=author))

    page = open_site(new_page, f"{site}/?preview={token}")

    assert page.locator("h1").inner_text() == "Epidural steroid injections"
    banner = page.locator("#preview-banner")
    assert banner.is_visible()
    assert banner.inner_text().startswith("Preview: version ")
    assert "Patients do not see this version." in banner.inner_text()
    page.screenshot(path=artifacts / "example_site_preview.png")
    assert page.title().startswith("Preview: Epidural steroid injections")

    refused = open_site(new_page, f"{site}/?preview=not-a-token")
    assert refused.locator("h1").inner_text() == "This preview cannot be shown"
    assert refused.locator(".refusal").inner_text() == "This preview link is not valid."
    assert refused.locator("#preview-banner").is_visible()


def test_an_unknown_article_shows_the_not_found_page(demo, site, new_page):
    page = open_site(new_page, f"{site}/?article=no-such-article")

    assert page.locator("h1").inner_text() == "Page not found"
    assert page.title() == "Page not found | Patient guides"
    assert page.locator('head meta[name="robots"]').get_attribute("content") == "noindex"
    assert page.locator('head script[type="application/ld+json"]').count() == 0


@pytest.mark.parametrize("slug", ["..", "."])
def test_a_dot_segment_for_a_slug_shows_the_not_found_page(demo, site, live_server, new_page, slug):
    # Encoded as it is, ".." would make /api/v1/articles/../ (the API's root): the client refuses
    # it as a 404 without a request, and the site shows its 404 page instead of "Loading…".
    page = new_page()
    asked = []
    page.on("request", lambda request: request.url.startswith(live_server.url) and asked.append(request.url))
    page.goto(f"{site}/?article={slug}")
    page.wait_for_selector("main[aria-busy=false]")

    assert page.locator("h1").inner_text() == "Page not found"
    assert page.title() == "Page not found | Patient guides"
    assert page.locator('head meta[name="robots"]').get_attribute("content") == "noindex"
    assert asked == []


def test_an_answer_of_the_wrong_shape_shows_an_error_not_loading(demo, site, live_server, new_page):
    # Whatever throws while a page is built, the top-level catch shows a message and clears aria-busy.
    page = new_page()
    page.route(
        f"{live_server.url}/api/v1/articles/{PUMP}/",
        lambda route: route.fulfill(
            status=200,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": site},
            body="{}",
        ),
    )
    page.goto(f"{site}/?article={PUMP}")
    page.wait_for_selector("main[aria-busy=false]")

    assert page.locator("h1").inner_text() == "Something went wrong"
    assert page.locator(".loading").count() == 0


def test_too_many_requests_shows_how_long_to_wait(demo, site, settings, new_page):
    settings.API_ANON_RATE = "2/hour"
    cache.clear()
    for _ in range(2):
        assert open_site(new_page, site).locator(".cards h2").count() == 2

    page = open_site(new_page, site)

    assert page.locator("h1").inner_text() == "Too many requests"
    wait = int(page.locator(".retry").get_attribute("data-retry-after"))
    # Retry-After came through CORS: the API's own wait (most of an hour for "2/hour"); without the
    # header the site would say 60.
    assert 60 < wait <= 3600
    unit = "second" if wait == 1 else "seconds"
    assert page.locator(".retry").inner_text() == f"Please try again in {wait} {unit}."
