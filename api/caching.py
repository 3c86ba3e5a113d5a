"""HTTP caching for the public API: validators, Cache-Control, and a server-side response cache.

Every public GET has a version, and only public content changes it:
- an article's detail: its public row's ``etag`` (api.PublicArticle), which changes when a new
  version of that article goes live or the vocabulary it shows changes, and with nothing else;
- everything else (lists, search, conditions, risks, clinics, the root): the listing version
  (api.ListingVersion), which changes when any publication starts or ends.
Working-copy edits, submits, previews and review notes change neither.

Two layers:
- PublicAPICacheMiddleware (Django): a strong ETag and Last-Modified from the version, and
  If-None-Match / If-Modified-Since answered with a 304 before any view runs.
- ResponseCacheApp (WSGI, wraps Django in cms/wsgi.py): whole responses are kept in Django's cache
  under the version *and* the request's variant; a hit never enters Django at all.

A variant leaves out the tracking parameters every endpoint accepts and ignores (``_``, ``utm_*``,
``fbclid``, ``gclid``: cms/lib/query_contract.py): ``?_=1`` and ``?_=2`` are one entry, not one
each (60 of them once grew a worker by 55 MB). A response body over API_CACHE_MAX_ENTRY_BYTES is
served but not stored.
"""

import datetime
import hashlib
import re
from typing import NamedTuple

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.encoding import escape_uri_path, iri_to_uri
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from api import cache_tags, publications
from api.models import PublicArticle
from api.versions import read_listing_version
from clinics.origins import clinic_origins
from cms.lib.compression import negotiate
from cms.lib.errors import DATABASE_UNAVAILABLE, service_unavailable
from cms.lib.guard import api_key_refused, throttle_wait, too_many_requests_body
from cms.lib.lookups import SLUG_PATTERN
from cms.lib.query_contract import without_tracking

PUBLIC_PREFIX = "/api/v1/"
PRIVATE_PREFIXES = ("/api/v1/preview/",)
ARTICLE_DETAIL = re.compile(rf"^/api/v1/articles/(?P<slug>{SLUG_PATTERN})/(?:handout\.pdf)?$")


class Version(NamedTuple):
    """What validates a response: its token (in the ETag) and Last-Modified."""

    token: str
    modified_at: datetime.datetime
    shares_second: bool  # an earlier version has the same Last-Modified second


class DetailRow(NamedTuple):
    """What an article detail request needs: one indexed read of the public row."""

    pk: int
    etag: str
    modified_at: datetime.datetime
    shares_second: bool
    detail_json: str | None
    cache_tags: str


def detail_row(slug: str) -> DetailRow | None:
    """The visible public row at this address, if any (drafts and scheduled ones never are)."""
    row = (
        PublicArticle.objects.visible()
        .filter(slug=slug)
        .values_list("pk", "etag", "modified_at", "shares_second", "document__detail_json", "cache_tags")
        .first()
    )
    return DetailRow(*row) if row else None


def current_listing_version() -> Version:
    """The listing version now; a scheduled moment that has passed renews it first."""
    token, changed_at, shares_second, boundary_passed = read_listing_version()
    if boundary_passed:
        publications.apply_boundaries()
        token, changed_at, shares_second, _ = read_listing_version()
    return Version(token, changed_at, shares_second)


def _is_public_read(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and request.path.startswith(PUBLIC_PREFIX)
        and not request.path.startswith(PRIVATE_PREFIXES)
    )


def variant(scheme: str, host: str, path_and_query: str, accept: str, origin: str, encoding: str) -> str:
    """What, besides the version, decides the bytes and headers of a response. ``encoding`` is
    the content coding negotiated from Accept-Encoding (cms/lib/compression.py), not the header:
    the many spellings browsers send make three entries, not one each."""
    parts = f"{scheme}|{host}|{path_and_query}|{accept}|{origin}|{encoding}"
    return hashlib.blake2b(parts.encode(), digest_size=12).hexdigest()


def cache_query(query_string: str) -> str:
    """The query string as caches key it: without the tracking parameters."""
    return without_tracking(query_string, settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)


def max_entry_bytes() -> int:
    return settings.API_CACHE_MAX_ENTRY_BYTES


def _variant(request) -> str:
    # request.get_full_path(), less the tracking parameters.
    query = cache_query(request.META.get("QUERY_STRING", ""))
    return variant(
        request.scheme,
        request.get_host(),
        escape_uri_path(request.path) + (f"?{iri_to_uri(query)}" if query else ""),
        request.headers.get("Accept", ""),
        request.headers.get("Origin", ""),
        negotiate(request.headers.get("Accept-Encoding", "")),
    )


class PublicAPICacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # Browsers keep a response API_MAX_AGE seconds; shared caches (a CDN, Varnish) that are
        # purged by tag on every publication change (api/cdn.py) may keep it far longer, and serve
        # it stale while they fetch a new one or while the app servers are down.
        self.cache_control = (
            f"public, max-age={settings.API_MAX_AGE}, s-maxage={settings.API_SHARED_MAX_AGE}, "
            f"stale-while-revalidate={settings.API_STALE_WHILE_REVALIDATE}, "
            f"stale-if-error={settings.API_STALE_IF_ERROR}"
        )

    def __call__(self, request):
        if not _is_public_read(request):
            return self.get_response(request)
        version = self._version(request)
        if version is None:  # no such public article: the view answers 404
            return self._not_found(request, self.get_response(request))
        etag = f'"{version.token}-{_variant(request)}"'
        not_modified = self._not_modified(request, etag, version)
        if not_modified and not self._asks_if_it_exists(request):
            return self._with_validators(HttpResponseNotModified(), etag, version)
        response = self.get_response(request)
        if response.status_code != 200 or response.streaming:
            return self._not_found(request, response)
        if not_modified:  # If-None-Match: * or If-Modified-Since, and it exists
            return self._with_validators(HttpResponseNotModified(), etag, version)
        tags = getattr(request, "cache_tags", None) or cache_tags.for_path(request.path_info)
        response["Surrogate-Key"], response["Cache-Tag"] = cache_tags.header_values(tags)
        return self._with_validators(response, etag, version)

    @staticmethod
    def _not_found(request, response):
        """A public 404 may be kept by shared caches only briefly, and carries the tags of the list
        its address belongs to: the publication that makes it exist purges it (a CDN would
        otherwise keep its own default time, an hour at Fastly)."""
        if response.status_code == 404 and not response.streaming:
            tags = cache_tags.for_path(request.path_info)
            response["Surrogate-Key"], response["Cache-Tag"] = cache_tags.header_values(tags)
            response["Cache-Control"] = f"public, max-age=0, s-maxage={settings.API_MAX_AGE}"
        return response

    @staticmethod
    def _version(request) -> Version | None:
        match = ARTICLE_DETAIL.match(request.path_info)
        if match:
            # The view reads the same row from the request: a detail is this one query.
            row = request.public_article = detail_row(match["slug"])
            if row:
                request.cache_tags = row.cache_tags
            return Version(row.etag, row.modified_at, row.shares_second) if row else None
        version = current_listing_version()
        request.listing_version = version.token  # for caches keyed by the version (api.views)
        return version

    @staticmethod
    def _asks_if_it_exists(request) -> bool:
        """Whether a 304 needs the view to say first that the address exists (RFC 9110, 13.2.1:
        a precondition is ignored where the answer would not be a 2xx). An article detail's
        version says whether it does, but not whether its query is one the view accepts (a
        misspelt ``fields=`` is a 400); any other address has the listing version, whatever it is
        (an unknown clinic, a page past the end, a path no endpoint serves): only the view can
        tell. A specific ETag needs no check (it names this address and query, and was issued
        while they were answered at this version); If-None-Match: * and If-Modified-Since do."""
        if ARTICLE_DETAIL.match(request.path_info) and not cache_query(request.META.get("QUERY_STRING", "")):
            return False
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            return "*" in parse_etags(if_none_match)
        return "If-Modified-Since" in request.headers

    @staticmethod
    def _not_modified(request, etag, version: Version) -> bool:
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            # Weak comparison (RFC 9110, 13.1.2): W/"x" matches "x" (a CDN that compresses weakens
            # the ETag it passes on), and "*" matches any current representation.
            tags = parse_etags(if_none_match)
            return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)
        since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        # A date later than now is not one this server sent: ignored (RFC 9110, 13.1.3).
        if since is None or since > timezone.now().timestamp():
            return False
        modified = int(version.modified_at.timestamp())
        # The very second of a shared stamp cannot tell the two versions apart: answer in full.
        return modified < since or (modified == since and not version.shares_second)

    def _with_validators(self, response, etag, version: Version):
        response["ETag"] = etag
        # Never later than Date (a stamp from a server whose clock runs ahead is held back).
        response["Last-Modified"] = http_date(
            min(version.modified_at.timestamp(), timezone.now().timestamp())
        )
        response["Cache-Control"] = self.cache_control
        return response


def _read_version(path: str) -> tuple[str | None, bool]:
    """(token, whether Django must renew the listing version first) in one small query."""
    connection.ensure_connection()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    mark = "?" if connection.vendor == "sqlite" else "%s"
    match = ARTICLE_DETAIL.match(path)
    # The driver's own cursor: this runs on every cache hit, and Django's cursor wrappers cost
    # more than the query. Driver errors are still raised as Django's (OperationalError...).
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        if match:
            cursor.execute(
                f"SELECT etag FROM api_publicarticle WHERE slug = {mark} AND live_from <= {mark} "
                f"AND (live_until IS NULL OR live_until > {mark}) LIMIT 1",
                [match["slug"], now, now],
            )
            row = cursor.fetchone()
            result = (row[0] if row else None), False
        else:
            cursor.execute(
                "SELECT token, next_boundary_at IS NOT NULL AND next_boundary_at <= "
                f"{mark} FROM cms_contentversion WHERE id = 1",
                [now],
            )
            token, boundary_passed = cursor.fetchone()
            result = token, bool(boundary_passed)
        cursor.close()
    return result


