"""Accessibility checks of articles (issue 16, points 5 and 6: articles/accessibility.py): pictures
described, headings in order, lists and links that say something, the language set; which checks
block publishing (settings.ACCESSIBILITY_BLOCKING, checked at start-up); and the PEMAT suggestions
for English articles. Sections are saved through the ORM, so what is checked is what the sanitiser
stored; pictures are real library images."""

import pytest
from django.core import checks
from django.test import override_settings

from articles import accessibility, snapshots
from articles.accessibility import Issue, blocking, check, suggestions
from articles.models import Article, Section
from media_library.models import Image
from tests.factories import make_clinic, make_draft, make_image, make_section

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def clinic():
    return make_clinic(slug="wabash")


def figure(image_or_id, alt=None, caption=None) -> str:
    image_id = getattr(image_or_id, "pk", image_or_id)
    alt_attribute = f' alt="{alt}"' if alt is not None else ""
    caption_html = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure><img src="/x.png"{alt_attribute} data-file="{image_id}">{caption_html}</figure>'


def article_with(clinic, *bodies, headings=None, **fields):
    """A draft of ``clinic`` with one saved section per body (sanitised on save), and its sections."""
    article = make_draft(clinic=clinic, **fields)
    headings = headings or [f"Part {index}" for index in range(1, len(bodies) + 1)]
    for position, (heading, body) in enumerate(zip(headings, bodies, strict=True), start=1):
        make_section(article=article, position=position, heading=heading, body=body)
    return article, list(article.sections.all())


def library(clinic) -> dict[int, Image]:
    return {image.pk: image for image in Image.objects.filter(clinic=clinic)}


def run(clinic, *bodies, **fields) -> list[Issue]:
    article, sections = article_with(clinic, *bodies, **fields)
    return check(article, sections, library(clinic))


def codes(issues) -> list[str]:
    return [issue.code for issue in issues]


def undescribed(clinic) -> Image:
    """An image an import brought in without alt text."""
    return make_image(clinic=clinic, alt_text="", needs_alt_text=True)


# Pictures: alt text and its fallbacks ------------------------------------------------------------


def test_a_picture_without_any_alt_text_blocks_and_says_where_and_what_to_do(clinic):
    image = undescribed(clinic)
    article, sections = article_with(
        clinic, "<p>The pump is small.</p>" + figure(image), headings=["Where the pump goes"]
    )
    [issue] = check(article, sections, library(clinic))
    assert issue.code == "image_alt_missing"
    assert issue.level == "error" and issue.blocks  # the default ACCESSIBILITY_BLOCKING
    assert issue.section == sections[0].anchor == "where-the-pump-goes"
    assert "“Where the pump goes”" in issue.message
    assert "image library" in issue.message and "decorative" in issue.message


def test_the_figures_own_alt_text_describes_an_undescribed_library_image(clinic):
    image = undescribed(clinic)
    assert run(clinic, figure(image, alt="The pump under the skin of the belly.")) == []


def test_a_figure_without_alt_uses_the_library_description_or_decorative(clinic):
    described = make_image(clinic=clinic, alt_text="A nurse checks the pump's settings.")
    decorative = make_image(clinic=clinic, alt_text="", is_decorative=True)
    assert run(clinic, figure(described) + figure(decorative)) == []


def test_a_blank_figure_alt_falls_back_to_the_library(clinic):
    image = undescribed(clinic)
    described = make_image(clinic=clinic, alt_text="A nurse checks the pump's settings.")
    assert codes(run(clinic, figure(image, alt="   "))) == ["image_alt_missing"]
    assert run(clinic, figure(described, alt="   ")) == []


def test_effective_alt_prefers_the_figure_then_the_library():
    library_image = Image(alt_text="Library words.", is_decorative=False)
    decorative = Image(alt_text="", is_decorative=True)
    assert accessibility.effective_alt("Own words.", library_image).text == "Own words."
    assert accessibility.effective_alt(None, library_image).text == "Library words."
    assert accessibility.effective_alt("", decorative).text == ""
    assert accessibility.effective_alt(None, Image(alt_text="")).text is None


def test_a_picture_deleted_from_the_library_or_of_another_clinic_is_not_found(clinic):
    stranger = make_image(clinic=make_clinic(), alt_text="Another clinic's waiting room.")
    issues = run(clinic, figure(987654, alt="The pump."), figure(stranger))
    assert codes(issues) == ["image_not_found", "image_not_found"]
    assert "no longer in this clinic's image library" in issues[0].message
    assert all(issue.blocks for issue in issues)


