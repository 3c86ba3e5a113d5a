"""A writer brings a clinic's existing articles in, in Chromium: several files in one upload, then
the suggestions of one import confirmed or dropped. Both pages pass axe-core."""

import io

import docx
import pytest
from playwright.sync_api import expect

from articles.models import Article, Condition
from browser_tests.conftest import axe_violations, log_in
from browser_tests.test_admin_phone import PAGE_WIDTH
from tests.factories import make_clinic

# serialized_rollback: each test starts with the roles the data migration created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASTED = """\
If you’ve lived with back pain for months, radiofrequency ablation may give you lasting relief.
What is radiofrequency ablation?
Radiofrequency ablation uses gentle heat to quiet the small nerves that carry pain from spine joints.
What conditions can it help?
It can help with conditions such as:
- Facet joint arthritis
- Sacroiliac joint pain
What are the risks?
Like any procedure, it has some risks:
- Soreness where the needle went in
- Brief numbness of the skin
Lafayette Pain Care is a pain clinic in Indiana. Visit our website and like us on Facebook.
"""


def word_file() -> bytes:
    document = docx.Document()
    document.add_heading("Trigger Point Injections", level=0)
    document.add_paragraph("A trigger point injection eases a tight knot of muscle in a few minutes.")
    document.add_heading("After the injection", level=1)
    document.add_paragraph("Keep moving gently for the rest of the day.", style="List Bullet")
    document.add_paragraph("Use ice if the spot is sore.", style="List Bullet")
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


def test_a_writer_imports_two_files_then_confirms_what_the_import_suggested(
    live_server, new_page, make_staff
):
    clinic = make_clinic(name="Lafayette Pain Care")
    make_staff("wendy", "Writer")
    page = new_page()
    log_in(page, live_server, "wendy")

    page.goto(f"{live_server.url}/admin/articles/article/")
    page.get_by_role("link", name="Import articles").click()
    expect(page.get_by_role("heading", name="Import articles")).to_be_visible()
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert axe_violations(page) == []
    width, screen = page.evaluate(PAGE_WIDTH)
    assert width <= screen, f"the import page is {width} px wide on a {screen} px screen"
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.select_option("#id_clinic", str(clinic.pk))
    page.set_input_files(
        "#id_document",
        [
            {"name": "rfa.txt", "mimeType": "text/plain", "buffer": PASTED.encode()},
            {
                "name": "trigger-points.docx",
                "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "buffer": word_file(),
            },
        ],
    )
    page.get_by_role("button", name="Import as drafts").click()

    # Several files: the article list, with what each import did.
    expect(page.locator("ul.messagelist")).to_contain_text("Imported “Radiofrequency ablation” as a draft")
    expect(page.locator("ul.messagelist")).to_contain_text("Imported “Trigger Point Injections” as a draft")
    expect(page.locator("ul.messagelist")).to_contain_text("Left out as clinic information")
    assert sorted(Article.objects.values_list("status", flat=True)) == ["draft", "draft"]

    article = Article.objects.get(title="Radiofrequency ablation")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.get_by_role("link", name="confirm or drop them").click()
    expect(
        page.get_by_role("heading", name="Suggestions from the import of “Radiofrequency ablation”")
    ).to_be_visible()
    assert axe_violations(page) == []
    # On a phone the table of suggestions stays within the screen (the admin's phone styles).
    page.set_viewport_size({"width": 390, "height": 844})
    assert axe_violations(page) == []
    width, screen = page.evaluate(PAGE_WIDTH)
    assert width <= screen, f"the suggestions page is {width} px wide on a {screen} px screen"
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.get_by_label("Brief numbness of the skin").uncheck()
    page.get_by_role("button", name="Add the ticked rows, drop the rest").click()

    expect(page.locator("ul.messagelist")).to_contain_text("Added 3 rows to the article")
    assert list(article.article_conditions.values_list("condition__name", flat=True)) == [
        "Facet joint arthritis",
        "Sacroiliac joint pain",
    ]
    assert list(article.article_risks.values_list("risk__name", flat=True)) == [
        "Soreness where the needle went in"
    ]
    assert Condition.objects.count() == 2
    expect(page.locator("#import-suggestions")).to_have_count(0)  # nothing waits any more
