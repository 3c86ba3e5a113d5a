import datetime

import reversion
from adminsortable2.admin import SortableAdminBase, SortableStackedInline, SortableTabularInline
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from articles import previews, publishing, receivers, revisions, snapshots, translations, workflow
from articles.admin_feedback import grade_view
from articles.admin_import import import_article_view, suggestions_view
from articles.admin_preview import patient_preview_view
from articles.codes import ConditionCodeForm
from articles.forms import (
    ArticleAdminForm,
    ChildRowsFormSet,
    LoadedChoiceAutocompleteSelect,
    ReviewForm,
    TermPartFormSet,
    TopicProposalForm,
    TopicTranslationForm,
    TransitionForm,
)
from articles.handouts import preview_handout_view
from articles.models import (
    Article,
    ArticleCondition,
    ArticleRisk,
    ArticleTransition,
    CandidateCriterion,
    ClinicalReview,
    Condition,
    ConditionCode,
    ConditionTranslation,
    Contraindication,
    PreviewLink,
    Publication,
    Reference,
    Reviewer,
    Risk,
    RiskTranslation,
    Section,
    TopicProposal,
    content_languages,
)
from articles.rich_text import sanitize_rich_text
from articles.states import State, badge
from clinics import roles
from clinics.models import Clinic, Membership
from clinics.roles import ClinicScopedAdmin
from cms.lib.admin import BoundedDateHierarchy, RetryOnUniqueRace
from cms.lib.dates import local_datetime
from media_library.models import Image


class EditableWithArticle:
    """Inline rows follow the article: a writer cannot change the children of a live article."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and workflow.can_edit(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and workflow.can_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and workflow.can_edit(request.user, obj)


class ChildRowsInline:
    """An article's ordered children: saved in an order no unique constraint trips on, with
    autocomplete pickers that show each row's choice from the row (loaded with it, one query)."""

    formset = ChildRowsFormSet

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows.select_related(*self.autocomplete_fields) if self.autocomplete_fields else rows

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = LoadedChoiceAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def grades_html(obj) -> str:
    """ "Grade 7.2 (Flesch-Kincaid 6.1, SMOG 7.2), target 8", flagged when above the target."""
    if obj.reading_grade is None:
        return "Not measured yet: it is measured when the text is saved."
    target = settings.READABILITY_TARGET_GRADE
    grades = format_html(
        "Grade {} (Flesch-Kincaid {}, SMOG {}); target: grade {}",
        f"{obj.reading_grade:g}",
        "–" if obj.flesch_kincaid_grade is None else f"{obj.flesch_kincaid_grade:g}",
        "–" if obj.smog_grade is None else f"{obj.smog_grade:g}",
        f"{target:g}",
    )
    if obj.is_above_target:
        return format_html(
            '<strong class="readability-above-target" style="color: var(--error-fg)">'
            "Above target.</strong> {}. Try shorter sentences and shorter words.",
            grades,
        )
    return format_html('<span class="readability-within-target">Within target.</span> {}', grades)


class SectionInline(EditableWithArticle, ChildRowsInline, SortableStackedInline):
    model = Section
    extra = 0
    fields = ["heading", "body", "link_to_section", "reading_level"]
    readonly_fields = ["link_to_section", "reading_level"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        # Read-only: the text as a reader sees it, not its HTML.
        return ["formatted_body" if field == "body" else field for field in fields]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "formatted_body"]

    @admin.display(description="text")
    def formatted_body(self, section):
        # Sanitised again: this page is on the admin's own site.
        return mark_safe(f'<div class="section-text">{sanitize_rich_text(section.body)}</div>')

    @admin.display(description="link to this section")
    def link_to_section(self, section):
        if not section.anchor:
            return "Made from the heading when the section is first saved."
        return format_html(
            '<code>#{}</code> <span class="help">Front ends link to this section with it; it is made '
            "from the first heading and then kept, so links keep working when the heading changes.</span>",
            section.anchor,
        )

    @admin.display(description="reading level")
    def reading_level(self, section):
        return grades_html(section) if section.pk else "Measured when the section is saved."


class ArticleConditionInline(EditableWithArticle, ChildRowsInline, SortableTabularInline):
    model = ArticleCondition
    extra = 0
    autocomplete_fields = ["condition"]


class ArticleRiskInline(EditableWithArticle, ChildRowsInline, SortableTabularInline):
    model = ArticleRisk
    extra = 0
    autocomplete_fields = ["risk"]


