"""gunicorn entry point for the bench: Careleaf, plus a bare WSGI callable as the ceiling."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from cms.wsgi import application as careleaf  # noqa: E402

BARE_BODY = b'{"ok":true}'

# The "detail under editing" scenario counts what the response cache could not answer: each
# request that reaches Django adds a byte to this file (bench/run.py reads its size).
MISSES_FILE = os.environ.get("BENCH_MISSES_FILE")
if MISSES_FILE:
    django_application = careleaf.app

    def counting_misses(environ, start_response):
        with open(MISSES_FILE, "ab") as misses:
            misses.write(b".")
        return django_application(environ, start_response)

    careleaf.app = counting_misses


def application(environ, start_response):
    if environ["PATH_INFO"] == "/bench/bare/":
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "11")])
        return [BARE_BODY]
    return careleaf(environ, start_response)
