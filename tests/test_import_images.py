"""Imports bring pictures (issue 16, point 4): a Word file's own pictures, and the local picture files a
Markdown or HTML document shows when they come with it, go to the clinic's image library flagged as
needing alt text, and into the draft as figures where they were. Remote pictures are never fetched;
a picture that cannot come in is reported, and the rest is imported; all or nothing otherwise.
Every picture and document here is made in the test (Pillow, python-docx, zipfile)."""

import io
import struct
import urllib.request
import zipfile
import zlib
from io import StringIO
from pathlib import Path

import docx
import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import ExifTags
from PIL import Image as PILImage

from articles import figures
from articles.importing import (
    ImportRefused,
    LocalFile,
    LocalFiles,
    import_article,
    parse_document,
    pictures,
)
from articles.importing import drafts as importing_drafts
from articles.importing.report import result_lines
from articles.models import Article, ImportSuggestion, Section
from clinics import roles
from media_library.models import Image
from tests.factories import image_bytes, make_clinic, make_image

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:articles_article_import")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def no_fetching(monkeypatch):
    """Nothing is ever fetched: opening an address fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"An import fetched {args[:1]}")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.fixture
def clinic():
    return make_clinic(name="Wabash Valley Pain Center")


@pytest.fixture
def writer(django_user_model, clinic):
    user = django_user_model.objects.create_user("wendy", "wendy@clinic.example", "long-Pass-9921")
    roles.grant(user, "Writer", clinic)
    return user


@pytest.fixture
def writer_client(client, writer):
    client.force_login(writer)
    return client


# --- Making files -------------------------------------------------------------------------------


def gps_exif() -> PILImage.Exif:
    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (40.0, 25.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (86.0, 54.0, 30.0)
    return exif


def photo_with_gps() -> bytes:
    data = image_bytes(size=(80, 60), image_format="JPEG", color=(200, 80, 40), exif=gps_exif())
    assert b"PhoneMaker" in data
    return data


def png(color=(30, 120, 200), size=(60, 40)) -> bytes:
    return image_bytes(size=size, color=color)


def with_png_size(data: bytes, width: int, height: int) -> bytes:
    """``data`` (a PNG) whose header claims ``width`` × ``height``: a decompression bomb."""
    fields = struct.pack(">II", width, height) + data[24:29]
    chunk = b"IHDR" + fields
    return data[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + data[33:]


def add_picture(document, data: bytes, description: str | None = None) -> None:
    shape = document.add_picture(io.BytesIO(data))
    if description is not None:
        shape._inline.docPr.set("descr", description)  # Word's “Alt Text”


def saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def replaced_entries(data: bytes, replace) -> bytes:
    """``data`` (a zip) with each entry's bytes passed through ``replace(name, content)``."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for entry in source.infolist():
            out.writestr(entry.filename, replace(entry.filename, source.read(entry)))
    return buffer.getvalue()


def pump_word_file() -> bytes:
    document = docx.Document()
    document.add_heading("Intrathecal Pump Refills", 1)
    document.add_paragraph("A refill takes about twenty minutes in the clinic, with a fine needle.")
    add_picture(document, photo_with_gps(), "The pump sits under the skin of the belly.")
    document.add_heading("After the refill", 2)
    document.add_paragraph("Rest for the day and watch the needle site for redness or swelling.")
    add_picture(
        document,
        png((10, 200, 10)),
        "A picture containing person, indoor. Description automatically generated",
    )
    add_picture(document, png((250, 250, 10)))  # no description
    add_picture(document, png((250, 10, 250)), "image3.png")
    return saved(document)


