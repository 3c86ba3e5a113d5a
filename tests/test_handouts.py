"""Printable handouts (issue 17, point 3): ``GET /api/v1/articles/{slug}/handout.pdf`` for the live
version (api/handouts.py), and the admin's "Print handout" for the working copy
(articles/handouts.py). The PDF is read back as a reader would: its text with pypdf, its QR code
decoded by zxing-cpp from the page rendered to pixels by pypdfium2, its type sizes, its language and
its structure tree."""

import datetime
import io
import statistics

import pypdf
import pypdfium2
import pytest
import zxingcpp
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
    text = pdf_text(response.content)
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
        assert expected in text, expected
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
    phrase = "You keep doing most of your usual activities."
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
