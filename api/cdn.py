"""Purge cached API responses from CDNs and Varnish by tag (surrogate key), when content changes.

Like Wagtail's ``wagtail.contrib.frontend_cache``, but by tag rather than by URL: a response carries
tags such as ``article-12 clinic-3 articles``, and one purge of ``article-12`` drops every cached page
that showed that article, whatever its URL or query string.

``settings.CDN_PURGE_BACKENDS`` is a list of dicts, one per cache to purge; unset means none::

    CDN_PURGE_BACKENDS = [
        {"BACKEND": "varnish", "LOCATIONS": ["http://10.0.0.5:6081"], "HOST": "api.example.org"},
        {"BACKEND": "fastly", "SERVICE_ID": "...", "API_TOKEN": "...", "SOFT": True},
        {"BACKEND": "cloudflare", "ZONE_ID": "...", "API_TOKEN": "..."},
        {"BACKEND": "myproject.cdn.AkamaiBackend", "NETWORK": "production"},
    ]

- ``varnish``: ``LOCATIONS`` (base URLs; or one ``LOCATION``), ``MODE`` ``"xkey"`` (default: ``PURGE /``
  with ``xkey-purge: tag1 tag2``, for vmod-xkey) or ``"ban"`` (``BAN /`` with ``x-ban-tags: tag1 tag2``,
  banning objects whose ``x-cache-tags`` holds a tag as a whole word), optional ``HOST`` (Host header).
  One request per location; tags are split so that the header value stays under 4000 bytes. Any 2xx
  is success.
- ``fastly``: ``SERVICE_ID``, ``API_TOKEN``, ``SOFT`` (default True: mark stale, so the edge can still
  serve the old copy while the origin is down), ``API_URL`` (default https://api.fastly.com).
  ``POST /service/<id>/purge`` with ``Fastly-Key`` and ``Surrogate-Key: k1 k2``, 256 keys a request
  (Fastly's limit). Success is a 200.
- ``cloudflare``: ``ZONE_ID``, ``API_TOKEN``, ``API_URL`` (default https://api.cloudflare.com/client/v4).
  ``POST /zones/<id>/purge_cache`` with a bearer token and ``{"tags": [...]}``, 30 tags a request (the
  smallest plan's limit). Success is a 200 whose body says ``"success": true``.
- A dotted path names a PurgeBackend subclass; it is called with the dict's other keys, unchanged
  (``NETWORK="production"`` above), and its ``purge()`` raises PurgeFailed when it fails.

Built-in backends refuse unknown and missing options with ImproperlyConfigured, so a typo such as
``SOFT_PURGE`` fails at the first purge instead of silently purging differently.

A tag must be printable ASCII without spaces (0x21-0x7E, at most 1024 characters, Fastly's and
Cloudflare's limit); any other is skipped with a warning: a space would split a tag in two, and a
newline could end the header and start another. Every request has a 10 s timeout and never follows a
redirect (a redirected purge has purged nothing). A backend sends all of its requests even when one
fails, because each one purges something the others do not, and then raises one PurgeFailed naming
every failure; ``purge()`` logs that on the "api.cdn" logger, goes on to the next backend and returns
the messages. Messages name the URL, status and body, never the API token.
"""

import json
import logging
import re
from collections.abc import Iterable, Iterator

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger("api.cdn")

TIMEOUT = 10
VALID_TAG = re.compile(r"[\x21-\x7e]{1,1024}")
BODY_EXCERPT = 200


class PurgeFailed(Exception):
    pass


def clean_tags(tags: Iterable[str]) -> list[str]:
    """The tags without duplicates, in their first order, less any that could break a header."""
    valid = []
    for tag in dict.fromkeys(tags):
        if isinstance(tag, str) and VALID_TAG.fullmatch(tag):
            valid.append(tag)
        else:
            logger.warning("Not purging CDN tag %r: tags are printable ASCII without spaces", tag)
    return valid


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class PurgeBackend:
    name = "custom"
    required: tuple[str, ...] = ()
    # None accepts any option (a custom backend's own); the built-in backends list theirs.
    optional: tuple[str, ...] | None = None

    def __init__(self, **options):
        missing = [key for key in self.required if not options.get(key)]
        unknown = [] if self.optional is None else sorted(set(options) - {*self.required, *self.optional})
        if missing or unknown:
            raise ImproperlyConfigured(
                f"CDN purge backend {self.name!r}: missing options {missing}, unknown options {unknown}"
            )
        self.options = options
        self.session = requests.Session()

    def purge(self, tags: list[str]) -> None:
        failures = []
        for request in self.requests_for(clean_tags(tags)):
            url = request["url"]
            try:
                response = self.session.request(**request, timeout=TIMEOUT, allow_redirects=False)
            except requests.RequestException as exc:
                failures.append(f"{url}: {type(exc).__name__}: {exc}")
                continue
            problem = self.problem(response)
            if problem:
                failures.append(f"{url}: {problem}")
        if failures:
            raise PurgeFailed(f"{self.name}: " + "; ".join(failures))

    def requests_for(self, tags: list[str]) -> Iterator[dict]:
        """Keyword arguments for requests.Session.request(), one dict per request that purges tags."""
        raise NotImplementedError

    def problem(self, response: requests.Response) -> str:
        """Why the response is a failure, or "" when it is a success."""
        return "" if 200 <= response.status_code < 300 else describe(response)


def describe(response: requests.Response) -> str:
    excerpt = response.content[:BODY_EXCERPT].decode("utf-8", "replace")
    return f"HTTP {response.status_code}: {excerpt!r}"


