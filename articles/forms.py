"""Admin forms for editing an article and for the workflow actions around it."""

from adminsortable2.admin import CustomInlineFormSet
from django import forms
from django.conf import settings
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.db.models import Q, UniqueConstraint
from django.utils import timezone

from articles.models import Article, Reviewer, content_languages
from articles.workflow import Action

# Beyond these, a date is a typo, and near the ends of the calendar time zones overflow.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999


class ArticleAdminForm(forms.ModelForm):
    # The lock_version the editor started from; a save from an older copy is refused.
    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = ["title", "slug", "summary", "clinic", "review_interval_months"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "opened_version" in self.fields:
            self.fields["opened_version"].initial = self.instance.lock_version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # Locks the row until the admin's transaction ends: two saves cannot both pass.
            current = Article.objects.select_for_update().only("lock_version").get(pk=self.instance.pk)
            if cleaned.get("opened_version") != current.lock_version:
                raise forms.ValidationError(
                    "Someone else saved this article after you opened it, so your changes were not "
                    "saved: they are still in the form below. Open the article in a new tab to see "
                    "the other changes, copy yours across, and save there.",
                    code="edit_conflict",
                )
        return cleaned


class TransitionForm(forms.Form):
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Optional; shown in the article's workflow history.",
    )

    def __init__(self, *args, action: Action, **kwargs):
        super().__init__(*args, **kwargs)
        if action.needs_note:
            self.fields["note"].required = True
            self.fields["note"].label = "Reason"
            self.fields["note"].help_text = "Required: tell the writer what needs to change."
        if action.name == "publish":
            # The working copy's lock_version the reviewer read; a newer one is refused.
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput)
            self.fields["live_from"] = forms.SplitDateTimeField(
                label="Go live at",
                required=False,
                widget=widgets.AdminSplitDateTime,
                help_text="Empty: now. A future time schedules this version; what is live stays until then.",
            )
            self.fields["expires_at"] = forms.SplitDateTimeField(
                label="Take down at",
                required=False,
                widget=widgets.AdminSplitDateTime,
                help_text="Optional: the article comes off the site by itself at this time.",
            )

    def clean(self):
        cleaned = super().clean()
        for name in ("live_from", "expires_at"):
            moment = cleaned.get(name)
            if moment is not None and not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
                self.add_error(name, f"Give a year from {EARLIEST_YEAR} to {LATEST_YEAR}.")
        return cleaned


class ReviewForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        queryset=Reviewer.objects.filter(is_active=True),
        help_text="The clinician who checked the article.",
    )
    reviewed_on = forms.DateField(
        initial=timezone.localdate, widget=widgets.AdminDateWidget, help_text="The day of the review."
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Optional: what was checked or changed.",
    )

    def __init__(self, *args, article=None, **kwargs):
        super().__init__(*args, **kwargs)
        if article is not None:
            # The article's clinic's clinicians, and the organisation's own.
            self.fields["reviewer"].queryset = Reviewer.objects.filter(
                Q(clinic__isnull=True) | Q(clinic_id=article.clinic_id), is_active=True
            )


class TopicProposalForm(forms.Form):
    language = forms.ChoiceField(
        required=False,
        help_text="A name in another language is shown in that language's articles once a clinician "
        "has checked it.",
    )
    name = forms.CharField(max_length=200, help_text="The name every clinic's articles would show.")
    summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="One or two plain sentences a patient can understand. No formatting.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Why: what is wrong or missing today. The administrator reads this.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        original = settings.LANGUAGE_CODE.split("-")[0]
        self.fields["language"].choices = [
            ("", "The term's own name"),
            *((code, f"Its name in {name}") for code, name in content_languages() if code != original),
        ]


class TermPartFormSet(forms.BaseInlineFormSet):
    """A condition's or risk's own rows (codes, names in other languages) on its page. A post without
    this formset at all (a script, a form from before the rows existed, a user who may only view
    them) leaves the rows as they are, rather than failing on the missing management form."""

    def __init__(self, data=None, files=None, instance=None, save_as_new=False, prefix=None, **kwargs):
        prefix = prefix or self.get_default_prefix()
        if data is not None and f"{prefix}-TOTAL_FORMS" not in data:
            data = data.copy()
            data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = "0"
        super().__init__(data, files, instance, save_as_new, prefix, **kwargs)


class TopicTranslationForm(forms.ModelForm):
    """A condition's or risk's name in another language (the condition's or risk's page). Patients
    see it once a clinician has checked it; new wording is not covered by the check of the old."""

    REWORDED = (
        "The clinician checked the earlier wording. Give the date they checked this one (today, or "
        "a date after the earlier check), or clear the reviewer and the date until they have "
        "(patients then see the original name)."
    )

    def clean(self):
        cleaned = super().clean()
        reworded = {"language", "name", "summary"} & set(self.changed_data)
        checked_before = self.initial.get("reviewed_on") if self.instance.pk is not None else None
        checked_now = cleaned.get("reviewed_on") if cleaned.get("reviewed_by") is not None else None
        if (
            reworded
            and checked_before
            and checked_now
            and not self._checked_again(checked_before, checked_now)
        ):
            self.add_error("reviewed_on", self.REWORDED)
        return cleaned

    @staticmethod
    def _checked_again(before, now) -> bool:
        """New words need a check of their own: one dated after the earlier one, or today's."""
        return now > before or now == timezone.localdate()


