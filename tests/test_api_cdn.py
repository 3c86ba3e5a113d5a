import json
import logging
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from api import cdn
from api.cdn import (
    CloudflareBackend,
    FastlyBackend,
    PurgeBackend,
    PurgeFailed,
    VarnishBackend,
    configured_backends,
    purge,
)

# What every request carries whatever the backend: left out of the exact-header comparisons.
TRANSPORT_HEADERS = {"host", "user-agent", "accept-encoding", "connection", "content-length"}


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names lowercased
    body: bytes

    @property
    def own_headers(self):
        return {name: value for name, value in self.headers.items() if name not in TRANSPORT_HEADERS}


class FakeService:
    """An HTTP server on 127.0.0.1 that records each request and answers with respond(request)."""

    def __init__(self, respond):
        self.respond = respond
        self.requests: list[Received] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                received = Received(self.command, self.path, headers, body)
                service.requests.append(received)
                status, content_type, payload = service.respond(received)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                if status in (301, 302):
                    self.send_header("Location", "/moved")
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PURGE = do_BAN = answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # shutdown() waits up to one poll interval: the default 0.5 s would be most of the suite's time.
        threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_service():
    services = []

    def start(respond):
        services.append(FakeService(respond))
        return services[-1]

    yield start
    for service in services:
        service.close()


@pytest.fixture
def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# Answers shaped as the real services give them.


def varnish_synth(status, reason):
    """Varnish's built-in synthetic page, as its VCL's `return (synth(status, reason))` sends it."""
    page = (
        f"<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head><body>"
        f"<h1>Error {status} {reason}</h1><p>{reason}</p><h3>Guru Meditation:</h3><p>XID: 32770</p>"
        "<hr><p>Varnish cache server</p></body></html>\n"
    )
    return lambda request: (status, "text/html; charset=utf-8", page.encode())


def fastly_ok(request):
    keys = request.headers["surrogate-key"].split(" ")
    ids = {key: f"108-1391560174-{number}" for number, key in enumerate(keys)}
    return 200, "application/json", json.dumps(ids).encode()


def fastly_error(status, msg):
    body = json.dumps({"msg": msg, "detail": ""}).encode()
    return lambda request: (status, "application/json", body)


def cloudflare_ok(request):
    body = {
        "success": True,
        "errors": [],
        "messages": [],
        "result": {"id": "023e105f4ecef8ad9ca31a8372d0c353"},
    }
    return 200, "application/json", json.dumps(body).encode()


def cloudflare_error(status, code, message):
    body = {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}
    return lambda request: (status, "application/json", json.dumps(body).encode())


def fastly(service, **options):
    return FastlyBackend(
        SERVICE_ID="SU1Z0isxPaozGVKXdv0eY", API_TOKEN="secret-token", API_URL=service.url, **options
    )


def cloudflare(service):
    return CloudflareBackend(
        ZONE_ID="023e105f4ecef8ad9ca31a8372d0c353", API_TOKEN="cf-token", API_URL=service.url
    )


# Varnish


def test_varnish_xkey_sends_one_purge_per_location_with_space_separated_tags(fake_service):
    first, second = (
        fake_service(varnish_synth(200, "Invalidated 4 objects")),
        fake_service(varnish_synth(200, "Invalidated 0 objects")),
    )
    backend = VarnishBackend(LOCATIONS=[first.url, second.url + "/"], HOST="api.example.org")

    backend.purge(["article-12", "clinic-3", "article-12"])

    for service in (first, second):
        [request] = service.requests
        assert (request.method, request.path, request.body) == ("PURGE", "/", b"")
        assert request.own_headers == {"xkey-purge": "article-12 clinic-3", "accept": "*/*"}
        assert request.headers["host"] == "api.example.org"


def test_varnish_ban_mode_sends_ban_with_tags_header_to_single_location(fake_service):
    service = fake_service(varnish_synth(200, "Ban added"))

    VarnishBackend(LOCATION=service.url, MODE="ban").purge(["articles", "condition-7-articles"])

    [request] = service.requests
    assert (request.method, request.path, request.body) == ("BAN", "/", b"")
    assert request.own_headers == {"x-ban-tags": "articles condition-7-articles", "accept": "*/*"}
    assert request.headers["host"] == service.url.removeprefix("http://")


