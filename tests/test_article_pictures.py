"""Pictures in articles (issue 16, point 3): a lead image and figures inside sections, stored as
references to the clinic's library; the API's image objects with src and srcset of renditions;
figures made by us in the section HTML; JSON-LD images; a publication keeps the picture versions it
was approved with; pictures patients can see cannot be deleted."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import ProtectedError
from django.urls import reverse
from PIL import Image as PILImage

from api.models import PublicArticle
from articles import figures, snapshots
from articles.models import Article, Section
from articles.rich_text import sanitize_rich_text
from media_library.models import Image, Rendition
from media_library.renditions import make_renditions
from tests.factories import (
    image_bytes,
    make_article,
    make_clinic,
    make_image,
    make_section,
    make_staff,
    republish,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def run_worker():
    """What the worker does after each upload commits (the test's transaction never commits)."""
    for image_id in Image.objects.values_list("pk", flat=True):
        make_renditions.call(image_id)


def figure(image, alt=None, caption=None) -> str:
    alt_attribute = f' alt="{alt}"' if alt is not None else ""
    caption_html = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure><img src="/x.png"{alt_attribute} data-file="{image.pk}">{caption_html}</figure>'


def article_with_pictures(clinic=None, **fields):
    """A live article with a lead image and one figure (the writer's alt and caption)."""
    clinic = clinic or make_clinic(slug="wabash")
    lead = make_image(
        clinic=clinic,
        data=image_bytes(size=(2000, 1000), image_format="JPEG"),
        alt_text="A nurse smiles at a patient in a bright clinic room.",
        caption="Our clinic in Lafayette.",
        credit="Photo: Wabash Pain Center",
        focal_x=0.3,
        focal_y=0.4,
    )
    diagram = make_image(
        clinic=clinic, data=image_bytes(size=(800, 600)), alt_text="Library alt for the diagram."
    )
    article = make_article(clinic=clinic, slug="pump", lead_image=lead, **fields)
    make_section(
        article=article,
        heading="Where the pump goes",
        body="<p>The pump sits under the skin.</p>"
        + figure(
            diagram,
            alt="The pump under the skin of the belly, a thin tube to the spine.",
            caption="Where it goes",
        ),
    )
    republish(article)
    return article, lead, diagram


def detail(client, slug="pump"):
    response = client.get(f"/api/v1/articles/{slug}/")
    assert response.status_code == 200, response.content
    return response


# The stored form ---------------------------------------------------------------------------------


def test_the_stored_figure_is_a_reference_and_pasted_pictures_are_dropped():
    stored = sanitize_rich_text(
        '<p>Text</p><figure class="figure"><img src="https://evil.example/x.png" alt="The pump" '
        'data-file="42" onerror="alert(1)"><figcaption class="figure-caption">Where it goes</figcaption>'
        '</figure><p><img src="data:image/png;base64,AAAA"> pasted</p><img src="https://hotlink.example/a.jpg">'
    )
    assert "evil.example" not in stored and "hotlink" not in stored and "data:" not in stored
    assert "onerror" not in stored and "class=" not in stored
    assert figures.references(stored) == [figures.FigureRef(42, "The pump", "Where it goes")]
    assert sanitize_rich_text(stored) == stored  # saving again changes nothing


def test_a_picture_inside_a_paragraph_moves_after_it_and_no_text_is_lost():
    stored = sanitize_rich_text(
        '<p>Before <img data-file="7" alt="Pump"> after</p>'
        "<figure><figcaption>Lost caption</figcaption></figure>"
    )
    assert stored.startswith("<p>Before  after</p><figure>")
    assert "<p>Lost caption</p>" in stored
    assert [ref.image_id for ref in figures.references(stored)] == [7]
    assert sanitize_rich_text(stored) == stored


def test_a_body_that_is_only_a_picture_is_kept():
    assert figures.references(sanitize_rich_text('<img data-file="3">')) == [figures.FigureRef(3, None, None)]


@pytest.mark.parametrize("value", ["", "abc", "0", "-1", "1e3", "99999999999999999999999"])
def test_a_picture_without_a_library_id_is_dropped(value):
    assert sanitize_rich_text(f'<p>x</p><img data-file="{value}" alt="a">') == "<p>x</p>"


# The API ----------------------------------------------------------------------------------------


def test_the_lead_image_in_list_and_detail_before_renditions_exist(client):
    article, lead, _ = article_with_pictures()
    item = client.get("/api/v1/articles/").json()["results"][0]
    shown = detail(client).json()
    assert item["lead_image"] == shown["lead_image"]
    image = shown["lead_image"]
    assert image["alt"] == lead.alt_text
    assert (image["caption"], image["credit"]) == ("Our clinic in Lafayette.", "Photo: Wabash Pain Center")
    assert (image["width"], image["height"]) == (2000, 1000)
    assert image["focal_point"] == {"x": 0.3, "y": 0.4}
    # No renditions yet: the stored (re-encoded) file itself.
    assert image["src"] == f"http://testserver/media/{lead.file.name}"
    assert image["srcset"] == f"http://testserver/media/{lead.file.name} 2000w"
    assert image["sources"] == []
    assert shown["language"] == "en"


def test_renditions_reach_the_published_json_when_the_worker_makes_them(client):
    article, lead, diagram = article_with_pictures()
    before = detail(client)
    run_worker()  # the renditions, enqueued on upload
    after = detail(client)
    assert after["ETag"] != before["ETag"]
    image = after.json()["lead_image"]
    jpegs = Rendition.objects.filter(image=lead, kind="width", format="jpeg").order_by("width")
    assert [r.width for r in jpegs] == [320, 640, 960, 1280, 1920, 2000]
    assert image["srcset"] == ", ".join(f"http://testserver/media/{r.file.name} {r.width}w" for r in jpegs)
    assert image["src"] == f"http://testserver/media/{jpegs.get(width=1280).file.name}"
    assert [source["type"] for source in image["sources"]][-1] == "image/webp"
    webp = Rendition.objects.filter(image=lead, kind="width", format="webp").order_by("width")
    assert (
        image["sources"][-1]["srcset"].split(", ")[0] == f"http://testserver/media/{webp[0].file.name} 320w"
    )
    # The list item too (its lead image), from the stored JSON.
    assert client.get("/api/v1/articles/").json()["results"][0]["lead_image"] == image
    # Every address in the srcset is a real file of the width it says.
    for entry in image["srcset"].split(", "):
        address, width = entry.rsplit(" ", 1)
        with default_storage.open(address.removeprefix("http://testserver/media/")) as file:
            assert PILImage.open(io.BytesIO(file.read())).width == int(width.removesuffix("w"))


def test_section_html_carries_our_figure_with_srcset_sizes_and_the_writers_alt(client):
    article, lead, diagram = article_with_pictures()
    run_worker()
    body = detail(client).json()["sections"][0]["body"]
    assert body.startswith("<p>The pump sits under the skin.</p><figure><picture>")
    img = re.search(r"<img [^>]*>", body)[0]
    assert 'alt="The pump under the skin of the belly, a thin tube to the spine."' in img
    assert 'sizes="(min-width: 48rem) 48rem, 100vw"' in img
    assert 'width="800" height="600"' in img and 'loading="lazy"' in img
    jpegs = Rendition.objects.filter(image=diagram, kind="width", format="jpeg").order_by("width")
    assert f'srcset="{", ".join(f"http://testserver/media/{r.file.name} {r.width}w" for r in jpegs)}"' in img
    assert '<source type="image/webp"' in body
    assert body.endswith("<figcaption>Where it goes</figcaption></figure>")
    assert "/admin/" not in body and "data-file" not in body


def test_a_figure_without_its_own_alt_uses_the_librarys_and_a_decorative_one_is_empty(client):
    clinic = make_clinic(slug="wabash")
    described = make_image(clinic=clinic, alt_text="Library description.", credit="Drawing: Careleaf")
    decorative = make_image(clinic=clinic, alt_text="", is_decorative=True)
    article = make_article(clinic=clinic, slug="pump")
    make_section(article=article, body="<p>x</p>" + figure(described) + figure(decorative, alt=""))
    republish(article)
    body = detail(client).json()["sections"][0]["body"]
    alts = re.findall(r'<img [^>]*?alt="([^"]*)"', body)
    assert alts == ["Library description.", ""]
    assert "<figcaption><small>Drawing: Careleaf</small></figcaption>" in body


def test_another_clinics_picture_is_never_shown(client):
    article, lead, _ = article_with_pictures()
    stranger = make_image(clinic=make_clinic(), alt_text="Another clinic's private photo.")
    section = article.sections.get()
    section.body += figure(stranger, alt="Sneaky")
    section.save()
    republish(article)
    shown = detail(client).json()
    assert "Sneaky" not in shown["sections"][0]["body"]
    assert stranger.file.name not in str(shown)


def test_jsonld_has_the_images_and_the_language(client):
    article, lead, diagram = article_with_pictures()
    page = detail(client).json()["jsonld"]["@graph"][0]
    assert page["inLanguage"] == "en-US"
    assert [node["width"] for node in page["image"]] == [2000, 800]
    assert page["primaryImageOfPage"] == page["image"][0]
    assert page["image"][0]["description"] == lead.alt_text
    assert page["image"][0]["creditText"] == "Photo: Wabash Pain Center"
    assert page["image"][1]["contentUrl"].startswith("http://testserver/media/")
    # A figure is described with the alt text the writer kept at insertion.
    assert (
        page["image"][1]["description"] == "The pump under the skin of the belly, a thin tube to the spine."
    )


def test_an_article_without_pictures_has_a_null_lead_image(client):
    make_article(slug="plain", sections=1)
    shown = detail(client, "plain").json()
    assert shown["lead_image"] is None
    assert "image" not in shown["jsonld"]["@graph"][0]


# A publication keeps what was approved --------------------------------------------------------


def test_a_publication_keeps_the_alt_text_and_caption_it_was_approved_with(client):
    article, lead, diagram = article_with_pictures()
    approved = detail(client).json()
    lead.alt_text = "A new description nobody has reviewed."
    lead.caption = "New caption"
    lead.save()
    diagram.alt_text = "Changed library alt."
    diagram.save()
    # A vocabulary change renders the stored JSON again: still the approved picture texts.
    article.clinic.name = "Wabash Pain Center"
    article.clinic.save()
    shown = detail(client).json()
    assert shown["lead_image"] == approved["lead_image"]
    assert shown["sections"] == approved["sections"]
    # The next approval shows the new texts.
    republish(article)
    assert detail(client).json()["lead_image"]["alt"] == "A new description nobody has reviewed."


def test_a_picture_patients_can_see_cannot_be_deleted_until_its_publication_ends(client):
    article, lead, diagram = article_with_pictures()
    assert set(PublicArticle.objects.get().images.values_list("pk", flat=True)) == {lead.pk, diagram.pk}
    with pytest.raises(ProtectedError):
        diagram.delete()
    # The working copy drops the figure and a new version goes live: the old one ended, so it can go.
    section = article.sections.get()
    section.body = "<p>No picture now.</p>"
    section.save()
    republish(article)
    diagram.delete()
    assert not Image.objects.filter(pk=diagram.pk).exists()


def test_the_admin_refuses_to_delete_a_picture_patients_see(client):
    article, lead, diagram = article_with_pictures()
    client.force_login(make_staff(article.clinic)["cora"])
    url = reverse("admin:media_library_image_delete", args=[diagram.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in response.content.decode()
    assert Image.objects.filter(pk=diagram.pk).exists()


# The admin: lead image, picker, picture -----------------------------------------------------------


def test_the_lead_image_must_come_from_the_articles_clinic():
    clinic = make_clinic()
    article = make_article(clinic=clinic, status=Article.Status.DRAFT)
    article.lead_image = make_image(clinic=make_clinic())
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "image library" in str(error.value)
    article.lead_image = make_image(clinic=clinic)
    article.full_clean()


def test_the_picker_lists_only_the_users_clinics_pictures(client):
    mine, theirs = make_clinic(), make_clinic()
    own = make_image(clinic=mine, alt_text="Our waiting room.")
    other = make_image(clinic=theirs, alt_text="Their waiting room.")
    client.force_login(make_staff(mine)["wendy"])
    page = client.get(reverse("admin:media_library_image_choose"), {"CKEditorFuncNum": "-1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-image-id="{own.pk}"' in html and 'data-alt="Our waiting room."' in html
    assert f'data-image-id="{other.pk}"' not in html
    assert 'data-callback="-1"' in html
    # The picture address the editor stores: for the user's own images only.
    assert client.get(reverse("admin:media_library_image_picture", args=[own.pk])).status_code == 302
    assert client.get(reverse("admin:media_library_image_picture", args=[other.pk])).status_code == 404


def test_the_picture_address_redirects_to_a_rendition_once_made(client):
    clinic = make_clinic()
    image = make_image(clinic=clinic, data=image_bytes(size=(1000, 500), image_format="JPEG"))
    client.force_login(make_staff(clinic)["wendy"])
    url = reverse("admin:media_library_image_picture", args=[image.pk])
    assert client.get(url)["Location"] == f"/media/{image.file.name}"
    run_worker()
    rendition = Rendition.objects.get(image=image, kind="width", format="jpeg", width=640)
    assert client.get(url)["Location"] == f"/media/{rendition.file.name}"


def test_the_section_editor_offers_figures_from_the_library(client):
    clinic = make_clinic()
    client.force_login(make_staff(clinic)["wendy"])
    page = client.get(reverse("admin:articles_article_add")).content.decode()
    assert '"Figure":{"pickerUrl":"/admin/media_library/image/choose/"}' in page.replace("&quot;", '"')


def test_the_working_copy_snapshot_and_a_publication_name_the_same_pictures():
    article, lead, diagram = article_with_pictures()
    working = snapshots.of_working_copy(article)
    assert working.image_ids() == [lead.pk, diagram.pk]
    frozen = snapshots.from_content(article.publications.order_by("-pk")[0].content)
    assert set(frozen.images) == {lead.pk, diagram.pk}
    assert frozen.images[lead.pk].alt_text == lead.alt_text
    assert Section.objects.get(article=article).body.count("<figure>") == 1


# Query budgets: pictures cost the same whatever their number ----------------------------------


def queries(callable_) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def article_with_figures(count: int, slug: str):
    clinic = make_clinic()
    article = make_article(clinic=clinic, slug=slug, lead_image=make_image(clinic=clinic))
    images = [make_image(clinic=clinic) for _ in range(count)]
    make_section(article=article, body="<p>Call us.</p>" + "".join(figure(image) for image in images))
    for image in images:
        make_renditions.call(image.pk)
    republish(article)
    return article


def test_rendering_and_previews_cost_the_same_queries_for_one_picture_or_eight(client, django_user_model):
    from api import publications
    from articles import previews
    from articles.models import Publication

    editor = django_user_model.objects.create_superuser("boss", "b@clinic.example", "long-Pass-9921")
    one, eight = article_with_figures(1, "one"), article_with_figures(8, "eight")

    def render(article):
        publication = Publication.objects.filter(article=article).order_by("-pk")[0]
        return lambda: publications.render(Publication.objects.filter(pk=publication.pk))

    assert queries(render(one)) == queries(render(eight))

    def preview(article):
        token = previews.token_for(previews.create_link(article, by=editor))
        return lambda: client.get(f"/api/v1/preview/{token}/")

    assert (
        client.get(f"/api/v1/preview/{previews.token_for(previews.create_link(one, by=editor))}/").status_code
        == 200
    )
    assert queries(preview(one)) == queries(preview(eight))
    # The public detail and list read stored JSON: no query per picture either.
    assert queries(lambda: detail(client, "one")) == queries(lambda: detail(client, "eight"))
