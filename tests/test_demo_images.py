"""The demo's drawings (articles/management/commands/_demo_images.py) and how load_demo puts them in
the demo clinic's library and in the intrathecal pump article."""

import io

import pytest
import reversion
from django.core.management import call_command
from PIL import Image as PILImage
from reversion.models import Version

from articles import figures, snapshots
from articles.management.commands import _demo_content as demo
from articles.management.commands import _demo_images as drawings
from articles.models import Article
from articles.states import State
from media_library.models import Image

SLUG = "intrathecal-pump-implant"
SPEC = demo.PICTURES[SLUG]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _decode(data: bytes) -> PILImage.Image:
    picture = PILImage.open(io.BytesIO(data))
    assert picture.format == "PNG"
    return picture.convert("RGB")


def _pixels_near(picture, colour, box=None, tolerance=24) -> int:
    region = picture.crop(box) if box else picture
    return sum(
        count
        for count, pixel in region.getcolors(maxcolors=region.width * region.height)
        if all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))
    )


def _dark_pixels(picture, box) -> int:
    region = picture.crop(box)
    return sum(
        count for count, pixel in region.getcolors(maxcolors=region.width * region.height) if max(pixel) < 90
    )


@pytest.fixture(scope="module")
def diagram():
    return _decode(drawings.pump_diagram())


@pytest.fixture(scope="module")
def banner():
    return _decode(drawings.pump_lead_image())


# --- The drawings -----------------------------------------------------------------------------------


def test_the_diagram_is_a_large_flat_colour_drawing_of_the_body_the_pump_and_the_spine(diagram):
    assert diagram.size == (1600, 1000)
    assert len(diagram.getcolors(maxcolors=1_000_000)) > 50
    for part in (drawings.SKIN, drawings.SKIN_LINE, drawings.BONE, drawings.FLUID, drawings.CORD):
        assert _pixels_near(diagram, part) > 2_000, part
    assert _pixels_near(diagram, drawings.TUBE) > 3_000  # the catheter
    assert _pixels_near(diagram, drawings.PUMP) > 3_000


# Where each label's text is (left of the body: skin, pump, tube; right of it: cord, space, backbone).
LABEL_AREAS = {
    "title": (40, 20, 700, 120),
    "Skin": (40, 265, 140, 310),
    "Pump (under the skin of the belly)": (40, 478, 300, 600),
    "Thin tube (catheter)": (40, 878, 380, 925),
    "Spinal cord": (1210, 178, 1420, 225),
    "Space around the spinal cord (intrathecal space)": (1210, 358, 1560, 500),
    "Backbone (vertebrae)": (1210, 698, 1420, 790),
}


@pytest.mark.parametrize("label", LABEL_AREAS)
def test_the_diagram_has_dark_label_text_on_white(diagram, label):
    box = LABEL_AREAS[label]
    area = (box[2] - box[0]) * (box[3] - box[1])
    dark = _dark_pixels(diagram, box)
    white = _pixels_near(diagram, (255, 255, 255), box, tolerance=8)
    assert dark > 0.04 * area, label  # text, not an empty card
    assert white > 0.4 * area, label  # on a white card: high contrast


def test_between_the_labels_the_margin_is_empty(diagram):
    assert _dark_pixels(diagram, (40, 150, 300, 230)) == 0
    assert _dark_pixels(diagram, (1250, 560, 1580, 660)) == 0


def test_the_banner_is_a_calm_picture_with_the_pump_at_its_focal_point(banner):
    assert banner.size == (1920, 1080)
    assert len(banner.getcolors(maxcolors=1_000_000)) > 50
    x, y = drawings.LEAD_FOCAL_POINT
    assert 0 < x < 1 and 0 < y < 1
    # The pump's refill port is at the focal point; no text or dark areas anywhere.
    centre = banner.getpixel((round(x * banner.width), round(y * banner.height)))
    assert all(abs(a - b) <= 12 for a, b in zip(centre, (96, 132, 150), strict=True))
    assert _pixels_near(banner, (140, 110, 190)) > 5_000  # the tube
    assert _dark_pixels(banner, (0, 0, banner.width, banner.height)) == 0


def test_the_drawings_are_the_same_each_time():
    # Drawn again (not from the cache), byte for byte the same.
    assert drawings.pump_diagram.__wrapped__() == drawings.pump_diagram()
    assert drawings.pump_lead_image.__wrapped__() == drawings.pump_lead_image()


# --- load_demo --------------------------------------------------------------------------------------


def _demo_images():
    return Image.objects.filter(clinic__slug=demo.CLINIC["slug"])


def _pictures_of(article):
    section = article.sections.get(heading=SPEC["figures"][0]["section"])
    return article.lead_image, figures.references(section.body), section


