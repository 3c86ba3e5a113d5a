"""Brotli and gzip for the API's JSON (and XML): the pump article's detail is 15.8 KB as JSON,
about 4 KB as gzip and less as brotli, and patients often read on a phone.

Why not Django's GZipMiddleware: it knows gzip only, and it weakens every ETag it compresses
(W/"..."), while the public API's ETags are already one per representation (the encoding is
part of their variant, api/caching.py) and can stay strong. Why not django-compression-middleware:
it weakens ETags the same way and brings zstandard, which no browser asks us for yet. The
compressing itself is the maintained libraries' (Google's ``brotli`` bindings, the standard
library's gzip); what is ours is choosing the encoding and the headers, below.

Only under /api/, and never HTML: the admin's pages and the API docs page carry CSRF tokens,
next to text a user typed in the admin, the shape BREACH reads secrets from; the API's JSON and
XML answers carry no secret.

The public answers compressed here are then kept compressed in the response cache (one entry
per encoding), so a hit costs no compression at all.
"""

import gzip

import brotli
from django.utils.cache import patch_vary_headers

PREFIX = "/api/"
# Below this a compressed body saves less than its headers cost.
MIN_BYTES = 256
# Never HTML: the API docs page (/api/docs/) carries a CSRF token (see BREACH above).
COMPRESSIBLE = ("application/json", "application/xml", "application/atom+xml", "application/vnd.oai.openapi")
# Brotli's quality 5 and gzip's level 6: nearly their best ratio on JSON at a small part of the
# time of their highest levels (bench/compression.py prints both for the demo's largest answer).
BROTLI_QUALITY = 5
GZIP_LEVEL = 6
# The server's preference when a client accepts several at the same weight.
PREFERENCE = ("br", "gzip")


def negotiate(accept_encoding: str) -> str:
    """The content coding to send for this Accept-Encoding: "br", "gzip" or "" (none).

    RFC 9110, 12.5.3: q=0 refuses a coding, ``*`` stands for any coding not named, and the
    highest weight wins; among equal weights brotli (smaller) goes first.
    """
    if not accept_encoding:
        return ""
    weights: dict[str, float] = {}
    for item in accept_encoding.split(",")[:20]:  # a real header names a handful
        coding, _, params = item.partition(";")
        coding = coding.strip().lower()
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        if coding and 0.0 <= weight <= 1.0:
            weights.setdefault(coding, weight)
    best, best_weight = "", 0.0
    for coding in PREFERENCE:
        weight = weights.get(coding, weights.get("*", 0.0))
        if weight > best_weight:
            best, best_weight = coding, weight
    return best


def compress(body: bytes, coding: str) -> bytes:
    if coding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY)
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def is_compressible(response) -> bool:
    content_type = response.get("Content-Type", "").lower()
    return content_type.startswith(COMPRESSIBLE) and not response.has_header("Content-Encoding")


class CompressionMiddleware:
    """Compress the API's answers as the client accepts; ``Vary: Accept-Encoding`` on every
    answer that could have been compressed, so that no cache gives a client an encoding it did
    not ask for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path_info.startswith(PREFIX) or response.streaming:
            return response
        if response.status_code == 304:
            # Sends the Vary a 200 would have (RFC 9110, 15.4.5): caches then keep the two apart.
            patch_vary_headers(response, ("Accept-Encoding",))
            return response
        if not is_compressible(response):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        coding = negotiate(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        if not coding or len(response.content) < MIN_BYTES:
            return response
        compressed = compress(response.content, coding)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response["Content-Length"] = str(len(compressed))
        response["Content-Encoding"] = coding
        return response
