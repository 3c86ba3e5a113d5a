import html
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from reversion.models import Version

from articles import importing
from articles.importing import ImportRefused, parse_document, parse_text
from articles.importing import common as importing_common
from articles.importing import drafts as importing_drafts
from articles.importing import html as importing_html
from articles.importing import markdown as importing_markdown
from articles.importing.suggestions import clinic_information
from articles.models import SECTION_BODY_MAX_LENGTH, Article, Section
from tests.factories import make_article, make_clinic

pytestmark = pytest.mark.django_db

DOCUMENTS = Path(__file__).parent / "import_documents"


def run_import(path, clinic, **options) -> str:
    out = StringIO()
    call_command("import_article", str(path), clinic=clinic.slug, stdout=out, **options)
    return out.getvalue()


def headings(article) -> list[str]:
    return list(article.sections.values_list("heading", flat=True))


def body(article, heading) -> str:
    return article.sections.get(heading=heading).body


def all_bodies(article) -> str:
    return "".join(article.sections.values_list("body", flat=True))


def counts() -> tuple[int, int]:
    return Article.objects.count(), Section.objects.count()


def parse_markdown(text: str):
    return parse_text(text, "md")


# --- Markdown -----------------------------------------------------------------------------------


def test_import_markdown_creates_a_draft_with_title_summary_and_sections():
    clinic = make_clinic()
    out = run_import(DOCUMENTS / "spinal-cord-stimulation.md", clinic)

    article = Article.objects.get(slug="spinal-cord-stimulation")
    assert article.status == Article.Status.DRAFT
    assert article.published_at is None
    assert not Article.objects.live().filter(pk=article.pk).exists()
    assert not article.publications.exists()  # nothing approved, so nothing scheduled either
    assert article.clinic == clinic
    assert article.title == "Spinal Cord Stimulation"
    assert article.summary == (
        "Spinal cord stimulation (SCS) uses mild electrical pulses to calm pain signals before they "
        "reach the brain. It can help when back or leg pain has lasted for months and other "
        "treatments have not worked."
    )
    # The closing "Contact us" is the clinic's own information: left out, and reported.
    assert headings(article) == ["Overview", "Who is it for?", "The trial", "Risks"]
    assert list(article.sections.values_list("position", flat=True)) == [1, 2, 3, 4]
    # The second intro paragraph is not lost: it opens the article as "Overview".
    assert body(article, "Overview") == (
        "<p>Most people try a stimulator for about a week before deciding on a permanent implant, "
        "so you can see how much it helps first.</p>"
    )
    assert "Imported “Spinal Cord Stimulation” as a draft article" in out
    assert "Slug: spinal-cord-stimulation\n" in out
    assert "Sections: 4" in out
    assert "Left out as clinic information (check it against the clinic's profile): “Contact us”" in out
    assert f"/admin/articles/article/{article.pk}/change/" in out
    assert "taken" not in out


def test_import_markdown_turns_bullets_into_lists_and_keeps_safe_links():
    run_import(DOCUMENTS / "spinal-cord-stimulation.md", make_clinic())
    article = Article.objects.get(slug="spinal-cord-stimulation")

    assert body(article, "Who is it for?") == (
        "<p>Your doctor may suggest spinal cord stimulation if you have:</p>"
        "<ul><li>pain in the back or legs after spine surgery (<em>failed back surgery syndrome</em>)</li>"
        "<li>nerve pain from diabetes (painful diabetic neuropathy)</li>"
        "<li>complex regional pain syndrome (CRPS)</li></ul>"
        '<p>The <a href="https://www.fda.gov/medical-devices/neurological-devices/'
        'spinal-cord-stimulators-pain" rel="noopener noreferrer">FDA\'s page on spinal cord '
        "stimulators</a> has more background.</p>"
    )
    assert "<strong>five to seven days</strong>" in body(article, "The trial")
    assert "<ul><li>Keep the dressing clean and dry.</li>" in body(article, "The trial")
    # tel: and mailto: links survive; a relative link cannot point anywhere safe, so it loses its href.
    document = parse_markdown(
        "# Pain diary\n\nWrite down your pain each day, in a few plain words.\n\n## Questions\n\n"
        "Ask at [765-555-0100](tel:+17655550100), [by email](mailto:info@lafayettepain.example) "
        "or [online](/book-an-appointment).\n\n## Next steps\n\nBring the diary to your visit.\n"
    )
    assert document.sections[0].body == (
        '<p>Ask at <a href="tel:+17655550100" rel="noopener noreferrer">765-555-0100</a>, '
        '<a href="mailto:info@lafayettepain.example" rel="noopener noreferrer">by email</a> '
        'or <a rel="noopener noreferrer">online</a>.</p>'
    )


def test_import_markdown_removes_raw_script_and_event_handlers():
    run_import(DOCUMENTS / "spinal-cord-stimulation.md", make_clinic())
    bodies = all_bodies(Article.objects.get(slug="spinal-cord-stimulation"))

    for unsafe in ("<script", "tracking pixel", "onerror", "alert(", "<img"):
        assert unsafe not in bodies
    assert "<li>the leads moving out of place</li>" in bodies