def zip_of(entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def files(**named) -> LocalFiles:
    return LocalFiles.from_uploads([SimpleUploadedFile(name, data) for name, data in named.items()])


def all_figures(article: Article) -> list[tuple[str, figures.FigureRef]]:
    return [
        (section.heading, reference)
        for section in article.sections.order_by("position")
        for reference in figures.references(section.body)
    ]


def assert_clean_library_image(image: Image, clinic, by=None) -> None:
    assert image.clinic == clinic
    assert image.needs_alt_text is True
    assert image.alt_text == ""
    assert image.is_decorative is False
    assert image.created_by == by
    with default_storage.open(image.file.name) as stored:
        data = stored.read()
    assert b"PhoneMaker" not in data
    with PILImage.open(io.BytesIO(data)) as opened:
        exif = opened.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert ExifTags.Base.Make not in exif
        assert opened.size == (image.width, image.height)


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


# --- Word -----------------------------------------------------------------------------------------


def test_word_pictures_go_to_the_library_and_into_the_draft_where_they_were(clinic, writer):
    result = import_article(
        pump_word_file(), filename="pump.docx", clinic=clinic, by=writer, pictures=LocalFiles()
    )

    images = list(Image.objects.order_by("pk"))
    assert len(images) == 4
    for image in images:
        assert_clean_library_image(image, clinic, by=writer)
    assert images[0].format == "JPEG"
    placed = all_figures(result.article)
    assert [(heading, ref.image_id) for heading, ref in placed] == [
        ("Overview", images[0].pk),
        ("After the refill", images[1].pk),
        ("After the refill", images[2].pk),
        ("After the refill", images[3].pk),
    ]
    # Word's Alt Text on the figure; not its automatic description, nor a file name.
    assert [ref.alt for _heading, ref in placed] == [
        "The pump sits under the skin of the belly.",
        None,
        None,
        None,
    ]
    assert all(ref.caption_html is None for _heading, ref in placed)
    after = result.article.sections.get(heading="After the refill").body
    assert after.startswith("<p>Rest for the day")  # the figures follow the paragraph above them
    assert result.images == tuple(images)
    assert result.images_with_alt == 1
    assert (
        "warning",
        "Added 4 pictures to the clinic's image library, marked as needing alt text. Each needs alt text "
        "(what it shows, for patients who cannot see it) before the article can be published: describe "
        "it in the image library or in its figure, or mark it decorative. 1 figure has alt text from the "
        "document: check it says what the picture shows.",
    ) in result_lines(result)
    assert not any("not imported yet" in text for _level, text in result_lines(result))


def test_the_same_word_picture_twice_is_one_library_image_in_two_figures(clinic):
    document = docx.Document()
    document.add_heading("Pump refills", 1)
    document.add_paragraph("The pump is refilled every few months at the clinic.")
    add_picture(document, png(), "The refill kit on a tray")
    document.add_paragraph("The same kit is used at every visit, with a new needle.")
    add_picture(document, png())
    result = import_article(saved(document), filename="kit.docx", clinic=clinic, pictures=LocalFiles())

    image = Image.objects.get()
    assert [ref.image_id for _heading, ref in all_figures(result.article)] == [image.pk, image.pk]
    assert [ref.alt for _heading, ref in all_figures(result.article)] == ["The refill kit on a tray", None]
    assert image.created_by is None


def unsupported_second_picture(content_for_second: bytes, content_type: str | None = None) -> bytes:
    document = docx.Document()
    document.add_heading("Nerve blocks", 1)
    document.add_paragraph("A nerve block numbs one nerve for a few hours or a few months.")
    add_picture(document, png((1, 2, 3)), "Where the needle goes")
    document.add_paragraph("You go home the same day, with someone to drive you.")
    add_picture(document, png((4, 5, 6)), "A drawing made in Word")
    data = saved(document)
    names = sorted(name for name in zipfile.ZipFile(io.BytesIO(data)).namelist() if "media/" in name)
    second = names[1]

    def replace(name, content):
        if name == second:
            return content_for_second
        if name == "[Content_Types].xml" and content_type:
            override = f'<Override PartName="/{second}" ContentType="{content_type}"/></Types>'
            return content.replace(b"</Types>", override.encode())
        return content

    return replaced_entries(data, replace)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        # An EMF drawing (Word's own vector format), as it starts.
        (b"\x01\x00\x00\x00\x6c\x00\x00\x00" + b"\x00" * 32 + b" EMF" + b"\x00" * 64, "is not a JPEG, PNG"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "is not a JPEG, PNG"),
        (with_png_size(png(), 100_000, 100_000), "The image is too large"),
        (png()[:60], "damaged"),
    ],
    ids=["emf", "svg", "decompression-bomb", "truncated"],
)
def test_a_bad_word_picture_is_left_out_and_reported_the_rest_is_imported(clinic, content, reason):
    result = import_article(
        unsupported_second_picture(content), filename="blocks.docx", clinic=clinic, pictures=LocalFiles()
    )

    image = Image.objects.get()
    assert [ref.image_id for _heading, ref in all_figures(result.article)] == [image.pk]
    problems = [note for note in result.notes if note.startswith("Picture 2 ")]
    assert len(problems) == 1
    assert problems[0].startswith("Picture 2 (“A drawing made in Word”, image/png) was not imported: ")
    assert reason in problems[0]
    assert "You go home the same day" in result.article.sections.get().body


