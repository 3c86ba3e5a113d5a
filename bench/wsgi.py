"""gunicorn entry point for the bench: Careleaf, plus a bare WSGI callable as the ceiling."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from cms.wsgi import application as careleaf  # noqa: E402

BARE_BODY = b'{"ok":true}'


def application(environ, start_response):
    if environ["PATH_INFO"] == "/bench/bare/":
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "11")])
        return [BARE_BODY]
    return careleaf(environ, start_response)
