"""Compression of the API's answers (issue 15): the contract for gzip and brotli.

For every public JSON path the OpenAPI schema documents (plus the root), on the demo content:
- ``Accept-Encoding: gzip`` (or ``br``) gets that Content-Encoding, and the body decodes to the same
  JSON as the uncompressed answer; a refused coding (``gzip;q=0``, ``identity``) is never used;
- Vary names Accept-Encoding on every answer that could be compressed, the identity one too;
- an ETag is one per representation: strong ETags differ between encodings (or they are weak), and
  a 304 answers a gzip request that sends back the gzip ETag;
- the WSGI response cache keeps the encodings apart: a gzip hit is still gzip, and an identity
  request after a gzip one is not served gzip;
- the preview (private) may be compressed, and is never cached.
Tiny bodies (a 404's JSON, the root) may stay uncompressed: below MUST_COMPRESS bytes either is right.
"""

import gzip
import json

import brotli
import pytest

from api import caching
from cms.wsgi import application
from tests import contract
from tests.contract import ROOT, address, header_set
from tests.test_api_caching import wsgi_get

pytestmark = pytest.mark.django_db

# Bodies at least this long must be compressed when the client accepts it; shorter ones may be
# (compressing a few hundred bytes saves less than it costs).
MUST_COMPRESS = 512
DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}
PUBLIC = [t for t in contract.public_get_templates() if contract.is_public(t)]
JSON_PATHS = [
    ROOT,
    *(t for t in PUBLIC if contract.is_json(contract.media_types(contract.documented(t, 200))[0])),
]
OTHER_PATHS = [t for t in PUBLIC if t not in JSON_PATHS]


def decoded(body: bytes, encoding: str | None) -> bytes:
    return DECODE[encoding](body) if encoding else body


def assert_encoded(url: str, identity, response, encoding: str, *, must: bool) -> None:
    """``response`` (Django's, for ``Accept-Encoding: <encoding>``) is ``identity``, encoded."""
    assert response.status_code == 200, url
    used = response.get("Content-Encoding")
    if must:
        assert used == encoding, f"{url} ({len(identity.content)} bytes) for {encoding}: {used!r}"
    assert used in (None, encoding), f"{url}: asked for {encoding}, got {used!r}"
    body = decoded(response.content, used)
    assert json.loads(body) == json.loads(identity.content), f"{url}: {used} decodes to another body"
    if used:
        assert int(response["Content-Length"]) == len(response.content), url


@pytest.mark.parametrize("template", JSON_PATHS)
@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_an_accepted_encoding_is_used_and_decodes_to_the_same_json(api, demo, template, encoding):
    url = address(template, api)
    identity = api.get(url)
    assert identity.status_code == 200 and "Content-Encoding" not in identity, url
    response = api.get(url, HTTP_ACCEPT_ENCODING=encoding)
    assert_encoded(url, identity, response, encoding, must=len(identity.content) >= MUST_COMPRESS)


def test_the_demo_has_bodies_large_enough_that_compression_is_required(api, demo):
    sizes = {template: len(api.get(address(template, api)).content) for template in JSON_PATHS}
    assert sum(size >= MUST_COMPRESS for size in sizes.values()) >= 3, sizes


@pytest.mark.parametrize("template", JSON_PATHS)
@pytest.mark.parametrize(
    "accept_encoding, allowed",
    [
        ("gzip, br", {"gzip", "br"}),
        ("br;q=1.0, gzip;q=0.5", {"br"}),
        ("gzip;q=1.0, br;q=0.5", {"gzip"}),
        ("*", {"gzip", "br"}),
        ("br;q=0, *", {"gzip"}),
    ],
)
def test_the_client_weights_are_honoured(api, demo, template, accept_encoding, allowed):
    url = address(template, api)
    identity = api.get(url)
    response = api.get(url, HTTP_ACCEPT_ENCODING=accept_encoding)
    used = response.get("Content-Encoding")
    if len(identity.content) >= MUST_COMPRESS:
        assert used in allowed, f"{url} for {accept_encoding!r}: {used!r}"
    assert used is None or used in allowed, f"{url} for {accept_encoding!r}: {used!r}"
    assert json.loads(decoded(response.content, used)) == identity.json()


@pytest.mark.parametrize("template", JSON_PATHS)
@pytest.mark.parametrize(
    "accept_encoding", ["gzip;q=0", "identity", "gzip;q=0, br;q=0", "compress", "*;q=0", "GZIP;q=0"]
)
def test_a_refused_or_unknown_coding_is_never_used(api, demo, template, accept_encoding):
    url = address(template, api)
    identity = api.get(url)
    response = api.get(url, HTTP_ACCEPT_ENCODING=accept_encoding)
    assert response.status_code == 200
    assert "Content-Encoding" not in response, (
        f"{url} for {accept_encoding!r}: {response['Content-Encoding']}"
    )
    assert response.content == identity.content


@pytest.mark.parametrize("template", JSON_PATHS)
def test_vary_names_accept_encoding_on_every_compressible_answer_the_identity_one_too(api, demo, template):
    url = address(template, api)
    # Small answers too: whether a body is compressed depends on its size, which a cache cannot know.
    for accept_encoding in (None, "gzip", "br", "identity"):
        extra = {"HTTP_ACCEPT_ENCODING": accept_encoding} if accept_encoding else {}
        response = api.get(url, **extra)
        assert "accept-encoding" in header_set(response.get("Vary")), (
            f"{url} for Accept-Encoding {accept_encoding!r}: Vary is {response.get('Vary')!r}"
        )
        served = wsgi_get(url, **({"accept_encoding": accept_encoding} if accept_encoding else {}))
        assert "accept-encoding" in header_set(served["headers"].get("vary")), (url, accept_encoding)


