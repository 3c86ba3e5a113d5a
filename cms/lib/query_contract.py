"""The API's strict query contract: a parameter an endpoint does not know is a 400 naming it.

DRF and django-filter ignore unknown parameters, so a typo (``?conditon=``) or a probe
(``?status=draft``, ``?clinic__name__startswith=``) silently returns the unfiltered list; a client
should learn at once that the API did not do what it asked.
"""

from urllib.parse import unquote_plus

from rest_framework.exceptions import ValidationError

# Added by analytics and caches, never meant for us: always allowed.
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "_"})
READ_METHODS = frozenset({"GET", "HEAD"})
# Every list and detail action chooses its fields with it (api/field_selection.py); other views
# (the preview) do not take it.
SELECTION_PARAMETER = "fields"


def is_tracking(name: str) -> bool:
    return name in TRACKING_PARAMETERS or name.startswith("utm_")


def without_tracking(query_string: str, max_fields: int | None = None) -> str:
    """``query_string`` without its tracking parameters; the other fields as sent, in their order.

    What caches key on: ``?_=1`` and ``?_=2`` get the same answer, so they share one entry. A
    string of more than ``max_fields`` fields is returned whole: Django refuses it
    (DATA_UPLOAD_MAX_NUMBER_FIELDS, counted as it counts them), and without its tracking fields it
    would pass for one Django answers."""
    if not query_string or (max_fields is not None and query_string.count("&") + 1 > max_fields):
        return query_string
    # Names decoded as Django decodes them (parse_qsl): "%5F" is "_" too.
    fields = query_string.split("&")
    return "&".join(field for field in fields if not is_tracking(unquote_plus(field.partition("=")[0])))


class StrictQueryParameters:
    """DRF view mixin: refuse query parameters this endpoint does not define."""

    def initial(self, request, *args, **kwargs):
        # First: before content negotiation reads ?format=. Reads only: any other method goes on to
        # its 405 (with Allow) or OPTIONS answer, whatever its query string.
        if request.method in READ_METHODS:
            self.refuse_unknown_query_parameters(request)
        super().initial(request, *args, **kwargs)

    def refuse_unknown_query_parameters(self, request):
        allowed = self.allowed_query_parameters()
        unknown = sorted(
            name for name in request.query_params if name not in allowed and not is_tracking(name)
        )
        if unknown:
            accepted = ", ".join(sorted(allowed)) or "no query parameters"
            message = f"Unknown query parameter; this endpoint accepts {accepted}."
            raise ValidationError({name[:100]: [message] for name in unknown})

    def allowed_query_parameters(self) -> set[str]:
        action = getattr(self, "action", None)
        if action == "retrieve":
            return {SELECTION_PARAMETER}
        if action != "list":
            return set()
        allowed = {SELECTION_PARAMETER}
        if self.paginator is not None:
            allowed |= {self.paginator.page_query_param, self.paginator.page_size_query_param}
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            allowed |= set(filterset_class.base_filters)
        return allowed