def test_import_markdown_splits_at_h1_to_h4_and_summarises_the_first_section_without_intro():
    out = run_import(DOCUMENTS / "epidural-steroid-injection.md", make_clinic())
    article = Article.objects.get(slug="epidural-steroid-injection")

    assert headings(article) == [
        "What is an epidural steroid injection?",
        "Medicines",
        "If you have diabetes",
        "On the day",
        "After the injection",
    ]
    # No intro: the summary is the first section's first paragraph, which stays in the section.
    assert article.summary.startswith("An epidural steroid injection places a corticosteroid")
    assert body(article, "What is an epidural steroid injection?").startswith(
        "<p>An epidural steroid injection places a <strong>corticosteroid</strong>"
    )
    assert body(article, "Medicines") == (
        "<p>Tell us about <strong>every</strong> medicine you take, especially blood thinners:</p>"
        "<ol><li>Warfarin (Coumadin)</li><li>Clopidogrel (Plavix)</li><li>Apixaban (Eliquis)</li></ol>"
        "<p>Do not stop a blood thinner on your own: we will tell you if and when to pause it.</p>"
    )
    # An h5 is not a section heading: it stays in the section as a bold paragraph.
    assert body(article, "On the day").endswith(
        "</ol><p><strong>Good to know</strong></p><p>The injection itself takes about "
        "<strong>15 minutes</strong>, and you can go home about half an hour later.</p>"
    )
    # "## Preparing for your injection" has only sub-headings under it: left out, and said so.
    assert "Left out headings with no text under them: “Preparing for your injection”" in out
    assert "Sections: 5" in out


def test_markdown_without_a_heading_takes_its_first_line_as_the_title():
    document = parse_markdown(
        "**Knee Injections**\n\nA knee injection puts medicine right where the pain is. It takes "
        "a few minutes.\n\n- Ice the knee afterwards.\n"
    )
    assert document.title == "Knee Injections"
    assert (
        document.summary == "A knee injection puts medicine right where the pain is. It takes a few minutes."
    )
    assert [section.heading for section in document.sections] == ["Overview"]
    assert document.sections[0].body == "<ul><li>Ice the knee afterwards.</li></ul>"


def test_markdown_front_matter_title_is_the_title_and_every_heading_a_section():
    document = parse_markdown(
        '---\ntitle: "Hip Pain"\ndate: 2023-05-04\ntags:\n  - hips\n---\n\n'
        "Hip pain has many causes, and most of them can be treated.\n\n"
        "## Causes\n\nArthritis is the most common cause.\n"
    )
    assert document.title == "Hip Pain"
    assert document.summary == "Hip pain has many causes, and most of them can be treated."
    assert [section.heading for section in document.sections] == ["Causes"]


# --- HTML ---------------------------------------------------------------------------------------


def test_import_html_page_takes_the_article_and_leaves_out_page_furniture():
    out = run_import(DOCUMENTS / "nerve-blocks-clinic-page.html", make_clinic())
    article = Article.objects.get(slug="nerve-blocks-for-pain-relief")

    assert article.status == Article.Status.DRAFT
    assert article.title == "Nerve Blocks for Pain Relief"
    assert article.summary == (
        "A nerve block is an injection of numbing medicine near a nerve or a group of nerves. "
        "It can ease pain for hours, weeks or sometimes months."
    )
    assert headings(article) == [
        "How does a nerve block work?",
        "What to expect",
        "Side effects",
        "When to call us",
    ]
    everything = all_bodies(article) + article.summary + article.title
    furniture = [
        "Call today",  # page header
        "About us",  # nav
        "Related treatments",  # aside
        "123 Main Street",  # footer
        "dataLayer",  # script in <head>
        "font-family",  # style
        "Injected by a script",  # script at the end of <body>
        "Your name",  # comment form
        "Leave a comment",
    ]
    for text in furniture:
        assert text not in everything
    # The video's heading has nothing left under it once the iframe is gone.
    assert "Watch the video" not in headings(article)
    assert "Left out headings with no text under them: “Watch the video”" in out


def test_import_html_page_strips_scripts_handlers_and_javascript_links():
    run_import(DOCUMENTS / "nerve-blocks-clinic-page.html", make_clinic())
    article = Article.objects.get(slug="nerve-blocks-for-pain-relief")
    bodies = all_bodies(article)

    for unsafe in ("javascript:", "onerror", "onclick", "onload", "<script", "<iframe", "style=", "target="):
        assert unsafe not in bodies
    assert body(article, "What to expect").endswith(
        '<p>Most appointments take about 30 minutes. <a rel="noopener noreferrer">See our price list</a>.</p>'
    )
    assert body(article, "How does a nerve block work?") == (
        "<p>The medicine stops the nerve from sending pain signals to the brain for a while.</p>"
        "<p>Some blocks also contain a steroid, which calms swelling around the nerve and can make "
        "the relief last longer.</p>"
    )


def test_import_html_page_keeps_lists_tables_and_emphasis():
    run_import(DOCUMENTS / "nerve-blocks-clinic-page.html", make_clinic())
    article = Article.objects.get(slug="nerve-blocks-for-pain-relief")

    assert body(article, "What to expect").startswith(
        "<ol><li>You lie on a padded table and we clean the skin.</li><li>The doctor numbs the skin"
    )
    assert body(article, "Side effects") == (
        "<p>Side effect – How common</p><p>Soreness where the needle went in – Common</p>"
        "<p>Numbness or weakness for a few hours – Common</p><p>Infection – Rare</p>"
    )
    assert body(article, "When to call us") == (
        "<p>Call right away if you have <strong>a fever</strong>, <em>new weakness in an arm or a "
        "leg</em>, or pain that keeps getting worse. Read our "
        '<a href="https://lafayettepain.example/after-care" rel="noopener noreferrer">after-care '
        "advice</a>.</p>"
    )


