"""Admin behaviour shared by the apps' ModelAdmins."""

from django.db import IntegrityError


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