def test_a_word_drawing_is_reported_with_what_to_do(clinic):
    emf = b"\x01\x00\x00\x00\x6c\x00\x00\x00" + b"\x00" * 32 + b" EMF" + b"\x00" * 64
    result = import_article(
        unsupported_second_picture(emf, "image/x-emf"),
        filename="blocks.docx",
        clinic=clinic,
        pictures=LocalFiles(),
    )
    assert Image.objects.count() == 1
    assert (
        "Picture 2 (“A drawing made in Word”, image/x-emf) was not imported: it is a Word drawing (EMF or "
        "WMF), which web pages "
        "cannot show. Save it as a PNG picture (right-click it in Word → Save as Picture) and add that to "
        "the article."
    ) in result.notes


def test_word_pictures_beyond_the_limits_refuse_the_document_and_save_nothing(clinic, monkeypatch):
    monkeypatch.setattr(pictures, "MAX_PICTURES", 3)
    with pytest.raises(ImportRefused, match="more than 3 pictures; at most 3 are imported"):
        import_article(pump_word_file(), filename="pump.docx", clinic=clinic, pictures=LocalFiles())
    monkeypatch.setattr(pictures, "MAX_PICTURES", 50)
    monkeypatch.setattr(pictures, "MAX_PICTURE_BYTES", 1000)
    with pytest.raises(ImportRefused, match="pictures come to more than 1000"):
        import_article(pump_word_file(), filename="pump.docx", clinic=clinic, pictures=LocalFiles())
    assert (Article.objects.count(), Image.objects.count()) == (0, 0)


def test_without_a_picture_collector_word_pictures_are_only_counted(clinic):
    """parse_document without ``pictures`` (and parse_docx alone) keep the note, and unpack nothing."""
    document = parse_document(pump_word_file(), filename="pump.docx", clinic=clinic)
    assert document.pictures == ()
    assert "images are not imported yet" in document.notes[0]
    assert "<figure>" not in "".join(section.body for section in document.sections)


# --- Markdown and HTML ------------------------------------------------------------------------------

MARKDOWN = """# Intrathecal pump refills

A refill takes about twenty minutes in the clinic, with a fine needle through the skin.

![Where the pump sits under the skin](./images/Pump%20Site.PNG "The pump, under the skin of the belly")

## After the refill

Rest for the day. ![IMG_1234.jpg](C:\\Users\\wendy\\Pictures\\photo.jpg) Watch the needle site.

![A remote drawing](https://cdn.example.org/pump.png)
![](//cdn.example.org/protocol-relative.png)
![inline](data:image/png;base64,iVBORw0KGgo=)
![Not uploaded](missing.png)
![Shown twice](pump%20site.png)
"""


