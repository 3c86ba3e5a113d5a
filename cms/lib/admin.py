"""Admin behaviour shared by the apps' ModelAdmins."""

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponseBadRequest
from django.urls import Resolver404, resolve


class RetryOnUniqueRace:
    """Two saves of one slug at the same moment both pass the form's uniqueness check, and the
    database refuses the second. Its transaction is rolled back, so the form, run once more, sees
    the other row and shows the usual "already exists" error instead of a 500. A second
    IntegrityError is a real bug and is raised."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            if request.method != "POST":
                raise
            return super().changeform_view(request, object_id, form_url, extra_context)


class BoundedDateHierarchy:
    """The change list's date drill-down (``?published_at__year=``) with the years a date field can
    hold, refused like any other bad filter otherwise.

    Django builds datetime(year, month, day) and the next year or day from the query unguarded
    against overflow: ``?published_at__year=99999999999`` was an OverflowError, ``=9999`` a
    ValueError (year 10000), both a 500. Out of range, the stock admin's answer to a bad lookup
    follows: a redirect to the unfiltered list (``?e=1``)."""

    earliest_year, latest_year = 1900, 2999

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        bounds = {"year": (self.earliest_year, self.latest_year), "month": (1, 12), "day": (1, 31)}

        class BoundedChangeList(changelist):
            def get_filters(self, request):
                if self.date_hierarchy:
                    for part, (low, high) in bounds.items():
                        for value in self.filter_params.get(f"{self.date_hierarchy}__{part}", []):
                            # ASCII digits, few of them, before int(): it takes "1_0" and refuses
                            # more than 4,300 digits with a ValueError.
                            if not (value.isascii() and value.isdigit() and len(value) <= 4):
                                raise IncorrectLookupParameters(f"Not a {part}: {value[:20]!r}")
                            if not low <= int(value) <= high:
                                raise IncorrectLookupParameters(f"No {part} {value} in the calendar")
                return super().get_filters(request)

        return BoundedChangeList


class AdminSelectionGuardMiddleware:
    """A change list's action (delete, "Send again", "Rotate the secret"...) filters by the posted
    row ids unchecked: a value that is not an id of that model (``_selected_action=abc``) was a
    ValueError or ValidationError, a 500, on every admin. Each value is checked against the
    change list's model's primary key (integers here, UUIDs for the task queue's rows): anything
    else is a bad request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path.startswith("/admin/"):
            selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
            if selected and not self._all_ids(request.path_info, selected):
                return HttpResponseBadRequest("The rows selected for an action must be given by their ids.")
        return self.get_response(request)

    @staticmethod
    def _all_ids(path: str, values: list[str]) -> bool:
        try:
            model_admin = getattr(resolve(path).func, "model_admin", None)
        except Resolver404:
            return True  # Django answers 404 itself
        if model_admin is None:
            return True  # not a change list: nothing reads the selection
        primary_key = model_admin.model._meta.pk
        try:
            for value in values:
                primary_key.to_python(value)
        except ValidationError:
            return False
        return True