def test_the_lead_image_is_checked_first_and_belongs_to_the_whole_article(clinic):
    lead = undescribed(clinic)
    image = undescribed(clinic)
    issues = run(clinic, figure(image), lead_image=lead, language="")
    assert codes(issues) == ["image_alt_missing", "image_alt_missing", "language_missing"]
    assert issues[0].section is None and "lead image" in issues[0].message
    assert issues[1].section == "part-1"
    assert issues[2].section is None


def test_a_described_or_decorative_lead_image_passes(clinic):
    for lead in (
        make_image(clinic=clinic, alt_text="A nurse smiles at a patient."),
        make_image(clinic=clinic, alt_text="", is_decorative=True),
    ):
        assert run(clinic, "<p>Text.</p>", lead_image=lead) == []


def test_a_lead_image_missing_from_the_images_given_is_not_found(clinic):
    lead = make_image(clinic=clinic, alt_text="A nurse smiles at a patient.")
    article, sections = article_with(clinic, "<p>Text.</p>", lead_image=lead)
    [issue] = check(article, sections, {})
    assert issue.code == "image_not_found" and issue.section is None and "lead image" in issue.message


@pytest.mark.parametrize(
    "alt",
    [
        "IMG_1234.JPG",
        "pump.png",
        "pump diagram (1).jpeg",
        "DSC00012",
        "PXL_20240102_101112345",
        "Screenshot 2024-01-02 at 10.11.12",
        "Screen Shot 2019-05-01 at 9.00.00 AM",
        "Screenshot (12)",
        "WhatsApp Image 2024-01-02 at 10.11.12",
        "image1",
        "Photo 2",
        "untitled-1",
        "shutterstock_123456789",
        "iStock-123456789",
        "pump_diagram_v2",
        "pump-diagram-final",
        "images/pump-2",
        "C:\\Users\\front desk\\pump.jpg",
        "https://clinic.example/media/pump.jpg",
        "www.clinic.example/pump",
        "3f2a9c1e-77b0-4c1d",
    ],
)
def test_alt_text_that_looks_like_a_file_name(alt):
    assert accessibility.looks_like_file_name(alt)


@pytest.mark.parametrize(
    "alt",
    [
        "A chart of pain scores, saved as a png file.",
        "The pump sits under the skin of the belly.",
        "X-ray of the lower spine with the catheter tip marked.",
        "COVID-19 test kit on a table.",
        "Before/after",
        "Dr. Smith explains the pump to a patient.",
        "The clinic's front desk at 8 a.m.",
    ],
)
def test_descriptions_are_not_file_names(alt):
    assert not accessibility.looks_like_file_name(alt)


@pytest.mark.parametrize(
    "alt",
    [
        "Image of a nurse checking the pump",
        "image",
        "Photo",
        "PICTURE",
        "A photo of the waiting room",
        "Photograph of the pump",
        "An image showing the needle's path",
        "Graphic of the spine",
        "Picture: the clinic's entrance",
        "Photos of the recovery room",
    ],
)
def test_alt_text_that_starts_by_saying_it_is_a_picture(alt):
    assert accessibility.is_redundant(alt)


@pytest.mark.parametrize(
    "alt",
    [
        "A drawing of the pump under the skin of the belly.",
        "Diagram of the spine with the catheter in place.",
        "Image-guided injection: the needle goes into the hip joint.",
        "A nurse holds up a picture book for a child.",
    ],
)
def test_alt_text_that_describes_is_not_redundant(alt):
    assert not accessibility.is_redundant(alt)


def test_alt_text_problems_say_where_to_fix_them(clinic):
    from_library = make_image(clinic=clinic, alt_text="IMG_1234.JPG")
    issues = run(clinic, figure(from_library) + figure(undescribed(clinic), alt="Photo of the pump"))
    assert codes(issues) == ["alt_text_file_name", "alt_text_redundant"]
    assert "“IMG_1234.JPG”" in issues[0].message and "in the image library" in issues[0].message
    assert "in the editor" in issues[1].message
    assert [issue.level for issue in issues] == ["warning", "warning"]


def test_the_lead_images_alt_text_is_checked_too(clinic):
    lead = make_image(clinic=clinic, alt_text="Picture of our clinic")
    [issue] = run(clinic, "<p>Text.</p>", lead_image=lead)
    assert issue.code == "alt_text_redundant" and issue.section is None
    assert issue.message.startswith("The lead image")


# Headings, lists, links, tables ---------------------------------------------------------------


