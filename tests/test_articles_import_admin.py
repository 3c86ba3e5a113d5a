import html
from pathlib import Path

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.models import Article, Section
from clinics import roles
from tests.factories import make_article, make_clinic

pytestmark = pytest.mark.django_db

DOCUMENTS = Path(__file__).parent / "import_documents"


IMAGE_NOTE = (
    "The file has 1 image (without a description): images are not imported yet; "
    "add it to the article by hand."
)


def import_url() -> str:
    return reverse("admin:articles_article_import")


def upload(name: str, *, as_name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(as_name or name, (DOCUMENTS / name).read_bytes())


def counts() -> tuple[int, int]:
    return Article.objects.count(), Section.objects.count()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def writer(django_user_model):
    user = django_user_model.objects.create_user(
        "writer", "writer@clinic.example", "long-Pass-9921", is_staff=True
    )
    roles.grant(user, "Writer")
    return user


@pytest.fixture
def writer_client(client, writer):
    client.force_login(writer)
    return client


@pytest.fixture
def viewer_client(client, django_user_model):
    """Staff who may look at articles but not add them."""
    user = django_user_model.objects.create_user(
        "viewer", "viewer@clinic.example", "long-Pass-9921", is_staff=True
    )
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(user)
    return client


def test_import_page_shows_an_upload_form(writer_client):
    clinic = make_clinic(name="Lafayette Pain Care")
    response = writer_client.get(import_url())

    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert "csrfmiddlewaretoken" in content
    assert 'type="file" name="document"' in content
    assert f'<option value="{clinic.pk}">Lafayette Pain Care</option>' in content
    assert f'href="{reverse("admin:articles_article_changelist")}"' in content  # breadcrumbs


def test_import_creates_a_draft_and_redirects_to_its_suggestions(writer_client, writer):
    clinic = make_clinic()
    response = writer_client.post(
        import_url(), {"document": upload("spinal-cord-stimulation.md"), "clinic": clinic.pk}
    )

    article = Article.objects.get(slug="spinal-cord-stimulation")
    assert response.status_code == 302
    # Its risks list is suggested as rows: the writer decides on them first.
    assert response["Location"] == reverse("admin:articles_article_suggestions", args=[article.pk])
    assert article.status == Article.Status.DRAFT
    assert article.published_at is None
    assert article.clinic == clinic
    assert list(article.sections.values_list("heading", flat=True)) == [
        "Overview",
        "Who is it for?",
        "The trial",
        "Risks",
    ]
    assert messages_of(response) == [
        "Imported “Spinal Cord Stimulation” as a draft with 4 sections.",
        # The list item's <img onerror=...>: no image is imported, and the writer is told.
        IMAGE_NOTE,
        "Left out as clinic information (check it against the clinic's profile): “Contact us”, "
        "“Call us at 765-555-0100, email the clinic or book online.”.",
        "3 suggestions from its lists, saved only when you confirm them on the article's suggestions "
        "page: risk or side effect: “Infection where the wires or the battery are placed”, “The leads "
        "moving out of place”, “A headache from a spinal fluid leak (rare)”.",
    ]
    entry = LogEntry.objects.get(object_id=str(article.pk))
    assert (entry.action_flag, entry.user) == (ADDITION, writer)


def test_import_message_says_when_the_slug_was_taken(writer_client):
    existing = make_article(slug="nerve-blocks-for-pain-relief", title="Nerve blocks")
    before = Article.objects.filter(pk=existing.pk).values().get()

    response = writer_client.post(
        import_url(),
        {"document": upload("nerve-blocks-clinic-page.html"), "clinic": make_clinic().pk},
    )

    imported = Article.objects.get(slug="nerve-blocks-for-pain-relief-2")
    assert response["Location"] == reverse("admin:articles_article_change", args=[imported.pk])
    assert messages_of(response) == [
        "Imported “Nerve Blocks for Pain Relief” as a draft with 4 sections. Another article already "
        "uses the web address “nerve-blocks-for-pain-relief”, so this one is "
        "“nerve-blocks-for-pain-relief-2”.",
        IMAGE_NOTE,
        "Left out headings with no text under them: “Watch the video”.",
    ]
    assert Article.objects.filter(pk=existing.pk).values().get() == before


def test_import_format_choice_overrides_the_file_name(writer_client):
    response = writer_client.post(
        import_url(),
        {
            "document": upload("spinal-cord-stimulation.md", as_name="notes.txt"),
            "clinic": make_clinic().pk,
            "file_format": "md",
        },
    )
    assert response.status_code == 302
    article = Article.objects.get(slug="spinal-cord-stimulation")
    assert article.sections.count() == 4  # "Contact us" is the clinic's information


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("latin-1.txt", "The file is not UTF-8 text"),
        ("binary.txt", "The file is not a text document"),
        ("empty.md", "The file is empty."),
        ("title-only.md", "The document has a title but no text under it."),
    ],
)
def test_import_refuses_malformed_files_and_saves_nothing(writer_client, name, reason):
    response = writer_client.post(import_url(), {"document": upload(name), "clinic": make_clinic().pk})

    assert response.status_code == 200
    assert reason in response.context["form"].errors["document"][0]
    assert reason in response.content.decode()
    assert "nothing was saved" in response.content.decode()
    assert counts() == (0, 0)


