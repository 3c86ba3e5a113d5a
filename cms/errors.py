"""JSON errors for API clients: under /api/ every error is a JSON object, never an HTML page."""

from django.http import JsonResponse
from django.views import defaults
from rest_framework.views import exception_handler


def api_exception_handler(exc, context):
    """DRF's handler, with list-shaped bodies wrapped so every error body is a JSON object."""
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        response.data = {"detail": response.data}
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def api_not_found(request):
    """Any unknown path under /api/, whatever DEBUG says."""
    return JsonResponse({"detail": "Not found: there is no API endpoint at this address."}, status=404)


def bad_request(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": "Server error. The problem has been logged."}, status=500)
    return defaults.server_error(request)