def test_markdown_pictures_uploaded_with_it_become_figures_remote_and_missing_ones_are_reported(
    clinic, writer
):
    uploaded = files(**{"pump site.png": png(), "photo.jpg": photo_with_gps(), "unused.png": png((9, 9, 9))})
    result = import_article(
        MARKDOWN.encode(), filename="refills.md", clinic=clinic, by=writer, pictures=uploaded
    )

    pump, photo = Image.objects.order_by("pk")  # the unused picture is not added
    for image in (pump, photo):
        assert_clean_library_image(image, clinic, by=writer)
    placed = all_figures(result.article)
    assert [(heading, ref.image_id, ref.alt, ref.caption_html) for heading, ref in placed] == [
        ("Overview", pump.pk, "Where the pump sits under the skin", "The pump, under the skin of the belly"),
        ("After the refill", photo.pk, None, None),  # its alt text was the file's name
        ("After the refill", pump.pk, "Shown twice", None),
    ]
    body = result.article.sections.get(heading="After the refill").body
    assert body.index("Watch the needle site") < body.index(f'data-file="{photo.pk}"')
    assert "cdn.example.org" not in body and "base64" not in body
    assert [note for note in result.notes if note.startswith("Picture ")] == [
        "Picture 3 (“https://cdn.example.org/pump.png”) was not imported: only pictures uploaded with the "
        "document are imported.",
        "Picture 4 (“//cdn.example.org/protocol-relative.png”) was not imported: only pictures uploaded "
        "with the document are imported.",
        "Picture 5 (“data:image/png;base64,iVBORw0KGgo=”) was not imported: only pictures uploaded with "
        "the document are imported.",
        "Picture 6 (“missing.png”) was not imported: no file of that name came with the document (only "
        "pictures uploaded with the document are imported).",
    ]
    assert result.images_with_alt == 1


def test_markdown_without_a_title_line_is_read_twice_and_its_pictures_counted_once(clinic):
    text = "Pump refills\n\nA refill takes twenty minutes. ![The kit](kit.png)\n\n![](gone.png)\n"
    result = import_article(
        text.encode(), filename="kit.md", clinic=clinic, pictures=files(**{"kit.png": png()})
    )
    assert Image.objects.count() == 1
    assert [ref.alt for _heading, ref in all_figures(result.article)] == ["The kit"]
    assert [note for note in result.notes if note.startswith("Picture")] == [
        "Picture 2 (“gone.png”) was not imported: no file of that name came with the document (only "
        "pictures uploaded with the document are imported)."
    ]


HTML_PAGE = """<html><head><title>Nerve blocks</title></head><body>
<nav><img src="logo.png" alt="Clinic logo"></nav>
<main>
<h1>Nerve blocks</h1>
<p>This page explains nerve blocks, which ease pain by numbing one nerve.</p>
<p>A nerve block numbs one nerve for a while. <img src="/wp-content/uploads/Needle.JPG"
 alt="Where the needle goes" title="The needle goes next to the nerve">
 Most people go home within the hour.</p>
<ul><li>Numbness for a few hours <img src="https://cdn.example.org/x.png" alt="remote"></li></ul>
<h2>Risks <img src="needle.jpg" alt=""></h2>
<p>Bruising where the needle went in.</p>
</main></body></html>"""


def test_html_pictures_uploaded_with_it_become_figures(clinic):
    result = import_article(
        HTML_PAGE.encode(),
        filename="blocks.html",
        clinic=clinic,
        pictures=files(**{"needle.jpg": png(), "logo.png": png((0, 0, 0))}),
    )

    needle = Image.objects.get()  # the logo was in the page's navigation: not the article's
    assert [
        (heading, ref.image_id, ref.alt, ref.caption_html) for heading, ref in all_figures(result.article)
    ] == [
        ("Overview", needle.pk, "Where the needle goes", "The needle goes next to the nerve"),
        ("Risks", needle.pk, None, None),
    ]
    overview = result.article.sections.get(heading="Overview").body
    # The paragraph stays whole; its picture follows it.
    assert "A nerve block numbs one nerve for a while. Most people go home within the hour.</p><figure>" in (
        " ".join(overview.split())
    )
    assert result.article.sections.get(heading="Risks").body.startswith("<figure>")
    assert [note for note in result.notes if note.startswith("Picture")] == [
        "Picture 2 (“https://cdn.example.org/x.png”) was not imported: only pictures uploaded with the "
        "document are imported."
    ]