def test_varnish_splits_tags_so_each_header_stays_under_4000_bytes(fake_service):
    service = fake_service(varnish_synth(200, "Invalidated 1 objects"))
    tags = [f"article-{number}" for number in range(1000)]  # 11 890 bytes joined

    VarnishBackend(LOCATIONS=[service.url]).purge(tags)

    values = [request.headers["xkey-purge"] for request in service.requests]
    assert len(values) == 3
    assert all(3900 < len(value.encode()) < 4000 for value in values[:-1])
    assert " ".join(values).split(" ") == tags


def test_varnish_failure_names_status_and_body_and_still_purges_other_locations(
    fake_service, closed_port_url
):
    refusing = fake_service(varnish_synth(405, "Not allowed."))
    working = fake_service(varnish_synth(200, "Invalidated 1 objects"))
    backend = VarnishBackend(LOCATIONS=[refusing.url, closed_port_url, working.url])

    with pytest.raises(PurgeFailed) as failure:
        backend.purge(["article-12"])

    message = str(failure.value)
    assert message.startswith("varnish: ")
    assert f"{refusing.url}/: HTTP 405: '<!DOCTYPE html>" in message
    assert f"{closed_port_url}/: ConnectionError" in message
    assert len(working.requests) == 1


@pytest.mark.parametrize(
    "options",
    [{}, {"LOCATIONS": []}, {"LOCATIONS": "http://varnish:6081"}, {"LOCATION": "http://v", "MODE": "purge"}],
)
def test_varnish_refuses_missing_locations_or_unknown_mode(options):
    with pytest.raises(ImproperlyConfigured, match="varnish"):
        VarnishBackend(**options)


# Fastly


def test_fastly_soft_purges_keys_in_one_request_by_default(fake_service):
    service = fake_service(fastly_ok)

    fastly(service).purge(["article-12", "clinic-3", "articles"])

    [request] = service.requests
    assert (request.method, request.path, request.body) == (
        "POST",
        "/service/SU1Z0isxPaozGVKXdv0eY/purge",
        b"",
    )
    assert request.own_headers == {
        "fastly-key": "secret-token",
        "surrogate-key": "article-12 clinic-3 articles",
        "fastly-soft-purge": "1",
        "accept": "application/json",
    }


def test_fastly_hard_purge_leaves_out_the_soft_purge_header(fake_service):
    service = fake_service(fastly_ok)

    fastly(service, SOFT=False).purge(["article-12"])

    [request] = service.requests
    assert "fastly-soft-purge" not in request.headers
    assert request.headers["surrogate-key"] == "article-12"


def test_fastly_sends_600_keys_in_3_requests_of_at_most_256(fake_service):
    service = fake_service(fastly_ok)
    tags = [f"article-{number}" for number in range(600)]

    fastly(service).purge(tags)

    batches = [request.headers["surrogate-key"].split(" ") for request in service.requests]
    assert [len(batch) for batch in batches] == [256, 256, 88]
    assert sum(batches, []) == tags


def test_fastly_error_names_status_and_first_200_bytes_of_body_but_not_the_token(fake_service):
    service = fake_service(fastly_error(401, "Provided credentials are missing or invalid"))

    with pytest.raises(PurgeFailed) as failure:
        fastly(service).purge(["article-12"])

    message = str(failure.value)
    assert message == (
        f"fastly: {service.url}/service/SU1Z0isxPaozGVKXdv0eY/purge: HTTP 401: "
        """'{"msg": "Provided credentials are missing or invalid", "detail": ""}'"""
    )
    assert "secret-token" not in message


def test_fastly_error_body_is_cut_to_200_bytes(fake_service):
    service = fake_service(lambda request: (503, "text/html", b"x" * 200 + b"TAIL"))

    with pytest.raises(PurgeFailed, match=r"HTTP 503: 'x{200}'$"):
        fastly(service).purge(["article-12"])


def test_fastly_success_is_only_a_200(fake_service):
    service = fake_service(lambda request: (202, "application/json", b"{}"))

    with pytest.raises(PurgeFailed, match="HTTP 202"):
        fastly(service).purge(["article-12"])


# Cloudflare


def test_cloudflare_posts_tags_as_json_with_bearer_token(fake_service):
    service = fake_service(cloudflare_ok)

    cloudflare(service).purge(["article-12", "clinic-3"])

    [request] = service.requests
    assert (request.method, request.path) == ("POST", "/zones/023e105f4ecef8ad9ca31a8372d0c353/purge_cache")
    assert request.own_headers == {
        "authorization": "Bearer cf-token",
        "content-type": "application/json",
        "accept": "*/*",
    }
    assert json.loads(request.body) == {"tags": ["article-12", "clinic-3"]}


