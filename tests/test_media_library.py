"""The image library: every upload is checked by content and stored re-encoded (media_library/uploads.py),
images need alt text or an explicit "decorative", and each clinic's staff see and fill only their
clinics' libraries. Every file here is made in the test with Pillow."""

import hashlib
import io
import struct
import time
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from PIL import ExifTags
from PIL import Image as PILImage

from media_library.admin import ImageAdminForm
from media_library.models import Image
from media_library.uploads import process_upload
from tests.factories import image_bytes, make_clinic, make_image, make_staff

pytestmark = pytest.mark.django_db

ADD = reverse("admin:media_library_image_add")
CHANGELIST = reverse("admin:media_library_image_changelist")
HTML = b"<html><script>alert(document.cookie)</script></html>"
FORMATS = [
    "JPEG",
    "PNG",
    "WEBP",
    # The pinned Pillow (constraints.txt) reads and writes AVIF: a Pillow without it fails here.
    "AVIF",
]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(data: bytes, name: str = "picture.png"):
    return process_upload(SimpleUploadedFile(name, data, content_type="image/png"))


def refused(data: bytes, name: str = "picture.png") -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        upload(data, name)
    return caught.value


def stored(image: Image) -> bytes:
    with default_storage.open(image.file.name) as file:
        return file.read()