def test_an_imported_document_never_names_a_library_picture_it_did_not_bring(clinic):
    other = make_image(clinic=make_clinic(name="Another clinic"))
    attack = (
        f"<h1>Nerve blocks</h1><p>A nerve block numbs one nerve for a while.</p>"
        f'<figure><img data-file="{other.pk}" alt="x"></figure>'
        f'<p>Most people go home within the hour. <img src="needle.jpg" data-file="{other.pk}"></p>'
    )
    result = import_article(
        attack.encode(), filename="attack.html", clinic=clinic, pictures=files(**{"needle.jpg": png()})
    )
    brought = Image.objects.get(clinic=clinic)
    assert [ref.image_id for _heading, ref in all_figures(result.article)] == [brought.pk]

    # Without pictures uploaded: no figure at all.
    alone = import_article(attack.encode(), filename="attack2.html", clinic=clinic)
    assert all_figures(alone.article) == []
    assert "<img" not in "".join(alone.article.sections.values_list("body", flat=True))


def test_a_bad_uploaded_picture_is_reported_and_the_rest_imported(clinic):
    text = (
        "# Pump refills\n\nA refill takes twenty minutes.\n\n![The pump](pump.png)\n\n"
        "![A drawing](drawing.svg)\n"
    )
    result = import_article(
        text.encode(),
        filename="refills.md",
        clinic=clinic,
        pictures=files(**{"pump.png": png(), "drawing.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>"}),
    )
    assert Image.objects.count() == 1
    assert [note for note in result.notes if note.startswith("Picture")] == [
        "Picture 2 (“drawing.svg”) was not imported: This file is not a JPEG, PNG, WebP or AVIF image "
        "(whatever its name says)."
    ]


def test_two_uploaded_files_of_the_same_name_are_reported_not_guessed(clinic):
    text = "# Pump refills\n\nA refill takes twenty minutes.\n\n![The pump](a/pump.png)\n"
    shared = LocalFiles(
        [
            LocalFile("a/pump.png", 10, lambda: io.BytesIO(png())),
            LocalFile("b/PUMP.png", 10, lambda: io.BytesIO(png((1, 1, 1)))),
        ]
    )
    result = import_article(text.encode(), filename="refills.md", clinic=clinic, pictures=shared)
    assert Image.objects.count() == 0
    assert "2 files named “a/pump.png” came with it: rename one" in result.notes[-1]


def test_many_pictures_not_imported_are_summed_up(clinic):
    text = "# Pump refills\n\nA refill takes twenty minutes.\n\n" + "".join(
        f"![Step {number}](https://cdn.example.org/{number}.png)\n\n" for number in range(14)
    )
    result = import_article(
        text.encode(), filename="refills.md", clinic=clinic, pictures=files(**{"x.png": png()})
    )
    notes = [note for note in result.notes if "not imported" in note]
    assert len(notes) == pictures.MAX_NAMED_PROBLEMS + 1
    assert notes[-1].startswith("… and 4 more pictures not imported")


def test_markdown_pictures_beyond_the_limit_refuse_the_document(clinic, monkeypatch):
    monkeypatch.setattr(pictures, "MAX_PICTURES", 2)
    text = "# Pump refills\n\nA refill takes twenty minutes.\n\n" + "".join(
        f"![Picture {number}](p{number}.png)\n\n" for number in range(3)
    )
    uploaded = files(**{f"p{number}.png": png((number, 0, 0)) for number in range(3)})
    with pytest.raises(ImportRefused, match="more than 2 pictures"):
        import_article(text.encode(), filename="refills.md", clinic=clinic, pictures=uploaded)
    assert (Article.objects.count(), Image.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("alt", "usable"),
    [
        ("The pump sits under the skin of the belly.", True),
        ("", False),
        ("   ", False),
        ("IMG_1234.jpg", False),
        ("image1.png", False),
        ("IMG_1234", False),
        ("DSC01234", False),
        ("Screenshot 2024-03-01 at 10.14.22.png", False),
        ("A close up of a needle. Description automatically generated", False),
        ("A picture containing text, automatically generated", False),
        ("Pump site", True),  # words, not a file name
    ],
)
def test_which_alt_text_is_usable(alt, usable):
    assert pictures.usable_alt(alt, "kit.png") == (alt if usable else "")


