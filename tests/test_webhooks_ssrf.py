"""The SSRF guard of outgoing webhooks: which addresses are refused, and what post() really connects to."""

import contextlib
import ipaddress
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from webhooks.ssrf import RefusedDestination, blocked_kind, check_url, post

BLOCKED = [
    ("127.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("fd00::1", "private"),
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("100.64.0.1", "shared address space"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("192.0.2.1", "documentation"),
    ("2001:db8::1", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "link-local"),
    ("::127.0.0.1", "loopback"),
    ("64:ff9b::7f00:1", "loopback"),
    ("::ffff:0:7f00:1", "loopback"),
    ("::ffff:0:a9fe:a9fe", "link-local"),
    ("64:ff9b::a9fe:a9fe", "link-local"),
    ("2002:7f00:1::", "loopback"),
    ("2002:c0a8:101::", "private"),
    ("64:ff9b:1::1", "reserved"),
    ("fec0::1", "reserved"),
]
PUBLIC = ["93.184.215.14", "2606:4700::1111", "64:ff9b::5db8:d70e", "2002:5db8:d70e::"]
HOST = "hooks.example.com"


def _bracketed(address: str) -> str:
    return f"[{address}]" if ":" in address else address


@pytest.fixture
def dns(monkeypatch):
    """Fake DNS: ``dns[name] = [answers, ...]``, each answer a list of addresses; every lookup of the name
    takes the next answer (the last one repeats). IP literals resolve as a real resolver does."""
    real_getaddrinfo = socket.getaddrinfo
    answers: dict[str, list[list[str]]] = {}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host not in answers:
            return real_getaddrinfo(host, port, family, type, proto, flags)
        addresses = answers[host][0] if len(answers[host]) == 1 else answers[host].pop(0)
        result = []
        for address in addresses:
            if ipaddress.ip_address(address).version == 6:
                result.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                result.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return result

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


class Server(ThreadingHTTPServer):
    """A local HTTP server that records every connection and request; ``answer`` sets what it replies."""

    daemon_threads = True

    def __init__(self, answer):
        self.answer = answer
        self.connections: list[tuple[str, int]] = []
        self.requests: list[dict] = []
        self.release = threading.Event()
        super().__init__(("127.0.0.1", 0), Handler)

    def get_request(self):
        conn, client = super().get_request()
        self.connections.append(client)
        return conn, client


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append({"path": self.path, "headers": self.headers, "body": body})
        self.server.answer(self)

    do_GET = do_POST

    def log_message(self, *args):
        pass


def answer_ok(handler):
    handler.send_response(200)
    handler.send_header("Content-Length", "2")
    handler.end_headers()
    handler.wfile.write(b"ok")


@pytest.fixture
def serve():
    servers = []

    def start(answer=answer_ok, tls_context=None):
        server = Server(answer)
        if tls_context is not None:
            server.socket = tls_context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOKS_ALLOW_HTTP = True


# Addresses as literals


@pytest.mark.parametrize(("address", "kind"), BLOCKED)
def test_each_kind_of_address_is_refused_with_its_kind(address, kind):
    assert blocked_kind(ipaddress.ip_address(address), allow_loopback=False) == kind


@pytest.mark.parametrize(("address", "kind"), BLOCKED)
def test_a_url_with_a_blocked_literal_address_is_refused_at_save_time(address, kind):
    with pytest.raises(RefusedDestination) as refused:
        check_url(f"https://{_bracketed(address)}/hook")

    assert address in str(refused.value)
    assert f"a {kind} address" in str(refused.value)


@pytest.mark.parametrize("address", PUBLIC)
def test_a_public_address_is_allowed(address):
    assert blocked_kind(ipaddress.ip_address(address), allow_loopback=False) is None
    check_url(f"https://{_bracketed(address)}/hook")


@pytest.mark.parametrize(
    ("host", "address"),
    [("0x7f000001", "127.0.0.1"), ("127.1", "127.0.0.1"), ("2852039166", "169.254.169.254")],
)
def test_shorthand_ipv4_forms_are_read_as_the_address_they_mean(host, address):
    with pytest.raises(RefusedDestination) as refused:
        check_url(f"https://{host}/")

    assert f"{host} resolves to {address}" in str(refused.value)


# The URL itself


def test_http_is_refused_unless_allowed(settings):
    with pytest.raises(RefusedDestination, match="https"):
        check_url("http://hooks.example.com/")

    settings.WEBHOOKS_ALLOW_HTTP = True
    check_url("http://hooks.example.com/")


@pytest.mark.parametrize("url", ["ftp://hooks.example.com/", "file:///etc/passwd", "hooks.example.com/x"])
def test_other_schemes_are_refused_even_with_http_allowed(settings, url):
    settings.WEBHOOKS_ALLOW_HTTP = True

    with pytest.raises(RefusedDestination):
        check_url(url)


@pytest.mark.parametrize(
    "url", ["https://user:hunter2@hooks.example.com/", "https://hunter2@hooks.example.com/"]
)
def test_user_info_is_refused_and_the_password_not_repeated(url):
    with pytest.raises(RefusedDestination) as refused:
        check_url(url)

    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    "url",
    ["https:///hook", "https://hooks.example.com:0/", "https://hooks.example.com:65536/", "https://[::1/"],
)
def test_a_url_without_a_host_or_with_a_bad_port_is_refused(url):
    with pytest.raises(RefusedDestination):
        check_url(url)


def test_a_host_name_is_not_resolved_at_save_time(dns):
    dns[HOST] = [["127.0.0.1"]]

    check_url(f"https://{HOST}:8443/hook")


# Names resolved at send time


@pytest.mark.parametrize(("address", "kind"), BLOCKED)
def test_a_name_resolving_to_a_blocked_address_is_refused_before_connecting(dns, address, kind):
    dns[HOST] = [[address]]

    with pytest.raises(RefusedDestination) as refused:
        post(f"https://{HOST}/hook", b"{}", {})

    assert f"{HOST} resolves to {address}, which is a {kind} address" in str(refused.value)


def test_a_name_with_one_public_and_one_private_address_is_refused(dns):
    dns[HOST] = [["93.184.215.14", "10.0.0.5"]]

    with pytest.raises(RefusedDestination, match="10.0.0.5, which is a private address"):
        post(f"https://{HOST}/hook", b"{}", {})


def test_loopback_is_allowed_only_by_the_setting_and_private_addresses_stay_refused(settings, dns, serve):
    settings.WEBHOOKS_ALLOW_HTTP = True
    server = serve()
    url = f"http://{HOST}:{server.server_port}/hook"
    dns[HOST] = [["127.0.0.1"]]
    with pytest.raises(RefusedDestination, match="loopback"):
        post(url, b"{}", {})

    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    assert post(url, b"{}", {}).status_code == 200
    check_url("https://127.0.0.1/")
    dns[HOST] = [["192.168.1.1"]]
    with pytest.raises(RefusedDestination, match="private"):
        post(url, b"{}", {})
    for address, kind in BLOCKED:
        # ::a.b.c.d is a deprecated form, never contacted even when its IPv4 address would be.
        expected = "reserved" if address == "::127.0.0.1" else None if kind == "loopback" else kind
        assert blocked_kind(ipaddress.ip_address(address), allow_loopback=True) == expected


# What post() connects to


def test_dns_rebinding_does_not_reach_the_address_of_the_second_answer(loopback_allowed, dns, serve):
    """The check sees a public address; any later lookup would answer 127.0.0.1, where our server listens.
    post() connects to the public address it checked (which does not answer here), never to ours."""
    server = serve()
    dns[HOST] = [["93.184.215.14"], ["127.0.0.1"]]

    with pytest.raises(requests.RequestException):
        post(f"http://{HOST}:{server.server_port}/hook", b"{}", {}, timeout=0.5)

    assert server.connections == []
    assert socket.getaddrinfo(HOST, 80)[0][4][0] == "127.0.0.1"  # the rebinding answer was there to take


def test_a_post_arrives_with_the_exact_body_headers_and_host(loopback_allowed, dns, serve):
    server = serve()
    dns[HOST] = [["127.0.0.1"]]
    body = b'{"event": "article.published", "slug": "asthma"}\n'
    headers = {"Content-Type": "application/json", "X-Careleaf-Signature": "sha256=abc", "Host": "evil.test"}

    response = post(f"http://{HOST}:{server.server_port}/hook?x=1", body, headers)

    assert response.status_code == 200
    assert response.content == b"ok"
    [received] = server.requests
    assert received["path"] == "/hook?x=1"
    assert received["body"] == body
    assert received["headers"]["Content-Type"] == "application/json"
    assert received["headers"]["X-Careleaf-Signature"] == "sha256=abc"
    assert received["headers"].get_all("Host") == [f"{HOST}:{server.server_port}"]
    assert len(server.connections) == 1


def test_a_redirect_is_returned_not_followed(loopback_allowed, dns, serve):
    def answer_redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    server = serve(answer_redirect)
    dns[HOST] = [["127.0.0.1"]]

    response = post(f"http://{HOST}:{server.server_port}/hook", b"{}", {})

    assert response.status_code == 302
    assert response.headers["Location"] == "http://169.254.169.254/latest/meta-data/"
    assert [r["path"] for r in server.requests] == ["/hook"]
    assert len(server.connections) == 1


def test_a_slow_server_times_out(loopback_allowed, dns, serve):
    def answer_late(handler):
        handler.server.release.wait(5)

    server = serve(answer_late)
    dns[HOST] = [["127.0.0.1"]]

    with pytest.raises(requests.Timeout):
        post(f"http://{HOST}:{server.server_port}/hook", b"{}", {}, timeout=0.5)


def test_a_body_sent_a_byte_at_a_time_times_out(loopback_allowed, dns, serve):
    def answer_drip(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        for _ in range(100):
            if handler.server.release.wait(0.1):
                return
            handler.wfile.write(b"x")
            handler.wfile.flush()

    server = serve(answer_drip)
    dns[HOST] = [["127.0.0.1"]]
    started = time.monotonic()

    with pytest.raises(requests.Timeout):
        post(f"http://{HOST}:{server.server_port}/hook", b"{}", {}, timeout=0.5)

    assert time.monotonic() - started < 2


def test_headers_sent_a_byte_at_a_time_meet_the_deadline_too(loopback_allowed, dns, serve):
    """A slowloris receiver (a header byte every 0.2 s, each read well within the timeout) cannot
    hold the worker past the deadline: the watchdog shuts the socket."""

    def answer_drip_headers(handler):
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 200:
            if handler.server.release.wait(0.2):
                return
            with contextlib.suppress(OSError):
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()

    server = serve(answer_drip_headers)
    dns[HOST] = [["127.0.0.1"]]
    started = time.monotonic()

    with pytest.raises(requests.Timeout):
        post(f"http://{HOST}:{server.server_port}/hook", b"{}", {}, timeout=1.0)

    assert time.monotonic() - started < 2


def test_a_large_answer_is_cut(loopback_allowed, dns, serve):
    def answer_large(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", str(1024 * 1024))
        handler.end_headers()
        handler.wfile.write(b"x" * 1024 * 1024)

    server = serve(answer_large)
    dns[HOST] = [["127.0.0.1"]]

    response = post(f"http://{HOST}:{server.server_port}/hook", b"{}", {})

    assert response.content == b"x" * 64 * 1024


# TLS: SNI and the certificate are checked against the host name, not the pinned address


@pytest.fixture
def certificate(tmp_path):
    def make(name):
        key, cert = tmp_path / f"{name}.key", tmp_path / f"{name}.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            + ["-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={name}"]
            + ["-addext", f"subjectAltName=DNS:{name}"],
            check=True,
            capture_output=True,
        )
        return key, cert

    return make


def _tls_server(serve, key, cert):
    server_names = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _socket, name, _context: server_names.append(name)
    return serve(tls_context=context), server_names


def test_https_sends_sni_and_verifies_the_certificate_for_the_host_name(
    loopback_allowed, dns, serve, certificate, monkeypatch
):
    key, cert = certificate(HOST)
    monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", str(cert))
    server, server_names = _tls_server(serve, key, cert)
    dns[HOST] = [["127.0.0.1"]]

    response = post(f"https://{HOST}:{server.server_port}/hook", b"{}", {})

    assert response.status_code == 200
    assert server_names == [HOST]
    assert server.requests[0]["headers"]["Host"] == f"{HOST}:{server.server_port}"


def test_https_refuses_a_certificate_for_another_name(loopback_allowed, dns, serve, certificate, monkeypatch):
    key, cert = certificate("other.example.com")
    monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", str(cert))
    server, _server_names = _tls_server(serve, key, cert)
    dns[HOST] = [["127.0.0.1"]]

    with pytest.raises(requests.exceptions.SSLError):
        post(f"https://{HOST}:{server.server_port}/hook", b"{}", {})

    assert server.requests == []