class CandidateCriterionInline(EditableWithArticle, ChildRowsInline, SortableTabularInline):
    model = CandidateCriterion
    extra = 0


class ContraindicationInline(EditableWithArticle, ChildRowsInline, SortableTabularInline):
    model = Contraindication
    extra = 0


class ReferenceInline(EditableWithArticle, ChildRowsInline, SortableTabularInline):
    model = Reference
    extra = 0
    fields = ["title", "url", "doi", "pubmed_id", "accessed_on"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ArticleTransitionInline(ReadOnlyInline):
    model = ArticleTransition
    verbose_name_plural = "workflow history"
    fields = ["at", "actor_name", "from_state", "to_state", "note"]
    readonly_fields = fields


class PublicationInline(ReadOnlyInline):
    model = Publication
    verbose_name_plural = "published versions (newest first)"
    fields = ["live_from", "live_until_display", "slug", "title", "approved_by_name", "approved_at"]
    readonly_fields = fields

    @admin.display(description="live until")
    def live_until_display(self, publication):
        until = publication.live_until
        if until is not None and until <= publication.live_from:
            return "never went live (replaced or withdrawn before its time)"
        return "—" if until is None else local_datetime(until)


class ClinicalReviewInline(ReadOnlyInline):
    model = ClinicalReview
    verbose_name_plural = "clinical reviews"
    fields = ["reviewed_on", "reviewer", "recorded_by", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer", "recorded_by")


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return State.choices

    def queryset(self, request, articles):
        value = self.value()
        if value not in State.values:
            return articles
        approved = Q(is_live=True) | Q(is_scheduled=True)
        status = Article.Status
        conditions = {
            State.DRAFT: Q(status=status.DRAFT) & ~approved,
            State.IN_REVIEW: Q(status=status.IN_REVIEW) & ~approved,
            State.LIVE_WITH_CHANGES: Q(status=status.DRAFT) & approved,
            State.CHANGES_IN_REVIEW: Q(status=status.IN_REVIEW) & approved,
            State.SCHEDULED: Q(status=status.PUBLISHED, is_scheduled=True),
            State.LIVE: Q(status=status.PUBLISHED, is_live=True, is_scheduled=False),
            State.EXPIRED: Q(status=status.PUBLISHED, is_live=False, is_scheduled=False),
            State.ARCHIVED: Q(status=status.ARCHIVED),
        }
        return articles.filter(conditions[value])


class ClinicFilter(admin.SimpleListFilter):
    """The user's own clinics only (the stock filter would list every clinic's name)."""

    title = "clinic"
    parameter_name = "clinic__id__exact"

    def lookups(self, request, model_admin):
        clinics = roles.scope(Clinic.objects.all(), request.user, field="pk")
        return [(str(clinic.pk), clinic.name) for clinic in clinics]

    def has_output(self):
        return len(self.lookup_choices) > 1

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        # ASCII digits, no more than an id has: int() refuses 4,300+ digits with a ValueError (a 500).
        if not (value.isascii() and value.isdigit() and len(value) <= 18):
            raise IncorrectLookupParameters("Choose a clinic from the list.")
        return queryset.filter(clinic_id=int(value))


class ReviewDueFilter(admin.SimpleListFilter):
    title = "clinical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Overdue"),
            ("soon", "Due in the next 30 days"),
            ("never", "Never reviewed"),
        ]

    def queryset(self, request, articles):
        today = timezone.localdate()
        if self.value() == "overdue":
            return articles.review_overdue()
        if self.value() == "soon":
            return articles.filter(
                next_review_due__gte=today, next_review_due__lte=today + datetime.timedelta(days=30)
            )
        if self.value() == "never":
            return articles.filter(last_reviewed_on__isnull=True)
        return articles


class ReadabilityFilter(admin.SimpleListFilter):
    title = "reading level"
    parameter_name = "reading"

    def lookups(self, request, model_admin):
        target = f"{settings.READABILITY_TARGET_GRADE:g}"
        return [("above", f"Above target (grade {target})"), ("within", f"Within target (grade {target})")]

    def queryset(self, request, articles):
        if self.value() == "above":
            return articles.above_reading_target()
        if self.value() == "within":
            return articles.filter(flesch_kincaid_grade__isnull=False).exclude(
                pk__in=articles.above_reading_target().values("pk")
            )
        return articles


