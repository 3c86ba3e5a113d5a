"""Printable handouts (issue 17, point 3): ``GET /api/v1/articles/{slug}/handout.pdf`` for the live
version (api/handouts.py), and the admin's "Print handout" for the working copy
(articles/handouts.py). The PDF is read back as a reader would: its text with pypdf, its QR code
decoded by zxing-cpp from the page rendered to pixels by pypdfium2, its type sizes, its language and
its structure tree."""

import datetime
import html
import io
import re
import statistics
import urllib.request

import pypdf
import pypdfium2
import pytest
import zxingcpp
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from api import handouts as api_handouts
from articles import handouts
from articles.models import Article, CandidateCriterion, Contraindication, Reference, Reviewer, Section
from tests.factories import (
    make_archived,
    make_article,
    make_clinic,
    make_condition,
    make_draft,
    make_pump,
    make_risk,
    make_scheduled,
    make_section,
    make_staff,
    republish,
)

pytestmark = pytest.mark.django_db

PHONE = "+1 765 555 0142"
HEADINGS = [
    "What is an intrathecal pump?",
    "How does the pump work?",
    "What happens during the trial?",
    "What happens during surgery?",
    "Recovery at home",
    "Living with the pump",
]
PARAGRAPH = (
    "<p>The pump is a small round device, about the size of a hockey puck, placed under the skin of "
    "your belly. A thin tube carries medicine from the pump to the fluid around your spinal cord, "
    "so a much smaller dose works than when you take the medicine by mouth.</p>"
    "<ul><li>You keep doing most of your usual activities.</li>"
    "<li>A nurse refills the pump every one to three months.</li></ul>"
)


def handout_url(slug: str, query: str = "") -> str:
    return reverse("article-handout", args=[slug]) + query


def preview_handout_url(article) -> str:
    return reverse("admin:articles_article_handout", args=[article.pk])


def realistic_article(**fields) -> Article:
    """A demo-sized article: six sections of real length, conditions, risks, candidates,
    contraindications, sources, a clinical review and a clinic with a phone and an address."""
    clinic = make_clinic(
        name="Wabash Valley Pain Center",
        slug="wabash-valley",
        phone=PHONE,
        street_address="2400 Ferry Street",
        city="Lafayette",
        region="IN",
        postal_code="47904",
    )
    reviewer = Reviewer.objects.create(name="Dr. Maria Lopez", credentials="MD")
    defaults = {
        "slug": "intrathecal-pump",
        "title": "Intrathecal pain pumps",
        "summary": "A small pump under the skin that sends pain medicine straight to the spine.",
        "clinic": clinic,
        "reviewed_by": reviewer,
        "last_reviewed_on": datetime.date(2026, 10, 14),
        "status": Article.Status.DRAFT,
        "published_at": None,
        "conditions": [
            make_condition(name="Cancer pain"),
            make_condition(name="Failed back surgery syndrome"),
        ],
        "risks": [make_risk(name="Infection"), make_risk(name="Spinal fluid leak")],
    }
    article = make_article(**(defaults | fields))
    for position, heading in enumerate(HEADINGS, start=1):
        make_section(article=article, position=position, heading=heading, body=PARAGRAPH)
    for position, text in enumerate(["Pain that lasts more than six months", "A good trial"], start=1):
        CandidateCriterion.objects.create(article=article, position=position, text=text)
    Contraindication.objects.create(article=article, position=1, text="An infection that is not treated")
    Reference.objects.create(
        article=article, position=1, title="Intrathecal drug delivery", pubmed_id="31234567"
    )
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - datetime.timedelta(days=1))
    article.refresh_from_db()
    republish(article, live_from=article.published_at)
    return article


def pdf_reader(content: bytes) -> pypdf.PdfReader:
    assert content.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(content))


def pdf_text(content: bytes) -> str:
    """The PDF's text, whitespace collapsed (lines break where the layout breaks them)."""
    return " ".join(" ".join(page.extract_text() for page in pdf_reader(content).pages).split())