def test_the_pictures_own_name_is_no_alt_text():
    assert pictures.usable_alt("Pump Site", "pump site.png") == ""
    assert pictures.usable_alt("pump site.png", "images/Pump%20Site.PNG") == ""


@pytest.mark.parametrize(
    ("reference", "name"),
    [
        ("./images/Pump%20Site.PNG", "pump site.png"),
        ("images\\pump.png", "pump.png"),
        ("../../etc/pump.png?width=300#top", "pump.png"),
        ("PUMP.png", "pump.png"),
    ],
)
def test_a_reference_is_matched_by_its_file_name(reference, name):
    assert pictures.normalized_name(reference) == name
    assert not pictures.is_remote(reference)


@pytest.mark.parametrize(
    "reference",
    [
        "http://a.example/p.png",
        "HTTPS://a.example/p.png",
        "//a.example/p.png",
        "data:image/png,x",
        "file:///etc/p.png",
    ],
)
def test_remote_references_are_recognised(reference):
    assert pictures.is_remote(reference)


# --- All or nothing --------------------------------------------------------------------------------


def test_a_draft_refused_while_saving_leaves_no_image_and_no_file(clinic, monkeypatch, media_root):
    def fail(*args, **kwargs):
        from django.core.exceptions import ValidationError

        raise ValidationError("The suggestions could not be saved.")

    monkeypatch.setattr(ImportSuggestion.objects, "bulk_create", fail)
    with pytest.raises(ImportRefused, match="could not be saved"):
        import_article(pump_word_file(), filename="pump.docx", clinic=clinic, pictures=LocalFiles())
    assert (Article.objects.count(), Section.objects.count(), Image.objects.count()) == (0, 0, 0)
    assert stored_files(media_root) == []


def test_pictures_are_made_only_when_the_draft_is_saved(clinic):
    document = parse_document(
        MARKDOWN.encode(), filename="refills.md", clinic=clinic, pictures=files(**{"pump site.png": png()})
    )
    assert len(document.pictures) == 1
    assert Image.objects.count() == 0
    importing_drafts.create_draft(document, clinic=clinic)
    assert Image.objects.filter(clinic=clinic, needs_alt_text=True).count() == 1


# --- The admin's import page --------------------------------------------------------------------


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_admin_imports_a_document_with_its_pictures_chosen_with_it(writer_client, writer, clinic):
    response = writer_client.post(
        IMPORT_URL,
        {
            "document": [
                SimpleUploadedFile("refills.md", MARKDOWN.encode()),
                SimpleUploadedFile("Pump Site.png", png()),
                SimpleUploadedFile("photo.jpg", photo_with_gps()),
            ],
            "clinic": clinic.pk,
        },
    )

    assert response.status_code == 302
    article = Article.objects.get()
    images = list(Image.objects.order_by("pk"))
    assert len(images) == 2
    for image in images:
        assert_clean_library_image(image, clinic, by=writer)
    assert [ref.image_id for _heading, ref in all_figures(article)] == [
        images[0].pk,
        images[1].pk,
        images[0].pk,
    ]
    said = messages_of(response)
    assert said[0] == "Imported “Intrathecal pump refills” as a draft with 2 sections."
    assert any(line.startswith("Added 2 pictures to the clinic's image library") for line in said)
    assert any(
        "“https://cdn.example.org/pump.png”) was not imported: only pictures uploaded" in line
        for line in said
    )


def test_every_document_of_an_upload_can_show_its_pictures(writer_client, clinic):
    second = "# Pump alarms\n\nThe pump beeps when its battery runs low.\n\n![The pump](Pump%20Site.png)\n"
    response = writer_client.post(
        IMPORT_URL,
        {
            "document": [
                SimpleUploadedFile("refills.md", MARKDOWN.encode()),
                SimpleUploadedFile("alarms.md", second.encode()),
                SimpleUploadedFile("Pump Site.png", png()),
            ],
            "clinic": clinic.pk,
        },
    )
    assert response.status_code == 302
    refills, alarms = (
        Article.objects.get(title="Intrathecal pump refills"),
        Article.objects.get(title="Pump alarms"),
    )
    assert len(all_figures(refills)) == 2
    assert len(all_figures(alarms)) == 1
    # Each draft has its own library image: imports are independent, and either may be deleted.
    assert Image.objects.filter(clinic=clinic).count() == 2