def test_cloudflare_sends_65_tags_in_3_requests_of_at_most_30(fake_service):
    service = fake_service(cloudflare_ok)
    tags = [f"clinic-{number}" for number in range(65)]

    cloudflare(service).purge(tags)

    batches = [json.loads(request.body)["tags"] for request in service.requests]
    assert [len(batch) for batch in batches] == [30, 30, 5]
    assert sum(batches, []) == tags


def test_cloudflare_200_with_success_false_fails_naming_the_first_error(fake_service):
    service = fake_service(cloudflare_error(200, 1107, "Purge by tag is not available on this plan"))

    with pytest.raises(
        PurgeFailed, match="HTTP 200: error 1107: Purge by tag is not available on this plan$"
    ):
        cloudflare(service).purge(["article-12"])


def test_cloudflare_error_status_fails_naming_the_first_error_but_not_the_token(fake_service):
    service = fake_service(cloudflare_error(403, 10000, "Authentication error"))

    with pytest.raises(PurgeFailed) as failure:
        cloudflare(service).purge(["article-12"])

    assert str(failure.value) == (
        f"cloudflare: {service.url}/zones/023e105f4ecef8ad9ca31a8372d0c353/purge_cache: "
        "HTTP 403: error 10000: Authentication error"
    )
    assert "cf-token" not in str(failure.value)


def test_cloudflare_non_json_error_page_fails_with_status_and_excerpt(fake_service):
    service = fake_service(lambda request: (502, "text/html", b"<html><h1>502 Bad Gateway</h1></html>"))

    with pytest.raises(PurgeFailed, match=r"HTTP 502: '<html><h1>502 Bad Gateway</h1></html>'$"):
        cloudflare(service).purge(["article-12"])


# Every backend


def test_a_redirect_is_a_failure_and_is_not_followed(fake_service):
    service = fake_service(lambda request: (301, "text/html", b""))

    with pytest.raises(PurgeFailed, match="HTTP 301"):
        fastly(service).purge(["article-12"])

    assert [request.path for request in service.requests] == ["/service/SU1Z0isxPaozGVKXdv0eY/purge"]


def test_a_silent_server_times_out_as_a_failure(monkeypatch):
    monkeypatch.setattr(cdn, "TIMEOUT", 0.2)
    with socket.socket() as silent:  # accepts connections (the backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        backend = VarnishBackend(LOCATION=f"http://127.0.0.1:{silent.getsockname()[1]}")

        with pytest.raises(PurgeFailed, match="ReadTimeout"):
            backend.purge(["article-12"])


def test_tags_with_spaces_or_control_characters_are_skipped_with_a_warning(fake_service, caplog):
    service = fake_service(fastly_ok)
    tags = ["article-12", "two words", "clinic-3\r\nX-Injected: 1", "tab\there", "", "caf\u00e9", "clinic-3"]

    with caplog.at_level(logging.WARNING, logger="api.cdn"):
        fastly(service).purge(tags)

    [request] = service.requests
    assert request.headers["surrogate-key"] == "article-12 clinic-3"
    assert "x-injected" not in request.headers
    assert len(caplog.records) == 5


def test_purge_without_valid_tags_sends_nothing(settings, fake_service):
    service = fake_service(fastly_ok)
    settings.CDN_PURGE_BACKENDS = [
        {"BACKEND": "fastly", "SERVICE_ID": "s", "API_TOKEN": "t", "API_URL": service.url}
    ]

    assert purge(["has space"]) == []
    assert service.requests == []


# purge() and the settings


def test_purge_without_the_setting_does_nothing(settings):
    del settings.CDN_PURGE_BACKENDS

    assert configured_backends() == []
    assert purge(["article-12"]) == []