def body_sizes(content: bytes, phrase: str) -> list[float]:
    """The type sizes, in points on paper, of the text runs that contain ``phrase``."""
    sizes = []

    def visit(text, cm, tm, font_dict, font_size):
        if phrase in text:
            sizes.append(round(font_size * abs(cm[0]) * abs(tm[0]), 1))

    for page in pdf_reader(content).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def compact(text: str) -> str:
    """Text without its whitespace: lines break wherever the columns break them."""
    return "".join(text.split())


def plain(rich: str) -> str:
    """A section body's text, tags dropped, pictures left out (as the handout leaves them out)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<figure.*?</figure>", " ", rich, flags=re.S)))


def long_article(words: int = 5000) -> Article:
    """An article of about ``words`` words: twenty sections of paragraphs and lists."""
    article = realistic_article(slug="long-read", title="Everything about intrathecal pumps")
    Section.objects.filter(article=article).delete()
    sentence = "Your care team will explain each step of the treatment and answer your questions. "
    per_section = words // 20 // len(sentence.split()) + 2
    for position in range(1, 21):
        body = f"<p>{sentence * (per_section // 2)}</p><ul><li>{sentence * 2}</li><li>{sentence}</li></ul>"
        body += f"<p>{sentence * (per_section // 2 - 3)}The end of section number {position}.</p>"
        make_section(article=article, position=position, heading=f"Long section {position}", body=body)
    republish(article)
    return article


def qr_codes(content: bytes) -> list[str]:
    """What the QR codes on the PDF's pages say, read from the pages rendered at 216 dpi."""
    found = []
    document = pypdfium2.PdfDocument(content)
    for index in range(len(document)):
        image = document[index].render(scale=3).to_pil()
        found += [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    return found


# --- The public handout ----------------------------------------------------------------------------


def test_the_handout_has_the_whole_article_on_one_or_two_pages(api):
    realistic_article()

    response = api.get(handout_url("intrathecal-pump"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="intrathecal-pump.pdf"'
    text = compact(pdf_text(response.content))  # a link may break across lines in a column
    for expected in [
        "Intrathecal pain pumps",
        "A small pump under the skin that sends pain medicine straight to the spine.",
        *HEADINGS,
        "Cancer pain",
        "Failed back surgery syndrome",
        "Pain that lasts more than six months",
        "An infection that is not treated",
        "Spinal fluid leak",
        "Intrathecal drug delivery",
        "https://pubmed.ncbi.nlm.nih.gov/31234567/",
        "Wabash Valley Pain Center",
        PHONE,
        "2400 Ferry Street, Lafayette, IN 47904",
        "Last reviewed by Dr. Maria Lopez, MD on 14 October 2026",
    ]:
        assert compact(expected) in text, expected
    assert 1 <= len(pdf_reader(response.content).pages) <= 2


def test_the_qr_code_decodes_to_the_articles_page(api, settings):
    realistic_article()

    response = api.get(handout_url("intrathecal-pump"))

    assert qr_codes(response.content) == ["http://localhost:3000/articles/intrathecal-pump"]


def test_the_qr_code_follows_the_clinics_own_page_addresses(api):
    article = make_pump()
    article.clinic.article_url_template = "https://wabash.example/learn/{slug}/"
    article.clinic.save()

    response = api.get(handout_url("pump"))

    assert qr_codes(response.content) == ["https://wabash.example/learn/pump/"]


def test_the_pdf_is_tagged_and_in_the_articles_language(api):
    make_pump()
    make_pump(
        slug="bomba",
        title="Bombas intratecales",
        language="es",
        clinic=make_clinic(),
        conditions=[make_condition(name="Dolor de rodilla")],
        risks=[],
    )

    english = pdf_reader(api.get(handout_url("pump")).content)
    spanish_response = api.get(handout_url("bomba"))
    spanish = pdf_reader(spanish_response.content)

    for reader, language in [(english, "en"), (spanish, "es")]:
        catalog = reader.trailer["/Root"]
        assert catalog["/Lang"] == language
        assert bool(catalog["/MarkInfo"]["/Marked"])
        assert "/StructTreeRoot" in catalog
    assert english.metadata.title == "Intrathecal pumps"
    # The fixed words are in the article's language too.
    assert "Afecciones que puede ayudar" in pdf_text(spanish_response.content)


def test_the_review_line_is_in_spanish_for_a_spanish_article(api):
    reviewer = Reviewer.objects.create(name="Dra. Ana Ruiz")
    make_pump(language="es", reviewed_by=reviewer, last_reviewed_on=datetime.date(2026, 3, 2))

    text = pdf_text(api.get(handout_url("pump")).content)

    assert "Revisado por última vez por Dra. Ana Ruiz el 2 de marzo de 2026" in text


def test_no_review_line_without_a_clinical_review(api):
    make_pump()

    text = pdf_text(api.get(handout_url("pump")).content)

    assert "Last reviewed" not in text


def test_large_print_has_larger_type(api):
    realistic_article()

    standard = api.get(handout_url("intrathecal-pump"))
    large = api.get(handout_url("intrathecal-pump", "?size=large"))

    assert large.status_code == 200
    assert large["Content-Disposition"] == 'inline; filename="intrathecal-pump-large-print.pdf"'
    phrase = "refills"
    assert set(body_sizes(standard.content, phrase)) == {13.0}
    assert set(body_sizes(large.content, phrase)) == {18.0}
    assert len(pdf_reader(large.content).pages) > len(pdf_reader(standard.content).pages)
    assert api.get(handout_url("intrathecal-pump", "?size=standard")).content == standard.content


def test_pictures_in_sections_are_left_out(api):
    article = make_pump()
    Section.objects.filter(article=article).update(
        body='<p>Before.</p><figure><img src="" alt="The pump" data-file="1"><figcaption>A caption'
        "</figcaption></figure><p>After.</p>"
    )
    republish(article)

    text = pdf_text(api.get(handout_url("pump")).content)

    assert "Before." in text and "After." in text
    assert "A caption" not in text


@pytest.mark.parametrize(
    "factory",
    [make_draft, make_scheduled, make_archived],
    ids=["draft", "scheduled", "archived"],
)
def test_only_a_live_version_has_a_public_handout(api, factory):
    factory(slug="not-live", sections=2)

    response = api.get(handout_url("not-live"))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert api.get(reverse("article-detail", args=["not-live"])).status_code == 404


def test_the_handout_shows_the_live_version_not_unapproved_edits(api):
    article = make_pump()
    Section.objects.filter(article=article).update(heading="An edit nobody approved")

    text = pdf_text(api.get(handout_url("pump")).content)

    assert "Section 1" in text
    assert "An edit nobody approved" not in text


@pytest.mark.parametrize(
    "query, parameter",
    [("?size=huge", "size"), ("?large=1", "large"), ("?fields=title", "fields")],
)
def test_unknown_parameters_and_sizes_are_a_400_naming_them(api, query, parameter):
    make_pump()

    response = api.get(handout_url("pump", query))

    assert response.status_code == 400
    assert parameter in response.json()


def test_tracking_parameters_are_ignored(api):
    make_pump()

    assert api.get(handout_url("pump", "?utm_source=leaflet")).status_code == 200


def test_its_own_etag_gets_a_304(api):
    make_pump()
    first = api.get(handout_url("pump"))

    again = api.get(handout_url("pump"), HTTP_IF_NONE_MATCH=first["ETag"])

    assert first["ETag"] and first["Last-Modified"] and first["Cache-Control"].startswith("public")
    assert again.status_code == 304
    assert again.content == b""
    assert api.get(handout_url("pump", "?size=large"))["ETag"] != first["ETag"]


def test_it_is_rendered_once_per_publication_and_size(api, monkeypatch):
    article = make_pump()
    calls = []
    render = handouts.render_pdf
    monkeypatch.setattr(
        handouts,
        "render_pdf",
        lambda *args, **kwargs: calls.append(kwargs["size"]) or render(*args, **kwargs),
    )

    first = api.get(handout_url("pump"))
    second = api.get(handout_url("pump"))
    api.get(handout_url("pump", "?size=large"))

    assert calls == ["standard", "large"]
    assert first.content == second.content
    # A new version goes live: its handout is rendered afresh.
    Article.objects.filter(pk=article.pk).update(title="Intrathecal pumps, updated")
    republish(article)
    assert "Intrathecal pumps, updated" in pdf_text(api.get(handout_url("pump")).content)
    assert calls == ["standard", "large", "standard"]


def test_a_reviewer_renamed_shows_in_the_handout_at_once(api):
    reviewer = Reviewer.objects.create(name="Dr. Old Name")
    make_pump(reviewed_by=reviewer, last_reviewed_on=datetime.date(2026, 1, 5))
    assert "Dr. Old Name" in pdf_text(api.get(handout_url("pump")).content)

    reviewer.name = "Dr. New Name"
    reviewer.save()

    assert "Dr. New Name" in pdf_text(api.get(handout_url("pump")).content)


def test_the_cache_key_is_the_public_rows_version():
    make_pump()
    row = api_handouts.detail_row("pump")

    assert api_handouts.cache_key(row, "large").endswith(f":{row.pk}:{row.etag}:large")


def test_the_handout_is_in_the_openapi_schema():
    from tests import contract

    operation = contract.operation("/api/v1/articles/{slug}/handout.pdf")
    assert operation["responses"]["200"]["content"]["application/pdf"]["schema"] == {
        "type": "string",
        "format": "binary",
    }
    size = next(p for p in operation["parameters"] if p["name"] == "size")
    assert sorted(size["schema"]["enum"]) == ["large", "standard"]


# --- Fitting on one or two pages ------------------------------------------------------------------


@pytest.fixture
def demo(settings, tmp_path):
    """The demo (manage.py load_demo): its pump article in English and Spanish."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=io.StringIO())


@pytest.mark.parametrize(
    "slug, labels",
    [
        ("intrathecal-pump-implant", handouts.LABELS["en"]),
        ("intrathecal-pump-implant-es", handouts.LABELS["es"]),
    ],
    ids=["english", "spanish"],
)
def test_the_demo_pump_article_prints_on_two_pages_with_all_its_text(api, demo, slug, labels):
    detail = api.get(reverse("article-detail", args=[slug])).json()

    content = api.get(handout_url(slug)).content

    assert len(pdf_reader(content).pages) <= 2
    text = compact(pdf_text(content))
    reviewer = detail["reviewed_by"]
    for expected in [
        detail["title"],
        detail["summary"],
        detail["clinic"]["name"],
        detail["clinic"]["phone"],
        detail["clinic"]["address"]["street_address"],
        labels["reviewed_by"].split("{")[0] + f"{reviewer['name']}, {reviewer['credentials']}",
        *[labels[key] for key in ("conditions", "criteria", "contraindications", "risks", "references")],
        *[section["heading"] for section in detail["sections"]],
        *[plain(section["body"]) for section in detail["sections"]],
        *[condition["name"] for condition in detail["conditions"]],
        *[risk["name"] for risk in detail["risks"]],
        *detail["candidate_criteria"],
        *detail["contraindications"],
        *[reference["title"] for reference in detail["references"]],
        *[reference["url"] for reference in detail["references"]],
    ]:
        assert compact(expected) in text, expected
    assert qr_codes(content) == [detail["page_url"]]
    # Standard print's body type stays between the floor and its full size.
    sizes = body_sizes(content, "hockey")
    assert sizes and all(11 <= size <= 13 for size in sizes), sizes


def test_a_long_article_keeps_all_its_text_on_more_pages_at_full_size(api):
    long_article()

    content = api.get(handout_url("long-read")).content

    assert len(pdf_reader(content).pages) > 2
    text = pdf_text(content)
    for position in range(1, 21):
        assert f"Long section {position}" in text
        assert f"The end of section number {position}." in text
    assert "Last reviewed by Dr. Maria Lopez, MD on 14 October 2026" in text
    assert "Intrathecal drug delivery" in text
    # Type that would still need more than two pages is not made smaller: the full 13 pt.
    sizes = body_sizes(content, "care team")
    assert sizes and set(sizes) == {13.0}


def test_a_long_article_in_large_print_keeps_all_its_text_at_16_pt_or_more(api):
    long_article()

    content = api.get(handout_url("long-read", "?size=large")).content

    text = pdf_text(content)
    assert all(f"The end of section number {position}." in text for position in range(1, 21))
    sizes = body_sizes(content, "care team")
    assert sizes and min(sizes) >= 16


def test_a_handout_a_little_too_long_takes_smaller_type_not_below_the_floor(api):
    article = realistic_article()
    for position in range(7, 11):
        make_section(article=article, position=position, heading=f"More about it {position}", body=PARAGRAPH)
    republish(article)

    content = api.get(handout_url("intrathecal-pump")).content

    assert len(pdf_reader(content).pages) <= 2
    sizes = body_sizes(content, "refills")
    assert sizes and all(11 <= size < 13 for size in sizes), sizes
    assert all(f"More about it {position}" in pdf_text(content) for position in range(7, 11))


def test_large_print_is_16_pt_or_more_and_a_short_article_fits_on_two_pages(api):
    make_pump(sections=3, risks=[])
    realistic_article()

    short = api.get(handout_url("pump", "?size=large")).content
    realistic = api.get(handout_url("intrathecal-pump", "?size=large")).content

    assert len(pdf_reader(short).pages) <= 2
    for content, phrases in [
        (short, ["Some text.", "A small pump under the skin.", "Knee pain"]),
        (realistic, ["refills", "six months", "not treated", "Spinal fluid leak", "Ferry Street"]),
    ]:
        for phrase in phrases:
            sizes = body_sizes(content, phrase)
            assert sizes and min(sizes) >= 16, (phrase, sizes)
    assert min(body_sizes(realistic, "Intrathecal drug delivery")) >= 16  # the sources too


def test_no_heading_is_left_at_the_bottom_of_a_column_or_page(api):
    from api import rendering
    from api.publications import snapshot_of
    from articles.models import Publication

    # Forty sections of one to seven lines: many chances for a heading to land at a column's foot.
    article = realistic_article()
    Section.objects.filter(article=article).delete()
    sentence = "Call the clinic if the pain gets worse. "
    for position in range(1, 41):
        body = f"<p>{sentence * (1 + position * 7 % 9)}</p>"
        make_section(article=article, position=position, heading=f"Question {position}", body=body)
    republish(article)
    snap = snapshot_of(Publication.objects.filter(article=article).latest("pk"))
    rendering.attach_vocabulary([snap])

    for size in handouts.SIZES:
        document = handouts.layout(snap, "https://clinic.example/pump", size=size)
        last_blocks = [last_block(flow) for flow in flows(document)]
        assert len(last_blocks) == handouts.COLUMNS[size] * len(document.pages)
        assert not {"h1", "h2", "h3", "h4"} & set(last_blocks), (size, last_blocks)


def flows(document):
    """The columns of each page (its body, when it has one column)."""
    for page in document.pages:
        columns = [box for box in descendants(page._page_box) if getattr(box, "is_column", False)]
        yield from columns or page._page_box.children[:1]


def descendants(box):
    for child in getattr(box, "children", ()):
        yield child
        yield from descendants(child)


def last_block(box) -> str:
    """The tag of the last block laid out in ``box``, down to one that holds only lines."""
    from weasyprint.formatting_structure import boxes

    while blocks := [
        child for child in getattr(box, "children", ()) if isinstance(child, boxes.BlockLevelBox)
    ]:
        box = blocks[-1]
    return box.element_tag


# --- Fetching nothing but the bundled fonts -------------------------------------------------------


def test_the_handout_is_set_in_the_bundled_font_and_fetches_nothing_else(api, monkeypatch):
    article = make_pump()
    Section.objects.filter(article=article).update(
        body='<p>Before.</p><p><img src="http://evil.example/pixel.png"><img src="file:///etc/hostname">'
        '<a href="file:///etc/passwd">a file</a></p><style>@import url(http://evil.example/a.css)</style>'
        '<figure><img src="https://evil.example/picture.png" alt="x"></figure><p>After.</p>'
    )
    republish(article)
    asked = []
    fetcher_class = handouts._fonts_only_fetcher_class()
    fetch = fetcher_class.fetch
    monkeypatch.setattr(
        fetcher_class, "fetch", lambda self, url, headers=None: asked.append(url) or fetch(self, url)
    )
    opened = []
    monkeypatch.setattr(
        urllib.request.OpenerDirector, "open", lambda self, *args, **kwargs: opened.append(args)
    )

    content = api.get(handout_url("pump")).content

    assert "Before." in pdf_text(content) and "After." in pdf_text(content)
    assert set(asked) <= {face["url"] for face in handouts.FONT_FACES}, asked
    assert opened == []
    fonts = {
        font["/BaseFont"]
        for page in pdf_reader(content).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("Atkinson-Hyperlegible" in str(font) for font in fonts), fonts


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example/font.ttf",
        "https://evil.example/font.ttf",
        "file:///etc/passwd",
        (handouts.FONT_DIRECTORY / "OFL.txt").as_uri(),
        (handouts.FONT_DIRECTORY / ".." / "handouts.py").as_uri(),
        handouts.FONT_FACES[0]["url"] + "/../../handouts.py",
        "data:text/css,body{}",
    ],
)
def test_the_fetcher_refuses_any_url_but_the_fonts(url, monkeypatch):
    opened = []
    monkeypatch.setattr(
        urllib.request.OpenerDirector, "open", lambda self, *args, **kwargs: opened.append(args)
    )
    fetcher = handouts._fonts_only_fetcher_class()()

    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert opened == []
    assert fetcher.fetch(handouts.FONT_FACES[0]["url"]).read()[:4] == b"\x00\x01\x00\x00"


# --- The staff preview -----------------------------------------------------------------------------


def test_staff_print_the_working_copy_of_their_clinics_articles_only(client):
    a, b = make_clinic(), make_clinic()
    wendy = make_staff(clinic=a)["wendy"]
    own = make_draft(clinic=a, title="Our own draft", sections=2)
    theirs = make_draft(clinic=b, title="Their secret draft", sections=1)
    client.force_login(wendy)

    mine, other = client.get(preview_handout_url(own)), client.get(preview_handout_url(theirs))

    assert mine.status_code == 200
    assert mine["Content-Type"] == "application/pdf"
    assert "no-store" in mine["Cache-Control"]
    text = pdf_text(mine.content)
    assert "Our own draft" in text and "Section 2" in text
    assert "Preview: not yet approved" in text
    assert other.status_code == 404
    assert b"Their secret draft" not in other.content


def test_the_staff_preview_shows_unapproved_edits_and_large_print(client):
    article = realistic_article()
    Section.objects.filter(article=article, position=1).update(heading="A heading still in review")
    client.force_login(make_staff(clinic=article.clinic)["rahul"])

    standard = client.get(preview_handout_url(article))
    large = client.get(preview_handout_url(article) + "?size=large")

    assert "A heading still in review" in pdf_text(standard.content)
    assert qr_codes(standard.content) == ["http://localhost:3000/articles/intrathecal-pump"]
    assert statistics.mean(body_sizes(large.content, "usual activities")) == 18.0


def test_anonymous_visitors_are_sent_to_log_in_for_the_preview(client):
    article = make_draft(title="Secret draft")

    response = client.get(preview_handout_url(article))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_article_page_links_to_its_handout(staff_client):
    article = make_pump()

    page = staff_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()

    assert f'href="{preview_handout_url(article)}" id="print-handout" target="_blank"' in page
