"""HTTP caching for the public API: validators, Cache-Control, and a server-side response cache.

Two layers:
- PublicAPICacheMiddleware (Django): every public GET under /api/v1/ gets a strong ETag and
  Last-Modified derived from the content version (api.models.ContentVersion), and
  If-None-Match / If-Modified-Since are answered with a 304 before any view runs.
- ResponseCacheApp (WSGI, wraps Django in cms/wsgi.py): whole responses are kept in Django's cache
  under the version *and* the request's variant. A content change makes a new version, so the
  next request misses and renders fresh content; a hit never enters Django at all.
"""

import datetime
import hashlib

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Min, Q
from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from api.models import ContentVersion
from cms.lib.errors import DATABASE_UNAVAILABLE, service_unavailable
from cms.lib.guard import throttle_wait, too_many_requests_body

PUBLIC_PREFIX = "/api/v1/"
PRIVATE_PREFIXES = ("/api/v1/preview/",)


def next_boundary(now):
    """The next moment a published article goes live or comes down (None if there is none)."""
    from articles.models import Article

    bounds = Article.objects.filter(status=Article.Status.PUBLISHED).aggregate(
        go_live=Min("published_at", filter=Q(published_at__gt=now)),
        take_down=Min("expires_at", filter=Q(expires_at__gt=now)),
    )
    return min((moment for moment in bounds.values() if moment), default=None)


@transaction.atomic
def bump_content_version() -> None:
    """Give the public content a new version. Call it inside the transaction that changed it."""
    # Locked first, so two changes committing together cannot overwrite each other's boundary.
    version, _ = ContentVersion.objects.select_for_update().get_or_create(pk=1)
    now = timezone.now()
    version.token = ContentVersion.new_token()
    # Last-Modified has whole seconds: each version gets a second of its own, or an
    # If-Modified-Since from the previous version could match a change made in the same second.
    previous_second = version.changed_at.replace(microsecond=0)
    version.changed_at = max(now, previous_second + datetime.timedelta(seconds=1))
    version.next_boundary_at = next_boundary(now)
    version.save()


def current_version() -> tuple[str, object]:
    """(token, changed_at) now; a scheduled go-live or take-down that has passed bumps it first."""
    token, changed_at, boundary = ContentVersion.objects.values_list(
        "token", "changed_at", "next_boundary_at"
    ).get(pk=1)
    if boundary is not None and boundary <= timezone.now():
        bump_content_version()
        token, changed_at = ContentVersion.objects.values_list("token", "changed_at").get(pk=1)
    return token, changed_at


def _is_public_read(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and request.path.startswith(PUBLIC_PREFIX)
        and not request.path.startswith(PRIVATE_PREFIXES)
    )


def variant(scheme: str, host: str, path_and_query: str, accept: str, origin: str) -> str:
    """What, besides the content version, decides the bytes and headers of a response."""
    parts = f"{scheme}|{host}|{path_and_query}|{accept}|{origin}"
    return hashlib.blake2b(parts.encode(), digest_size=12).hexdigest()


def _variant(request) -> str:
    return variant(
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        request.headers.get("Accept", ""),
        request.headers.get("Origin", ""),
    )


class PublicAPICacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.cache_control = (
            f"public, max-age={settings.API_MAX_AGE}, "
            f"stale-while-revalidate={settings.API_STALE_WHILE_REVALIDATE}"
        )

    def __call__(self, request):
        if not _is_public_read(request):
            return self.get_response(request)
        token, changed_at = current_version()
        request.content_version = token  # for caches keyed by the version (api.views)
        etag = f'"{token}-{_variant(request)}"'
        if self._not_modified(request, etag, changed_at):
            return self._with_validators(HttpResponseNotModified(), etag, changed_at)
        response = self.get_response(request)
        if response.status_code != 200 or response.streaming:
            return response
        return self._with_validators(response, etag, changed_at)

    @staticmethod
    def _not_modified(request, etag, changed_at) -> bool:
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in parse_etags(if_none_match)
        since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        return since is not None and int(changed_at.timestamp()) <= since

    def _with_validators(self, response, etag, changed_at):
        response["ETag"] = etag
        response["Last-Modified"] = http_date(changed_at.timestamp())
        response["Cache-Control"] = self.cache_control
        return response