def test_import_html_fragment_without_html_or_body():
    run_import(DOCUMENTS / "pump-refill-fragment.html", make_clinic())
    article = Article.objects.get(slug="intrathecal-pump-refills")

    assert article.title == "Intrathecal Pump Refills"
    assert article.summary == (
        "Your pain pump holds a supply of medicine that lasts a few months. Refilling it is a quick "
        "visit to the clinic, and it does not need surgery."
    )
    assert headings(article) == [
        "How often will I need a refill?",
        "What happens at a refill visit?",
        "Questions",
    ]
    # Text in <div>s stays in separate paragraphs; <b> becomes <strong>.
    assert body(article, "How often will I need a refill?") == (
        "<p>Most pumps need a refill every one to six months, depending on your dose and the size "
        "of the pump.</p><p>The pump beeps when the medicine runs low. <strong>Do not miss a refill "
        "appointment</strong>: if the pump runs dry, withdrawal symptoms can start within hours.</p>"
    )
    # Unclosed <li> and <p> are closed where a browser would close them.
    assert body(article, "What happens at a refill visit?") == (
        "<ul><li>We check the pump with a programmer held over your skin.</li>"
        "<li>A nurse cleans the skin and places a needle into the pump's fill port.</li>"
        "<li>The old medicine is removed and the new medicine goes in.</li></ul>"
        "<p>The whole visit takes about 30 minutes.</p><p>Bring your pump ID card to every visit.</p>"
    )
    assert body(article, "Questions") == (
        '<p>Call the pump nurse line at <a href="tel:+17655550111" rel="noopener noreferrer">'
        "(765) 555-0111</a>.</p>"
    )


def test_html_without_a_heading_takes_a_short_first_paragraph_as_the_title():
    document = parse_text(
        "<p>Shoulder Pain</p><p>Most shoulder pain gets better with rest and exercises.</p>", "html"
    )
    assert document.title == "Shoulder Pain"
    assert document.summary == "Most shoulder pain gets better with rest and exercises."


def test_html_without_a_heading_and_a_long_first_paragraph_takes_its_title_from_the_file_name():
    page = f"<p>{'Shoulder pain is common. ' * 20}</p>".encode()
    document = parse_document(page, filename="shoulder-pain_guide.html")
    assert document.title == "Shoulder pain guide"
    assert document.notes[0] == (
        "The text has no title line: the title “Shoulder pain guide” was made from the file name. Edit it."
    )
    with pytest.raises(ImportRefused, match="no title line and no heading or file name to make one from"):
        parse_text(page.decode(), "html")


def test_html_nested_deeper_than_the_limit_keeps_its_text_but_not_its_depth():
    document = parse_text(
        "<h1>Title</h1><p>Intro text for the summary.</p><h2>Deep</h2>" + "<ul><li>level" * 50, "html"
    )
    deep = document.sections[-1].body
    assert deep.count("<ul>") == importing_html.MAX_NESTING + 1  # the list itself, and ten levels in it
    assert deep.count("level") == 50


# --- Plain text ---------------------------------------------------------------------------------


def test_import_plain_text_blog_post_with_question_headings():
    clinic = make_clinic()
    run_import(DOCUMENTS / "what-is-a-nerve-block.txt", clinic)
    article = Article.objects.get(slug="what-is-a-nerve-block-a-patients-guide")

    assert article.title == "What Is a Nerve Block? A Patient's Guide"
    # The byline under the title is not a summary; the first real sentence is.
    assert article.summary == (
        "If you live with ongoing pain in your back, neck, arms or legs, a nerve block may bring real "
        "relief. This guide explains what happens before, during and after the procedure, so you "
        "know what to expect."
    )
    assert headings(article) == [
        "Overview",
        "What is a nerve block?",
        "Who can benefit from a nerve block?",
        "Does it hurt?",
        "What should I do afterwards?",
    ]
    assert body(article, "Overview") == "<p>Posted by Lafayette Pain Care on March 4, 2023</p>"
    # Wrapped lines are joined with spaces.
    assert body(article, "What is a nerve block?") == (
        "<p>A nerve block is an injection of numbing medicine, sometimes with a steroid, close to the "
        "nerves that carry pain signals. It interrupts those signals for a while, so the area hurts "
        "less.</p>"
    )
    assert body(article, "Who can benefit from a nerve block?") == (
        "<p>Nerve blocks can help people with:</p><ul><li>sciatica or a pinched nerve</li>"
        "<li>arthritis in the small joints of the spine</li><li>headaches that start in the neck</li>"
        "<li>pain that stays after shingles</li></ul>"
    )
    # The closing paragraph about the clinic stays, with its web address as a link.
    assert body(article, "What should I do afterwards?").endswith(
        "<p>Lafayette Pain Care has helped people in Tippecanoe County live with less pain since 2009. "
        "To ask whether a nerve block is right for you, call (765) 555-0100 or visit "
        '<a href="https://lafayettepain.example/contact" rel="noopener noreferrer">'
        "https://lafayettepain.example/contact</a>.</p>"
    )


def test_import_plain_text_with_stand_alone_headings_bullets_and_numbers():
    run_import(DOCUMENTS / "recovering-after-radiofrequency-ablation.txt", make_clinic())
    article = Article.objects.get(slug="recovering-after-radiofrequency-ablation")

    assert article.title == "Recovering After Radiofrequency Ablation"
    assert article.summary.startswith("Radiofrequency ablation (RFA) uses heat to quiet the small nerves")
    assert headings(article) == [
        "Overview",
        "The First 24 Hours",
        "The First Two Weeks",
        "When to Call the Clinic",
    ]
    assert body(article, "Overview") == (
        "<p>This page explains how to look after yourself in the first two weeks.</p>"
    )
    assert body(article, "The First 24 Hours").endswith(
        "<ul><li>Put an ice pack on the area for 20 minutes at a time.</li>"
        "<li>Take your usual medicines unless we told you otherwise.</li>"
        "<li>Do not drive until the next morning.</li></ul>"
    )
    assert body(article, "The First Two Weeks").endswith(
        "<ol><li>Walk a little more each day.</li><li>Start your home exercises on day three.</li>"
        "<li>Go back to work when you feel ready, usually within a week.</li></ol>"
    )
    # An address keeps its line breaks.
    assert body(article, "When to Call the Clinic").endswith(
        "<p>Lafayette Pain Care<br>123 Main Street, Suite 200<br>Lafayette, IN 47901<br>(765) 555-0100</p>"
    )


