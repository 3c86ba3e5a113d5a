"""Importing as a clinic does it: several files at once, a folder, the same file twice, a WordPress
export through the admin, and the suggestions the writer confirms or drops."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from reversion.models import Version

from articles import importing
from articles.importing import confirming
from articles.models import (
    Article,
    ArticleCondition,
    ArticleRisk,
    CandidateCriterion,
    Condition,
    Contraindication,
    ImportedSource,
    ImportSuggestion,
    Risk,
)
from articles.workflow import transition
from tests.factories import make_clinic, make_staff

pytestmark = pytest.mark.django_db

DOCUMENTS = Path(__file__).parent / "import_documents"
IMPORT_URL = "admin:articles_article_import"

PUMP_POST = """\
If you’ve lived with chronic pain that hasn’t responded to other treatments, a pain pump may help.
What is an intrathecal pump?
An intrathecal pump is a small device placed under the skin of the abdomen. It sends medicine through a thin tube to the fluid around the spinal cord.
What conditions can it help?
Doctors may recommend a pump for conditions such as:
- Complex regional pain syndrome (CRPS)
- Cancer pain
- Spasticity after a spinal cord injury
Who is a good candidate?
You may be a good candidate if:
- Your pain has lasted more than six months;
- Other treatments have not helped; and
- A trial dose eased your pain
Who should not have a pump?
You should not have a pump if:
- You have an infection that has not healed
What are the risks?
Like any surgery, it has some risks:
- Infection
- Spinal fluid leak
Wabash Valley Pain Center is a pain clinic in Indiana. Visit our website and like us on Facebook.
"""  # noqa: E501


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def clinic():
    return make_clinic(name="Wabash Valley Pain Center")


@pytest.fixture
def staff(clinic):
    return make_staff(clinic)


@pytest.fixture
def writer_client(client, staff):
    client.force_login(staff["wendy"])
    return client


# --- Several files, the same file twice ---------------------------------------------------------


def test_several_files_at_once_become_drafts_and_a_refused_one_saves_nothing(writer_client, clinic):
    response = writer_client.post(
        reverse(IMPORT_URL),
        {
            "document": [
                upload("pump.txt", PUMP_POST.encode()),
                upload("scs.md", (DOCUMENTS / "spinal-cord-stimulation.md").read_bytes()),
                upload("broken.txt", b"\xff\xfe not UTF-8"),
            ],
            "clinic": clinic.pk,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_article_changelist")
    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "Intrathecal pump",
        "Spinal Cord Stimulation",
    ]
    assert all(article.status == Article.Status.DRAFT for article in Article.objects.all())
    said = messages_of(response)
    assert "Imported “Intrathecal pump” as a draft with 5 sections." in said
    assert "Imported “Spinal Cord Stimulation” as a draft with 4 sections." in said
    assert (
        "Not imported: “broken.txt”: The file is UTF-16 text: save it as UTF-8 and import it again." in said
    )
    assert ImportedSource.objects.filter(clinic=clinic).count() == 2


def test_the_same_file_again_is_skipped_or_imported_as_new_never_overwritten(writer_client, clinic):
    post = {"document": upload("pump.txt", PUMP_POST.encode()), "clinic": clinic.pk}
    writer_client.post(reverse(IMPORT_URL), post)
    first = Article.objects.get()
    first.title = "Our pump guide"  # the writer's edit, which a second import must not touch
    first.save()

    again = writer_client.post(
        reverse(IMPORT_URL), {"document": upload("pump-copy.txt", PUMP_POST.encode()), "clinic": clinic.pk}
    )
    assert again.status_code == 302
    assert Article.objects.count() == 1
    assert messages_of(again)[-1:] == [
        f"Skipped “pump-copy.txt”: the same file was imported on {first.created_at.date().isoformat()} "
        "as “Our pump guide”. Choose “import as new” to import it again."
    ]

    as_new = writer_client.post(
        reverse(IMPORT_URL),
        {"document": upload("pump.txt", PUMP_POST.encode()), "clinic": clinic.pk, "duplicates": "new"},
    )
    assert as_new.status_code == 302
    assert sorted(Article.objects.values_list("slug", flat=True)) == [
        "intrathecal-pump",
        "intrathecal-pump-2",
    ]
    assert Article.objects.get(pk=first.pk).title == "Our pump guide"


def test_the_same_file_in_another_clinic_is_a_first_import(client, clinic):
    other = make_clinic()
    admin = make_staff(None, suffix="-org")["cora-org"]
    client.force_login(admin)
    for owner in (clinic, other):
        client.post(
            reverse(IMPORT_URL), {"document": upload("pump.txt", PUMP_POST.encode()), "clinic": owner.pk}
        )
    assert sorted(Article.objects.values_list("clinic_id", flat=True)) == sorted([clinic.pk, other.pk])


def test_a_writer_cannot_import_into_another_clinic(writer_client):
    other = make_clinic()
    response = writer_client.post(
        reverse(IMPORT_URL), {"document": upload("pump.txt", PUMP_POST.encode()), "clinic": other.pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["clinic"][0]
    assert not Article.objects.exists()


def test_a_wordpress_export_through_the_admin_makes_a_draft_of_each_post(writer_client, clinic):
    export = WXR.format(
        items=POST.format(title="Knee pain", slug="knee-pain") + POST.format(title="Hip pain", slug="hip")
    )
    response = writer_client.post(
        reverse(IMPORT_URL),
        {"document": upload("blog.WordPress.2026-11-30.xml", export.encode()), "clinic": clinic.pk},
    )
    assert response.status_code == 302
    assert sorted(Article.objects.values_list("slug", "status")) == [("hip", "draft"), ("knee-pain", "draft")]
    assert messages_of(response)[0] == "Imported 2 posts and pages as drafts, skipped 0, failed 0."


def test_a_wordpress_export_over_the_page_limit_is_refused_whole(writer_client, clinic, monkeypatch):
    monkeypatch.setattr("articles.admin_import.MAX_POSTS_PER_UPLOAD", 1)
    export = WXR.format(
        items=POST.format(title="Knee pain", slug="knee") + POST.format(title="Hip pain", slug="hip")
    )
    response = writer_client.post(
        reverse(IMPORT_URL), {"document": upload("blog.xml", export.encode()), "clinic": clinic.pk}
    )
    assert response.status_code == 200
    assert "this page takes at most 1 at once" in response.context["form"].errors["document"][0]
    assert not Article.objects.exists()


WXR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Clinic blog</title><wp:wxr_version>1.2</wp:wxr_version>{items}</channel></rss>"""
POST = """<item><title>{title}</title><wp:post_name>{slug}</wp:post_name><wp:post_type>post</wp:post_type>
<wp:status>publish</wp:status><content:encoded><![CDATA[
<p>{title} has many causes, and most of them get better.</p>
<h2>Treatment</h2><p>Rest, ice and gentle exercise help most people.</p>]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded></item>"""