@pytest.mark.parametrize("template", JSON_PATHS)
def test_an_etag_names_one_representation(api, demo, template):
    url = address(template, api)
    etags = {
        encoding: api.get(url, HTTP_ACCEPT_ENCODING=encoding)["ETag"]
        for encoding in ("identity", "gzip", "br")
    }
    strong = {encoding: etag for encoding, etag in etags.items() if not etag.startswith("W/")}
    encodings = {
        encoding: api.get(url, HTTP_ACCEPT_ENCODING=encoding).get("Content-Encoding")
        for encoding in ("identity", "gzip", "br")
    }
    # Two strong ETags are the same only if the bytes are: same encoding (e.g. both uncompressed).
    for a in strong:
        for b in strong:
            if a < b and encodings[a] != encodings[b]:
                assert strong[a] != strong[b], f"{url}: {a} and {b} share the strong ETag {strong[a]}"


@pytest.mark.parametrize("template", JSON_PATHS)
@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_304_answers_a_compressed_request_with_its_own_etag(api, demo, template, encoding):
    url = address(template, api)
    first = api.get(url, HTTP_ACCEPT_ENCODING=encoding)
    response = api.get(url, HTTP_ACCEPT_ENCODING=encoding, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 304, f"{url} ({encoding}) with its own ETag: {response.status_code}"
    assert response["ETag"] == first["ETag"]
    assert response.content == b""
    assert "accept-encoding" in header_set(response.get("Vary")), (
        f"{url}: a 304 without Vary: Accept-Encoding"
    )


@pytest.fixture
def django_calls(monkeypatch):
    """The paths of the requests the WSGI response cache passed on to Django (its misses)."""
    calls = []
    real_app = application.app

    def counting(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return real_app(environ, start_response)

    monkeypatch.setattr(application, "app", counting)
    return calls


@pytest.mark.parametrize("template", JSON_PATHS)
def test_the_response_cache_keeps_each_encoding_apart(api, demo, template, django_calls):
    url = address(template, api)
    identity_body = api.get(url).content
    must = len(identity_body) >= MUST_COMPRESS

    def get(accept_encoding: str | None, *, hit: bool, expect: str | None = None):
        expect = expect or accept_encoding
        before = len(django_calls)
        served = wsgi_get(url, **({"accept_encoding": accept_encoding} if accept_encoding else {}))
        assert served["status"] == 200, url
        assert (len(django_calls) == before) == hit, f"{url} ({accept_encoding}): expected hit={hit}"
        used = served["headers"].get("content-encoding")
        if accept_encoding in (None, "identity"):
            assert used is None, f"{url}: {accept_encoding!r} served {used}"
        elif must:
            assert used == expect, f"{url}: {accept_encoding} served {used!r} (hit={hit})"
        assert json.loads(decoded(served["body"], used)) == json.loads(identity_body)
        return served

    gzip_miss = get("gzip", hit=False)
    gzip_hit = get("gzip", hit=True)
    assert gzip_hit["body"] == gzip_miss["body"] and gzip_hit["headers"] == gzip_miss["headers"]
    assert "accept-encoding" in header_set(gzip_hit["headers"].get("vary")), url
    get(None, hit=False)  # not the gzip entry
    get("br", hit=False)
    get("identity", hit=True)  # the same (uncompressed) variant as no Accept-Encoding
    get("br", hit=True)
    get(None, hit=True)
    # Spellings of the same choice share an entry.
    get("gzip, deflate", hit=True, expect="gzip")


@pytest.mark.parametrize("template", OTHER_PATHS)
def test_other_public_answers_if_compressed_decode_to_the_same_bytes(api, demo, template):
    """Sitemaps and feeds (XML): compressing them is allowed, not required here."""
    url = address(template, api)
    identity = api.get(url)
    assert identity.status_code == 200, url
    for encoding in ("gzip", "br"):
        response = api.get(url, HTTP_ACCEPT_ENCODING=encoding)
        used = response.get("Content-Encoding")
        assert used in (None, encoding), url
        assert decoded(response.content, used) == identity.content, url
        if used:
            assert "accept-encoding" in header_set(response.get("Vary")), url


def test_the_preview_may_be_compressed_but_is_never_cached(api, demo, django_calls, monkeypatch):
    stored = []
    real_set = caching.cache.set
    monkeypatch.setattr(
        caching.cache, "set", lambda key, *a, **kw: stored.append(key) or real_set(key, *a, **kw)
    )
    for token in contract.preview_tokens():
        url = f"/api/v1/preview/{token}/"
        identity = wsgi_get(url)
        assert identity["status"] == 200, url
        for attempt in range(2):
            before = len(django_calls)
            served = wsgi_get(url, accept_encoding="gzip")
            assert len(django_calls) == before + 1, f"preview served from a cache (attempt {attempt + 1})"
            assert served["status"] == 200
            assert served["headers"]["cache-control"] == "private, no-store"
            used = served["headers"].get("content-encoding")
            assert used in (None, "gzip")
            assert json.loads(decoded(served["body"], used)) == json.loads(identity["body"])
            if used:
                assert "accept-encoding" in header_set(served["headers"].get("vary"))
    assert [key for key in stored if str(key).startswith("api:")] == []