def _read_version() -> tuple[str, bool]:
    connection.ensure_connection()
    # The driver's own cursor: this runs on every cache hit, and Django's cursor wrappers cost
    # more than the query. Driver errors are still raised as Django's (OperationalError...).
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        mark = "?" if connection.vendor == "sqlite" else "%s"
        cursor.execute(
            "SELECT token, next_boundary_at IS NOT NULL AND next_boundary_at <= "
            f"{mark} FROM cms_contentversion WHERE id = 1",
            [connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        token, boundary_passed = cursor.fetchone()
        cursor.close()
    return token, boundary_passed


def _version_for_wsgi() -> str | None:
    """The current token in one small query; None if Django should answer this request.

    Raises one of DATABASE_UNAVAILABLE when the database is down or too slow.
    """
    try:
        try:
            token, boundary_passed = _read_version()
        except DATABASE_UNAVAILABLE:
            if not getattr(connection.connection, "closed", False):
                raise
            # A persistent connection the server dropped (it restarted): once more, on a new one.
            connection.close()
            token, boundary_passed = _read_version()
    except DATABASE_UNAVAILABLE:
        # Django never sees this request: closed here, or the next request would reuse it.
        connection.close()
        raise
    except Exception:  # anything else is Django's to report, with its own error handling
        return None
    if boundary_passed:
        return None  # let Django's middleware bump the version on this request
    return token


def _scheme(environ) -> str:
    """The scheme as Django's request.scheme sees it (trusting the proxy header if configured)."""
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        header, secure_value = proxy_header
        forwarded = environ.get(header)
        if forwarded is not None:
            return "https" if forwarded.split(",", 1)[0].strip() == secure_value else "http"
    return environ.get("wsgi.url_scheme", "http")


class ResponseCacheApp:
    """WSGI middleware: serve public API responses from the cache without entering Django."""

    STORED_STATUS = "200 OK"

    def __init__(self, app):
        self.app = app
        self.seconds = settings.API_CACHE_SECONDS

    def __call__(self, environ, start_response):
        if not (self.seconds and self._cacheable(environ)):
            return self.app(environ, start_response)
        try:
            token = _version_for_wsgi()
        except DATABASE_UNAVAILABLE:
            response = service_unavailable()
            start_response(f"503 {response.reason_phrase}", list(response.items()))
            return [response.content]
        if token is None:
            return self.app(environ, start_response)
        key_variant = self._variant(environ)
        entry = cache.get(f"api:{token}:{key_variant}")
        if entry is not None:
            # A miss meets the rate limit in Django (cms/guard.py); a hit must meet it here.
            wait = throttle_wait(environ)
            if wait is not None:
                body = orjson.dumps(too_many_requests_body(wait))
                start_response(
                    "429 Too Many Requests",
                    [("Content-Type", "application/json"), ("Retry-After", str(wait))],
                )
                return [body]
            headers, body = entry
            start_response(self.STORED_STATUS, headers)
            return [body]
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            # The WSGI contract: close() is what sends Django's request_finished.
            if hasattr(result, "close"):
                result.close()
        headers = captured.get("headers", [])
        etag = next((value for name, value in headers if name.lower() == "etag"), "")
        cookies = any(name.lower() == "set-cookie" for name, _ in headers)
        if captured.get("status") == self.STORED_STATUS and etag.startswith('"') and not cookies:
            # Stored under the version Django rendered with (in the ETag), not the one read above.
            rendered_token = etag.strip('"').split("-", 1)[0]
            cache.set(f"api:{rendered_token}:{key_variant}", (headers, body), self.seconds)
        return [body]

    @staticmethod
    def _cacheable(environ) -> bool:
        path = environ.get("PATH_INFO", "")
        return (
            environ.get("REQUEST_METHOD") == "GET"
            and path.startswith(PUBLIC_PREFIX)
            and not path.startswith(PRIVATE_PREFIXES)
            # Conditional requests go to Django, which answers them with a 304.
            and "HTTP_IF_NONE_MATCH" not in environ
            and "HTTP_IF_MODIFIED_SINCE" not in environ
        )

    @staticmethod
    def _variant(environ) -> str:
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        return variant(
            _scheme(environ),
            environ.get("HTTP_HOST", ""),
            f"{path}?{query}" if query else path,
            environ.get("HTTP_ACCEPT", ""),
            environ.get("HTTP_ORIGIN", ""),
        )
