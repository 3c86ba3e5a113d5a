from urllib.parse import parse_qsl, urlsplit

from django.core.paginator import InvalidPage
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.utils.urls import remove_query_param

from cms.lib.query_contract import is_tracking

MAX_PAGE_SIZE = 100
# More digits than any page number or size can have (leading zeros aside). Longer strings are never
# given to int(), which refuses more than 4,300 digits with a ValueError (a 500) and is slow before.
MAX_DIGITS = 18
TOO_LARGE = 10**MAX_DIGITS


def _positive_int(value: str, parameter: str, maximum: int | None = None) -> int:
    """``value`` as a whole number from 1 (to ``maximum``); a 400 naming ``parameter`` otherwise.

    A number too long to be any page is returned as ``TOO_LARGE``: past the end (a 404) for a page
    number, over ``maximum`` (a 400) for a size."""
    # ASCII digits only: int() also takes "1_0" and other scripts' digits.
    digits = value.lstrip("0") if isinstance(value, str) and value.isascii() and value.isdigit() else ""
    number = TOO_LARGE if len(digits) > MAX_DIGITS else int(digits or 0)
    if number < 1 or (maximum is not None and number > maximum):
        limit = f" from 1 to {maximum}" if maximum else " of 1 or more"
        raise ValidationError({parameter: [f"Must be a whole number{limit}; got {_shown(value)}."]})
    return number


def _shown(value) -> str:
    """``value`` for a message: repr, cut short (a client may send thousands of characters)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _without_tracking(url: str | None) -> str | None:
    """A next/previous link without the tracking parameters (``_``, ``utm_*``...) of the request:
    the API ignores them, so pages differ by nothing else and caches can share them."""
    if url is None:
        return None
    for name in {name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}:
        if is_tracking(name):
            url = remove_query_param(url, name)
    return url


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page-number pagination, strict: a malformed ``page`` or ``page_size`` is a 400,
    not silently the first page; a page past the end is a 404."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return _positive_int(raw, self.page_size_query_param, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        paginator = self.django_paginator_class(queryset, page_size)
        page_number = _positive_int(request.query_params.get(self.page_query_param, "1"), "page")
        try:
            self.page = paginator.page(page_number)
        except InvalidPage:
            page = f"Page {page_number}" if page_number < TOO_LARGE else "That page"
            raise NotFound(f"{page} does not exist; the last page is {paginator.num_pages}.") from None
        return list(self.page)

    def get_next_link(self):
        return _without_tracking(super().get_next_link())

    def get_previous_link(self):
        return _without_tracking(super().get_previous_link())

    def get_paginated_response_schema(self, schema):
        """Every key is always present: next and previous are null on the last and first pages."""
        paginated = super().get_paginated_response_schema(schema)
        paginated["required"] = ["count", "next", "previous", "results"]
        paginated["properties"]["next"]["description"] = "The next page's address; null on the last page."
        paginated["properties"]["previous"]["description"] = (
            "The previous page's address; null on the first page."
        )
        paginated["properties"]["count"]["description"] = "How many items match, on every page together."
        return paginated

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {
                "minimum": 1,
                "maximum": self.max_page_size,
                "default": self.page_size,
            },
        }
        for parameter in parameters:
            parameter["schema"] |= bounds.get(parameter["name"], {})
        return parameters