def test_a_level_4_heading_without_a_level_3_before_it_is_skipped(clinic):
    issues = run(clinic, "<h4>Side effects</h4><p>Most go away in a day.</p>")
    [issue] = issues
    assert issue.code == "heading_skipped" and issue.section == "part-1"
    assert "“Side effects”" in issue.message and "level-3" in issue.message


def test_headings_in_order_pass_and_each_section_starts_again(clinic):
    assert run(clinic, "<h3>Before</h3><p>a</p><h4>The night before</h4><p>b</p><h3>After</h3><p>c</p>") == []
    # A level-3 heading in the first section does not open one for the second.
    issues = run(clinic, "<h3>Before</h3><p>a</p>", "<h4>The day after</h4><p>b</p>")
    assert codes(issues) == ["heading_skipped"] and issues[0].section == "part-2"


def test_an_empty_heading_is_reported(clinic):
    body = "<h3><strong> </strong></h3><p>Text.</p>"
    article, sections = article_with(clinic, body)
    assert "<h3>" in sections[0].body  # kept by the sanitiser
    issues = check(article, sections, {})
    assert codes(issues) == ["heading_empty"]
    assert "empty heading" in issues[0].message


def test_a_heading_with_only_formatted_words_is_not_empty(clinic):
    assert run(clinic, "<h3><em>Before</em> <strong>the day</strong></h3><p>Text.</p>") == []


def test_a_section_without_a_heading_is_reported(clinic):
    article, sections = article_with(clinic, "<p>Text.</p>", headings=["   "])
    [issue] = check(article, sections, {})
    assert issue.code == "heading_empty" and issue.section == sections[0].anchor
    assert "Section 1 has no heading" in issue.message


def test_an_empty_list_item_is_reported(clinic):
    issues = run(clinic, "<ul><li>Your medicine list</li><li><strong> </strong></li></ul>")
    assert codes(issues) == ["list_item_empty"]
    assert run(clinic, "<ol><li>Your medicine list</li><li>Your <em>insurance</em> card</li></ol>") == []


@pytest.mark.parametrize(
    "text",
    ["Click here", "here.", "Read more »", "LEARN MORE", "this link", "More", "click here!", "This"],
)
def test_vague_link_text(clinic, text):
    [issue] = run(clinic, f'<p>For the form, <a href="https://clinic.example/form">{text}</a>.</p>')
    assert issue.code == "link_text_vague"
    assert "does not tell where it goes" in issue.message and "“Part 1”" in issue.message


@pytest.mark.parametrize(
    "text",
    [
        "the pump’s user guide",
        "Book an appointment online",
        "More about nerve blocks",
        "Read the consent form",
    ],
)
def test_link_text_that_says_where_it_goes(clinic, text):
    assert run(clinic, f'<p>See <a href="https://clinic.example/guide">{text}</a>.</p>') == []


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("https://clinic.example/book", "https://clinic.example/book"),
        ("www.clinic.example", "https://www.clinic.example/"),
        ("clinic.example/contact", "https://clinic.example/contact"),
        ("HTTP://CLINIC.EXAMPLE", "http://clinic.example"),
        ("medlineplus.gov", "https://medlineplus.gov/"),
    ],
)
def test_link_text_that_is_a_web_address(clinic, text, href):
    [issue] = run(clinic, f'<p>Book at <a href="{href}">{text}</a>.</p>')
    assert issue.code == "link_text_url" and "web address" in issue.message


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("info@clinic.example", "mailto:info@clinic.example"),
        ("765-555-0100", "tel:+17655550100"),
        ("Book online", "https://clinic.example/book"),
    ],
)
def test_an_email_address_or_phone_number_may_be_the_link_text(clinic, text, href):
    assert run(clinic, f'<p>Contact us: <a href="{href}">{text}</a>.</p>') == []


def test_a_table_without_header_cells_is_reported_on_html_given_directly(clinic):
    # Tables do not survive the sanitiser today: the check reads whatever HTML it is given.
    article = make_draft(clinic=clinic)
    without = Section(
        article=article, heading="Doses", anchor="doses", body="<table><tr><td>1</td></tr></table>"
    )
    with_headers = Section(
        article=article,
        heading="Times",
        anchor="times",
        body="<table><thead><tr><th>Day</th></tr></thead><tr><td>Monday</td></tr></table>",
    )
    issues = check(article, [without, with_headers], {})
    assert codes(issues) == ["table_without_headers"]
    assert issues[0].section == "doses" and "“Doses”" in issues[0].message


