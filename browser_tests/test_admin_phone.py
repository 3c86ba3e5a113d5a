"""The admin on a phone (390x844) and a laptop (1280 px): the home page, the article list and the
article page never scroll sideways, nothing in the form runs off the screen or over its
neighbours, and the list shows every column at 1280 px. Screenshots of each page at both widths go
to browser_tests/artifacts/ (phone-*.png, desktop-*.png)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from browser_tests.conftest import csp_violations, log_in
from tests.factories import make_clinic, make_draft, make_scheduled

# serialized_rollback: each test starts with the roles the data migration created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 1000}

# Boxes of the elements each check reads, in page coordinates; empty boxes (hidden) are left out.
OVERLAP_HELPERS = """
const box = (element) => element.getBoundingClientRect();
const shown = (element) => { const r = box(element); return r.width > 0 && r.height > 0; };
const meet = (a, b) =>
  a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
const name = (element) =>
  (element.textContent || element.getAttribute("aria-label") || element.tagName).trim();
"""

# Each sortable inline row's drag handle against the field labels near it. A stacked inline
# (sections) is dragged by its header: every part of the header (title, delete box, move arrows)
# must stay clear of the labels below it. A tabular row is dragged by the strip above its fields.
HANDLES_OVER_LABELS = (
    "() => {"
    + OVERLAP_HELPERS
    + """
  const overlaps = [];
  for (const inline of document.querySelectorAll("fieldset.sortable .inline-related.has_original")) {
    const header = inline.querySelector(":scope > h3");
    if (!header) continue;
    const parts = [header, ...header.querySelectorAll("*")].filter(shown);
    for (const label of inline.querySelectorAll("label")) {
      if (header.contains(label) || !shown(label)) continue;
      for (const part of parts) {
        if (meet(box(part), box(label))) overlaps.push(`${inline.id}: "${name(part)}" over "${name(label)}"`);
      }
    }
  }
  for (const row of document.querySelectorAll("fieldset.sortable tr.has_original")) {
    const handle = row.querySelector("td.original p");
    if (!handle || !shown(handle)) continue;
    const neighbours = [
      ...row.closest("table").querySelectorAll("thead th"),
      ...row.querySelectorAll("td:not(.original) :is(label, input, select, textarea, .select2)"),
    ].filter(shown);
    for (const neighbour of neighbours) {
      if (meet(box(handle), box(neighbour))) overlaps.push(`${row.id}: handle over "${name(neighbour)}"`);
    }
  }
  return overlaps;
}"""
)

# Link buttons (the workflow panel's actions) must not sit on top of each other when they wrap.
BUTTONS_OVER_BUTTONS = (
    "() => {"
    + OVERLAP_HELPERS
    + """
  const buttons = [...document.querySelectorAll("#content a.button")].filter(shown);
  const overlaps = [];
  buttons.forEach((a, i) => buttons.slice(i + 1).forEach((b) => {
    if (meet(box(a), box(b))) overlaps.push(`"${name(a)}" over "${name(b)}"`);
  }));
  return overlaps;
}"""
)

# Form controls wider than the screen: the summary box, text fields, the rich-text editors.
CONTROLS_OFF_SCREEN = """() => {
  const controls = document.querySelectorAll("#content :is(textarea, input[type=text], .prose-editor)");
  return [...controls]
    .filter((control) => control.getBoundingClientRect().width > 0)
    .filter((control) => !control.closest(".tabular"))  // a table scrolls inside its own box
    .filter((control) => {
      const r = control.getBoundingClientRect();
      return r.left < 0 || r.right > window.innerWidth;
    })
    .map((control) => control.id || control.name || control.className);
}"""

PAGE_WIDTH = "[document.documentElement.scrollWidth, window.innerWidth]"


def _open(page, url, viewport):
    page.set_viewport_size(viewport)
    response = page.goto(url)
    assert response.status == 200
    assert page.url == url
    assert csp_violations(page) == []
    width, screen = page.evaluate(PAGE_WIDTH)
    assert width <= screen, f"{url} is {width} px wide on a {screen} px screen"


@pytest.fixture
def writer_page(live_server, new_page, make_staff):
    make_staff("wendy", "Writer")
    page = new_page()
    log_in(page, live_server, "wendy")
    return page


def test_home_page_fits_a_phone_and_a_laptop(live_server, writer_page, pump_article, artifacts):
    url = f"{live_server.url}{reverse('admin:index')}"

    _open(writer_page, url, PHONE)
    assert writer_page.evaluate(BUTTONS_OVER_BUTTONS) == []
    writer_page.screenshot(path=artifacts / "phone-home.png", full_page=True)

    _open(writer_page, url, DESKTOP)
    writer_page.screenshot(path=artifacts / "desktop-home.png", full_page=True)


def test_article_list_fits_a_phone_and_shows_every_column_at_1280(
    live_server, writer_page, pump_article, artifacts
):
    # The demo's list: long titles, a long clinic name, the widest state badge, three date columns.
    clinic = make_clinic(name="Lafayette Pain Care", slug="lafayette-pain-care")
    make_scheduled(title="Radiofrequency ablation", slug="radiofrequency-ablation", clinic=clinic)
    make_draft(title="Epidural steroid injections", slug="epidural-steroid-injections", clinic=clinic)
    url = f"{live_server.url}{reverse('admin:articles_article_changelist')}"
    results = (
        "[document.querySelector('#result_list').offsetWidth, document.querySelector('.results').clientWidth]"
    )

    # On a phone the table scrolls inside its own box (Django's .results); the page does not.
    _open(writer_page, url, PHONE)
    writer_page.screenshot(path=artifacts / "phone-list.png", full_page=True)

    _open(writer_page, url, DESKTOP)
    table, space = writer_page.evaluate(results)
    assert table <= space, f"the list is {table} px wide in {space} px: its last columns are cut off"
    # One format for dates and times, as on the home page: "28 Nov 2026" and "28 Nov 2026, 15:28".
    row = writer_page.locator(
        "#result_list tbody tr", has=writer_page.get_by_role("link", name="Intrathecal pumps")
    )
    published = timezone.localtime(pump_article.published_at)
    review_due = pump_article.next_review_due
    assert row.locator("td.field-published_at").inner_text() == (
        f"{published.day}\xa0{published:%b}\xa0{published.year}, {published:%H:%M}"
    )
    assert row.locator("td.field-next_review_due").inner_text() == (
        f"{review_due.day}\xa0{review_due:%b}\xa0{review_due.year}"
    )
    writer_page.screenshot(path=artifacts / "desktop-list.png", full_page=True)


def test_article_page_works_on_a_phone(live_server, writer_page, pump_article, artifacts):
    url = f"{live_server.url}{reverse('admin:articles_article_change', args=[pump_article.pk])}"

    _open(writer_page, url, PHONE)
    writer_page.wait_for_selector("#sections-0 [contenteditable=true]")
    assert writer_page.locator("fieldset.sortable .inline-related.has_original").count() == 4
    assert writer_page.locator("fieldset.sortable tr.has_original").count() == 11
    assert writer_page.evaluate(HANDLES_OVER_LABELS) == []
    assert writer_page.evaluate(CONTROLS_OFF_SCREEN) == []
    assert writer_page.evaluate(BUTTONS_OVER_BUTTONS) == []
    writer_page.screenshot(path=artifacts / "phone-article.png", full_page=True)

    _open(writer_page, url, DESKTOP)
    writer_page.wait_for_selector("#sections-0 [contenteditable=true]")
    assert writer_page.evaluate(HANDLES_OVER_LABELS) == []
    writer_page.screenshot(path=artifacts / "desktop-article.png", full_page=True)


def test_date_and_time_widgets_show_their_calendar_and_clock(
    live_server, new_page, make_staff, pump_article, artifacts
):
    """The publish page's "Go live at" (date and time) and the clinical review's date: Django's
    widget styles are loaded on our own form pages too, so each shortcut has its icon."""
    make_staff("rahul", "Clinical reviewer")
    page = new_page()
    log_in(page, live_server, "rahul")
    publish = reverse("admin:articles_article_transition", args=[pump_article.pk, "publish"])
    icon = "e => [getComputedStyle(e).backgroundImage, e.getBoundingClientRect().width]"

    page.goto(f"{live_server.url}{publish}?version={pump_article.lock_version}")
    calendar = page.locator("#transition-form .datetimeshortcuts .date-icon").first
    clock = page.locator("#transition-form .datetimeshortcuts .clock-icon").first
    image, width = calendar.evaluate(icon)
    assert "icon-calendar.svg" in image and width > 0
    image, width = clock.evaluate(icon)
    assert "icon-clock.svg" in image and width > 0
    clock.click()
    assert page.locator(".clockbox").first.is_visible()
    page.screenshot(path=artifacts / "desktop-publish-time.png")

    page.goto(f"{live_server.url}{reverse('admin:articles_article_review', args=[pump_article.pk])}")
    image, width = page.locator("#review-form .datetimeshortcuts .date-icon").evaluate(icon)
    assert "icon-calendar.svg" in image and width > 0
    assert csp_violations(page) == []