class VarnishBackend(PurgeBackend):
    name = "varnish"
    optional = ("LOCATIONS", "LOCATION", "MODE", "HOST")
    HEADERS = {"xkey": ("PURGE", "xkey-purge"), "ban": ("BAN", "x-ban-tags")}
    MAX_HEADER_BYTES = 4000

    def __init__(self, **options):
        super().__init__(**options)
        self.locations = options.get("LOCATIONS") or (
            [options["LOCATION"]] if options.get("LOCATION") else []
        )
        if isinstance(self.locations, str) or not self.locations:
            raise ImproperlyConfigured("CDN purge backend 'varnish': LOCATIONS must be a list of base URLs")
        mode = options.get("MODE", "xkey")
        if mode not in self.HEADERS:
            raise ImproperlyConfigured(
                f"CDN purge backend 'varnish': MODE must be 'xkey' or 'ban', not {mode!r}"
            )
        self.method, self.header = self.HEADERS[mode]

    def requests_for(self, tags):
        extra = {"Host": self.options["HOST"]} if self.options.get("HOST") else {}
        for value in self.header_values(tags):
            for location in self.locations:
                headers = {self.header: value, **extra}
                yield {"method": self.method, "url": location.rstrip("/") + "/", "headers": headers}

    def header_values(self, tags: list[str]) -> Iterator[str]:
        """Space-separated tags, each string shorter than MAX_HEADER_BYTES (tags are ASCII: 1 byte each)."""
        value = ""
        for tag in tags:
            if value and len(value) + 1 + len(tag) >= self.MAX_HEADER_BYTES:
                yield value
                value = ""
            value = f"{value} {tag}" if value else tag
        if value:
            yield value


class FastlyBackend(PurgeBackend):
    name = "fastly"
    required = ("SERVICE_ID", "API_TOKEN")
    optional = ("SOFT", "API_URL")
    MAX_KEYS = 256

    def requests_for(self, tags):
        api_url = self.options.get("API_URL", "https://api.fastly.com").rstrip("/")
        headers = {"Fastly-Key": self.options["API_TOKEN"], "Accept": "application/json"}
        if self.options.get("SOFT", True):
            headers["Fastly-Soft-Purge"] = "1"
        for keys in chunks(tags, self.MAX_KEYS):
            yield {
                "method": "POST",
                "url": f"{api_url}/service/{self.options['SERVICE_ID']}/purge",
                "headers": {**headers, "Surrogate-Key": " ".join(keys)},
            }

    def problem(self, response):
        return "" if response.status_code == 200 else describe(response)


class CloudflareBackend(PurgeBackend):
    name = "cloudflare"
    required = ("ZONE_ID", "API_TOKEN")
    optional = ("API_URL",)
    MAX_TAGS = 30

    def requests_for(self, tags):
        api_url = self.options.get("API_URL", "https://api.cloudflare.com/client/v4").rstrip("/")
        headers = {"Authorization": f"Bearer {self.options['API_TOKEN']}", "Content-Type": "application/json"}
        for chunk in chunks(tags, self.MAX_TAGS):
            yield {
                "method": "POST",
                "url": f"{api_url}/zones/{self.options['ZONE_ID']}/purge_cache",
                "headers": headers,
                "data": json.dumps({"tags": chunk}),
            }

    def problem(self, response):
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict) and body.get("success") is True:
            return ""
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors and isinstance(errors[0], dict):
            return f"HTTP {response.status_code}: error {errors[0].get('code')}: {errors[0].get('message')}"
        return describe(response)


BACKENDS = {backend.name: backend for backend in (VarnishBackend, FastlyBackend, CloudflareBackend)}


def configured_backends() -> list[PurgeBackend]:
    """From settings.CDN_PURGE_BACKENDS: a list of dicts {"BACKEND": "varnish"|"fastly"|"cloudflare"|
    "dotted.path.Class", ...options}. Empty list when unset. Raise ImproperlyConfigured for an unknown
    backend or missing option."""
    backends = []
    for config in getattr(settings, "CDN_PURGE_BACKENDS", []):
        options = dict(config)
        path = options.pop("BACKEND", None)
        backend_class = BACKENDS.get(path)
        if backend_class is None and isinstance(path, str) and "." in path:
            try:
                backend_class = import_string(path)
            except ImportError as exc:
                raise ImproperlyConfigured(f"CDN purge backend {path!r} cannot be imported: {exc}") from exc
        if not (isinstance(backend_class, type) and issubclass(backend_class, PurgeBackend)):
            raise ImproperlyConfigured(
                f"Unknown CDN purge backend {path!r}: use one of {sorted(BACKENDS)} "
                "or the dotted path of a PurgeBackend subclass"
            )
        backends.append(backend_class(**options))
    return backends


def purge(tags: Iterable[str]) -> list[str]:
    """Purge these tags (deduplicated, order kept) on every configured backend; returns a list of error
    messages (empty when all succeeded). Never raises for a backend failure; logs them. A misconfigured
    CDN_PURGE_BACKENDS does raise ImproperlyConfigured: that is a deploy error, not an outage."""
    tags = clean_tags(tags)
    if not tags:
        return []
    errors = []
    for backend in configured_backends():
        try:
            backend.purge(tags)
        except PurgeFailed as exc:
            logger.error("CDN purge failed: %s", exc)
            errors.append(str(exc))
        except Exception as exc:  # a custom backend's bug must not stop the next backend's purge
            logger.exception("CDN purge backend %r crashed", backend.name)
            errors.append(f"{backend.name}: {type(exc).__name__}: {exc}")
    return errors