def test_findings_are_in_the_order_of_the_section(clinic):
    body = (
        '<h4>Getting ready</h4><ul><li></li></ul><p><a href="https://clinic.example/">here</a></p>'
        + figure(undescribed(clinic))
    )
    assert codes(run(clinic, body)) == [
        "heading_skipped",
        "list_item_empty",
        "link_text_vague",
        "image_alt_missing",
    ]


# The article's language --------------------------------------------------------------------------


def test_an_article_without_a_language_is_reported(clinic):
    [issue] = run(clinic, "<p>Text.</p>", language="")
    assert issue.code == "language_missing" and issue.section is None
    assert "Language field" in issue.message


def test_a_language_the_site_does_not_offer_is_reported(clinic):
    article, sections = article_with(clinic, "<p>Text.</p>")
    article.language = "fr"
    [issue] = check(article, sections, {})
    assert issue.code == "language_missing" and "“fr”" in issue.message and "Spanish" in issue.message
    article.language = "es"
    assert check(article, sections, {}) == []


# Which checks block ------------------------------------------------------------------------------


def test_the_setting_decides_which_checks_block(clinic):
    image = undescribed(clinic)
    article, sections = article_with(clinic, figure(image) + '<p><a href="https://c.example/">here</a></p>')
    images = library(clinic)
    with override_settings(ACCESSIBILITY_BLOCKING=["link_text_vague"]):
        issues = check(article, sections, images)
        assert [(issue.code, issue.level) for issue in issues] == [
            ("image_alt_missing", "warning"),
            ("link_text_vague", "error"),
        ]
        assert codes(blocking(issues)) == ["link_text_vague"]
    with override_settings(ACCESSIBILITY_BLOCKING=["all"]):
        assert all(issue.blocks for issue in check(article, sections, images))
    with override_settings(ACCESSIBILITY_BLOCKING=[]):
        assert blocking(check(article, sections, images)) == []


def test_a_snapshot_of_the_working_copy_is_checked_like_the_rows(clinic):
    image = undescribed(clinic)
    article, sections = article_with(clinic, figure(image), lead_image=undescribed(clinic))
    snap = snapshots.of_working_copy(article)
    snapshots.attach_images([snap])
    assert check(snap.article, snap.sections, snap.images) == check(article, sections, library(clinic))


def test_every_code_is_described():
    assert set(accessibility.CODES) == {
        "image_alt_missing",
        "image_not_found",
        "alt_text_file_name",
        "alt_text_redundant",
        "heading_skipped",
        "heading_empty",
        "list_item_empty",
        "link_text_vague",
        "link_text_url",
        "language_missing",
        "table_without_headers",
    }


@override_settings(ACCESSIBILITY_BLOCKING=["image_alt_missing", "image_alt_mising"])
def test_an_unknown_code_in_the_setting_is_a_system_check_error():
    errors = accessibility.check_blocking_setting()
    assert [(error.id, error.level) for error in errors] == [("articles.E001", checks.ERROR)]
    assert "image_alt_mising" in errors[0].msg
    # Registered with Django's checks: manage.py check and start-up report it.
    assert "articles.E001" in [message.id for message in checks.run_checks()]


@pytest.mark.parametrize(
    "value", [["all"], [], ["image_alt_missing", "image_not_found"], list(accessibility.CODES)]
)
def test_known_codes_or_all_pass_the_system_check(value):
    with override_settings(ACCESSIBILITY_BLOCKING=value):
        assert accessibility.check_blocking_setting() == []


@override_settings(ACCESSIBILITY_BLOCKING="image_alt_missing")
def test_a_setting_that_is_not_a_list_is_a_system_check_error():
    [error] = accessibility.check_blocking_setting()
    assert error.id == "articles.E001" and "list" in error.msg


# PEMAT suggestions ---------------------------------------------------------------------------------

ACTION = "<p>If you have a fever, call us.</p>"


def suggested(clinic, *bodies, **fields) -> list[Issue]:
    article, sections = article_with(clinic, *bodies, **fields)
    return suggestions(article, sections)


@pytest.mark.parametrize(
    ("sentence", "number", "words"),
    [
        ("About 35% of patients feel sore for a day or two.", "35%", "about 1 in 3 people"),
        ("Side effects lead 35 percent of patients to stop.", "35 percent", "about 1 in 3 people"),
        ("Serious infection happens in 0.5 % of implants.", "0.5 %", "about 1 in 200 people"),
        ("Headaches follow 1/3 of spinal taps.", "1/3", "a third"),
        ("About 2/5 of patients need a second injection.", "2/5", "2 in 5"),
        ("Pain improves in 60% of patients.", "60%", "about 6 in 10 people"),
    ],
)
def test_a_percentage_or_fraction_without_words_is_suggested(clinic, sentence, number, words):
    issues = suggested(clinic, f"<p>{sentence}</p>", ACTION, headings=["Risks", "Next steps"])
    [issue] = issues
    assert issue.code == "numbers_without_words" and issue.level == "suggestion" and not issue.blocks
    assert issue.section == "risks"
    assert f"“{number}”" in issue.message and f"“{words}”" in issue.message and "“Risks”" in issue.message


