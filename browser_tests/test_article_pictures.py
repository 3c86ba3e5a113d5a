"""Pictures in sections (issue 16): a writer picks one from the clinic's library in the section
editor's figure dialog, sees its alt text there and may change it; publishing needs alt text; the
patient preview and the public API show the picture with its renditions (srcset, sizes, alt)."""

import html

import pytest
from django.core.files.storage import default_storage
from playwright.sync_api import expect

from articles import figures
from articles.models import Article
from articles.pictures import FIGURE_SIZES
from browser_tests.conftest import csp_violations, log_in
from media_library.models import Rendition
from media_library.renditions import make_renditions
from media_library.urls import picture_path
from tests.factories import image_bytes, make_clinic, make_draft, make_image, make_section

# serialized_rollback: each test starts with the roles the data migration created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LIBRARY_ALT = "A drawing of the pump under the skin of the belly."
WRITER_ALT = "The pump, a round metal disc, sits under the skin beside the belly button."
CAPTION = "Where the pump goes."
WIDTHS = [320, 640, 960, 1280, 1600]


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads and renditions go to this test's folder, never the checkout's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def insert_library_picture(page, section_index, image, *, listed_as, alt, caption):
    """In section ``section_index``'s editor: a new paragraph at the end, then the toolbar's figure
    button, "Browse..." (the library's picker, a popup), where ``image`` is listed as ``listed_as``;
    once it is chosen, the dialog shows the library's alt text for the writer to keep or change, and
    gets ``alt`` and ``caption``."""
    editor = page.locator(f"#sections-{section_index} [contenteditable=true]")
    # The caret at the end of the last paragraph, as a writer puts it: a click on that paragraph's
    # text (a click in the editor's empty space, then Control+End, sometimes left it at the start).
    editor.locator("p").last.click()
    expect(editor).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.locator(f"#sections-{section_index} .prose-menubar button[data-name=figure]").click()
    dialog = page.locator("dialog.prose-editor-dialog[open]")
    expect(dialog.locator(".prose-editor-dialog-title")).to_have_text("Insert Figure")
    with page.expect_popup() as popup_info:
        dialog.get_by_role("button", name="Browse...").click()
    picker = popup_info.value
    picker.wait_for_load_state()
    assert "/admin/media_library/image/choose/" in picker.url
    choice = picker.locator(f".image-chooser-choice[data-image-id='{image.pk}']")
    expect(choice.locator(".image-chooser-alt")).to_have_text(listed_as)
    assert csp_violations(picker) == []
    with picker.expect_event("close"):
        choice.click()

    expect(dialog.get_by_label("Image URL")).to_have_value(picture_path(image.pk))
    alt_text = dialog.get_by_label("Alternative Text")
    expect(alt_text).to_be_visible()
    expect(alt_text).to_have_value(image.alt_text)
    alt_text.fill(alt)
    dialog.get_by_label("Caption").fill(caption)
    dialog.get_by_role("button", name="Insert").click()
    expect(dialog).to_have_count(0)
    expect(editor.locator("figure img")).to_have_count(1)


def save(page):
    page.click("input[name=_continue]")
    page.wait_for_selector("#workflow-panel")


def open_publish_form(page, live_server, article):
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.click("#workflow-publish")
    page.wait_for_selector("#transition-form")


