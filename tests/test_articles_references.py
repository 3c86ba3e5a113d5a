"""An article's references (sources) and contraindications: validated, ordered, in the API."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Contraindication, Reference
from tests.admin_forms import add_rows, form_data
from tests.factories import make_article, make_draft, republish

pytestmark = pytest.mark.django_db


def reference(**fields) -> Reference:
    return Reference(article=make_draft(), title="A source", **fields)


@pytest.mark.parametrize(
    ("fields", "link"),
    [
        ({"url": "https://medlineplus.gov/chronicpain.html"}, "https://medlineplus.gov/chronicpain.html"),
        ({"doi": "10.1111/ner.12538"}, "https://doi.org/10.1111/ner.12538"),
        ({"doi": "https://doi.org/10.1111/ner.12538"}, "https://doi.org/10.1111/ner.12538"),
        ({"doi": "doi:10.1111/ner.12538"}, "https://doi.org/10.1111/ner.12538"),
        ({"pubmed_id": "28042904"}, "https://pubmed.ncbi.nlm.nih.gov/28042904/"),
        ({"pubmed_id": "PMID: 28042904"}, "https://pubmed.ncbi.nlm.nih.gov/28042904/"),
        ({"url": "https://example.org/paper", "doi": "10.1000/xyz"}, "https://example.org/paper"),
    ],
)
def test_a_reference_links_to_its_address_doi_or_pubmed_page(fields, link):
    source = reference(**fields)
    source.save()

    assert Reference.objects.get(pk=source.pk).link == link


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "url", "web address, DOI or PubMed ID"),
        ({"url": "javascript:alert(1)"}, "url", "https://"),
        ({"url": "data:text/html,<script>alert(1)</script>"}, "url", "https://"),
        ({"url": "//evil.example/x"}, "url", "https://"),
        ({"url": "http://127.0.0.1/admin"}, "url", "local or private"),
        ({"url": "https://localhost/"}, "url", "local or private"),
        ({"doi": "11.1000/xyz"}, "doi", "10."),
        ({"doi": "10.1000"}, "doi", "10."),
        ({"pubmed_id": "12ab"}, "pubmed_id", "number"),
        ({"pubmed_id": "0"}, "pubmed_id", "number"),
        ({"url": "https://example.org/", "accessed_on": datetime.date(2999, 1, 1)}, "accessed_on", "future"),
    ],
)
def test_invalid_references_are_refused_whatever_path_saves_them(fields, field, message):
    source = reference(**fields)

    with pytest.raises(ValidationError) as refused:
        source.save()

    assert message in " ".join(refused.value.message_dict[field])
    assert not Reference.objects.exists()


def test_references_and_contraindications_are_returned_in_the_editors_order(api):
    article = make_article(slug="pump")
    for position in (3, 1, 2):
        Reference.objects.create(
            article=article, position=position, title=f"Source {position}", pubmed_id=str(position)
        )
        Contraindication.objects.create(article=article, position=position, text=f"Reason {position}")
    republish(article)

    body = api.get("/api/v1/articles/pump/").json()

    assert [source["title"] for source in body["references"]] == ["Source 1", "Source 2", "Source 3"]
    assert body["contraindications"] == ["Reason 1", "Reason 2", "Reason 3"]
    assert [c["name"] for c in body["jsonld"]["@graph"][0]["citation"]] == [
        "Source 1",
        "Source 2",
        "Source 3",
    ]


def test_editing_a_reference_updates_the_public_detail_after_approval(api):
    article = make_article(slug="pump")
    source = Reference.objects.create(article=article, title="Old title", pubmed_id="1")
    republish(article)
    assert api.get("/api/v1/articles/pump/").json()["references"][0]["title"] == "Old title"

    source.title = "New title"
    source.save()

    # A change to the working copy: patients still read the approved version.
    before = api.get("/api/v1/articles/pump/").json()
    assert before["references"][0]["title"] == "Old title"
    assert [c["name"] for c in before["jsonld"]["@graph"][0]["citation"]] == ["Old title"]

    republish(article)

    after = api.get("/api/v1/articles/pump/").json()
    assert after["references"][0]["title"] == "New title"
    assert [c["name"] for c in after["jsonld"]["@graph"][0]["citation"]] == ["New title"]


# --- Admin -------------------------------------------------------------------------------------------


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def test_staff_add_references_contraindications_and_a_treatment_in_the_article_form(staff_client):
    article = make_draft(slug="pump")
    data = form_data(staff_client.get(change_url(article)))
    data |= {"treatment_type": "therapy", "treatment_name": "Intrathecal drug delivery"}
    add_rows(
        data,
        "references",
        [
            {"position": "2", "title": "MedlinePlus", "url": "https://medlineplus.gov/chronicpain.html"},
            {"position": "1", "title": "PACC 2017", "doi": "10.1111/ner.12538", "accessed_on": "2026-11-20"},
        ],
    )
    add_rows(data, "contraindications", [{"position": "1", "text": "An infection that is not treated."}])

    response = staff_client.post(change_url(article), data)

    assert response.status_code == 302
    article = Article.objects.get(pk=article.pk)
    assert (article.treatment_type, article.treatment_name) == ("therapy", "Intrathecal drug delivery")
    assert list(article.references.values_list("title", "doi", "accessed_on")) == [
        ("PACC 2017", "10.1111/ner.12538", datetime.date(2026, 11, 20)),
        ("MedlinePlus", "", None),
    ]
    assert list(article.contraindications.values_list("text", flat=True)) == [
        "An infection that is not treated."
    ]


@pytest.mark.parametrize(
    "row",
    [
        {"title": "Bad link", "url": "javascript:alert(document.cookie)"},
        {"title": "Nothing to follow"},
        {"title": "Bad DOI", "doi": "not-a-doi"},
    ],
)
def test_a_bad_reference_in_the_admin_form_is_an_error_and_nothing_is_saved(staff_client, row):
    article = make_draft(slug="pump", title="Before")
    updated_at = article.updated_at
    data = form_data(staff_client.get(change_url(article)))
    data["title"] = "After"
    add_rows(data, "references", [{"position": "1", **row}])

    response = staff_client.post(change_url(article), data)

    assert response.status_code == 200
    assert response.context["errors"]
    article = Article.objects.get(pk=article.pk)
    assert (article.title, article.updated_at) == ("Before", updated_at)
    assert not Reference.objects.exists()


def test_a_treatment_needs_both_a_type_and_a_name(staff_client):
    article = make_draft(slug="pump")
    data = form_data(staff_client.get(change_url(article)))
    data |= {"treatment_type": "therapy", "treatment_name": ""}

    response = staff_client.post(change_url(article), data)

    assert response.status_code == 200
    assert "Give the treatment both a type and a name, or neither." in response.content.decode()
    assert Article.objects.get(pk=article.pk).treatment_type == ""


def test_accessed_dates_of_today_are_accepted():
    source = reference(url="https://example.org/", accessed_on=timezone.localdate())
    source.save()

    assert Reference.objects.get(pk=source.pk).accessed_on == timezone.localdate()
