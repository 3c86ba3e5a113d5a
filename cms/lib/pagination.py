from django.core.paginator import InvalidPage
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

MAX_PAGE_SIZE = 100


def _positive_int(value: str, parameter: str, maximum: int | None = None) -> int:
    # ASCII digits only: int() also takes "1_0" and other scripts' digits.
    number = int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else 0
    if number < 1 or (maximum is not None and number > maximum):
        limit = f" from 1 to {maximum}" if maximum else " of 1 or more"
        raise ValidationError({parameter: [f"Must be a whole number{limit}; got {value!r}."]})
    return number


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
            raise NotFound(
                f"Page {page_number} does not exist; the last page is {paginator.num_pages}."
            ) from None
        return list(self.page)

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
