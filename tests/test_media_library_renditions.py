"""Renditions (media_library/renditions.py): the worker makes fixed widths in WebP and JPEG (and AVIF
where Pillow has it) and a square thumbnail around the focal point, once, from the stored file."""

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from PIL import Image as PILImage

from media_library.models import Image, Rendition
from media_library.renditions import RENDITION_WIDTHS, make_renditions, rendition_formats
from tests.factories import image_bytes, make_image
from tests.worker import run_worker

pytestmark = pytest.mark.django_db

PILLOW_FORMATS = {"webp": "WEBP", "jpeg": "JPEG", "avif": "AVIF"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def run(image: Image) -> int:
    return make_renditions.call(image.pk)


def read_back(rendition: Rendition) -> PILImage.Image:
    with default_storage.open(rendition.file.name) as file:
        data = file.read()
    assert len(data) == rendition.byte_size
    picture = PILImage.open(io.BytesIO(data))
    picture.load()
    return picture


def halves(size=(400, 200), image_format="PNG") -> bytes:
    """Left half red, right half blue."""
    picture = PILImage.new("RGB", size, (0, 0, 255))
    picture.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    buffer = io.BytesIO()
    picture.save(buffer, image_format)
    return buffer.getvalue()


def red_share(picture: PILImage.Image) -> float:
    data = picture.convert("RGB").tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    return sum(1 for r, _, b in pixels if r > 200 and b < 60) / len(pixels)


def test_widths_and_formats_are_made_on_disk_without_upscaling(media_root):
    image = make_image(data=image_bytes(size=(1000, 500), image_format="JPEG"))

    made = run(image)

    formats = rendition_formats()
    assert {"webp", "jpeg"} <= set(formats)
    widths = image.renditions.filter(kind=Rendition.Kind.WIDTH)
    assert sorted({r.width for r in widths}) == [320, 640, 960, 1000]
    assert made == (4 + 1) * len(formats)
    for rendition in widths:
        assert rendition.height == round(500 * rendition.width / 1000)
        assert rendition.file.name.startswith(f"renditions/{image.clinic_id}/")
        assert (media_root / rendition.file.name).is_file()
        picture = read_back(rendition)
        assert picture.size == (rendition.width, rendition.height)
        assert picture.format == PILLOW_FORMATS[rendition.format]
    assert max(r.width for r in image.renditions.all()) <= 1000  # never upscaled


def test_a_small_image_gets_its_own_width_only_and_a_small_thumbnail():
    image = make_image(data=image_bytes(size=(200, 150)))

    run(image)

    sizes = {(r.kind, r.width, r.height) for r in image.renditions.all()}
    assert sizes == {("width", 200, 150), ("thumbnail", 150, 150)}
    assert RENDITION_WIDTHS[0] > 200


def test_the_thumbnail_is_a_square_around_the_focal_point():
    left = make_image(data=halves(size=(800, 400)), focal_x=0.1)
    right = make_image(data=halves(size=(800, 400)), focal_x=0.9)

    run(left)
    run(right)

    for image, expect_red in ((left, True), (right, False)):
        thumbnails = image.renditions.filter(kind=Rendition.Kind.THUMBNAIL)
        assert {r.format for r in thumbnails} == set(rendition_formats())
        for thumbnail in thumbnails:
            picture = read_back(thumbnail)
            assert picture.size == (320, 320) == (thumbnail.width, thumbnail.height)
            share = red_share(picture)
            assert share > 0.95 if expect_red else share < 0.05


def test_jpeg_renditions_of_a_transparent_image_are_flattened_on_white():
    transparent = image_bytes(size=(100, 80), mode="RGBA", color=(0, 0, 0, 0))
    image = make_image(data=transparent)

    run(image)

    jpeg = image.renditions.get(kind=Rendition.Kind.WIDTH, format="jpeg")
    picture = read_back(jpeg)
    assert picture.mode == "RGB"
    assert picture.getpixel((50, 40)) == pytest.approx((255, 255, 255), abs=2)
    webp = read_back(image.renditions.get(kind=Rendition.Kind.WIDTH, format="webp"))
    assert webp.mode == "RGBA" and webp.getpixel((50, 40))[3] == 0


def test_renditions_are_made_from_the_stored_file_not_the_upload():
    image = make_image(data=image_bytes(size=(100, 80)))
    # The stored file is now a different picture: renditions show it.
    default_storage.delete(image.file.name)
    default_storage.save(image.file.name, io.BytesIO(image_bytes(size=(100, 80), color=(0, 255, 0))))

    run(image)

    picture = read_back(image.renditions.get(kind=Rendition.Kind.WIDTH, format="webp"))
    assert picture.convert("RGB").getpixel((50, 40)) == pytest.approx((0, 255, 0), abs=8)


def test_the_task_is_enqueued_on_create_only_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        image = make_image()
        assert not DBTaskResult.objects.exists()
    assert len(callbacks) == 1
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "media_library.renditions.make_renditions"
    assert queued.args_kwargs["args"] == [image.pk]

    with django_capture_on_commit_callbacks() as callbacks:
        image.caption = "Edited"
        image.save()
    assert callbacks == []  # an edit that does not move the focal point makes nothing


def test_the_worker_makes_them(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        image = make_image(data=image_bytes(size=(700, 350)))

    run_worker()

    assert sorted({r.width for r in image.renditions.filter(kind="width")}) == [320, 640, 700]
    assert image.renditions.filter(kind="thumbnail").count() == len(rendition_formats())


def test_the_task_is_idempotent():
    image = make_image(data=image_bytes(size=(700, 350)))
    run(image)
    before = {r.pk: r.file.name for r in image.renditions.all()}

    assert run(image) == 0

    assert {r.pk: r.file.name for r in image.renditions.all()} == before


def test_a_deleted_image_is_not_an_error():
    image = make_image()
    image_id = image.pk
    image.delete()

    assert make_renditions.call(image_id) == 0


def test_moving_the_focal_point_remakes_the_thumbnails_only(django_capture_on_commit_callbacks, media_root):
    image = make_image(data=halves(size=(800, 400)), focal_x=0.1)
    run(image)
    widths_before = {r.pk: r.file.name for r in image.renditions.filter(kind="width")}
    old_thumbnails = [r.file.name for r in image.renditions.filter(kind="thumbnail")]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        image.focal_x = 0.9
        image.save()
    assert len(callbacks) == 1  # the task is enqueued again
    with django_capture_on_commit_callbacks(execute=True):
        made = run(image)

    assert made == len(rendition_formats())
    assert {r.pk: r.file.name for r in image.renditions.filter(kind="width")} == widths_before
    thumbnails = list(image.renditions.filter(kind="thumbnail"))
    assert all(r.focal_x == 0.9 for r in thumbnails)
    assert all(red_share(read_back(r)) < 0.05 for r in thumbnails)
    assert not any((media_root / name).exists() for name in old_thumbnails)


def test_deleting_an_image_removes_its_rendition_files_after_commit(
    django_capture_on_commit_callbacks, media_root
):
    image = make_image(data=image_bytes(size=(700, 350)))
    run(image)
    names = [r.file.name for r in image.renditions.all()]
    assert names and all((media_root / name).is_file() for name in names)

    with django_capture_on_commit_callbacks() as callbacks:
        image.delete()
        assert all((media_root / name).is_file() for name in names)  # not before the commit
    for callback in callbacks:
        callback()

    assert not Rendition.objects.exists()
    assert not any((media_root / name).exists() for name in names)


def test_the_admin_change_page_lists_the_renditions(staff_client):
    image = make_image(data=image_bytes(size=(700, 350)))
    run(image)

    response = staff_client.get(reverse("admin:media_library_image_change", args=[image.pk]))

    assert response.status_code == 200
    assert "640 × 320 px, WebP" in response.text
    assert "Thumbnail: 320 × 320 px, JPEG" in response.text