# --- A folder on the command line ----------------------------------------------------------------


def test_the_command_imports_a_folder_and_its_subfolders_and_reports_each_file(tmp_path, clinic):
    (tmp_path / "blog").mkdir()
    (tmp_path / "pump.txt").write_text(PUMP_POST)
    (tmp_path / "blog" / "scs.md").write_bytes((DOCUMENTS / "spinal-cord-stimulation.md").read_bytes())
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    (tmp_path / ".hidden.txt").write_text("Hidden\nNot for import.\n")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    out, err = StringIO(), StringIO()

    with pytest.raises(
        CommandError, match=r"Not all imported: 2 imported, 0 skipped, 1 refused, of 3 files\."
    ):
        call_command("import_article", str(tmp_path), clinic=clinic.slug, stdout=out, stderr=err)

    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "Intrathecal pump",
        "Spinal Cord Stimulation",
    ]
    assert f"Not imported: {tmp_path / 'old.doc'}: This is an old Word .doc file" in err.getvalue()
    assert "Left out as clinic information (check it against the clinic's profile): “Wabash Valley Pain" in (
        out.getvalue()
    )

    again = StringIO()
    call_command(
        "import_article", str(tmp_path / "pump.txt"), str(tmp_path / "blog"), clinic=clinic.slug, stdout=again
    )
    assert again.getvalue().count("Skipped ") == 2
    assert "0 imported, 2 skipped, 0 refused, of 2 files." in again.getvalue()
    call_command(
        "import_article", str(tmp_path / "pump.txt"), clinic=clinic.slug, duplicates="new", stdout=StringIO()
    )
    assert Article.objects.filter(title="Intrathecal pump").count() == 2