def test_plain_text_exclamations_last_lines_and_list_lead_ins_are_not_headings():
    document = parse_text(
        "Back Pain\n\nBack pain is very common, and most of it gets better within weeks.\n\n"
        "Call us today!\n\nWe can help you move again.\n\nCommon causes:\n\n- strain\n\n- arthritis\n\n"
        "Have questions?\n",
        "txt",
    )
    assert document.sections == (
        importing.ParsedSection(
            "Overview",
            "<p>Call us today!</p><p>We can help you move again.</p><p>Common causes:</p>"
            "<ul><li>strain</li><li>arthritis</li></ul><p>Have questions?</p>",
        ),
    )


def test_plain_text_escapes_markup():
    document = parse_text(
        "Safety\n\nWe never use <script>alert(1)</script> or <b>tags</b> in our advice.\n", "txt"
    )
    assert document.summary == "We never use <script>alert(1)</script> or <b>tags</b> in our advice."
    assert document.sections[0].body == (
        "<p>We never use &lt;script&gt;alert(1)&lt;/script&gt; or &lt;b&gt;tags&lt;/b&gt; in our advice.</p>"
    )


def test_plain_text_with_windows_line_endings_and_a_byte_order_mark():
    text = (
        "\ufeffNeck Pain\r\n\r\nNeck pain often comes from posture, and it usually eases in weeks.\r\n"
        "Gentle stretches help.\r\n"
    )
    document = parse_document(text.encode(), filename="neck.txt")
    assert document.title == "Neck Pain"
    assert document.summary == "Neck pain often comes from posture, and it usually eases in weeks."
    # A line break separates paragraphs, as a blank line does.
    assert document.sections == (importing.ParsedSection("Overview", "<p>Gentle stretches help.</p>"),)


# --- Summary and sections -----------------------------------------------------------------------


def test_a_single_paragraph_is_the_summary_and_the_body():
    document = parse_markdown("# Heat Therapy\n\nWarmth relaxes tight muscles and eases stiffness.\n")
    assert document.summary == "Warmth relaxes tight muscles and eases stiffness."
    assert document.sections == (
        importing.ParsedSection("Overview", "<p>Warmth relaxes tight muscles and eases stiffness.</p>"),
    )


def test_a_long_first_paragraph_is_cut_at_a_sentence_and_kept_whole_in_the_overview():
    first = "Spinal cord stimulation sends mild pulses to the spinal cord. " * 8
    document = parse_markdown(f"# Stimulation\n\n{first}\n\n## Risks\n\nInfection is rare.\n")

    assert len(document.summary) <= importing.MAX_SUMMARY
    assert document.summary.endswith("to the spinal cord.")
    assert first.startswith(document.summary)
    assert [section.heading for section in document.sections] == ["Overview", "Risks"]
    assert document.sections[0].body == f"<p>{first.strip()}</p>"


def test_a_long_first_sentence_is_cut_at_a_word_with_an_ellipsis():
    words = " ".join(f"word{n}" for n in range(100))
    document = parse_markdown(f"# Long\n\n{words}\n\n## More\n\nText.\n")

    assert len(document.summary) <= importing.MAX_SUMMARY
    assert document.summary.endswith("…")
    assert words.startswith(document.summary.removesuffix("…") + " ")


def test_headings_with_nothing_under_them_are_left_out_and_reported():
    document = parse_markdown(
        "# Title\n\nIntro sentence for the summary here.\n\n## Empty\n\n## Full\n\nText.\n\n## Trailing\n"
    )
    assert [section.heading for section in document.sections] == ["Full"]
    assert document.skipped_headings == ("Empty", "Trailing")


def test_a_document_with_only_empty_sections_is_refused():
    with pytest.raises(ImportRefused, match="no text under it"):
        parse_markdown("# Title\n\n## One\n\n<script>alert(1)</script>\n\n## Two\n")


def test_a_heading_longer_than_200_characters_is_refused():
    with pytest.raises(ImportRefused, match="longer than 200 characters"):
        parse_markdown(f"# Title\n\nIntro.\n\n## {'Long heading ' * 20}\n\nText.\n")


def test_a_title_longer_than_200_characters_is_refused():
    with pytest.raises(ImportRefused, match="longer than 200 characters"):
        parse_text(f"# {'Very long title ' * 15}\n\nText.\n", "md")


def test_a_first_line_too_long_for_a_title_is_the_introduction_and_the_file_name_the_title():
    long_line = "Very long first line " * 12
    document = parse_document(f"{long_line}\n\nText.\n".encode(), filename="back-pain.txt")
    assert document.title == "Back pain"
    assert document.summary.startswith("Very long first line")


def test_more_than_200_sections_are_refused_and_200_are_fine():
    def document(count):
        return "# Title\n\n" + "".join(f"## Part {n}\n\nText {n}.\n\n" for n in range(count))

    assert len(parse_markdown(document(200)).sections) == 200
    with pytest.raises(ImportRefused, match="201 sections"):
        parse_markdown(document(201))


# --- Slugs --------------------------------------------------------------------------------------


def test_import_with_a_taken_slug_adds_a_suffix_and_leaves_the_existing_article_alone():
    existing = make_article(slug="spinal-cord-stimulation", title="Spinal cord stimulation", sections=2)
    before = Article.objects.filter(pk=existing.pk).values().get()
    sections_before = list(existing.sections.values())

    out = run_import(DOCUMENTS / "spinal-cord-stimulation.md", make_clinic())

    imported = Article.objects.get(slug="spinal-cord-stimulation-2")
    assert imported.title == "Spinal Cord Stimulation"
    assert imported.status == Article.Status.DRAFT
    assert "Slug: spinal-cord-stimulation-2" in out
    assert (
        "The slug “spinal-cord-stimulation” was already taken by another article, "
        "so this one is “spinal-cord-stimulation-2”." in out
    )
    assert Article.objects.filter(pk=existing.pk).values().get() == before  # updated_at included
    assert list(existing.sections.values()) == sections_before