@pytest.mark.django_db
def test_load_demo_gives_the_pump_article_a_lead_image_and_a_figure_once(capsys):
    call_command("load_demo")
    call_command("load_demo")
    assert "nothing changed" in capsys.readouterr().out

    assert _demo_images().count() == 2
    article = Article.objects.get(slug=SLUG)
    lead, refs, section = _pictures_of(article)
    assert lead.alt_text == SPEC["lead_image"]["alt_text"]
    assert lead.caption == SPEC["lead_image"]["caption"]
    assert lead.credit == "Drawing: Careleaf demo"
    assert (lead.focal_x, lead.focal_y) == pytest.approx(drawings.LEAD_FOCAL_POINT, abs=0.001)
    assert (lead.width, lead.height, lead.format) == (1920, 1080, "PNG")

    [figure] = refs
    diagram = Image.objects.get(pk=figure.image_id)
    assert figure.alt is None  # the library's alt text applies
    assert figure.caption_html == SPEC["figures"][0]["caption"]
    assert diagram.alt_text == SPEC["figures"][0]["alt_text"]
    assert (diagram.width, diagram.height, diagram.credit) == (1600, 1000, "Drawing: Careleaf demo")
    assert section.body.endswith("</figure>")
    assert "hockey puck" in section.body  # the section's text is kept, the figure after it

    for image in (lead, diagram):
        image.full_clean()  # valid as the admin would save it (alt text length, focal point)
        assert not image.alt_text.lower().startswith(("image", "picture", "drawing"))
    body = section.body
    section.save()
    assert section.body == body  # stored in the canonical form already


@pytest.mark.django_db
def test_the_live_version_of_the_pump_article_shows_both_pictures(api):
    call_command("load_demo")
    article = Article.objects.get(slug=SLUG)
    lead, [figure], _ = _pictures_of(article)

    publication = article.publications.visible().get()
    live = snapshots.from_content(publication.content)
    assert live.article.lead_image_id == lead.pk
    assert set(live.images) == {lead.pk, figure.image_id}
    assert Version.objects.get_for_object(article).count() == 1  # in the demo's one approved version

    detail = api.get(f"/api/v1/articles/{SLUG}/").json()
    assert detail["lead_image"]["alt"] == lead.alt_text
    assert detail["lead_image"]["credit"] == "Drawing: Careleaf demo"
    assert detail["lead_image"]["focal_point"] == {"x": lead.focal_x, "y": lead.focal_y}
    first_section = detail["sections"][0]
    assert Image.objects.get(pk=figure.image_id).alt_text in str(first_section)
    assert SPEC["figures"][0]["caption"] in str(first_section)


@pytest.mark.django_db
def test_a_demo_loaded_before_the_pictures_gets_them_edited_in_and_published_again(monkeypatch):
    monkeypatch.setattr(demo, "PICTURES", {})
    call_command("load_demo")
    article = Article.objects.get(slug=SLUG)
    first = article.publications.visible().get()
    assert article.lead_image is None and not _demo_images().exists()

    monkeypatch.setattr(demo, "PICTURES", {SLUG: SPEC})
    call_command("load_demo")
    call_command("load_demo")

    article.refresh_from_db()
    assert _demo_images().count() == 2
    lead, [figure], _ = _pictures_of(article)
    assert lead is not None
    assert article.status == Article.Status.PUBLISHED
    steps = list(article.transitions.order_by("at", "pk").values_list("action", "to_state"))
    assert steps == [("publish", State.LIVE), ("edit", State.LIVE_WITH_CHANGES), ("publish", State.LIVE)]
    assert [v.revision.comment for v in Version.objects.get_for_object(article)] == [
        "Approved and published (now)",
        "Demo content: pictures added",
        "Demo content",
    ]
    live = article.publications.visible().get()
    assert live.pk != first.pk
    assert set(snapshots.from_content(live.content).images) == {lead.pk, figure.image_id}
    assert live.published_at == first.published_at  # the first publication date is kept


@pytest.mark.django_db
def test_an_article_staff_edited_since_does_not_get_the_pictures(monkeypatch, capsys):
    monkeypatch.setattr(demo, "PICTURES", {})
    call_command("load_demo")
    article = Article.objects.get(slug=SLUG)
    with reversion.create_revision():
        article.summary = "Our own summary."
        article.save()
    monkeypatch.setattr(demo, "PICTURES", {SLUG: SPEC})
    capsys.readouterr()

    call_command("load_demo")

    assert not _demo_images().exists()
    article.refresh_from_db()
    assert (article.lead_image, article.summary) == (None, "Our own summary.")
    assert "nothing changed" in capsys.readouterr().out


@pytest.mark.django_db
def test_pictures_staff_took_out_of_the_article_are_not_brought_back():
    call_command("load_demo")
    article = Article.objects.get(slug=SLUG)
    lead, [figure], section = _pictures_of(article)
    with reversion.create_revision():
        section.body = section.body.split("<figure>")[0]
        section.save()
        article.lead_image = None
        article.save()

    call_command("load_demo")

    assert _demo_images().count() == 2
    article.refresh_from_db()
    assert article.lead_image is None
    assert figures.references(article.sections.get(pk=section.pk).body) == []
