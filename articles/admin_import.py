"""The admin page that imports an existing document (Markdown, HTML or plain text) as a draft article."""

import reversion
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from articles import importing
from clinics import roles
from clinics.models import Clinic


class ArticleImportForm(forms.Form):
    document = forms.FileField(
        help_text=(
            "A .md, .markdown, .html, .htm or .txt file saved as UTF-8, up to "
            f"{importing.MAX_BYTES // (1024 * 1024)} MB. The first heading becomes the title, the "
            "first paragraph the summary, and every further heading starts a section."
        ),
    )
    clinic = forms.ModelChoiceField(
        queryset=Clinic.objects.all(), help_text="The clinic that publishes the article."
    )
    file_format = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[("", "From the file name"), ("md", "Markdown"), ("html", "HTML"), ("txt", "Plain text")],
        help_text="Only needed when the file name does not end in the right extension.",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            # Only clinics where this user may add articles: a POST naming another is refused.
            self.fields["clinic"].queryset = roles.scope(
                Clinic.objects.all(), user, field="pk", perm="articles.add_article"
            )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("document")
        if upload is not None:
            try:
                # One byte over the limit is enough to refuse: a huge upload is never read whole.
                cleaned["parsed"] = importing.parse_document(
                    upload.read(importing.MAX_BYTES + 1),
                    filename=upload.name,
                    file_format=cleaned.get("file_format") or None,
                )
            except importing.ImportRefused as refusal:
                self.add_error("document", refusal.reason)
        return cleaned


def import_article_view(request, model_admin):
    """Upload a document and save it as a draft article; wrapped in admin_view by ArticleAdmin."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    if request.method == "POST":
        form = ArticleImportForm(request.POST, request.FILES, user=request.user)
    else:
        form = ArticleImportForm(user=request.user)
    if form.is_bound and form.is_valid():
        source = form.cleaned_data["document"].name
        try:
            with reversion.create_revision():
                result = importing.create_draft(
                    form.cleaned_data["parsed"],
                    clinic=form.cleaned_data["clinic"],
                    by=request.user,
                    source=source,
                )
                model_admin.log_addition(request, result.article, [{"added": {}}])
                reversion.set_comment(f"Imported from {source}")
        except importing.ImportRefused as refusal:
            form.add_error(None, refusal.reason)
        else:
            _report(request, model_admin, result)
            opts = model_admin.opts
            return HttpResponseRedirect(
                reverse(
                    f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                    args=[result.article.pk],
                    current_app=model_admin.admin_site.name,
                )
            )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Import an article",
        "form": form,
        "has_view_permission": model_admin.has_view_permission(request),
    }
    return TemplateResponse(request, "admin/articles/article/import.html", context)


def _report(request, model_admin, result: importing.ImportResult) -> None:
    sections = f"{result.section_count} section{'' if result.section_count == 1 else 's'}"
    message = f"Imported “{result.article.title}” as a draft with {sections}."
    if result.slug_changed:
        message += (
            f" Another article already uses the web address “{result.wanted_slug}”, "
            f"so this one is “{result.slug}”."
        )
    model_admin.message_user(request, message, messages.SUCCESS)
    if result.skipped_headings:
        headings = ", ".join(f"“{heading}”" for heading in result.skipped_headings)
        model_admin.message_user(
            request, f"Left out headings with no text under them: {headings}.", messages.WARNING
        )
    if result.split_sections:
        model_admin.message_user(request, importing.split_report(result.split_sections), messages.WARNING)
