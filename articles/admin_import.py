"""The admin pages that import existing documents as draft articles (Markdown, HTML, plain text, Word,
a WordPress export; several files at once), and the page where the writer confirms or drops the
rows an import suggested.

Pictures come with the documents: chosen with them (picture files among the files), or in a .zip
with them (articles/importing/archive.py). Every document of the upload can show any of them (by
file name); a Word file's own pictures come in anyway (articles/importing/pictures.py)."""

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse

from articles import importing
from articles.importing import archive, confirming, report
from articles.models import Article
from clinics import roles
from clinics.models import Clinic

# More files at once is a folder's worth: the command (import_article) takes folders.
MAX_FILES = 20
# Picture files with the documents (chosen, or in a .zip): each document shows at most
# importing.MAX_PICTURES of them. Django refuses a request of more than DATA_UPLOAD_MAX_NUMBER_FILES
# files (100 by default) anyway: more come in a .zip.
MAX_PICTURE_FILES = 200
# Posts of a WordPress export imported in one request: ~40 ms each (bench/import_wordpress.py), so
# about 12 s; a bigger blog goes through the command, which has no request to time out.
MAX_POSTS_PER_UPLOAD = 300
# Lines of a WordPress report shown as messages (they live in the session until shown).
MAX_REPORT_LINES = 100
LEVELS = {"success": messages.SUCCESS, "warning": messages.WARNING, "info": messages.INFO}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern for ``multiple``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ArticleImportForm(forms.Form):
    document = MultipleFileField(
        label="Documents",
        help_text=(
            "One or several files: .md, .markdown, .html, .htm or .txt saved as UTF-8 (up to "
            f"{importing.MAX_BYTES // (1024 * 1024)} MB each), Word .docx (up to "
            f"{importing.MAX_DOCX_BYTES // (1024 * 1024)} MB), or a WordPress export .xml "
            "(Tools → Export in WordPress: every post and page becomes a draft). At most "
            f"{MAX_FILES} documents at once. Choose the pictures a Markdown or HTML file shows with it "
            "(PNG, JPEG, WebP), or put the document and its pictures in one .zip file."
        ),
    )
    clinic = forms.ModelChoiceField(
        queryset=Clinic.objects.all(), help_text="The clinic that publishes the articles."
    )
    file_format = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[
            ("", "From the file name"),
            ("md", "Markdown"),
            ("html", "HTML"),
            ("txt", "Plain text"),
            ("docx", "Word (.docx)"),
        ],
        help_text="Only needed when the file names do not end in the right extension.",
    )
    duplicates = forms.ChoiceField(
        label="Imported before",
        required=False,
        choices=[("skip", "Skip it"), ("new", "Import it as a new draft")],
        initial="skip",
        widget=forms.RadioSelect,
        help_text="A file already imported into this clinic. Nothing is ever overwritten.",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            # Only clinics where this user may add articles: a POST naming another is refused.
            self.fields["clinic"].queryset = roles.scope(
                Clinic.objects.all(), user, field="pk", perm="articles.add_article"
            )

    def clean_document(self):
        """The documents; the pictures that came with them go to cleaned_data["pictures"]."""
        documents, pictures = [], []
        # The limits hold for the whole upload: several .zip files chosen together count as one.
        zipped, unpacked_bytes = 0, 0
        for upload in self.cleaned_data["document"]:
            if archive.is_zip_name(upload.name):
                zipped += upload.size or 0
                if zipped > archive.MAX_ZIP_BYTES:
                    raise forms.ValidationError(
                        f"The .zip files come to more than {filesizeformat(archive.MAX_ZIP_BYTES)}: "
                        "import them in several goes."
                    )
                try:
                    unpacked = archive.unpack(
                        _read_zip(upload),
                        document_limit=importing.max_bytes,
                        importable=importing.IMPORTABLE_EXTENSIONS,
                        budget=archive.MAX_UNPACKED_BYTES - unpacked_bytes,
                    )
                except importing.ImportRefused as refusal:
                    raise forms.ValidationError(f"“{upload.name}”: {refusal.reason}") from None
                unpacked_bytes += sum(file.size for file in unpacked)
            else:
                unpacked = [upload]
            for file in unpacked:
                (pictures if importing.is_picture_name(file.name) else documents).append(file)
        if not documents:
            raise forms.ValidationError(
                "Only pictures were chosen: choose the document that shows them too (a Markdown or HTML "
                "file), or put it in the .zip with them."
            )
        if len(documents) > MAX_FILES:
            raise forms.ValidationError(
                f"{len(documents)} files were chosen; import at most {MAX_FILES} at once (or use the "
                "import_article command with a folder)."
            )
        if len(pictures) > MAX_PICTURE_FILES:
            raise forms.ValidationError(
                f"{len(pictures)} pictures were chosen; at most {MAX_PICTURE_FILES} come with one import."
            )
        self.cleaned_data["pictures"] = importing.LocalFiles.from_uploads(pictures)
        return documents

    def clean(self):
        cleaned = super().clean()
        uploads, clinic = cleaned.get("document"), cleaned.get("clinic")
        if uploads and len(uploads) == 1 and clinic is not None:
            # One document: a refusal is the form's error, and nothing is saved.
            upload = uploads[0]
            if not importing.is_wordpress_export(upload.name, cleaned.get("file_format") or None):
                try:
                    cleaned["parsed"] = [
                        _parse(upload, clinic, cleaned.get("file_format") or None, cleaned.get("pictures"))
                    ]
                except importing.ImportRefused as refusal:
                    self.add_error("document", refusal.reason)
        return cleaned


def _read(upload) -> bytes:
    upload.seek(0)
    # One byte over the limit is enough to refuse: a huge upload is never read whole.
    return upload.read(importing.max_bytes(upload.name) + 1)


def _read_zip(upload) -> bytes:
    upload.seek(0)
    return upload.read(archive.MAX_ZIP_BYTES + 1)


def _parse(upload, clinic, file_format, pictures=None):
    data = _read(upload)
    return data, importing.parse_document(
        data,
        filename=upload.name,
        file_format=file_format,
        clinic=clinic,
        pictures=pictures if pictures is not None else importing.LocalFiles(),
    )


def import_article_view(request, model_admin):
    """Upload documents and save them as draft articles; wrapped in admin_view by ArticleAdmin."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    if request.method == "POST":
        form = ArticleImportForm(request.POST, request.FILES, user=request.user)
    else:
        form = ArticleImportForm(user=request.user)
    if form.is_bound and form.is_valid():
        articles = _import_all(request, model_admin, form)
        if articles is not None:
            return HttpResponseRedirect(_next_page(model_admin, articles))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Import articles",
        "form": form,
        "has_view_permission": model_admin.has_view_permission(request),
    }
    return TemplateResponse(request, "admin/articles/article/import.html", context)


def _import_all(request, model_admin, form) -> list[Article] | None:
    """Import every upload, each on its own (one refused file does not stop the others); the
    drafts made, or None when the only document was refused (the form then says why)."""
    clinic, duplicates = form.cleaned_data["clinic"], form.cleaned_data["duplicates"] or "skip"
    file_format = form.cleaned_data.get("file_format") or None
    uploads = form.cleaned_data["document"]
    parsed = form.cleaned_data.get("parsed")  # the only document, read and parsed by the form
    created: list[Article] = []
    for upload in uploads:
        try:
            if importing.is_wordpress_export(upload.name, file_format):
                created += _import_wordpress(request, model_admin, upload, clinic, duplicates)
                continue
            data, document = (
                parsed[0]
                if parsed
                else _parse(upload, clinic, file_format, form.cleaned_data.get("pictures"))
            )
            sha256 = importing.document_hash(data, upload.name)
            previous = importing.previous_imports(clinic, [sha256]).get(sha256)
            if previous is not None and duplicates == "skip":
                model_admin.message_user(
                    request, report.duplicate_line(f"“{upload.name}”", previous), messages.WARNING
                )
                continue
            created.append(_save(request, model_admin, document, clinic, upload.name, sha256))
        except importing.ImportRefused as refusal:
            if len(uploads) == 1:
                form.add_error("document", refusal.reason)
                return None
            model_admin.message_user(
                request, f"Not imported: “{upload.name}”: {refusal.reason}", messages.ERROR
            )
    return created


def _save(request, model_admin, document, clinic, source: str, sha256: str) -> Article:
    with reversion.create_revision():
        result = importing.create_draft(
            document, clinic=clinic, by=request.user, source=source, sha256=sha256
        )
        model_admin.log_addition(request, result.article, [{"added": {}}])
        reversion.set_comment(f"Imported from {source}")
    sections = f"{result.section_count} section{'' if result.section_count == 1 else 's'}"
    message = f"Imported “{result.article.title}” as a draft with {sections}."
    if result.slug_changed:
        message += (
            f" Another article already uses the web address “{result.wanted_slug}”, "
            f"so this one is “{result.slug}”."
        )
    model_admin.message_user(request, message, messages.SUCCESS)
    for level, text in report.result_lines(result):
        if not text.startswith("The slug "):  # said in the first message
            model_admin.message_user(request, text, LEVELS[level])
    return result.article


def _import_wordpress(request, model_admin, upload, clinic, duplicates) -> list[Article]:
    export = importing.import_wordpress(
        _read(upload),
        clinic=clinic,
        by=request.user,
        filename=upload.name,
        on_duplicate=duplicates,
        max_posts=MAX_POSTS_PER_UPLOAD,
    )
    articles = [post.result.article for post in export.imported]
    for article in articles:
        # The admin's log only: each draft's version was saved, with its comment, by create_draft
        # (ArticleAdmin.log_addition names the version of an admin save, and there is none here).
        admin.ModelAdmin.log_addition(model_admin, request, article, [{"added": {}}])
    lines = export.lines()
    model_admin.message_user(request, lines[0], messages.SUCCESS if articles else messages.WARNING)
    for line in lines[1 : MAX_REPORT_LINES + 1]:
        model_admin.message_user(request, line, messages.INFO)
    if len(lines) > MAX_REPORT_LINES + 1:
        model_admin.message_user(
            request,
            f"… and {len(lines) - MAX_REPORT_LINES - 1:,} more lines: the import_article command prints "
            "the whole report.",
            messages.INFO,
        )
    return articles


def _next_page(model_admin, articles: list[Article]) -> str:
    """One draft: its suggestions if it has any, else its page. Several: the article list."""
    site = model_admin.admin_site.name
    if len(articles) == 1:
        article = articles[0]
        name = (
            "articles_article_suggestions"
            if article.import_suggestions.exists()
            else "articles_article_change"
        )
        return reverse(f"{site}:{name}", args=[article.pk], current_app=site)
    return reverse(f"{site}:articles_article_changelist", current_app=site)


class SuggestionsForm(forms.Form):
    confirmed = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, suggestions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirmed"].choices = [(suggestion.pk, suggestion.text) for suggestion in suggestions]


def suggestions_view(request, model_admin, object_id):
    """Confirm or drop what an import suggested; wrapped in admin_view by ArticleAdmin."""
    article = model_admin.get_object(request, unquote(object_id))  # None for a malformed id too
    if article is None:
        raise Http404("No such article.")
    if not model_admin.has_change_permission(request, article):
        raise PermissionDenied
    suggestions = list(article.import_suggestions.all())
    change_url = reverse(
        f"{model_admin.admin_site.name}:articles_article_change",
        args=[article.pk],
        current_app=model_admin.admin_site.name,
    )
    form = SuggestionsForm(request.POST or None, suggestions=suggestions)
    if request.method == "POST" and form.is_valid():
        added, kept = confirming.decide(
            article, confirmed=set(form.cleaned_data["confirmed"]), by=request.user
        )
        model_admin.message_user(
            request,
            f"Added {added} row{'' if added == 1 else 's'} to the article; the rest of the suggestions were "
            "dropped (their text stays in the sections).",
            messages.SUCCESS,
        )
        for line in kept:
            model_admin.message_user(request, line, messages.WARNING)
        return HttpResponseRedirect(change_url)
    rows = [
        {"suggestion": suggestion, "term": term, "kind": suggestion.get_kind_display()}
        for suggestion, term in confirming.describe(suggestions)
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": article,
        "title": f"Suggestions from the import of “{article.title}”",
        "rows": rows,
        "form": form,
        "change_url": change_url,
        "has_view_permission": True,
    }
    return TemplateResponse(request, "admin/articles/article/import_suggestions.html", context)
