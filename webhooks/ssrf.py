"""Where a webhook may be sent, and the one function that sends it.

An endpoint URL is typed by an admin, so it can point anywhere our servers can reach: the cloud metadata
service, the database, the admin behind the firewall (server-side request forgery). The guard has
three parts:

- ``check_url`` at save time: https, a host, no credentials, a literal IP address checked right away;
- ``post`` at send time: the host is resolved now and refused if ANY of its addresses is not a public
  one (``blocked_kind``), then the connection goes to one of those checked addresses, never to a second
  DNS answer (DNS rebinding), with the host name kept for the Host header, SNI and the certificate;
- no redirect is followed: a 3xx is returned to the caller, which records it as a failure.

Library decision: ``advocate`` (the classic requests wrapper) last released in 2020 and is not
maintained. ``requests-hardened`` (Saleor, 1.3.0, 2026-07) is maintained and pins the connection with
the same technique as ``_PinnedAdapter`` below, but it checks only the first address DNS returns (we
refuse if any is blocked), its refusal does not say which kind of address it was, and it resolves the
name itself, so using it beside our check would connect to a second answer, not the one we checked.
Its pinning is a dozen lines on requests' public adapter hook, so we write it here on requests/urllib3.
"""

import contextlib
import ipaddress
import socket
import threading
import time
from urllib.parse import SplitResult, urlsplit

import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# The body a receiver answers with is only recorded: keep the first 64 KiB (this also bounds a gzip bomb).
MAX_RESPONSE_BYTES = 64 * 1024