def test_import_refuses_an_unknown_file_type(writer_client):
    document = SimpleUploadedFile("leaflet.rtf", b"{\\rtf1 a rich text file}")
    response = writer_client.post(import_url(), {"document": document, "clinic": make_clinic().pk})

    assert response.status_code == 200
    assert "Unknown file type “.rtf”" in response.context["form"].errors["document"][0]
    assert counts() == (0, 0)


def test_import_needs_a_clinic(writer_client):
    response = writer_client.post(import_url(), {"document": upload("spinal-cord-stimulation.md")})

    assert response.status_code == 200
    assert response.context["form"].errors["clinic"] == ["This field is required."]
    assert counts() == (0, 0)


def test_import_page_is_forbidden_without_the_add_article_permission(viewer_client):
    clinic = make_clinic()
    assert viewer_client.get(import_url()).status_code == 403
    response = viewer_client.post(
        import_url(), {"document": upload("spinal-cord-stimulation.md"), "clinic": clinic.pk}
    )
    assert response.status_code == 403
    assert counts() == (0, 0)


def test_import_page_sends_anonymous_visitors_to_the_login(client):
    response = client.get(import_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_import_of_a_section_over_the_limit_splits_it_and_says_so(staff_client):
    clinic = make_clinic()
    paragraphs = "\n\n".join(f"Paragraph {n}: " + "some words of the guide " * 30 for n in range(100))
    document = SimpleUploadedFile("long-guide.md", f"# Long guide\n\n## Details\n\n{paragraphs}\n".encode())

    response = staff_client.post(import_url(), {"document": document, "clinic": clinic.pk})

    assert response.status_code == 302
    article = Article.objects.get(slug="long-guide")
    headings = list(article.sections.values_list("heading", flat=True))
    assert headings == ["Details", "Details (part 2)", "Details (part 3)"]
    assert messages_of(response)[-1] == (
        "Split sections longer than 30,000 characters (what a section can hold), between paragraphs, "
        "lists and quotes: “Details” into 3 parts. Check where each part starts."
    )


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("emphasis.md", "# Title\n\n" + "*a_" * 300_000, "too much markup to read"),
        ("tags.html", "<h1>Title</h1>" + "<a" * 400_000, "too much broken HTML to read"),
        ("one-paragraph.txt", "Title\n\n" + "word " * 200_000, "a section can hold at most 30,000"),
    ],
)
def test_a_hostile_upload_is_refused_on_the_form_and_nothing_is_saved(staff_client, name, text, reason):
    response = staff_client.post(
        import_url(), {"document": SimpleUploadedFile(name, text.encode()), "clinic": make_clinic().pk}
    )

    assert response.status_code == 200
    assert reason in html.unescape(response.content.decode())
    assert counts() == (0, 0)
