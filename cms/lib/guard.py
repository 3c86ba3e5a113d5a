"""The front door of /api/: refuse oversize bodies (413) and clients over the rate (429) before
any work is done, whether the response would come from Django or from the response cache.

The rate limit is DRF's anonymous throttle (a sliding window per client address, kept in the
cache), applied here rather than in the views so that it also counts responses served by the WSGI
response cache (cms/caching.py) and 304s. With REDIS_URL every app server shares the counts;
without, each process counts alone. The client address is REMOTE_ADDR, or with NUM_PROXIES=n the
n-th address from the right of X-Forwarded-For, so a client cannot pick its own by sending one.
"""

import math

from django.conf import settings
from django.http import JsonResponse
from django.http.request import HttpHeaders
from rest_framework.throttling import AnonRateThrottle

API_PREFIX = "/api/"


class AnonymousClientThrottle(AnonRateThrottle):
    def get_rate(self):
        return settings.API_ANON_RATE or None


class _Client:
    """What DRF's throttle reads from a request: its META, and no user (the API is anonymous)."""

    user = None

    def __init__(self, meta):
        self.META = meta
        self.headers = HttpHeaders(meta)


def client_address(request) -> str | None:
    """The client's address as the rate limit sees it; also django-axes' (admin login lockout)."""
    return AnonymousClientThrottle().get_ident(_Client(request.META))


def throttle_wait(meta) -> int | None:
    """Seconds this client must wait before its next request, or None if it may go ahead."""
    if not settings.API_ANON_RATE:
        return None
    throttle = AnonymousClientThrottle()
    if throttle.allow_request(_Client(meta), None):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


def too_many_requests_body(wait: int) -> dict:
    return {"detail": f"Too many requests. Try again in {wait} seconds."}


def is_oversize(meta) -> bool:
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False  # Django itself answers a malformed length
    return length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class APIGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            if is_oversize(request.META):
                limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
                return JsonResponse(
                    {"detail": f"Request body too large: the limit is {limit} bytes."}, status=413
                )
            wait = throttle_wait(request.META)
            if wait is not None:
                response = JsonResponse(too_many_requests_body(wait), status=429)
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)