def test_the_admin_imports_a_word_file_with_its_pictures(writer_client, writer, clinic):
    response = writer_client.post(
        IMPORT_URL, {"document": SimpleUploadedFile("pump.docx", pump_word_file()), "clinic": clinic.pk}
    )
    assert response.status_code == 302
    assert Image.objects.filter(clinic=clinic, created_by=writer, needs_alt_text=True).count() == 4
    assert any(line.startswith("Added 4 pictures") for line in messages_of(response))


def test_the_admin_imports_a_zip_of_a_document_and_its_pictures(writer_client, clinic):
    archive = zip_of(
        [
            ("refills/refills.md", MARKDOWN.encode()),
            ("refills/images/Pump Site.png", png()),
            ("../../escape/photo.jpg", photo_with_gps()),  # only its name counts: nothing is written
            ("__MACOSX/refills/._refills.md", b"\x00\x05\x16\x07"),
            ("refills/.DS_Store", b"\x00"),
            ("refills/notes.pdf", b"%PDF-1.4"),
        ]
    )
    response = writer_client.post(
        IMPORT_URL, {"document": SimpleUploadedFile("refills.zip", archive), "clinic": clinic.pk}
    )

    assert response.status_code == 302
    article = Article.objects.get()
    assert Image.objects.filter(clinic=clinic).count() == 2
    assert len(all_figures(article)) == 3
    assert not (Path(__file__).parent.parent / "escape").exists()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(writer_client, clinic):
    archive = zip_of([("refills.md", MARKDOWN.encode()), ("huge.png", b"\x00" * (9 * 1024 * 1024))])
    response = writer_client.post(
        IMPORT_URL, {"document": SimpleUploadedFile("refills.zip", archive), "clinic": clinic.pk}
    )
    assert response.status_code == 200
    assert "is compressed more than 100 times over" in response.context["form"].errors["document"][0]
    assert (Article.objects.count(), Image.objects.count()) == (0, 0)


def test_only_pictures_chosen_is_the_forms_error(writer_client, clinic):
    response = writer_client.post(
        IMPORT_URL, {"document": SimpleUploadedFile("pump.png", png()), "clinic": clinic.pk}
    )
    assert response.status_code == 200
    assert "Only pictures were chosen" in response.context["form"].errors["document"][0]
    assert Image.objects.count() == 0


def test_a_refused_document_in_the_admin_leaves_no_picture(writer_client, clinic, monkeypatch, media_root):
    monkeypatch.setattr(pictures, "MAX_PICTURES", 1)
    response = writer_client.post(
        IMPORT_URL,
        {
            "document": [
                SimpleUploadedFile("refills.md", MARKDOWN.encode()),
                SimpleUploadedFile("pump site.png", png()),
                SimpleUploadedFile("photo.jpg", photo_with_gps()),
            ],
            "clinic": clinic.pk,
        },
    )
    assert response.status_code == 200
    assert "more than 1 pictures" in response.context["form"].errors["document"][0]
    assert (Article.objects.count(), Image.objects.count()) == (0, 0)
    assert stored_files(media_root) == []


# --- The command ------------------------------------------------------------------------------------


def test_the_command_picks_pictures_next_to_the_document(tmp_path, clinic):
    folder = tmp_path / "articles"
    (folder / "images").mkdir(parents=True)
    (folder / "refills.md").write_text(MARKDOWN)
    (folder / "images" / "pump site.png").write_bytes(png())
    (folder / "photo.jpg").write_bytes(photo_with_gps())
    out = StringIO()

    call_command("import_article", str(folder / "refills.md"), clinic=clinic.slug, stdout=out)

    article = Article.objects.get()
    images = list(Image.objects.order_by("pk"))
    assert len(images) == 2
    for image in images:
        assert_clean_library_image(image, clinic, by=None)
    assert len(all_figures(article)) == 3
    assert "Added 2 pictures to the clinic's image library" in out.getvalue()
    assert "“missing.png”) was not imported" in out.getvalue()