_net = ipaddress.ip_network
# Ranges named for the admin, checked in this order after loopback, link-local, multicast and unspecified.
# The last group: ranges that older Pythons' ``is_global`` calls global (3.11.7, our version, does).
_NAMED_RANGES = [
    ("shared address space", [_net("100.64.0.0/10")]),
    ("documentation", [_net(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]),
    ("documentation", [_net("2001:db8::/32"), _net("3fff::/20")]),
    ("benchmarking", [_net("198.18.0.0/15"), _net("2001:2::/48")]),
    ("private", [_net(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")]),
    ("reserved", [_net(n) for n in ("0.0.0.0/8", "192.0.0.0/24", "192.88.99.0/24", "240.0.0.0/4")]),
    ("reserved", [_net(n) for n in ("64:ff9b:1::/48", "5f00::/16", "fec0::/10")]),
]
_NAT64 = _net("64:ff9b::/96")
# IPv4-translated addresses (RFC 2765, ::ffff:0:a.b.c.d): SIIT translators reach the IPv4 address.
_IPV4_TRANSLATED = _net("::ffff:0:0:0/96")
_IPV4_COMPATIBLE = _net("::/96")


class RefusedDestination(Exception):
    """A webhook URL or the address its host resolves to may not be contacted; str() tells an admin why."""


def _refuse_address(host: str, address: str, kind: str) -> RefusedDestination:
    where = f"{host} is" if host == address else f"{host} resolves to {address}, which is"
    return RefusedDestination(
        f"{where} a {kind} address: webhooks are only sent to public internet addresses."
    )


def blocked_kind(address: Address, *, allow_loopback: bool) -> str | None:
    """None if the address may be contacted, else its kind ("loopback", "private", "link-local", ...)."""
    if address.version == 6:
        # An IPv6 address that carries an IPv4 one reaches that IPv4 address: judge the IPv4 address.
        if address.ipv4_mapped is not None:
            return blocked_kind(address.ipv4_mapped, allow_loopback=allow_loopback)
        if address.sixtofour is not None:
            return blocked_kind(address.sixtofour, allow_loopback=allow_loopback)
        if address in _NAT64 or address in _IPV4_TRANSLATED:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            return blocked_kind(embedded, allow_loopback=allow_loopback)
        if address in _IPV4_COMPATIBLE and int(address) > 1:  # ::a.b.c.d, deprecated; not :: or ::1
            embedded = ipaddress.IPv4Address(int(address))
            return blocked_kind(embedded, allow_loopback=allow_loopback) or "reserved"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return None if allow_loopback else "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    for kind, networks in _NAMED_RANGES:
        if any(address in network for network in networks):
            return kind
    # Everything else that is not globally routable (broadcast, IETF ranges, Teredo, discard-only, ...).
    return None if address.is_global else "reserved"


def _literal_address(host: str) -> tuple[str, Address] | None:
    """The address a literal IP host means, written as the admin should read it; None for a name."""
    try:
        return host, ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        # Shorthand IPv4 forms that resolvers read as addresses: 127.1, 0x7f000001, 2130706433.
        address = ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None
    return str(address), address


def _allow_loopback() -> bool:
    return getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False)


def _split(url: str) -> tuple[SplitResult, str, int]:
    """The URL's parts, its host name in ASCII (IDNA) and its port; raises RefusedDestination."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:  # a port out of 0-65535 or not a number, a broken [IPv6] host
        raise RefusedDestination(f"{url!r} is not a valid URL: {error}.") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise RefusedDestination(f"{url!r}: a webhook URL must start with https://.")
    if scheme == "http" and not getattr(settings, "WEBHOOKS_ALLOW_HTTP", False):
        raise RefusedDestination(f"{url!r}: a webhook URL must use https://, not http://.")
    if not parts.hostname:
        raise RefusedDestination(f"{url!r}: a webhook URL needs a host name.")
    if parts.username is not None or parts.password is not None:
        raise RefusedDestination(
            # The URL is not repeated: it holds a password.
            "A webhook URL may not contain a user name or password (user:password@); "
            "use the webhook's secret instead."
        )
    if port == 0:
        raise RefusedDestination(f"{url!r}: the port must be between 1 and 65535.")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise RefusedDestination(f"{url!r}: {parts.hostname!r} is not a valid host name.") from error
    return parts, host, port or (443 if scheme == "https" else 80)


def check_url(url: str) -> None:
    """At save time (admin form): scheme, host, no credentials, port, and a literal IP address host checked
    against the address rules. Raises RefusedDestination. Host names are resolved at send time."""
    _parts, host, _port = _split(url)
    literal = _literal_address(host)
    if literal is not None and (kind := blocked_kind(literal[1], allow_loopback=_allow_loopback())):
        raise _refuse_address(host, literal[0], kind)


def _resolve(host: str, port: int) -> Address:
    """One address of ``host`` to connect to, after checking every address it resolves to."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise requests.ConnectionError(f"Cannot resolve {host}: {error}") from error
    addresses = []
    for _family, _type, _proto, _name, sockaddr in answers:
        address = ipaddress.ip_address(sockaddr[0])
        if kind := blocked_kind(address, allow_loopback=_allow_loopback()):
            raise _refuse_address(host, sockaddr[0], kind)  # as the resolver wrote it: ::ffff:127.0.0.1
        addresses.append(address)
    if not addresses:
        raise requests.ConnectionError(f"Cannot resolve {host}: no address.")
    return addresses[0]


def _tracking(pool_class):
    """A connection pool class that records the connections it opens (on ``opened``), so that a
    watchdog can close them when the deadline passes."""

    class Tracking(pool_class):
        opened: list

        def _new_conn(self):
            connection = super()._new_conn()
            self.opened.append(connection)
            return connection

    return Tracking


class _PinnedAdapter(HTTPAdapter):
    """Connects to ``address`` whatever the URL's host resolves to by now; TLS still checks ``host``."""

    def __init__(self, host: str, address: Address):
        self.opened = []
        super().__init__(max_retries=0)
        self._host = host
        self._address = address

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        classes = {}
        for scheme, pool_class in self.poolmanager.pool_classes_by_scheme.items():
            classes[scheme] = type(pool_class.__name__, (_tracking(pool_class),), {"opened": self.opened})
        self.poolmanager.pool_classes_by_scheme = classes

    def cut_off(self) -> None:
        """The deadline passed: shut every socket this adapter opened (a read blocked on one ends)."""
        for connection in self.opened:
            sock = getattr(connection, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = self._host  # SNI
            pool_kwargs["assert_hostname"] = self._host  # the certificate names the host, not the address
        host_params["host"] = str(self._address)
        return host_params, pool_kwargs


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float = 10.0) -> requests.Response:
    """POST ``body`` to ``url`` with ``headers``, after the checks above; a 3xx is returned, not followed.

    ``timeout`` bounds the connection, the wait for the response and the reading of its body together:
    a watchdog shuts the socket when it passes, so a server that sends its headers a byte at a time
    cannot hold a worker longer. DNS resolution has the system resolver's own timeout.
    The body kept is cut at MAX_RESPONSE_BYTES. Raises RefusedDestination, or
    requests.RequestException on network errors.
    """
    deadline = time.monotonic() + timeout
    parts, host, port = _split(url)
    address = _resolve(host, port)
    host_header = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        host_header += f":{parts.port}"

    adapter = _PinnedAdapter(host, address)
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), adapter.cut_off)
    watchdog.daemon = True
    watchdog.start()
    try:
        return _post(url, body, headers, host, host_header, adapter, deadline, timeout)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
        if time.monotonic() >= deadline:
            raise requests.Timeout(f"{host} took more than {timeout} s to answer.") from error
        raise
    finally:
        watchdog.cancel()


def _post(url, body, headers, host, host_header, adapter, deadline, timeout) -> requests.Response:
    with requests.Session() as session:
        # No proxy, .netrc or CA bundle from the environment: a proxy would resolve the host itself.
        session.trust_env = False
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        response = session.post(
            url,
            data=body,
            headers={**headers, "Host": host_header},
            allow_redirects=False,
            timeout=urllib3.Timeout(total=timeout),
            stream=True,
        )
        with response:
            kept = bytearray()
            try:
                # read1: what has arrived, so a body sent a byte at a time meets the deadline too.
                while chunk := response.raw.read1(8192, decode_content=True):
                    if time.monotonic() > deadline:
                        raise requests.Timeout(f"{host} took more than {timeout} s to answer.")
                    kept += chunk[: MAX_RESPONSE_BYTES - len(kept)]
                    if len(kept) >= MAX_RESPONSE_BYTES:
                        break
            except urllib3.exceptions.ReadTimeoutError as error:
                raise requests.Timeout(error) from error
            except urllib3.exceptions.HTTPError as error:
                raise requests.ConnectionError(error) from error
            # What Response.content does after reading the whole body, done by hand to keep the limits.
            response._content = bytes(kept)
    return response