def with_png_size(data: bytes, width: int, height: int) -> bytes:
    """``data`` (a PNG) with its header claiming ``width`` × ``height`` (and a valid checksum)."""
    ihdr = data[12:29]
    fields = struct.pack(">II", width, height) + ihdr[12:]
    chunk = b"IHDR" + fields
    return data[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + data[33:]


@pytest.mark.parametrize("image_format", FORMATS)
def test_each_allowed_format_is_stored_re_encoded_in_its_format(image_format, media_root):
    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    data = image_bytes(size=(64, 48), image_format=image_format, exif=exif)
    assert b"PhoneMaker" in data
    image = make_image(data=data, name="photo.bin")

    saved = stored(image)
    assert b"PhoneMaker" not in saved
    assert (image.width, image.height, image.format, image.byte_size) == (64, 48, image_format, len(saved))
    assert image.file.name.startswith(f"images/{image.clinic_id}/")
    assert image.file.name.endswith("." + {"JPEG": "jpg"}.get(image_format, image_format.lower()))
    assert (media_root / image.file.name).is_file()
    with PILImage.open(io.BytesIO(saved)) as reopened:
        assert (reopened.format, reopened.size) == (image_format, (64, 48))


def test_a_decompression_bomb_is_refused_from_its_header_fast():
    bomb = with_png_size(image_bytes(size=(1, 1)), 100_000, 100_000)
    assert len(bomb) < 200

    started = time.monotonic()
    error = refused(bomb)

    assert time.monotonic() - started < 1
    assert error.code == "too_many_pixels"
    assert "at most 40 megapixels" in error.messages[0]


def test_a_huge_dimension_in_a_tiny_file_is_refused_at_the_limit(settings):
    settings.IMAGE_MAX_PIXELS = 1_000_000
    tiny = image_bytes(size=(1, 1))

    error = refused(with_png_size(tiny, 20_000, 51))

    assert error.code == "too_many_pixels"
    assert "20000 × 51 pixels" in error.messages[0]


def test_a_jpeg_carrying_html_in_a_comment_is_stored_without_it():
    polyglot = image_bytes(image_format="JPEG", comment=HTML)
    assert HTML in polyglot

    image = make_image(data=polyglot, name="photo.html")

    saved = stored(image)
    assert b"<script" not in saved and b"<html" not in saved
    with PILImage.open(io.BytesIO(saved)) as reopened:
        assert reopened.format == "JPEG"
        assert "comment" not in reopened.info


@pytest.mark.parametrize("name", ["diagram.png", "diagram.svg"])
def test_an_svg_is_refused_whatever_its_name(name):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'

    error = refused(svg, name)

    assert error.code == "not_an_image"
    assert "not a JPEG, PNG, WebP" in error.messages[0]


def test_html_named_as_a_jpeg_is_refused():
    assert refused(HTML, "photo.jpg").code == "not_an_image"


def gps_exif(orientation: int = 1) -> PILImage.Exif:
    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (40.0, 25.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (86.0, 54.0, 30.0)
    return exif


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_exif_with_gps_is_stripped(image_format):
    data = image_bytes(image_format=image_format, exif=gps_exif())
    with PILImage.open(io.BytesIO(data)) as uploaded:
        assert uploaded.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test's file does carry a position

    image = make_image(data=data)

    with PILImage.open(io.BytesIO(stored(image))) as reopened:
        exif = reopened.getexif()
        assert ExifTags.IFD.GPSInfo not in exif
        assert exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert ExifTags.Base.Make not in exif
    assert b"PhoneMaker" not in stored(image)


def test_the_exif_orientation_is_applied_before_it_is_stripped():
    # Orientation 6: the camera was turned; the stored picture is upright, so taller than wide.
    image = make_image(data=image_bytes(size=(60, 40), image_format="JPEG", exif=gps_exif(orientation=6)))

    assert (image.width, image.height) == (40, 60)
    with PILImage.open(io.BytesIO(stored(image))) as reopened:
        assert reopened.size == (40, 60)
        assert ExifTags.Base.Orientation not in reopened.getexif()


def test_an_empty_file_is_refused():
    error = refused(b"")

    assert error.code == "empty"
    assert "empty" in error.messages[0]


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_a_truncated_file_is_refused(image_format):
    noise = PILImage.frombytes("RGB", (200, 200), hashlib.shake_256(b"noise").digest(120_000))
    buffer = io.BytesIO()
    noise.save(buffer, image_format)
    data = buffer.getvalue()

    error = refused(data[: len(data) // 2])

    assert error.code == "damaged"
    assert "cut short" in error.messages[0]


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.IMAGE_MAX_BYTES = 2_000
    noise = PILImage.frombytes("RGB", (100, 100), hashlib.shake_256(b"noise").digest(30_000))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    assert len(buffer.getvalue()) > 2_000

    error = refused(buffer.getvalue())

    assert error.code == "too_large"
    assert "larger than 2.0\xa0KB" in error.messages[0]


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_an_animated_image_is_refused(image_format):
    frames = [PILImage.new("RGB", (20, 20), color) for color in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, image_format, save_all=True, append_images=frames[1:], duration=100)

    error = refused(buffer.getvalue())

    assert error.code == "animated"


def test_a_gif_is_refused():
    assert refused(image_bytes(image_format="GIF", mode="P", color=1)).code == "not_an_image"


def test_a_cmyk_jpeg_is_stored_as_rgb():
    image = make_image(data=image_bytes(image_format="JPEG", mode="CMYK", color=(0, 255, 255, 0)))

    with PILImage.open(io.BytesIO(stored(image))) as reopened:
        assert reopened.mode == "RGB"
        red, green, blue = reopened.getpixel((5, 5))
        assert red > 200 and green < 60 and blue < 60


def test_an_rgb_png_keeps_its_transparent_colour():
    buffer = io.BytesIO()
    PILImage.new("RGB", (10, 10), (0, 255, 0)).save(buffer, "PNG", transparency=(0, 255, 0))

    image = make_image(data=buffer.getvalue())

    with PILImage.open(io.BytesIO(stored(image))) as reopened:
        assert reopened.getpixel((1, 1)) == (0, 255, 0, 0)


def test_a_palette_png_keeps_its_transparency():
    palette = PILImage.new("P", (20, 20), 0)
    palette.putpalette([255, 0, 0, 0, 0, 255])
    palette.putpixel((0, 0), 1)
    buffer = io.BytesIO()
    palette.save(buffer, "PNG", transparency=0)

    image = make_image(data=buffer.getvalue())

    with PILImage.open(io.BytesIO(stored(image))) as reopened:
        assert reopened.mode == "RGBA"
        assert reopened.getpixel((5, 5))[3] == 0
        assert reopened.getpixel((0, 0)) == (0, 0, 255, 255)


def test_a_16_bit_greyscale_png_is_not_turned_white():
    grey = PILImage.new("I;16", (10, 10), 32768)
    buffer = io.BytesIO()
    grey.save(buffer, "PNG")

    image = make_image(data=buffer.getvalue())

    with PILImage.open(io.BytesIO(stored(image))) as reopened:
        assert reopened.mode == "L"
        assert 120 <= reopened.getpixel((0, 0)) <= 135


def test_an_image_needs_alt_text_or_to_be_decorative():
    clinic = make_clinic()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_image(clinic=clinic, alt_text="", is_decorative=False)

    assert make_image(clinic=clinic, alt_text="", is_decorative=True).needs_alt_text is False
    imported = make_image(clinic=clinic, alt_text="", needs_alt_text=True)
    assert imported.needs_alt_text is True
    imported.alt_text = "The pump under the skin."
    imported.save()
    assert Image.objects.get(pk=imported.pk).needs_alt_text is False


def test_the_form_asks_for_alt_text_or_decorative():
    clinic = make_clinic()
    files = {"file": SimpleUploadedFile("p.png", image_bytes())}
    data = {"clinic": clinic.pk, "alt_text": "  ", "focal_x": 0.5, "focal_y": 0.5}

    form = ImageAdminForm(data=data, files=files)

    assert not form.is_valid()
    assert "or tick decorative" in form.errors["alt_text"][0]


@pytest.mark.parametrize("focal_x", [-0.1, 1.5])
def test_the_focal_point_lies_inside_the_picture(focal_x):
    clinic = make_clinic()
    files = {"file": SimpleUploadedFile("p.png", image_bytes())}
    data = {"clinic": clinic.pk, "alt_text": "A pump.", "focal_x": focal_x, "focal_y": 0.5}

    form = ImageAdminForm(data=data, files=files)

    assert "focal_x" in form.errors
    with pytest.raises(IntegrityError), transaction.atomic():
        make_image(clinic=clinic, focal_x=focal_x)


@pytest.fixture
def world():
    a = make_clinic(name="Wabash Pain Center", slug="wabash")
    b = make_clinic(name="Bluff Spine Clinic", slug="bluff")
    return {
        "a": a,
        "b": b,
        "a_image": make_image(clinic=a, alt_text="Wabash pump drawing"),
        "b_image": make_image(clinic=b, alt_text="Bluff catheter drawing"),
        "staff": make_staff(clinic=a, suffix="_a"),
    }


def post_image(client, clinic, **fields):
    data = {
        "clinic": clinic.pk,
        "file": SimpleUploadedFile("phone.jpg", image_bytes(image_format="JPEG", exif=gps_exif())),
        "alt_text": "The pump sits under the skin of the belly.",
        "caption": "",
        "credit": "",
        "focal_x": "0.5",
        "focal_y": "0.5",
        "_save": "Save",
    }
    return client.post(ADD, data | fields)


@pytest.mark.parametrize("username", ["wendy_a", "rahul_a", "cora_a"])
def test_a_clinics_staff_upload_to_its_library(client, world, username):
    user = world["staff"][username]
    client.force_login(user)

    response = post_image(client, world["a"])

    assert response.status_code == 302
    image = Image.objects.get(clinic=world["a"], alt_text__startswith="The pump sits")
    assert image.created_by == user
    assert (image.format, image.width, image.height) == ("JPEG", 60, 40)
    assert b"PhoneMaker" not in stored(image)


def test_a_writer_sees_only_their_clinics_images(client, world):
    client.force_login(world["staff"]["wendy_a"])

    listing = client.get(CHANGELIST)
    elsewhere = client.get(reverse("admin:media_library_image_change", args=[world["b_image"].pk]))

    assert listing.status_code == 200
    page = listing.content.decode()
    assert "Wabash pump drawing" in page and "Bluff catheter drawing" not in page
    assert f'src="/media/{world["a_image"].file.name}"' in page
    assert elsewhere.status_code == 302  # the admin's "does not exist": nothing of it is shown
    assert "Bluff" not in client.get(elsewhere.url, follow=True).content.decode()


def test_a_writer_cannot_upload_to_another_clinic(client, world, media_root):
    client.force_login(world["staff"]["wendy_a"])
    files_before = sorted(media_root.rglob("*"))

    form_page = client.get(ADD).content.decode()
    response = post_image(client, world["b"])

    assert "Bluff Spine Clinic" not in form_page and "Wabash Pain Center" in form_page
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["clinic"])
    assert not Image.objects.filter(clinic=world["b"]).exclude(pk=world["b_image"].pk).exists()
    assert sorted(media_root.rglob("*")) == files_before


def test_a_writer_cannot_change_another_clinics_image(client, world):
    client.force_login(world["staff"]["wendy_a"])
    image = world["b_image"]

    response = client.post(
        reverse("admin:media_library_image_change", args=[image.pk]),
        {"alt_text": "Changed", "focal_x": "0.5", "focal_y": "0.5", "_save": "Save"},
    )

    assert response.status_code == 302
    assert Image.objects.get(pk=image.pk).alt_text == "Bluff catheter drawing"


def test_a_writer_changes_the_description_but_not_the_file_or_clinic(client, world):
    client.force_login(world["staff"]["wendy_a"])
    image = world["a_image"]
    url = reverse("admin:media_library_image_change", args=[image.pk])

    page = client.get(url).content.decode()
    response = client.post(
        url,
        {
            "clinic": world["b"].pk,
            "alt_text": "A new description",
            "caption": "Where the pump sits.",
            "focal_x": "0.3",
            "focal_y": "0.6",
            "_save": "Save",
        },
    )

    assert f'src="/media/{image.file.name}"' in page
    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.alt_text, image.caption, image.focal_x, image.clinic) == (
        "A new description",
        "Where the pump sits.",
        0.3,
        world["a"],
    )


def test_someone_without_a_role_cannot_open_the_library(client, world, django_user_model):
    outsider = django_user_model.objects.create_user("outsider", password="long-Pass-9921", is_staff=True)
    client.force_login(outsider)

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(ADD).status_code == 403


def test_a_deleted_images_file_is_removed_once_committed(media_root, django_capture_on_commit_callbacks):
    image = make_image()
    path = media_root / image.file.name

    with django_capture_on_commit_callbacks(execute=True):
        image.delete()

    assert not path.exists()


def test_a_refused_upload_is_a_form_error_naming_the_problem(client, world, media_root):
    client.force_login(world["staff"]["wendy_a"])
    svg = SimpleUploadedFile("diagram.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/png")

    response = post_image(client, world["a"], file=svg)

    assert response.status_code == 200
    assert "is not a JPEG, PNG, WebP" in str(response.context["adminform"].form.errors["file"])
    assert Image.objects.filter(clinic=world["a"]).count() == 1


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_a_truncated_file_is_refused_even_after_a_library_allowed_them(image_format):
    """WeasyPrint (the handouts) sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import: an
    upload after a handout was made must still be refused."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as WeasyPrint's import leaves it
    noise = PILImage.frombytes("RGB", (200, 200), hashlib.shake_256(b"noise").digest(120_000))
    buffer = io.BytesIO()
    noise.save(buffer, image_format)
    data = buffer.getvalue()

    assert refused(data[: len(data) // 2]).code == "damaged"
