"""The front doors: the API's (413, 429), the admin login's (lockout) and every page's
Content-Security-Policy.

**Client address.** One rule for the API rate limit and the admin login lockout: REMOTE_ADDR, or
with NUM_PROXIES=n the n-th address from the right of X-Forwarded-For, so a client cannot pick its
own by sending one (the README's *Client addresses* says which n fits which deployment). An IPv6
client is its /64: one household, office or server is given a whole /64 and can use any address in
it, so counting single IPv6 addresses would give each client 2**64 buckets. IPv4 addresses (and
IPv4-mapped IPv6 ones) are kept as they are. A header slot that holds no valid address (garbage, or
a proxy that writes a port) falls back to REMOTE_ADDR, the peer that sent it, rather than to no
limit at all.

**API rate limit.** DRF's anonymous throttle (a sliding window per client, kept in the cache),
applied here rather than in the views so that it also counts responses served by the WSGI
response cache (api/caching.py) and 304s. With REDIS_URL every app server shares the counts;
without, each process counts alone.

**API keys** (clinics.ApiKey, for a clinic's own servers). ``Authorization: Bearer clk_...``:
a valid key's requests are counted in the key's own bucket at its rate (blank: no limit) instead
of their address's; a malformed, unknown or revoked key is a JSON 401, never a silent fall-back to
anonymous (a server with a mistyped or revoked key should learn it at once, not when it meets the
shared limit), and it is also counted as anonymous: a bad key is never a way round the limit.
Other schemes (Basic: a staging site's proxy password) are not keys and are ignored. cms.lib
imports no app: clinics registers the resolver (register_api_key_resolver) in its ready(). A key
opens nothing: the API answers the same with or without one.
Checking a key must not be a lever against the database or the cache: a malformed key is refused
without either; a well-formed key whose answer is not cached is first counted in its address's
anonymous bucket (where a refused key's request is counted anyway, so it is counted once), and
looked up only under that limit; over it, the request is a 429 and the key is not looked up. A
valid key's later requests (its answer cached) are counted in the key's bucket only.

**Admin login lockout** (django-axes, with LoginLockoutHandler below). Two rules:
- per username and address: AXES_FAILURE_LIMIT wrong passwords lock that pair for
  LOGIN_ADDRESS_COOLOFF_HOURS. It stops one attacker without locking the clinician out elsewhere.
- per username, from any address: LOGIN_USERNAME_FAILURE_LIMIT wrong passwords within
  LOGIN_USERNAME_WINDOW_HOURS lock the username everywhere for LOGIN_USERNAME_COOLOFF_MINUTES.
  Each further wrong password in the window locks it again, for twice as long as the lockout
  before, up to LOGIN_USERNAME_COOLOFF_MAX_MINUTES. Rotating addresses (or a forged
  X-Forwarded-For where NUM_PROXIES is wrong) no longer give unlimited guesses: after the limit,
  about one guess per cool-off.
The trade-off: a per-username rule lets anyone lock a clinician out by guessing wrong. So it is
looser than the pair rule, short and capped, attempts made while locked are refused without being
counted (they neither check a password nor lengthen the lockout), and an address the username
logged in from within LOGIN_KNOWN_ADDRESS_DAYS is exempt from it (the pair rule still applies
there): a clinician at their usual desk keeps working while someone else trips the lock.
"""

import base64
import datetime
import hashlib
import ipaddress
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Count, Max, Sum
from django.http import JsonResponse
from django.http.request import HttpHeaders
from django.utils import timezone
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

API_PREFIX = "/api/"
UNKNOWN_CLIENT = "unknown"
IPV6_CLIENT_PREFIX = 64
# "192.0.2.1:443" and "[2001:db8::1]:443": some proxies write the client's port too.
_WITH_PORT = re.compile(r"^(?:\[(?P<v6>[^\]]+)\]|(?P<v4>[\d.]+))(?::\d+)?$")


def client_network(value: str | None) -> str | None:
    """The address a client is counted under: an IPv4 address, or the first address of an IPv6
    client's /64; None if ``value`` is not an address."""
    if not value:
        return None
    value = value.strip()
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        match = _WITH_PORT.match(value)
        if not match:
            return None
        try:
            address = ipaddress.ip_address(match["v6"] or match["v4"])
        except ValueError:
            return None
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        # The network's first address (not "…/64"): it must fit axes' GenericIPAddressField too.
        host_bits = 128 - IPV6_CLIENT_PREFIX
        return str(ipaddress.IPv6Address(int(address) >> host_bits << host_bits))
    return str(address)


