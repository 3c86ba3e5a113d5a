"""Admin forms for editing an article and for the workflow actions around it."""

from django import forms
from django.contrib.admin import widgets
from django.db.models import Q
from django.utils import timezone

from articles.models import Article, Reviewer
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