def _version_for_wsgi(path: str) -> str | None:
    """The path's current version token; None if Django should answer this request.

    Raises one of DATABASE_UNAVAILABLE when the database is down or too slow.
    """
    try:
        try:
            token, renew = _read_version(path)
        except DATABASE_UNAVAILABLE:
            if not getattr(connection.connection, "closed", False):
                raise
            # A persistent connection the server dropped (it restarted): once more, on a new one.
            connection.close()
            token, renew = _read_version(path)
    except DATABASE_UNAVAILABLE:
        # Django never sees this request: closed here, or the next request would reuse it.
        connection.close()
        raise
    except Exception:  # anything else is Django's to report, with its own error handling
        return None
    if renew:
        return None  # let Django's middleware renew the version on this request
    return token


def _release_old_connection() -> None:
    """What Django's request_started and request_finished do for the requests it handles.

    A connection past CONN_MAX_AGE, or broken, is closed: before the version query and after a
    hit, so that DJANGO_CONN_MAX_AGE=0 means a connection per request on this path too (a hit
    never reaches Django, whose signals would do it). Never inside a transaction: there is none
    around a request in production, and a test's must stay open.
    """
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def _scheme(environ) -> str:
    """The scheme as Django's request.scheme sees it (trusting the proxy header if configured)."""
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        header, secure_value = proxy_header
        forwarded = environ.get(header)
        if forwarded is not None:
            return "https" if forwarded.split(",", 1)[0].strip() == secure_value else "http"
    return environ.get("wsgi.url_scheme", "http")


def _cors(environ) -> list[tuple[str, str]]:
    """The CORS headers django-cors-headers gives Django's answers, for the ones this WSGI layer
    gives itself (a 429 to a cache hit, a 503 when the database is down): without them a browser
    sees an opaque network error and a script cannot read Retry-After."""
    origin = environ.get("HTTP_ORIGIN", "")
    if not origin or not _origin_allowed(origin.rstrip("/").lower()):
        return []
    return [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Expose-Headers", ", ".join(settings.CORS_EXPOSE_HEADERS)),
        ("Vary", "Origin"),
    ]


def _origin_allowed(origin: str) -> bool:
    if getattr(settings, "CORS_ALLOW_ALL_ORIGINS", False):
        return True
    if origin in {allowed.rstrip("/").lower() for allowed in settings.CORS_ALLOWED_ORIGINS}:
        return True
    try:
        return origin in clinic_origins()
    except DATABASE_UNAVAILABLE:  # the clinics' origins are cached; with the database down and
        return False  # the cache cold, only the install's own origins are known


class ResponseCacheApp:
    """WSGI middleware: serve public API responses from the cache without entering Django."""

    STORED_STATUS = "200 OK"

    def __init__(self, app):
        self.app = app
        self.seconds = settings.API_CACHE_SECONDS

    def __call__(self, environ, start_response):
        if not (self.seconds and self._cacheable(environ)):
            return self.app(environ, start_response)
        _release_old_connection()
        try:
            token = _version_for_wsgi(environ.get("PATH_INFO", ""))
        except DATABASE_UNAVAILABLE:
            response = service_unavailable()
            start_response(f"503 {response.reason_phrase}", list(response.items()) + _cors(environ))
            return [response.content]
        if token is None:
            return self.app(environ, start_response)
        key_variant = self._variant(environ)
        entry = cache.get(f"api:{token}:{key_variant}")
        if entry is not None:
            _release_old_connection()
            # A miss meets the rate limit in Django (cms/lib/guard.py); a hit must meet it here.
            wait = throttle_wait(environ)
            if wait is not None:
                body = orjson.dumps(too_many_requests_body(wait))
                start_response(
                    "429 Too Many Requests",
                    [("Content-Type", "application/json"), ("Retry-After", str(wait)), *_cors(environ)],
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
        cookies = any(name.lower() == "set-cookie" for name, _ in headers)
        etag = next((value for name, value in headers if name.lower() == "etag"), "")
        if (
            captured.get("status") == self.STORED_STATUS
            and etag.startswith('"')
            and not cookies
            and len(body) <= max_entry_bytes()
        ):
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
            # A malformed, unknown or revoked API key: Django's APIGuardMiddleware answers the 401.
            and not api_key_refused(environ)
        )

    @staticmethod
    def _variant(environ) -> str:
        path = environ.get("PATH_INFO", "")
        query = cache_query(environ.get("QUERY_STRING", ""))
        return variant(
            _scheme(environ),
            environ.get("HTTP_HOST", ""),
            f"{path}?{query}" if query else path,
            environ.get("HTTP_ACCEPT", ""),
            environ.get("HTTP_ORIGIN", ""),
            negotiate(environ.get("HTTP_ACCEPT_ENCODING", "")),
        )