def test_import_takes_the_first_free_suffix():
    make_article(slug="spinal-cord-stimulation")
    make_article(slug="spinal-cord-stimulation-2")
    clinic = make_clinic()
    data = (DOCUMENTS / "spinal-cord-stimulation.md").read_bytes()

    result = importing.import_article(data, filename="scs.md", clinic=clinic)

    assert (result.slug, result.wanted_slug, result.slug_changed) == (
        "spinal-cord-stimulation-3",
        "spinal-cord-stimulation",
        True,
    )
    assert result.section_count == 4
    assert result.article.sections.count() == 4


def test_slug_taken_between_the_check_and_the_insert_takes_the_next_suffix(monkeypatch):
    existing = make_article(slug="spinal-cord-stimulation")
    before = Article.objects.filter(pk=existing.pk).values().get()
    real_first_free_slug = importing_drafts.first_free_slug
    calls = []

    def stale_check(wanted_slug, suffix):
        calls.append(suffix)
        # The first check ran before the other article was saved: it saw the slug free.
        return (wanted_slug, suffix) if len(calls) == 1 else real_first_free_slug(wanted_slug, suffix)

    monkeypatch.setattr(importing_drafts, "first_free_slug", stale_check)
    data = (DOCUMENTS / "spinal-cord-stimulation.md").read_bytes()
    result = importing.import_article(data, filename="scs.md", clinic=make_clinic())

    assert calls == [1, 2]
    assert result.slug == "spinal-cord-stimulation-2"
    assert result.slug_changed
    assert Article.objects.filter(pk=existing.pk).values().get() == before


def test_import_is_all_or_nothing(monkeypatch):
    real_save = Section.save

    def save_then_fail(section, *args, **kwargs):
        if section.position == 3:
            raise RuntimeError("database went away")
        real_save(section, *args, **kwargs)

    monkeypatch.setattr(Section, "save", save_then_fail)
    with pytest.raises(RuntimeError):
        run_import(DOCUMENTS / "spinal-cord-stimulation.md", make_clinic())
    assert counts() == (0, 0)


def test_import_records_a_version_saying_where_the_article_came_from():
    run_import(DOCUMENTS / "spinal-cord-stimulation.md", make_clinic())
    article = Article.objects.get(slug="spinal-cord-stimulation")

    version = Version.objects.get_for_object(article).get()
    assert version.revision.comment == "Imported from spinal-cord-stimulation.md"


# --- Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("binary.txt", "not a text document"),
        ("latin-1.txt", "not UTF-8 text"),
        ("empty.md", "The file is empty"),
        ("title-only.md", "has a title but no text under it"),
    ],
)
def test_malformed_files_are_refused_and_create_nothing(name, reason):
    clinic = make_clinic()
    with pytest.raises(CommandError, match=reason) as refusal:
        run_import(DOCUMENTS / name, clinic)
    assert refusal.value.returncode == 1
    assert counts() == (0, 0)


def test_unknown_clinic_is_refused():
    make_clinic(slug="lafayette-pain-care")
    with pytest.raises(CommandError, match="no clinic with the slug “nowhere”"):
        call_command("import_article", str(DOCUMENTS / "spinal-cord-stimulation.md"), clinic="nowhere")
    assert counts() == (0, 0)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="there is no file"):
        run_import(tmp_path / "missing.md", make_clinic())
    assert counts() == (0, 0)


def test_unknown_extension_is_refused(tmp_path):
    leaflet = tmp_path / "leaflet.rtf"
    leaflet.write_text("# Looks like Markdown\n\nBut the name says rich text.\n")
    with pytest.raises(CommandError, match="Unknown file type “.rtf”"):
        run_import(leaflet, make_clinic())
    assert counts() == (0, 0)