@pytest.mark.parametrize(
    "sentence",
    [
        "About 1 in 3 people (35%) feel sore for a day or two.",
        "About a third of patients (33%) have a headache.",
        "Most people (80%) go home the same day.",
        "Half of patients (50%) need no pain medicine after a week.",
        "Infection is rare: it happens in 1 out of 200 implants (0.5%).",
        "Your next visit is on 12/25/2024 or 1/2/24.",
        "Take no more than 4,000 mg/day of acetaminophen.",
        "Our nurse line is open 24/7.",
        "Call us if your blood pressure is above 140/90.",
        "Call us if your pain is 7/10 or worse on the pain scale.",
        "The clinic opened in 1998 and has 12 doctors.",
    ],
)
def test_numbers_said_in_words_or_not_shares_are_not_suggested(clinic, sentence):
    assert suggested(clinic, f"<p>{sentence}</p>", ACTION) == []


def test_the_words_must_be_in_the_same_sentence(clinic):
    body = "<p>Most people feel better. About 35% feel sore for a day.</p>"
    assert codes(suggested(clinic, body, ACTION)) == ["numbers_without_words"]


def test_the_last_section_without_an_action_is_suggested(clinic):
    issues = suggested(
        clinic,
        "<p>Call us if you have questions.</p>",
        "<p>Recovery usually takes a week. Most people feel better in a few days.</p>",
        headings=["Before", "Recovery"],
    )
    [issue] = issues
    assert issue.code == "no_action_for_reader" and issue.level == "suggestion"
    assert issue.section == "recovery" and "“Recovery”" in issue.message


@pytest.mark.parametrize(
    "body",
    [
        "<p>Recovery takes a week. If you have a fever, call us at 765-555-0100.</p>",
        "<p>When you get home, rest for two days.</p>",
        "<p>Please arrive 15 minutes early.</p>",
        "<p>Bring these to your visit:</p><ul><li>Your medicine list</li></ul>",
        "<ul><li>Bring your medicine list.</li><li>Your insurance card</li></ul>",
        "<p>Don’t drive for 24 hours after the injection.</p>",
        "<p>Do not eat or drink after midnight.</p>",
        "<p>Never lift more than 10 pounds for six weeks.</p>",
        "<p>Always wear your back brace when you walk.</p>",
        "<p>In an emergency, call 911.</p>",
        "<p>To book your next visit, phone the front desk.</p>",
        "<p>Have someone drive you home.</p>",
        "<p>Be sure to drink plenty of water.</p>",
        "<p>After the procedure, if your leg feels weak, tell the nurse.</p>",
    ],
)
def test_an_instruction_in_the_last_section_passes(clinic, body):
    assert suggested(clinic, "<p>The pump is small.</p>", body) == []


@pytest.mark.parametrize(
    "body",
    [
        "<p>Do you have questions? Our nurses are here to help.</p>",
        "<p>Rest is important after the injection.</p>",
        "<p>Use of ice can help with swelling.</p>",
        "<p>After the injection, you may feel sore.</p>",
        "<p>Most people go home the same day.</p>",
    ],
)
def test_sentences_that_are_not_instructions_do_not_count(clinic, body):
    assert codes(suggested(clinic, body)) == ["no_action_for_reader"]


def test_suggestions_are_for_english_articles_only(clinic):
    body = "<p>El 35% de los pacientes siente dolor.</p>"
    assert suggested(clinic, body, language="es") == []
    assert codes(suggested(clinic, "<p>About 35% feel sore.</p>", language="")) == [
        "numbers_without_words",
        "no_action_for_reader",
    ]


def test_suggestions_never_block_even_when_every_check_does(clinic):
    with override_settings(ACCESSIBILITY_BLOCKING=["all"]):
        issues = suggested(clinic, "<p>About 35% feel sore.</p>")
        assert issues and all(issue.level == "suggestion" for issue in issues)
        assert blocking(issues) == []


def test_an_article_without_sections_has_no_suggestions(clinic):
    article = make_draft(clinic=clinic, language=Article._meta.get_field("language").default)
    assert suggestions(article, []) == []