def test_purge_deduplicates_and_purges_every_backend(settings, fake_service):
    varnish, fastly_api, cloudflare_api = (
        fake_service(varnish_synth(200, "OK")),
        fake_service(fastly_ok),
        fake_service(cloudflare_ok),
    )
    settings.CDN_PURGE_BACKENDS = [
        {"BACKEND": "varnish", "LOCATIONS": [varnish.url]},
        {"BACKEND": "fastly", "SERVICE_ID": "svc", "API_TOKEN": "t", "API_URL": fastly_api.url},
        {"BACKEND": "cloudflare", "ZONE_ID": "zone", "API_TOKEN": "t", "API_URL": cloudflare_api.url},
    ]

    assert purge(["articles", "article-12", "articles"]) == []

    assert varnish.requests[0].headers["xkey-purge"] == "articles article-12"
    assert fastly_api.requests[0].headers["surrogate-key"] == "articles article-12"
    assert json.loads(cloudflare_api.requests[0].body) == {"tags": ["articles", "article-12"]}


def test_purge_goes_on_after_a_failing_backend_and_returns_its_error(settings, fake_service, caplog):
    failing = fake_service(fastly_error(500, "Internal Server Error"))
    working = fake_service(cloudflare_ok)
    settings.CDN_PURGE_BACKENDS = [
        {"BACKEND": "fastly", "SERVICE_ID": "svc", "API_TOKEN": "t", "API_URL": failing.url},
        {"BACKEND": "cloudflare", "ZONE_ID": "zone", "API_TOKEN": "t", "API_URL": working.url},
    ]

    with caplog.at_level(logging.ERROR, logger="api.cdn"):
        errors = purge(["article-12"])

    body = '{"msg": "Internal Server Error", "detail": ""}'
    assert errors == [f"fastly: {failing.url}/service/svc/purge: HTTP 500: '{body}'"]
    assert len(working.requests) == 1
    assert [record.getMessage() for record in caplog.records] == [f"CDN purge failed: {errors[0]}"]


def test_purge_returns_connection_refused_as_an_error(settings, closed_port_url):
    settings.CDN_PURGE_BACKENDS = [{"BACKEND": "varnish", "LOCATIONS": [closed_port_url]}]

    [error] = purge(["article-12"])

    assert error.startswith(f"varnish: {closed_port_url}/: ConnectionError")
    assert "Connection refused" in error


class RecordingBackend(PurgeBackend):
    name = "recording"
    purged: list[list[str]] = []

    def purge(self, tags):
        self.purged.append([*tags, self.options["network"]])


class CrashingBackend(PurgeBackend):
    name = "crashing"

    def purge(self, tags):
        raise KeyError("bug")


def test_a_dotted_path_backend_gets_the_other_options(settings):
    RecordingBackend.purged.clear()
    settings.CDN_PURGE_BACKENDS = [
        {"BACKEND": "tests.test_api_cdn.CrashingBackend"},
        {"BACKEND": "tests.test_api_cdn.RecordingBackend", "network": "staging"},
    ]

    assert purge(["article-12"]) == ["crashing: KeyError: 'bug'"]
    assert RecordingBackend.purged == [["article-12", "staging"]]


@pytest.mark.parametrize(
    "config, complaint",
    [
        ({"BACKEND": "akamai"}, "Unknown CDN purge backend 'akamai'"),
        ({"LOCATIONS": ["http://v"]}, "Unknown CDN purge backend None"),
        ({"BACKEND": "tests.nowhere.Backend"}, "cannot be imported"),
        ({"BACKEND": "tests.test_api_cdn.Received"}, "Unknown CDN purge backend"),
        ({"BACKEND": "fastly", "API_TOKEN": "t"}, r"missing options \['SERVICE_ID'\]"),
        ({"BACKEND": "cloudflare", "ZONE_ID": "z"}, r"missing options \['API_TOKEN'\]"),
        ({"BACKEND": "fastly", "SERVICE_ID": "s", "API_TOKEN": "t", "SOFT_PURGE": False}, "unknown options"),
    ],
)
def test_configured_backends_refuses_an_unknown_backend_or_bad_options(settings, config, complaint):
    settings.CDN_PURGE_BACKENDS = [config]

    with pytest.raises(ImproperlyConfigured, match=complaint):
        configured_backends()


def test_configured_backends_builds_each_backend_in_order(settings):
    settings.CDN_PURGE_BACKENDS = [
        {"BACKEND": "cloudflare", "ZONE_ID": "z", "API_TOKEN": "t"},
        {"BACKEND": "varnish", "LOCATION": "http://varnish:6081", "MODE": "ban"},
    ]

    first, second = configured_backends()

    assert (type(first), type(second)) == (CloudflareBackend, VarnishBackend)
    assert (second.method, second.header, second.locations) == ("BAN", "x-ban-tags", ["http://varnish:6081"])