class AnonymousClientThrottle(AnonRateThrottle):
    def get_rate(self):
        return settings.API_ANON_RATE or None

    def get_ident(self, request):
        chosen = super().get_ident(request)  # REMOTE_ADDR or the NUM_PROXIES-th X-Forwarded-For
        return client_network(chosen) or client_network(request.META.get("REMOTE_ADDR")) or UNKNOWN_CLIENT


class _Client:
    """What DRF's throttle reads from a request: its META, and no user (the API is anonymous)."""

    user = None

    def __init__(self, meta):
        self.META = meta
        self.headers = HttpHeaders(meta)


def client_address(request) -> str | None:
    """The client's address as the rate limit sees it; also django-axes' (AXES_CLIENT_IP_CALLABLE).

    For the lockout's per-pair rule the /64 matters as much as for the rate limit: with single
    IPv6 addresses an attacker holding a /64 would get AXES_FAILURE_LIMIT guesses per address.
    Only someone on the same /64 *and* typing the same username shares a pair, which is that
    clinician's own network. None when there is no valid address (axes stores it as null).
    """
    ident = AnonymousClientThrottle().get_ident(_Client(request.META))
    return None if ident == UNKNOWN_CLIENT else ident


# --- API keys ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiKeyGrant:
    """What a valid key gives a request: its own throttle bucket, at ``rate`` (None: no limit)."""

    key_id: int
    rate: str | None


class ApiKeyRefused(Exception):
    """The request's key is malformed, unknown or revoked: a 401 whose detail is the message."""


class ApiKeyUnchecked(ApiKeyRefused):
    """The key's answer is not cached and its address is over the anonymous limit: the key is not
    looked up, and the request (counted as anonymous) is a 429."""


_api_key_resolver: Callable[[str, Callable[[], bool]], ApiKeyGrant] | None = None
# Where a request's key, once resolved, is kept: the WSGI environ is Django's request.META, so the
# response cache (api/caching.py) and Django resolve a key once per request between them.
API_KEY_ENVIRON = "careleaf.api_key"
# Where a request's anonymous count is kept when it was made before its key was looked up: the
# request's throttle_wait takes it from there instead of counting the request a second time.
ANONYMOUS_WAIT_ENVIRON = "careleaf.anonymous_wait"


def register_api_key_resolver(resolver: Callable[[str, Callable[[], bool]], ApiKeyGrant] | None) -> None:
    """``resolver(token, admit)`` returns the key's grant or raises ApiKeyRefused
    (clinics/api_keys.py); before it reads the database it calls ``admit()``, which counts the
    request as anonymous and says whether it is under the limit (if not: ApiKeyUnchecked)."""
    global _api_key_resolver
    _api_key_resolver = resolver


def _count_anonymous(meta) -> int | None:
    """Count the request in its address's anonymous bucket: the seconds it must wait, or None."""
    if not settings.API_ANON_RATE:
        return None
    throttle = AnonymousClientThrottle()
    if throttle.allow_request(_Client(meta), None):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


def bearer_token(meta) -> str | None:
    """The credentials of ``Authorization: Bearer ...``; None without one (other schemes too)."""
    scheme, _, credentials = meta.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip()


def api_key(meta) -> ApiKeyGrant | ApiKeyRefused | None:
    """The request's API key: a grant, a refusal, or None for an anonymous request."""
    if "HTTP_AUTHORIZATION" not in meta:
        return None
    if API_KEY_ENVIRON in meta:
        return meta[API_KEY_ENVIRON]
    token = bearer_token(meta)
    result = None

    def admit() -> bool:
        if ANONYMOUS_WAIT_ENVIRON not in meta:
            meta[ANONYMOUS_WAIT_ENVIRON] = _count_anonymous(meta)
        return meta[ANONYMOUS_WAIT_ENVIRON] is None

    if token is not None:
        try:
            if _api_key_resolver is None:
                raise ApiKeyRefused("API keys are not enabled on this server.")
            result = _api_key_resolver(token, admit)
        except ApiKeyRefused as refusal:
            result = refusal
        except (OperationalError, InterfaceError):
            # The database is down and the key not in the cache: it may well be valid, so the
            # request is not refused; it is counted as anonymous until the key can be checked.
            result = None
    meta[API_KEY_ENVIRON] = result
    return result