def test_the_command_refuses_an_empty_folder(tmp_path, clinic):
    with pytest.raises(CommandError, match="has no documents to import"):
        call_command("import_article", str(tmp_path), clinic=clinic.slug, stdout=StringIO())


# --- Suggestions ----------------------------------------------------------------------------------


def import_pump(clinic, by):
    return importing.import_article(PUMP_POST.encode(), filename="pump.txt", clinic=clinic, by=by)


def test_an_import_suggests_rows_and_saves_none_until_the_writer_confirms(clinic, staff):
    result = import_pump(clinic, staff["wendy"])
    article = result.article

    assert [(s.kind, s.text) for s in article.import_suggestions.all()] == [
        ("condition", "Complex regional pain syndrome (CRPS)"),
        ("condition", "Cancer pain"),
        ("condition", "Spasticity after a spinal cord injury"),
        ("candidate", "Your pain has lasted more than six months"),
        ("candidate", "Other treatments have not helped"),
        ("candidate", "A trial dose eased your pain"),
        ("contraindication", "You have an infection that has not healed"),
        ("risk", "Infection"),
        ("risk", "Spinal fluid leak"),
    ]
    assert not ArticleCondition.objects.exists() and not ArticleRisk.objects.exists()
    assert not CandidateCriterion.objects.exists() and not Contraindication.objects.exists()
    # The lists stay in their sections: the text is the writer's until they remove it.
    assert "<li>Infection</li>" in article.sections.get(heading="What are the risks?").body


def test_conditions_and_risks_match_by_name_or_synonym_only(clinic, staff):
    crps = Condition.objects.create(name="Complex regional pain syndrome", slug="crps")
    spasticity = Condition.objects.create(name="Spasticity", slug="spasticity")  # a near name: no match
    leak = Risk.objects.create(
        name="CSF leak", slug="csf-leak", synonyms="Spinal fluid leak\nCerebrospinal fluid leak"
    )
    infection = Risk.objects.create(name="Infection", slug="infection")
    article = import_pump(clinic, staff["wendy"]).article

    matched = {s.text: term for s, term in confirming.describe(article.import_suggestions.all())}
    assert matched["Complex regional pain syndrome (CRPS)"] == crps  # the name before the brackets
    assert matched["Cancer pain"] is None
    assert matched["Spasticity after a spinal cord injury"] is None
    assert spasticity not in matched.values()
    assert matched["Spinal fluid leak"] == leak  # a synonym, case and spacing aside
    assert matched["Infection"] == infection