class LoadedChoiceAutocompleteSelect(widgets.AutocompleteSelect):
    """An autocomplete picker that shows a choice already loaded with its row, with no query.

    The stock widget asks the database for its selected option each time it renders: on an
    article's page, one query per condition and per risk. ``ChildRowsFormSet`` sets ``loaded``
    to the row's (value, label); any other value (a new pick sent back with an error) is looked up.
    """

    loaded: tuple[str, str] | None = None

    def optgroups(self, name, value, attr=None):
        # A posted value that is no id at all ("abc") is the form's error to show; Django's own
        # widget would put it in a query and fail with a 500 while rendering that error.
        value = [v for v in value if self._is_id(v)]
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if self.loaded is None or selected != {self.loaded[0]}:
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        options.append(self.create_option(name, *self.loaded, selected, len(options)))
        return [(None, options, 0)]

    def _is_id(self, value) -> bool:
        return value in (None, "") or _is_id_of(self.field, value)


def _is_id_of(field, value) -> bool:
    try:
        field.target_field.to_python(value)
    except ValidationError:
        return False
    return True


class StoredRowField(forms.ModelChoiceField):
    """The hidden id of a stored row, found among the rows its formset has already read: Django's
    own field looks each one up again (a query per row), in the whole table."""

    def __init__(self, *args, formset, **kwargs):
        super().__init__(*args, **kwargs)
        self.formset = formset

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            pk = self.queryset.model._meta.pk.to_python(value)
        except ValidationError:
            pk = None
        row = self.formset._existing_object(pk) if pk is not None else None
        if row is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return row


class PickedRowField(forms.ModelChoiceField):
    """A condition or risk picked on a row, found among all the formset's picks, read together in
    one query: Django's own field looks each one up (a query per row)."""

    def __init__(self, *args, formset, name, **kwargs):
        super().__init__(*args, **kwargs)
        self.formset, self.name = formset, name

    def to_python(self, value):
        if value in self.empty_values:
            return None
        row = self.formset.picked(self.name, self.queryset).get(str(value))
        if row is None:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return row


class ChildRowsFormSet(CustomInlineFormSet):
    """An article's ordered child rows (conditions, risks, sections...) as its admin page edits them.

    Django saves existing rows one at a time in form order. Swapping the conditions of two rows
    made the first take a condition the second still held: the unique constraint failed halfway
    (a 500; SQLite cannot defer the check to the commit). So rows marked for deletion go first,
    then rows whose unique fields change are taken out and put back with the same ids, then the
    rest. The formset has already checked that the rows it ends with are unique among themselves.
    """

    def picked(self, name: str, queryset) -> dict:
        """{str(pk): row} of every value posted for field ``name`` on this formset's rows."""
        cache = self.__dict__.setdefault("_picked", {})
        if name not in cache:
            suffix = f"-{name}"
            values = {
                value
                for key, value in (self.data or {}).items()
                if key.startswith(f"{self.prefix}-") and key.endswith(suffix) and value
            }
            pks = set()
            for value in values:
                try:
                    pks.add(queryset.model._meta.pk.to_python(value))
                except ValidationError:
                    continue
            cache[name] = {str(row.pk): row for row in queryset.filter(pk__in=pks)} if pks else {}
        return cache[name]

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for name, field in list(form.fields.items()):
            widget = getattr(field.widget, "widget", field.widget)  # inside the admin's wrapper
            if type(field) is forms.ModelChoiceField and isinstance(widget, LoadedChoiceAutocompleteSelect):
                picked = PickedRowField(
                    field.queryset,
                    required=field.required,
                    widget=field.widget,
                    label=field.label,
                    help_text=field.help_text,
                    empty_label=field.empty_label,
                    formset=self,
                    name=name,
                )
                form.fields[name] = picked
        name = self._pk_field.name
        field = form.fields.get(name)
        if type(field) is forms.ModelChoiceField:
            form.fields[name] = StoredRowField(
                field.queryset, initial=field.initial, required=False, widget=field.widget, formset=self
            )

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        for name, field in form.fields.items():
            widget = getattr(field.widget, "widget", field.widget)  # inside the admin's wrapper
            if isinstance(widget, LoadedChoiceAutocompleteSelect) and form.instance.pk:
                model_field = self.model._meta.get_field(name)
                if model_field.is_cached(form.instance):  # the inline's select_related
                    related = getattr(form.instance, name)
                    value = getattr(form.instance, model_field.attname)
                    widget.loaded = (str(value), field.label_from_instance(related))
        return form

    def save_existing_objects(self, commit=True):
        if not commit:
            return super().save_existing_objects(commit)
        self.changed_objects, self.deleted_objects = [], []
        stored = [
            form
            for form in self.initial_forms
            if form.instance._is_pk_set() and not form.instance._state.adding
        ]
        deleted = self.deleted_forms
        for form in stored:
            if form in deleted:
                self.deleted_objects.append(form.instance)
                self.delete_existing(form.instance)
        changed = [form for form in stored if form not in deleted and form.has_changed()]
        unique = self._unique_fields()
        rekeyed = [form.instance.pk for form in changed if unique.intersection(form.changed_data)]
        if rekeyed:
            # Nothing points at an article's child rows, so this deletes nothing else; saving a
            # row that is not there inserts it with its id (in the admin's transaction).
            self.model._base_manager.filter(pk__in=rekeyed, **{self.fk.name: self.instance}).delete()
        saved = []
        for form in changed:
            self.changed_objects.append((form.instance, form.changed_data))
            saved.append(self.save_existing(form, form.instance, commit=True))
        return saved

    def _unique_fields(self) -> set[str]:
        meta = self.model._meta
        fields = {field.name for field in meta.local_fields if field.unique and not field.primary_key}
        for constraint in meta.constraints:
            if isinstance(constraint, UniqueConstraint):
                fields.update(constraint.fields)
        for together in meta.unique_together:
            fields.update(together)
        return fields