def api_key_refused(meta) -> bool:
    """Whether the request carries a key that is refused (the response cache leaves it to Django,
    whose APIGuardMiddleware answers the 401)."""
    return isinstance(api_key(meta), ApiKeyRefused)


class ApiKeyThrottle(SimpleRateThrottle):
    """A key's own bucket: a sliding window like the anonymous one, kept under the key's id."""

    def __init__(self, grant: ApiKeyGrant):
        self.grant = grant
        self.rate = grant.rate
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_cache_key(self, request, view):
        return f"throttle_api_key_{self.grant.key_id}"


def throttle_wait(meta) -> int | None:
    """Seconds this client must wait before its next request, or None if it may go ahead.

    A request with a valid API key is counted in the key's bucket; any other (none, or a refused
    key, which the caller answers with a 401) in its address's anonymous bucket, once: if it was
    counted there before its key was looked up, that count is the answer.
    """
    key = api_key(meta)
    if isinstance(key, ApiKeyGrant):
        if not key.rate:
            return None
        throttle = ApiKeyThrottle(key)
        if throttle.allow_request(_Client(meta), None):
            return None
        return max(1, math.ceil(throttle.wait() or 1))
    if ANONYMOUS_WAIT_ENVIRON in meta:
        return meta.pop(ANONYMOUS_WAIT_ENVIRON)
    return _count_anonymous(meta)


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
            # A refused key is counted as anonymous first: over the limit it is a 429 like any other.
            wait = throttle_wait(request.META)
            if wait is not None:
                response = JsonResponse(too_many_requests_body(wait), status=429)
                response["Retry-After"] = str(wait)
                return response
            key = api_key(request.META)
            if isinstance(key, ApiKeyRefused):
                return api_key_refusal(key)
        return self.get_response(request)


def api_key_refusal(refusal: ApiKeyRefused) -> JsonResponse:
    """The 401 for a refused key (RFC 6750's error code); never stored by any cache."""
    response = JsonResponse({"detail": str(refusal)}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api", error="invalid_token"'
    response["Cache-Control"] = "no-store"
    return response


# --- Admin login lockout -------------------------------------------------------------------------


@dataclass(frozen=True)
class Lockout:
    rule: str  # "address" (this username from this address) or "username" (from anywhere)
    cooloff: datetime.timedelta
    until: datetime.datetime


def _pair_cooloff() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.LOGIN_ADDRESS_COOLOFF_HOURS)


def username_cooloff(lockouts: int) -> datetime.timedelta:
    """How long the username's ``lockouts``-th lockout (1, 2...) within the window lasts: the
    first at the limit, one more for each wrong password after it."""
    base = settings.LOGIN_USERNAME_COOLOFF_MINUTES
    minutes = min(base * 2 ** min(lockouts - 1, 32), settings.LOGIN_USERNAME_COOLOFF_MAX_MINUTES)
    return datetime.timedelta(minutes=minutes)


def _username_window() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.LOGIN_USERNAME_WINDOW_HOURS)


def lockout_cooloff(request=None) -> datetime.timedelta:
    """AXES_COOLOFF_TIME: the length of the lockout this request met, for the lockout page."""
    lockout = getattr(request, "login_lockout", None)
    return lockout.cooloff if lockout else _pair_cooloff()


class LoginLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with the two rules of the module docstring.

    axes records failures as it always does; only the judging differs:
    - the pair rule reads axes' attempts (one row per username, address and user agent, with a
      count and the time of the last failure), forgotten after LOGIN_ADDRESS_COOLOFF_HOURS
      without a failure, as axes does;
    - the username rule reads axes' failure log (AXES_ENABLE_ACCESS_FAILURE_LOG: one row per
      counted failure, with its time), kept here for LOGIN_USERNAME_WINDOW_HOURS. Failures refused
      during a lockout are in neither (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off).
    axes compares ``get_failures`` with AXES_FAILURE_LIMIT, so it answers the pair's count, or the
    limit itself while the username rule holds. A successful login clears the pair's failures
    (attempts and log rows) and nothing from other addresses.
    """

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        # axes judges a failure before it writes the failure's log row: the username rule adds it.
        if request is not None:
            request.login_failure_unlogged = True
        try:
            super().user_login_failed(sender, credentials, request, **kwargs)
        finally:
            if request is not None:
                request.login_failure_unlogged = False

    def get_failures(self, request, credentials=None) -> int:
        lockout, pair_failures = self.assess(request, credentials)
        request.login_lockout = lockout
        if lockout is not None and lockout.rule == "username":
            return max(pair_failures, get_failure_limit(request, credentials))
        return pair_failures

    def assess(self, request, credentials=None) -> tuple[Lockout | None, int]:
        """The lockout in force for this request (the longer one if both rules hold), and the
        failures of its username and address within LOGIN_ADDRESS_COOLOFF_HOURS."""
        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        lockouts = []

        pair_cooloff = _pair_cooloff()
        pair = AccessAttempt.objects.filter(
            username=username, ip_address=address, attempt_time__gte=now - pair_cooloff
        ).aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        pair_failures = pair["failures"] or 0
        if pair_failures >= get_failure_limit(request, credentials):
            lockouts.append(Lockout("address", pair_cooloff, pair["last"] + pair_cooloff))

        limit = settings.LOGIN_USERNAME_FAILURE_LIMIT
        if username and limit and not self.is_known_address(username, address, now):
            anywhere = AccessFailureLog.objects.filter(
                username=username, attempt_time__gte=now - _username_window()
            ).aggregate(failures=Count("pk"), last=Max("attempt_time"))
            failures, last = anywhere["failures"], anywhere["last"]
            if getattr(request, "login_failure_unlogged", False):
                failures, last = failures + 1, now
            if failures >= limit:
                cooloff = username_cooloff(failures - limit + 1)
                if now < last + cooloff:
                    lockouts.append(Lockout("username", cooloff, last + cooloff))

        lockout = max(lockouts, key=lambda each: each.until, default=None)
        return lockout, pair_failures

    @staticmethod
    def is_known_address(username: str, address: str | None, now: datetime.datetime) -> bool:
        days = settings.LOGIN_KNOWN_ADDRESS_DAYS
        if not (days and address):
            return False
        return AccessLog.objects.filter(
            username=username, ip_address=address, attempt_time__gte=now - datetime.timedelta(days=days)
        ).exists()

    def clean_expired_user_attempts(self, request=None, credentials=None) -> int:
        # axes' own cleaning uses AXES_COOLOFF_TIME, here the length of the lockout a request met.
        now = timezone.now()
        count, _ = AccessAttempt.objects.filter(attempt_time__lte=now - _pair_cooloff()).delete()
        AccessFailureLog.objects.filter(attempt_time__lte=now - _username_window()).delete()
        return count

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful login: the pair's attempts (axes), and its failures in the log."""
        count = super().reset_user_attempts(request, credentials)
        AccessFailureLog.objects.filter(
            username=get_client_username(request, credentials), ip_address=request.axes_ip_address
        ).delete()
        return count


# --- Content-Security-Policy ---------------------------------------------------------------------

API_DOCS_PREFIX = "/api/docs/"
ADMIN_PREFIX = "/admin/"


def script_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def editor_importmap_hash() -> str:
    """The CSP hash of django-prose-editor's import map, the admin's one inline script.

    django-js-asset renders it as ``<script type="importmap">``, and Django 5.2's admin gives
    media no nonce. The map is built here as the page builds it (static() gives the same URLs,
    hashed file names included), so the policy allows that exact map and nothing else.
    """
    from django_prose_editor.widgets import importmap

    tag = str(importmap.render())
    return script_hash(tag[tag.index(">") + 1 : tag.rindex("</script>")])


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, choosing the policy by page:

    - the API docs (Swagger UI): API_DOCS_CONTENT_SECURITY_POLICY, whose inline script and style
      carry the request's nonce (cms/templates/drf_spectacular/swagger_ui.html);
    - the admin, and any other HTML page (the browsable API while debugging, error pages):
      ADMIN_CONTENT_SECURITY_POLICY, plus the hash of the editor's import map;
    - everything else (the JSON API): CONTENT_SECURITY_POLICY, which allows nothing.
    A view's own django-csp decorator still wins.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if report_only or parts.config is not None:
            return parts
        path = request.path_info
        if path.startswith(API_DOCS_PREFIX):
            parts.config = settings.API_DOCS_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        elif path.startswith(ADMIN_PREFIX) or response.get("Content-Type", "").startswith("text/html"):
            parts.config = settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"]
            update = dict(parts.update or {})
            update["script-src"] = [*update.get("script-src", []), editor_importmap_hash()]
            parts.update = update
        return parts