@admin.register(Article)
class ArticleAdmin(
    ClinicScopedAdmin, BoundedDateHierarchy, RetryOnUniqueRace, SortableAdminBase, admin.ModelAdmin
):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"

    class Media:
        # Live grades, a local draft and the unsaved-changes warning while writing (admin_feedback.py).
        # State badges and read-only notices (editorial.css) on the list and the article page.
        css = {"all": ["articles/editor_feedback.css", "articles/editorial.css"]}
        js = ["articles/editor_feedback.js"]

    list_display = [
        "title",
        "clinic",
        "state",
        "published_at",
        "next_review_due",
        "reading_grade",
        "updated_at",
    ]
    list_select_related = ["clinic"]
    list_filter = [StateFilter, ReviewDueFilter, ReadabilityFilter, ClinicFilter, "conditions"]
    search_fields = ["title", "summary", "sections__heading", "sections__body_text"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["clinic", "lead_image", "translation_of"]
    readonly_fields = [
        "translation_links",
        "accessibility",
        "state",
        "published_at",
        "reviewed_by",
        "last_reviewed_on",
        "next_review_due",
        "created_at",
        "updated_at",
        "reading_level",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "clinic", "language", "opened_version"]}),
        (
            "Picture",
            {
                "fields": ["lead_image"],
                "description": "Shown at the top of the article and beside it in lists. Start typing "
                "its alt text to find it in the clinic's image library; upload new pictures under "
                "Images. Pictures inside a section: the picture button in the section's toolbar.",
            },
        ),
        (
            "Treatment",
            {
                "fields": ["treatment_type", "treatment_name"],
                "description": "What the article explains, if it explains a treatment. "
                "Search engines show it with the conditions and risks below.",
            },
        ),
        ("Reading level", {"fields": ["reading_level"]}),
        ("Accessibility", {"fields": ["accessibility"]}),
        (
            "Translation",
            {
                "fields": ["translation_links", "translation_of", "source_changed"],
                "description": "A translation is an article of its own: its own text, clinical review "
                "and publication.",
            },
        ),
        ("Publishing", {"fields": ["state", "published_at", "created_at", "updated_at"]}),
        (
            "Clinical review",
            {"fields": ["reviewed_by", "last_reviewed_on", "review_interval_months", "next_review_due"]},
        ),
    ]
    inlines = [
        SectionInline,
        ArticleConditionInline,
        ArticleRiskInline,
        CandidateCriterionInline,
        ContraindicationInline,
        ReferenceInline,
        ClinicalReviewInline,
        ArticleTransitionInline,
        PublicationInline,
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_public_state()

    @admin.display(description="state")
    def state(self, article):
        return badge(workflow.state_of(article))

    @admin.display(description="reading grade", ordering="smog_grade")
    def reading_grade(self, article):
        if article.reading_grade is None:
            return "–"
        if article.is_above_target:
            return format_html(
                '<strong style="color: var(--error-fg)">{} (above target)</strong>',
                f"{article.reading_grade:g}",
            )
        return f"{article.reading_grade:g}"

    @admin.display(description="whole article")
    def reading_level(self, article):
        above = [section for section in article.sections.all() if section.is_above_target]
        if not above:
            return grades_html(article)
        return format_html(
            "{}<br>Sections above the target: {}",
            grades_html(article),
            format_html_join(", ", "“{}” (grade {})", ((s.heading, f"{s.reading_grade:g}") for s in above)),
        )

    @admin.display(description="checks")
    def accessibility(self, article):
        """What the accessibility checks find in the saved text (live while typing: the editor's
        feedback panel); errors block publishing."""
        issues = workflow.accessibility_issues(article)
        if not issues:
            return "No problems found: pictures described, headings in order, links that say where they go."
        return format_html(
            '<ul class="accessibility-issues">{}</ul>',
            format_html_join(
                "",
                '<li class="accessibility-{}"><strong>{}</strong> {}</li>',
                (
                    (
                        issue.level,
                        {"error": "Must fix:", "warning": "Check:", "suggestion": "Tip:"}[issue.level],
                        issue.message,
                    )
                    for issue in issues
                ),
            ),
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and workflow.can_edit(request.user, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # A new article is a draft: nothing to show about publishing, reviews or grades yet.
            return fieldsets[:3]
        return fieldsets

    def get_inlines(self, request, obj):
        if obj is None:
            return [inline for inline in self.inlines if not issubclass(inline, ReadOnlyInline)]
        return self.inlines

    # Every admin save of an article is one version, children included.
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with reversion.create_revision():
            reversion.set_user(request.user)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def log_addition(self, request, obj, message):
        reversion.set_comment("Created")
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        reversion.set_comment(entry.get_change_message() or "Saved without changes")
        return entry

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("field_name") == "translation_of":  # the autocomplete: originals only
            results = results.filter(translation_of__isnull=True)
        return results, may_have_duplicates

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "translation_of":
            # Only originals of the user's clinics (the same clinic: Article.clean).
            ids = roles.clinic_ids(request.user)
            originals = Article.objects.filter(translation_of__isnull=True)
            kwargs["queryset"] = originals if ids is None else originals.filter(clinic_id__in=ids)
        if db_field.name == "lead_image":
            # Only pictures of the user's clinics can be chosen, or named back in a refused form
            # (Article.clean then asks for the article's own clinic's).
            ids = roles.clinic_ids(request.user)
            images = Image.objects.select_related("clinic")
            kwargs["queryset"] = images if ids is None else images.filter(clinic_id__in=ids)
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            # The clinic picker: a posted value that is no id is a form error, not a 500.
            kwargs["widget"] = LoadedChoiceAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        with receivers.grades_once():  # the article's grades once, not once per section saved
            super().save_related(request, form, formsets, change)
        if change and (form.has_changed() or any(formset.has_changed() for formset in formsets)):
            # An approved article now has unpublished changes; what is live stays live.
            workflow.working_copy_changed(form.instance, by=request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            state = workflow.state_of(obj)
            context |= {
                "state": state,
                "public": public_summary(obj),
                "workflow_actions": workflow.available_actions(request.user, obj, state),
                "can_record_review": request.user.has_perm(workflow.REVIEW_PERMISSION, obj),
                "can_preview": self.has_view_permission(request, obj),
                "preview_links": previews.active_links(obj),
                "import_suggestion_count": obj.import_suggestions.count(),
                "read_only_reason": (
                    ""
                    if self.has_change_permission(request, obj)
                    else read_only_reason(request.user, obj, state)
                ),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/workflow/<str:action_name>/",
                view(self.transition_view),
                name="articles_article_transition",
            ),
            path("import/", view(self.import_view), name="articles_article_import"),
            path(
                "<path:object_id>/suggestions/",
                view(self.suggestions_view),
                name="articles_article_suggestions",
            ),
            path("grade/", view(self.grade_view), name="articles_article_grade"),
            path("<path:object_id>/review/", view(self.review_view), name="articles_article_review"),
            path(
                "<path:object_id>/history/compare/", view(self.compare_view), name="articles_article_compare"
            ),
            path(
                "<path:object_id>/history/<int:version_id>/revert/",
                view(self.revert_view),
                name="articles_article_revert",
            ),
            path(
                "<path:object_id>/preview/",
                view(require_POST(self.create_preview_view)),
                name="articles_article_preview",
            ),
            path(
                "<path:object_id>/preview/<int:link_id>/revoke/",
                view(require_POST(self.revoke_preview_view)),
                name="articles_article_revoke_preview",
            ),
            path(
                "<path:object_id>/patient-preview/",
                view(patient_preview_view),
                {"model_admin": self},
                name="articles_article_patient_preview",
            ),
            path(
                "<path:object_id>/handout.pdf",
                view(preview_handout_view),
                {"model_admin": self},
                name="articles_article_handout",
            ),
            path("<path:object_id>/translate/", view(self.translate_view), name="articles_article_translate"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        return import_article_view(request, self)

    def translate_view(self, request, object_id):
        """Start a translation of this article (articles/translations.py): GET asks for the
        language, POST makes the draft and opens it."""
        source = self._article_or_404(request, object_id)
        if not self.has_add_permission(request) or not request.user.has_perm("articles.add_article", source):
            raise PermissionDenied
        choices = translations.languages_for(source)
        error = None
        if request.method == "POST":
            try:
                made = translations.create_translation(
                    source, request.POST.get("language", ""), by=request.user
                )
            except ValidationError as refusal:
                error = " ".join(refusal.messages)
            else:
                self.message_user(
                    request,
                    "Started the translation as a draft, with the source's text to rewrite. It is reviewed "
                    "and published on its own.",
                )
                return HttpResponseRedirect(self._change_url(made))
        return self._render(
            request,
            "translate.html",
            source,
            title=f"Translate: {source}",
            choices=choices,
            error=error,
        )

    @admin.display(description="translations")
    def translation_links(self, article):
        """The source and its translations, each with its state, and the languages left to start."""
        if article.translation_of_id:
            source = article.translation_of
            return format_html(
                'A translation of <a href="{}">{}</a> ({}).{}',
                self._change_url(source),
                source.title,
                source.get_language_display() or source.language,
                " The source has changed since this translation: check it, then untick the box below."
                if article.source_changed
                else "",
            )
        rows = list(article.translations.all())
        listed = format_html_join(
            "",
            '<li><a href="{}">{}</a> ({}){}</li>',
            (
                (
                    self._change_url(row),
                    row.title,
                    row.get_language_display() or row.language,
                    " — source changed since translation" if row.source_changed else "",
                )
                for row in rows
            ),
        )
        start = format_html(
            '<a href="{}">Start a translation</a>',
            reverse("admin:articles_article_translate", args=[article.pk]),
        )
        return format_html("<ul>{}</ul>{}", listed, start) if rows else start

    def suggestions_view(self, request, object_id):
        return suggestions_view(request, self, object_id)

    def grade_view(self, request):
        return grade_view(request, self)

    def _article_or_404(self, request, object_id) -> Article:
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such article.")
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        return article

    def _change_url(self, article) -> str:
        return reverse("admin:articles_article_change", args=[article.pk])

    def _render(self, request, template, article, **context):
        return TemplateResponse(
            request,
            f"admin/articles/article/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": article,
                "has_view_permission": True,
                **context,
            },
        )

    def transition_view(self, request, object_id, action_name):
        article = self._article_or_404(request, object_id)
        action = workflow.ACTIONS.get(action_name)
        if action is None:
            raise Http404("No such workflow action.")
        if not request.user.has_perm(action.permission, article):
            who = (
                "a writer, clinical reviewer"
                if action.permission == workflow.EDIT_PERMISSION
                else "a clinical reviewer"
            )
            raise PermissionDenied(f"“{action.label}” needs {who} or clinic admin of {article.clinic.name}.")
        # The version the reviewer read: the one the change page showed (?version=), else this one.
        opened = request.GET.get("version", str(article.lock_version))
        form = TransitionForm(request.POST or None, action=action, initial={"version": opened})
        if request.method == "POST" and form.is_valid():
            try:
                workflow.transition(
                    article,
                    action.name,
                    by=request.user,
                    note=form.cleaned_data["note"],
                    live_from=form.cleaned_data.get("live_from"),
                    expires_at=form.cleaned_data.get("expires_at"),
                    version=form.cleaned_data.get("version"),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                state = workflow.state_of(Article.objects.get(pk=article.pk))
                self.message_user(request, f"{action.label}: done. The article is now {state.label.lower()}.")
                return HttpResponseRedirect(self._change_url(article))
        state = workflow.state_of(article)
        return self._render(
            request,
            "transition.html",
            article,
            title=action.label,
            action=action,
            form=form,
            state=state,
            changes=changes_since_approval(article) if action.name in ("publish", "discard") else "",
        )

    def review_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        if not request.user.has_perm(workflow.REVIEW_PERMISSION, article):
            raise PermissionDenied(
                "Recording a clinical review needs a clinical reviewer or clinic admin of "
                f"{article.clinic.name}."
            )
        form = ReviewForm(request.POST or None, article=article)
        if request.method == "POST" and form.is_valid():
            try:
                workflow.record_review(article, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error("reviewed_on", error)
            else:
                self.message_user(request, "Clinical review recorded.", messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(article))
        return self._render(request, "review.html", article, title="Record a clinical review", form=form)

    def history_view(self, request, object_id, extra_context=None):
        article = self._article_or_404(request, object_id)
        versions = list(revisions.versions_of(article))
        for number, version in zip(range(len(versions), 0, -1), versions, strict=True):
            version.number = number  # newest first: the first saved is version 1
        return self._render(
            request,
            "history.html",
            article,
            title=f"History: {article}",
            versions=versions,
            transitions=article.transitions.all(),
            can_revert=self.has_change_permission(request, article),
        )

    def compare_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        try:
            chosen = [int(request.GET["a"]), int(request.GET["b"])]
        except (KeyError, ValueError):
            chosen = []
        # Only the two versions asked for: an article's versions each hold all its text.
        versions = {version.pk: version for version in revisions.versions_of(article).filter(pk__in=chosen)}
        try:
            older, newer = sorted(
                (versions[int(request.GET["a"])], versions[int(request.GET["b"])]), key=lambda v: v.pk
            )
        except (KeyError, ValueError):
            self.message_user(request, "Choose two versions of this article to compare.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:articles_article_history", args=[article.pk]))
        return self._render(
            request,
            "compare.html",
            article,
            title=f"Changes to {article}",
            diff=revisions.compare_versions(older, newer).html,
        )

    def revert_view(self, request, object_id, version_id):
        article = self._article_or_404(request, object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        version = get_object_or_404(revisions.versions_of(article), pk=version_id)
        if request.method == "POST":
            try:
                workflow.revert(article, version, by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(
                    request, "Reverted. The previous state is kept in the history.", messages.SUCCESS
                )
                return HttpResponseRedirect(self._change_url(article))
        return self._render(
            request,
            "revert.html",
            article,
            title=f"Revert {article}",
            version=version,
            version_label=revisions.describe(version),
            comparison=revisions.compare_with_working_copy(article, version),
        )

    def create_preview_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        if not previews.has_front_end(article.clinic):
            self.message_user(
                request,
                "There is no preview page on your site to link to (a clinic admin can set the clinic's "
                "front-end preview address). Use “Preview as a patient” instead.",
                messages.WARNING,
            )
            return HttpResponseRedirect(self._change_url(article))
        link = previews.create_link(article, by=request.user)
        self.message_user(
            request,
            f"Preview link, valid until {timezone.localtime(link.expires_at):%H:%M}: "
            f"{previews.frontend_url(link)}",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(article))

    def revoke_preview_view(self, request, object_id, link_id):
        article = self._article_or_404(request, object_id)
        previews.revoke(get_object_or_404(PreviewLink, pk=link_id, article=article))
        self.message_user(request, "Preview link revoked: it no longer opens.", messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(article))


def public_summary(article: Article) -> list[str]:
    """What patients can read of the article now and next, in sentences."""
    now = timezone.now()
    lines = []
    for publication in Publication.objects.filter(article=article).unfinished(now).order_by("live_from"):
        approved = f"approved by {publication.approved_by_name or 'an editor'}"
        approved += f" on {local_datetime(publication.approved_at)}"
        until = publication.live_until
        ending = f", until {local_datetime(until)}" if until else ""
        if publication.live_from <= now:
            lines.append(f"Live since {local_datetime(publication.live_from)}{ending} ({approved}).")
        else:
            lines.append(
                f"A new version goes live at {local_datetime(publication.live_from)}{ending} ({approved})."
            )
    return lines


def _who_may(article: Article, roles_: tuple[str, ...]) -> str:
    """ "Dr Rahul Rao, Cora Smith" (at most five) holding one of ``roles_`` in the article's clinic."""
    people = (
        Membership.objects.filter(Q(clinic=article.clinic_id) | Q(clinic__isnull=True), role__in=roles_)
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    names = list(dict.fromkeys(m.user.get_full_name() or m.user.get_username() for m in people[:20]))[:5]
    return ", ".join(names)


def read_only_reason(user, article: Article, state: State) -> str:
    """Why this person cannot change the article now, and who can act next, in a sentence or two."""
    approvers = _who_may(article, (Membership.Role.REVIEWER, Membership.Role.CLINIC_ADMIN))
    reviewers = f"A clinical reviewer or clinic admin of {article.clinic.name}"
    reviewers += f" ({approvers})" if approvers else ""
    if not user.has_perm(workflow.EDIT_PERMISSION, article):
        editors = _who_may(article, tuple(Membership.Role))
        editors = f" ({editors})" if editors else ""
        return (
            "You can read this article but not change it: your role does not include editing "
            f"{article.clinic.name}'s articles. Its writers and reviewers can{editors}."
        )
    if article.status == Article.Status.IN_REVIEW:
        reason = (
            "This article is waiting for a clinical reviewer, so it cannot be edited now. "
            f"{reviewers} approves it or sends it back."
        )
        if any(action.name == "withdraw" for action in workflow.available_actions(user, article, state)):
            reason += " To change it yourself, use “Back to draft”, then submit it again."
        return reason
    if article.status == Article.Status.ARCHIVED:
        return (
            "This article is archived, kept for the record, so it cannot be edited. "
            f"{reviewers} can bring it back as a draft."
        )
    return "You can read this article but not change it."


def changes_since_approval(article: Article) -> str:
    """The diff from the approved version (live or scheduled) to the working copy; "" if none."""
    approved = publishing.latest_approved(article)
    if approved is None:
        return ""
    return revisions.diff_snapshots(
        snapshots.from_content(approved.content),
        snapshots.of_working_copy(article),
        f"Approved version (live from {local_datetime(approved.live_from)})",
        "This version (the working copy)",
    )


class TopicAdmin(RetryOnUniqueRace, admin.ModelAdmin):
    change_form_template = "admin/articles/topic_change_form.html"
    list_display = ["name", "slug", "used_by"]
    # Repeated from Meta: the "used by" count groups the query, and grouping drops Meta.ordering.
    ordering = ["name", "pk"]
    search_fields = ["name", "summary", "synonyms"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "summary", "synonyms"]

    def get_queryset(self, request):
        # Counted among this user's clinics' articles: another clinic's drafts are not theirs to see.
        ids = roles.clinic_ids(request.user)
        counted = Q() if ids is None else Q(articles__clinic__in=ids)
        return super().get_queryset(request).annotate(article_total=Count("articles", filter=counted))

    # Shared by every clinic: staff add new terms; changing or deleting one that articles already
    # use is the organisation-wide administrator's (clinics/roles.py).
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or roles.is_organisation_admin(request.user)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and roles.is_organisation_admin(request.user)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/propose/",
                self.admin_site.admin_view(self.propose_view),
                name="{}_{}_propose".format(*info),
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Those who may not change a shared term propose a change instead, or a name in another language.
        context["can_propose"] = obj is not None and not self.has_change_permission(request, obj)
        original = settings.LANGUAGE_CODE.split("-")[0]
        context["proposable_languages"] = [(c, n) for c, n in content_languages() if c != original]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def propose_view(self, request, object_id):
        topic = self.get_object(request, unquote(object_id))
        if topic is None:
            raise Http404("No such term.")
        if not self.has_view_permission(request, topic):
            raise PermissionDenied
        initial = {"name": topic.name, "summary": topic.summary}
        # "Propose a name in Spanish": from the Spanish one, when there is one.
        language = request.GET.get("language", "")
        translated = next((t for t in topic.translations.all() if t.language == language), None)
        if language and language in dict(content_languages()):
            initial = {"language": language, "name": "", "summary": ""}
            if translated is not None:
                initial |= {"name": translated.name, "summary": translated.summary}
        form = TopicProposalForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            clinics = roles.clinic_ids(request.user)
            TopicProposal.objects.create(
                **{self.model._meta.model_name: topic},
                **form.cleaned_data,
                proposed_by=request.user,
                clinic_id=min(clinics) if clinics else None,
            )
            self.message_user(
                request,
                "Change proposed. The organisation administrator applies it to every clinic's articles"
                + (
                    " (in that language, once a clinician has checked it)."
                    if form.cleaned_data["language"]
                    else "."
                ),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse(f"admin:articles_{self.opts.model_name}_change", args=[topic.pk])
            )
        return TemplateResponse(
            request,
            "admin/articles/topic_propose.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": topic,
                "title": f"Propose a change to “{topic}”",
                "form": form,
            },
        )

    @admin.display(description="Used by", ordering="article_total")
    def used_by(self, topic):
        return f"{topic.article_total} article{'s' if topic.article_total != 1 else ''}"


class TermPartInline(admin.TabularInline):
    """Rows that are part of a shared condition or risk (its codes, its names in other languages):
    editable by whoever may change the term itself (TopicAdmin), not by a permission of their own."""

    def _term_admin(self):
        return self.admin_site._registry[self.parent_model]

    def _may_edit(self, request, obj) -> bool:
        if obj is None:
            return self._term_admin().has_add_permission(request)
        return self._term_admin().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_view_permission(self, request, obj=None):
        return self._term_admin().has_view_permission(request, obj)


class ConditionCodeInline(TermPartInline):
    """The condition's codes (articles/codes.py): ICD-10-CM checked against the code set, SNOMED CT
    concept ids for their form. Editable by whoever may change the condition itself."""

    model = ConditionCode
    form = ConditionCodeForm
    formset = TermPartFormSet
    fields = ["system", "code", "display", "position"]
    extra = 0
    verbose_name = "code"
    verbose_name_plural = "Codes (ICD-10-CM, SNOMED CT): what EHRs ask by (Infobutton)"


class TopicTranslationInline(TermPartInline):
    """A condition's or risk's name in another language: shown in that language's articles once a
    clinician has checked it (articles.snapshots.in_language). The organisation administrator's,
    even on a new term (where a check recorded by staff would go public with the first article in
    that language): others propose one (TopicAdmin.propose_view)."""

    def _may_edit(self, request, obj) -> bool:
        return super()._may_edit(request, obj) and roles.is_organisation_admin(request.user)

    form = TopicTranslationForm
    formset = TermPartFormSet
    extra = 0
    fields = ["language", "name", "summary", "reviewed_by", "reviewed_on"]
    verbose_name = "name in another language"
    verbose_name_plural = "names in other languages (shown in those languages' articles once checked)"


class ConditionTranslationInline(TopicTranslationInline):
    model = ConditionTranslation


class RiskTranslationInline(TopicTranslationInline):
    model = RiskTranslation


@admin.register(Condition)
class ConditionAdmin(TopicAdmin):
    inlines = [ConditionCodeInline, ConditionTranslationInline]


@admin.register(Risk)
class RiskAdmin(TopicAdmin):
    inlines = [RiskTranslationInline]


@admin.register(Reviewer)
class ReviewerAdmin(ClinicScopedAdmin, admin.ModelAdmin):
    list_display = ["name", "credentials", "clinic", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["clinic"]
    fields = ["name", "credentials", "clinic", "is_active"]
    shared_when_empty = True
    search_fields = ["name", "credentials"]


@admin.register(TopicProposal)
class TopicProposalAdmin(admin.ModelAdmin):
    """Proposed changes to shared terms: the organisation administrator applies or declines them;
    clinic staff see their own clinics' proposals."""

    list_display = ["topic", "language", "name", "status", "clinic", "proposed_by", "created_at"]
    list_filter = ["status", "language"]
    list_select_related = ["condition", "risk", "clinic", "proposed_by"]
    fields = ["condition", "risk", "language", "name", "summary", "reason", "clinic", "proposed_by", "status"]
    readonly_fields = fields
    actions = ["apply", "decline"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if roles.is_organisation_admin(request.user):
            return queryset
        clinics = roles.clinic_ids(request.user) or set()
        return queryset.filter(Q(proposed_by=request.user) | Q(clinic__in=clinics))

    def has_view_permission(self, request, obj=None):
        return (
            request.user.is_active
            and request.user.is_staff
            and (roles.is_organisation_admin(request.user) or bool(roles.clinic_ids(request.user) or ()))
        )

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False  # proposed from the term's own page

    def has_change_permission(self, request, obj=None):
        return roles.is_organisation_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # the record stays

    def get_actions(self, request):
        return super().get_actions(request) if roles.is_organisation_admin(request.user) else {}

    @admin.action(description="Apply to the term (every clinic's articles show it)")
    def apply(self, request, queryset):
        applied = 0
        to_check = 0
        for proposal in queryset.filter(status=TopicProposal.Status.OPEN).select_related("condition", "risk"):
            changed = self._proposed(proposal)
            try:
                changed.full_clean()
            except ValidationError as error:
                self.message_user(
                    request, f"“{proposal}” not applied: {' '.join(error.messages)}", messages.ERROR
                )
                continue
            with transaction.atomic():
                changed.save()
                to_check += bool(proposal.language)
                proposal.status, proposal.decided_by, proposal.decided_at = (
                    TopicProposal.Status.APPLIED,
                    request.user,
                    timezone.now(),
                )
                proposal.save()
            applied += 1
        self.message_user(
            request, f"{applied} proposal{'s' if applied != 1 else ''} applied.", messages.SUCCESS
        )
        if to_check:
            self.message_user(
                request,
                f"{to_check} name{'s' if to_check != 1 else ''} in another language wait for a clinician's "
                "check: record it on the term's page (names in other languages). Until then, articles in "
                "that language show the term's own name.",
                messages.WARNING,
            )

    @staticmethod
    def _proposed(proposal):
        """The row ``proposal`` changes, changed: the term itself, or its name in the proposal's
        language (new wording, so not yet checked by a clinician)."""
        topic = proposal.topic
        if not proposal.language:
            topic.name, topic.summary = proposal.name, proposal.summary
            return topic
        translation = topic.translations.filter(language=proposal.language).first()
        if translation is None:
            translation = topic.translations.model(
                **{topic._meta.model_name: topic}, language=proposal.language
            )
        if (translation.name, translation.summary) != (proposal.name, proposal.summary):
            translation.reviewed_by, translation.reviewed_on = None, None
        translation.name, translation.summary = proposal.name, proposal.summary
        return translation

    @admin.action(description="Decline")
    def decline(self, request, queryset):
        declined = queryset.filter(status=TopicProposal.Status.OPEN).update(
            status=TopicProposal.Status.DECLINED, decided_by=request.user, decided_at=timezone.now()
        )
        self.message_user(request, f"{declined} proposal{'s' if declined != 1 else ''} declined.")
