"""JSON errors for API clients: under /api/ every error is a JSON object, never an HTML page.
Staff in the admin get its own look instead: what happened, and the way back."""

import sys

from django.contrib import admin
from django.db import InterfaceError, OperationalError
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from rest_framework.views import exception_handler

# The database is down, restarting, refusing connections or too slow (statement_timeout): a client
# should try again shortly, so these are a 503, not a 500.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def api_exception_handler(exc, context):
    """DRF's handler, with list-shaped bodies wrapped so every error body is a JSON object."""
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        response.data = {"detail": response.data}
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def api_not_found(request):
    """Any unknown path under /api/, whatever DEBUG says.

    A path missing only its trailing slash is redirected to the endpoint it means, as Django's
    APPEND_SLASH would; anything else is a JSON 404, not a redirect to one.
    """
    if not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return JsonResponse({"detail": "Not found: there is no API endpoint at this address."}, status=404)


def bad_request(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def _is_admin(request) -> bool:
    return request.path.startswith("/admin/") and getattr(request, "user", None) is not None


def _admin_error(request, template: str, status: int, exception) -> TemplateResponse:
    """An admin page in the admin's own look that says what happened and links back."""
    back = request.headers.get("referer", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or back == (request.build_absolute_uri()):
        back = ""
    context = {
        **admin.site.each_context(request),
        "title": "You cannot do this" if status == 403 else "Page not found",
        # Only messages written for people: PermissionDenied("...") in our views; not Django's own.
        "reason": str(exception) if status == 403 and exception and str(exception) else "",
        "back": back,
    }
    response = TemplateResponse(request, template, context, status=status)
    return response.render()


def permission_denied(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    if _is_admin(request) and request.user.is_active and request.user.is_staff:
        return _admin_error(request, "admin/careleaf_403.html", 403, exception)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    if _is_admin(request) and request.user.is_active and request.user.is_staff:
        return _admin_error(request, "admin/careleaf_404.html", 404, None)
    return defaults.page_not_found(request, exception)


def service_unavailable() -> JsonResponse:
    response = JsonResponse(
        {"detail": "The service is briefly unavailable. Try again in a few seconds."}, status=503
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request):
    if _is_api(request):
        # Django calls handler500 inside its `except` block: the exception is still at hand.
        if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
            return service_unavailable()
        return JsonResponse({"detail": "Server error. The problem has been logged."}, status=500)
    return defaults.server_error(request)