def test_the_writer_confirms_some_suggestions_on_the_admin_page_and_drops_the_rest(
    writer_client, clinic, staff
):
    infection = Risk.objects.create(name="Infection", slug="infection")
    article = import_pump(clinic, staff["wendy"]).article
    suggestions = {s.text: s.pk for s in article.import_suggestions.all()}
    url = reverse("admin:articles_article_suggestions", args=[article.pk])

    page = writer_client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Complex regional pain syndrome (CRPS)" in content
    assert "“Infection”" in content  # the match is shown
    change_page = writer_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()
    assert "9 suggestions from the import</strong> wait for you" in change_page

    versions_before = Version.objects.get_for_object(article).count()
    chosen = [
        "Cancer pain",
        "Infection",
        "Other treatments have not helped",
        "You have an infection that has not healed",
    ]
    response = writer_client.post(url, {"confirmed": [suggestions[text] for text in chosen]})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_article_change", args=[article.pk])
    assert list(article.article_conditions.values_list("condition__name", flat=True)) == ["Cancer pain"]
    assert Condition.objects.get(name="Cancer pain").slug == "cancer-pain"  # new in the shared list
    assert list(article.article_risks.values_list("risk", flat=True)) == [infection.pk]
    assert list(article.candidate_criteria.values_list("text", flat=True)) == [
        "Other treatments have not helped"
    ]
    assert list(article.contraindications.values_list("text", flat=True)) == [
        "You have an infection that has not healed"
    ]
    assert not ImportSuggestion.objects.exists()  # the rest were dropped
    assert messages_of(response)[0].startswith("Added 4 rows to the article")
    assert Version.objects.get_for_object(article).count() == versions_before + 1
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_a_new_term_waits_when_the_user_may_not_add_to_the_shared_list(clinic, staff):
    article = import_pump(clinic, staff["wendy"]).article
    user = staff["wendy"]
    cancer = article.import_suggestions.get(text="Cancer pain")
    user.user_permissions.clear()
    # A user whose roles do not include adding conditions (none of the demo roles lacks it).
    type(user).has_perm = lambda self, perm, obj=None: perm != "articles.add_condition"
    try:
        added, kept = confirming.decide(article, confirmed={cancer.pk}, by=user)
    finally:
        del type(user).has_perm
    assert (added, len(kept)) == (0, 1)
    assert "“Cancer pain” is not yet a known condition treated" in kept[0]
    assert list(article.import_suggestions.all()) == [cancer]
    assert not Condition.objects.exists()


def test_suggestions_of_another_clinics_article_or_of_one_in_review_cannot_be_decided(client, clinic, staff):
    article = import_pump(clinic, staff["wendy"]).article
    outsider = make_staff(make_clinic(), suffix="-other")["wendy-other"]
    client.force_login(outsider)
    url = reverse("admin:articles_article_suggestions", args=[article.pk])
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {"confirmed": [s.pk for s in article.import_suggestions.all()]}).status_code in (
        403,
        404,
    )
    assert article.import_suggestions.count() == 9

    transition(article, "submit", by=staff["wendy"])
    client.force_login(staff["wendy"])
    assert client.post(url, {"confirmed": []}).status_code == 403  # read-only while in review
    assert article.import_suggestions.count() == 9


def test_a_malformed_article_id_on_the_suggestions_page_is_a_404(writer_client):
    for object_id in ("abc", "1.5", "%00"):
        response = writer_client.get(f"/admin/articles/article/{object_id}/suggestions/")
        assert response.status_code == 404, object_id


def test_a_wordpress_export_with_a_failed_post_makes_the_command_say_not_all_were_imported(tmp_path, clinic):
    long_heading = "Why " * 60
    broken = POST.format(title="Hip pain", slug="hip").replace(
        "<h2>Treatment</h2>", f"<h2>{long_heading}</h2>"
    )
    export = tmp_path / "blog.xml"
    export.write_text(WXR.format(items=POST.format(title="Knee pain", slug="knee") + broken))
    out = StringIO()

    with pytest.raises(CommandError, match="1 of its posts and pages failed"):
        call_command("import_article", str(export), clinic=clinic.slug, stdout=out)
    assert list(Article.objects.values_list("slug", flat=True)) == ["knee"]
    assert "Failed “Hip pain”: The heading “Why Why" in out.getvalue()


def test_an_aside_or_a_footer_inside_a_wordpress_post_is_part_of_the_post(writer_client, clinic):
    post = POST.format(title="Knee pain", slug="knee").replace(
        "<h2>Treatment</h2>",
        "<aside><p>Stop blood thinners five days before, as told.</p></aside><h2>Treatment</h2>",
    )
    writer_client.post(
        reverse(IMPORT_URL),
        {"document": upload("blog.xml", WXR.format(items=post).encode()), "clinic": clinic.pk},
    )
    bodies = " ".join(Article.objects.get().sections.values_list("body", flat=True))
    assert "Stop blood thinners five days before" in bodies