def test_format_option_overrides_the_extension(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_bytes((DOCUMENTS / "spinal-cord-stimulation.md").read_bytes())
    run_import(notes, make_clinic(), format="md")

    article = Article.objects.get(slug="spinal-cord-stimulation")
    assert headings(article) == ["Overview", "Who is it for?", "The trial", "Risks"]


def test_unknown_format_option_is_refused():
    with pytest.raises(CommandError, match="Unknown format “rtf”"):
        run_import(DOCUMENTS / "spinal-cord-stimulation.md", make_clinic(), format="rtf")
    with pytest.raises(ImportRefused, match="Unknown format “rtf”: use md, html, txt or docx"):
        parse_document(b"# Title\n\nText.\n", filename="notes.md", file_format="rtf")
    assert counts() == (0, 0)


def test_file_larger_than_1_mb_is_refused(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("Title\n\n" + "All work and no play. " * 50_000)
    with pytest.raises(CommandError, match="larger than 1 MB"):
        run_import(big, make_clinic())
    assert counts() == (0, 0)


def test_utf16_file_is_refused_with_a_hint():
    with pytest.raises(ImportRefused, match="UTF-16"):
        parse_document("Title\n\nText.\n".encode("utf-16"), filename="notes.txt")


# --- The section limit --------------------------------------------------------------------------

LIMIT = SECTION_BODY_MAX_LENGTH


LONG_GUIDE = "# Long guide\n\nA short guide to a long subject, in plain words.\n\n## Details\n\n"


def paragraphs(count: int, words: int = 60) -> str:
    """``count`` Markdown paragraphs, each distinct, each about ``words`` words."""
    return "\n\n".join(
        f"Paragraph {n}: " + " ".join(f"word{n}x{k}" for k in range(words)) for n in range(count)
    )


def test_a_section_over_the_limit_is_split_between_paragraphs_and_keeps_all_its_text(tmp_path):
    document = tmp_path / "long-guide.md"
    document.write_text(f"{LONG_GUIDE}{paragraphs(200)}\n")

    out = run_import(document, make_clinic())

    article = Article.objects.get(slug="long-guide")
    sections = list(article.sections.order_by("position"))
    assert len(sections) == 5  # 200 paragraphs of ~700 characters
    assert [section.heading for section in sections] == ["Details"] + [
        f"Details (part {n})" for n in range(2, 6)
    ]
    assert all(len(section.body) <= LIMIT for section in sections)
    # Cut between paragraphs only: each part is whole paragraphs, in order, none lost or repeated.
    kept = [p for section in sections for p in re.findall(r"<p>(Paragraph \d+):", section.body)]
    assert kept == [f"Paragraph {n}" for n in range(200)]
    assert all(section.body.startswith("<p>") and section.body.endswith("</p>") for section in sections)
    assert [section.anchor for section in sections][:3] == ["details", "details-part-2", "details-part-3"]
    assert "Split sections longer than 30,000 characters" in out
    assert "“Details” into 5 parts" in out


def test_a_split_section_is_reported_by_the_parser_and_every_part_passes_the_models_check():
    document = parse_markdown(LONG_GUIDE + paragraphs(200))

    assert document.split_sections == (("Details", 5),)
    for section in document.sections:
        Section(heading=section.heading, body=section.body).clean_fields(exclude=["article"])


@pytest.mark.parametrize(
    ("text", "file_format"),
    [
        ("Title\n\n" + "All work and no play. " * 2_000, "txt"),  # one 44,000-character paragraph
        ("# Title\n\nIntro.\n\n" + "- item " * 6_000, "md"),  # one long list item
        ("<h1>Title</h1><p>" + "Text &amp; more text. " * 2_000 + "</p>", "html"),
        ("<h1>Title</h1><ul>" + "<li>An item of a long list.</li>" * 1_200 + "</ul>", "html"),
    ],
    ids=["plain-paragraph", "markdown-item", "html-paragraph", "html-list"],
)
def test_a_single_block_over_the_limit_is_refused_naming_it_and_nothing_is_saved(text, file_format, tmp_path):
    document = tmp_path / f"long.{file_format}"
    document.write_text(text)

    with pytest.raises(CommandError, match=r"part starting “.+” .* a section can hold at most 30,000"):
        run_import(document, make_clinic())
    assert counts() == (0, 0)


def test_the_1_mb_text_that_became_one_section_is_split_or_refused_never_saved_over_the_limit(tmp_path):
    # The file of the report: one megabyte of text in one paragraph.
    big = tmp_path / "big.txt"
    big.write_text("Title\n\n" + "x" * (importing.MAX_BYTES - 20))
    with pytest.raises(CommandError, match="a section can hold at most 30,000"):
        run_import(big, make_clinic())
    assert counts() == (0, 0)

    # The same megabyte in paragraphs: split into parts, each within the limit.
    big.write_text("Title\n\n" + ("Some words in a paragraph of the guide. " * 10 + "\n\n") * 2_500)
    run_import(big, make_clinic())
    bodies = list(Section.objects.values_list("body", flat=True))
    assert len(bodies) > 30
    assert max(len(body) for body in bodies) <= LIMIT


def test_a_section_that_the_model_refuses_at_save_rolls_back_the_whole_import(monkeypatch):
    # What _validate checked, Section.save checks again: a body that grew past the limit after
    # validation (here, forced) refuses the import and leaves nothing half-saved.
    monkeypatch.setattr(importing_drafts, "_validate", lambda *args, **kwargs: None)
    document = importing.ParsedDocument(
        title="Title",
        summary="A summary.",
        sections=(
            importing.ParsedSection("Fine", "<p>Fine.</p>"),
            importing.ParsedSection("Too long", "<p>" + "x" * LIMIT + "</p>"),
        ),
    )
    with pytest.raises(ImportRefused, match="at most 30,000 characters"):
        importing.create_draft(document, clinic=make_clinic())
    assert counts() == (0, 0)


# --- Bounded work on hostile documents ----------------------------------------------------------

MB = importing.MAX_BYTES - 100

HOSTILE_MARKDOWN = {
    "emphasis-a-underscore": "*a_" * (MB // 3),
    "emphasis-runs": "**_a" * (MB // 4),
    "brackets": "[" * MB,
    "image-brackets": "![" * (MB // 2),
    "unclosed-links": "[a](x" * (MB // 5),
    "backticks": "`a" * (MB // 2),
    "angle-brackets": "<a" * (MB // 2),
    "comments": "<!--" * (MB // 4),
    "nested-lists": "".join("  " * (n % 200) + "- a\n" for n in range(20_000)),
    "nested-quotes": "".join(">" * (n % 500) + " a\n" for n in range(4_000)),
    "many-tiny-lines": "a\n" * (MB // 2),
    "list-lines": "- a\n" * (MB // 4),
}


@pytest.mark.parametrize("name", list(HOSTILE_MARKDOWN))
def test_hostile_markdown_is_refused_for_its_markup_before_it_is_parsed(name, monkeypatch):
    def parse(*args, **kwargs):
        raise AssertionError("markdown-it ran")

    monkeypatch.setattr(importing_markdown._markdown, "render", parse)
    with pytest.raises(ImportRefused, match=r"too much markup to read: [\d,]+ formatting characters"):
        parse_markdown("# Title\n\n" + HOSTILE_MARKDOWN[name])


def test_a_1_mb_markdown_line_of_plain_words_is_read_and_refused_only_for_its_length():
    # Little markup: markdown-it reads it at once; the paragraph is longer than a section.
    with pytest.raises(ImportRefused, match="a section can hold at most 30,000"):
        parse_markdown("# Title\n\n" + "word " * (MB // 5))


def test_a_long_real_markdown_document_is_well_within_the_markup_budget():
    real = (DOCUMENTS / "spinal-cord-stimulation.md").read_text()
    markup = sum(real.count(character) for character in importing_markdown.MARKDOWN_MARKUP_CHARACTERS)
    # Forty articles' worth of it in one file still reads.
    assert markup * 40 < importing_markdown.MAX_MARKDOWN_MARKUP
    document = parse_markdown(real.split("\n", 1)[0] + "\n\n" + "\n\n".join([real.split("\n", 1)[1]] * 40))
    assert len(document.sections) > 40


HOSTILE_HTML = {
    "unterminated-tags": "<a" * (MB // 2),
    "unterminated-comments": "<p>a" + "<!--" * (MB // 4),
    "unterminated-end-tags": "</a" * (MB // 3),
    "unterminated-declarations": "<!a" * (MB // 3),
    "unterminated-processing-instructions": "<?a" * (MB // 3),
    "attributes-never-ended": "<a =" * (MB // 4),
}


@pytest.mark.parametrize("name", list(HOSTILE_HTML))
def test_html_with_many_unterminated_tags_is_refused_within_a_linear_scanning_budget(name, monkeypatch):
    charged = []
    real_charged = importing_html._EventCollector._charged

    def charge(collector, start, end):
        charged.append(collector.work)
        return real_charged(collector, start, end)

    monkeypatch.setattr(importing_html._EventCollector, "_charged", charge)
    source = "<h1>Title</h1>" + HOSTILE_HTML[name]

    with pytest.raises(ImportRefused, match="too much broken HTML to read"):
        parse_text(source, "html")
    # Python's parser would have rescanned the rest of the file for each "<": quadratic.
    assert max(charged) <= importing_html.HTML_WORK_FLOOR + importing_html.HTML_WORK_PER_CHARACTER * len(
        source
    )


@pytest.mark.parametrize(
    "body",
    ["<p>a</p>" * 40_000, "<p>" + "<b>a</b>" * 40_000, "<p>" + "<" * MB, "<div>" * 120_000],
    ids=["paragraphs", "bold", "lone-angle-brackets", "divs"],
)
def test_html_with_more_tags_than_the_budget_is_refused(body):
    with pytest.raises(ImportRefused, match="more than 100,000 tags and pieces of text"):
        parse_text("<h1>Title</h1>" + body, "html")


def test_html_with_an_unclosed_tag_or_comment_here_and_there_is_still_read():
    document = parse_text(
        "<h1>Title</h1><p>The first paragraph of the page, a sentence.</p>"
        '<h2>More</h2><p title="oops>Second.</p><p>Third.</p><!-- end',
        "html",
    )
    assert document.summary == "The first paragraph of the page, a sentence."
    assert "Third." in document.sections[-1].body


def test_a_block_far_over_the_limit_is_refused_before_it_is_sanitised(monkeypatch):
    sanitised = []
    real = importing_common.sanitize_rich_text
    monkeypatch.setattr(
        importing_common, "sanitize_rich_text", lambda html: sanitised.append(len(html)) or real(html)
    )

    with pytest.raises(ImportRefused, match="too long for one section"):
        parse_text("<h1>Title</h1><p>" + "&" * MB + "</p>", "html")
    # Only the 2,000 characters quoted in the message were sanitised, never the megabyte.
    assert max(sanitised) <= 2_000


@pytest.mark.parametrize(
    "lines",
    [" \n" * 40, "\t\n" * 40, "-a:\n" * 40],
    ids=["blank-lines", "tab-lines", "hyphen-keys"],
)
def test_an_unterminated_front_matter_does_not_backtrack(lines):
    # Lines two alternatives of the front-matter pattern both matched: 2**40 ways to fail (hours).
    assert parse_markdown(f"---\n{lines}# Title\n\nText of the guide.\n").title == "Title"


def test_a_front_matter_title_line_of_spaces_does_not_backtrack():
    # "(.+?)[ \t]*$" tried each run of spaces at each position: 200,000 spaces took minutes.
    assert parse_markdown("---\ntitle: a" + " " * 200_000 + "b\n---\n\nText of the guide.\n").title == "a b"


def test_front_matter_title_is_stripped_and_unquoted():
    assert parse_markdown("---\ntitle:   'Nerve blocks'  \n---\n\nText.\n").title == "Nerve blocks"


def test_the_clinics_own_closing_address_is_left_out_but_advice_on_when_to_call_stays():
    document = parse_document(
        (DOCUMENTS / "recovering-after-radiofrequency-ablation.txt").read_bytes(),
        filename="rfa.txt",
        clinic=make_clinic(name="Lafayette Pain Care"),
    )
    assert document.left_out == (
        "Lafayette Pain Care 123 Main Street, Suite 200 Lafayette, IN 47901 (765) 555-0100",
    )
    assert document.sections[-1] == importing.ParsedSection(
        "When to Call the Clinic",
        "<p>Call us right away if you have a fever over 100.4°F, redness or swelling that is getting worse, "
        "or new numbness or weakness in your legs.</p>",
    )


@pytest.mark.parametrize(
    ("paragraph", "is_clinic_information"),
    [
        ("Visit our website and like us on Facebook.", True),
        ("To schedule an appointment, call us at 765-555-0100.", True),
        ("If you have questions about whether it is right for you, call us or book a consultation.", True),
        ("Lafayette Pain Care has served Tippecanoe County since 2009.", True),  # names the clinic
        ("Call us right away if you have a fever over 100.4°F.", False),
        ("Call Lafayette Pain Care if your pain gets worse or you notice redness.", False),
        ("Go to the emergency room or call 911 if you have chest pain.", False),
        ("Most people feel better within a week.", False),
    ],
)
def test_what_counts_as_the_clinics_own_closing_information(paragraph, is_clinic_information):
    assert clinic_information(paragraph, ("Lafayette Pain Care",)) is is_clinic_information


def test_images_in_markdown_and_html_are_reported_not_dropped_in_silence():
    document = parse_text(
        "# Pump refills\n\nA refill takes about twenty minutes in the clinic.\n\n"
        "![Where the pump sits under the skin](pump.png)\n\n"
        "## After\n\nRest for the day. ![](catheter.jpg)\n",
        "md",
    )
    assert document.notes == (
        "The file has 2 images (“Where the pump sits under the skin”, one without a description): "
        "images are not imported yet; add them to the article by hand.",
    )
    assert "<img" not in "".join(section.body for section in document.sections)
    assert parse_text("<h1>Refills</h1><p>No pictures here, only words.</p>", "html").notes == ()


@pytest.mark.parametrize(
    "advice",
    [
        "Call us if the injection site becomes red, swollen or warm.",
        "Call us before your procedure if you take blood thinners such as warfarin or Eliquis.",
        "If you are pregnant or might be, call us before the procedure.",
        "Do not drive for 24 hours. Call us if you cannot pass urine.",
        "Stop eating 6 hours before the procedure; call our office with any questions about your medicines.",
    ],
)
def test_closing_instructions_stay_in_the_article_even_when_they_say_call_us(advice):
    document = parse_document(
        f"Nerve Blocks\nA nerve block numbs the nerves that carry pain.\nWhen to call\n{advice}\n".encode(),
        filename="nerve-blocks.txt",
    )
    assert document.left_out == ()
    assert document.sections[-1] == importing.ParsedSection("When to call", f"<p>{html.escape(advice)}</p>")


@pytest.mark.parametrize(
    ("clinic", "paragraph"),
    [
        ("Relief", "Most patients feel pain relief within two weeks and can return to work."),
        ("Ace", "Do not lift anything heavy or place weight on the treated side for two days."),
        ("Ace", "Most people are back at their usual pace in a week."),
    ],
)
def test_a_clinic_name_inside_other_words_or_in_ordinary_advice_leaves_nothing_out(clinic, paragraph):
    assert not clinic_information(paragraph, (clinic,))


def test_a_list_typed_without_bullets_does_not_join_the_whole_pasted_text_into_one_paragraph():
    document = parse_document(
        (
            b"Epidural injections can calm swollen nerves and ease pain that spreads down an arm or a leg.\n"
            b"What conditions does it treat?\nEpidural injections are most often used for\nsciatica\n"
            b"herniated discs\nspinal stenosis\nWhat are the risks?\nRisks are rare: a headache.\n"
            b"Recovery\nMost people go home within an hour and return to normal activities the next day.\n"
        ),
        filename="epidurals.txt",
    )
    assert [section.heading for section in document.sections] == [
        "What conditions does it treat?",
        "What are the risks?",
        "Recovery",
    ]
    assert document.sections[0].body == (
        "<p>Epidural injections are most often used for</p><p>sciatica</p><p>herniated discs</p>"
        "<p>spinal stenosis</p>"
    )
    # No heading names the treatment ("What are the risks?" is about a part of it): the file does.
    assert document.title == "Epidurals"


def test_long_runs_of_spaces_are_read_in_linear_time():
    # "\s*(<p>)" on 100,000 spaces retried the run from each position: a minute per paragraph.
    page = "<h1>Spaces</h1>" + ("<p>a" + " " * 29_900 + "b</p>") * 33
    document = parse_text(page, "html")
    assert len(document.sections) == 32
    assert all(section.body.startswith("<p>a") for section in document.sections)


def test_the_same_text_saved_again_with_other_line_endings_is_the_same_source():
    unix = b"Knee Pain\nKnee pain is common.\nIce helps.\n"
    assert importing.document_hash(b"\xef\xbb\xbf" + unix.replace(b"\n", b"\r\n"), "knee.txt") == (
        importing.document_hash(unix.replace(b"\n", b"  \n"), "knee.txt")
    )
    assert importing.document_hash(unix, "knee.txt") != importing.document_hash(unix + b"Rest.\n", "knee.txt")


def test_a_date_above_the_title_and_the_title_repeated_as_a_heading_as_saved_pages_have_them():
    document = parse_document(
        (
            b"March 2, 2025\nIs a Nerve Block Right for Me?\n\nIs a Nerve Block Right for Me?\n\n"
            b"A nerve block numbs the nerves that carry pain from one part of the body for a while.\n\n"
            b"How do I get ready?\n\nEat a light meal and bring a list of your medicines.\n"
        ),
        filename="page.txt",
    )
    assert document.title == "Is a Nerve Block Right for Me?"
    assert document.notes == ()
    assert [section.heading for section in document.sections] == ["Overview", "How do I get ready?"]
    assert document.sections[0].body == "<p>March 2, 2025</p>"
    assert (
        document.summary
        == "A nerve block numbs the nerves that carry pain from one part of the body for a while."
    )


def test_a_lead_in_that_stops_mid_sentence_introduces_its_list_and_the_summary_skips_it():
    document = parse_document(
        (
            "Who May Have a Pain Pump\n\n"
            "Your doctor decides with you. Usually, a good candidate has had the following:\n\n"
            "  • Pain for more than six months.\n  • No relief from other treatments.\n\n"
            "A pump helps many people, but it is not for everyone. A pump is not advised for people who\n\n"
            "  • Have an infection.\n  • Have a bleeding disorder.\n"
        ).encode(),
        filename="pump.txt",
    )
    assert document.summary == "Your doctor decides with you."
    assert document.notes == ()
    assert [(suggestion.kind, suggestion.text) for suggestion in document.suggestions] == [
        ("candidate", "Pain for more than six months."),
        ("candidate", "No relief from other treatments."),
        ("contraindication", "Have an infection."),
        ("contraindication", "Have a bleeding disorder."),
    ]


def test_a_suggested_condition_or_risk_is_a_name_without_a_full_stop():
    document = parse_text(
        "Pumps\n\nIntro text for the summary here.\n\nRisks\n\n- Infection.\n- Bleeding.\n", "txt"
    )
    assert [suggestion.text for suggestion in document.suggestions] == ["Infection", "Bleeding"]