def test_a_writer_inserts_a_library_picture_with_her_alt_text_and_patients_get_its_renditions(
    live_server, new_page, make_staff, media_root, artifacts
):
    clinic = make_clinic(name="Lafayette Pain Care", slug="lafayette-pain-care")
    make_staff("wendy", "Writer")
    make_staff("rahul", "Clinical reviewer")
    image = make_image(
        clinic=clinic,
        alt_text=LIBRARY_ALT,
        data=image_bytes(size=(1600, 900), image_format="JPEG"),
        name="pump.jpg",
    )
    assert make_renditions.call(image.pk) > 0
    article = make_draft(title="Intrathecal pumps", slug="intrathecal-pumps", clinic=clinic)
    make_section(
        article=article, position=1, heading="What is it?", body="<p>The pump sits under the skin.</p>"
    )

    writer = new_page()
    log_in(writer, live_server, "wendy")
    writer.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    insert_library_picture(writer, 0, image, listed_as=LIBRARY_ALT, alt=WRITER_ALT, caption=CAPTION)
    writer.screenshot(path=artifacts / "article-picture-inserted.png", full_page=True)
    save(writer)

    # Stored in the canonical form: the library image by id, the writer's alt text, the caption.
    body = article.sections.get().body
    assert figures.references(body) == [
        figures.FigureRef(image_id=image.pk, alt=WRITER_ALT, caption_html=CAPTION)
    ], body
    # The canonical stored figure, wherever the cursor put it (before or after the paragraph).
    assert (
        f'<figure><img src="{picture_path(image.pk)}" alt="{WRITER_ALT}" data-file="{image.pk}">'
        f"<figcaption>{CAPTION}</figcaption></figure>"
    ) in body
    assert "<p>The pump sits under the skin.</p>" in body
    assert csp_violations(writer) == []

    reviewer = new_page()
    log_in(reviewer, live_server, "rahul")
    open_publish_form(reviewer, live_server, article)
    reviewer.click("#transition-form input[type=submit]")
    reviewer.wait_for_selector("#workflow-panel")
    assert reviewer.locator("#workflow-status").inner_text() == "Live"

    # The JPEG renditions, narrowest first, at this site's address (the live server serves media).
    jpegs = Rendition.objects.filter(
        image=image, kind=Rendition.Kind.WIDTH, format=Rendition.Format.JPEG
    ).order_by("width")
    assert [rendition.width for rendition in jpegs] == WIDTHS
    srcset = ", ".join(f"{live_server.url}{default_storage.url(r.file.name)} {r.width}w" for r in jpegs)

    reviewer.goto(f"{live_server.url}/admin/articles/article/{article.pk}/patient-preview/?page=1")
    img = reviewer.locator("figure picture img")
    expect(img).to_have_count(1)
    assert img.get_attribute("srcset") == srcset
    assert img.get_attribute("sizes") == FIGURE_SIZES
    assert img.get_attribute("alt") == WRITER_ALT
    assert (img.get_attribute("width"), img.get_attribute("height")) == ("1600", "900")
    assert reviewer.locator("figure figcaption").inner_text() == CAPTION
    expect(reviewer.locator("figure picture source[type='image/webp']")).to_have_attribute(
        "sizes", FIGURE_SIZES
    )
    img.scroll_into_view_if_needed()  # loading="lazy"
    reviewer.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    assert csp_violations(reviewer) == []

    response = reviewer.request.get(f"{live_server.url}/api/v1/articles/intrathecal-pumps/")
    assert response.status == 200
    public_body = response.json()["sections"][0]["body"]
    assert "<p>The pump sits under the skin.</p>" in public_body, public_body
    assert public_body.count("<figure><picture>") == 1, public_body
    assert f'srcset="{html.escape(srcset)}" sizes="{FIGURE_SIZES}"' in public_body, public_body
    assert f'alt="{WRITER_ALT}"' in public_body
    assert f"<figcaption>{CAPTION}</figcaption></figure>" in public_body


def test_a_picture_without_alt_text_anywhere_is_not_published(live_server, new_page, make_staff, media_root):
    clinic = make_clinic(name="Lafayette Pain Care", slug="lafayette-pain-care")
    make_staff("wendy", "Writer")
    make_staff("rahul", "Clinical reviewer")
    image = make_image(
        clinic=clinic,
        alt_text="",
        needs_alt_text=True,
        data=image_bytes(size=(1600, 900), image_format="JPEG"),
        name="unnamed.jpg",
    )
    article = make_draft(title="Intrathecal pumps", slug="intrathecal-pumps", clinic=clinic)
    make_section(
        article=article, position=1, heading="What is it?", body="<p>The pump sits under the skin.</p>"
    )

    writer = new_page()
    log_in(writer, live_server, "wendy")
    writer.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    insert_library_picture(writer, 0, image, listed_as="(needs alt text)", alt="", caption="")
    save(writer)
    assert figures.references(article.sections.get().body) == [
        figures.FigureRef(image_id=image.pk, alt=None, caption_html=None)
    ]

    reviewer = new_page()
    log_in(reviewer, live_server, "rahul")
    open_publish_form(reviewer, live_server, article)
    reviewer.click("#transition-form input[type=submit]")
    refusal = reviewer.locator("#transition-form .errorlist.nonfield")
    expect(refusal).to_contain_text(
        "This article cannot be published until it passes the accessibility checks: A picture in "
    )
    expect(refusal).to_contain_text("has no alt text for patients who cannot see it")
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert not article.publications.exists()
    assert reviewer.request.get(f"{live_server.url}/api/v1/articles/intrathecal-pumps/").status == 404
