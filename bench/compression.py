"""What compression saves, and what it costs, on the demo's answers (cms/lib/compression.py).

python bench/compression.py [--smoke]

Migrates a throw-away SQLite database, loads the demo, and prints for the pump article's detail
and the article list: the size as JSON, gzip and brotli (as the API sends them), and the time to
compress at each brotli quality and gzip level, to show why the middleware's levels were chosen.
A compressed answer is kept in the response cache, so this cost is paid once per version and
encoding, not per request.
"""

import gzip
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
_db_fd, _db_path = tempfile.mkstemp(suffix=".sqlite3")
os.close(_db_fd)
os.environ["DATABASE_URL"] = f"sqlite:///{_db_path}"

import brotli  # noqa: E402
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from cms.lib import compression  # noqa: E402

PATHS = ("/api/v1/articles/intrathecal-pump-implant/", "/api/v1/articles/?page_size=100")


def best_of(function, repeat: int) -> float:
    """Fastest of ``repeat`` runs, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    repeat = 5 if "--smoke" in sys.argv else 50
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    client = Client(HTTP_HOST="127.0.0.1")
    for path in PATHS:
        plain = client.get(path).content
        sizes = {}
        for accept in ("identity", "gzip", "br"):
            response = client.get(path, HTTP_ACCEPT_ENCODING=accept)
            assert response.status_code == 200, (path, response.status_code)
            sizes[accept] = (len(response.content), response.get("Content-Encoding", "none"))
        print(f"{path}")
        for accept, (size, encoding) in sizes.items():
            print(f"  Accept-Encoding {accept:<8} {size:>7,} bytes  Content-Encoding: {encoding}")
        for quality in (1, 4, 5, 6, 9, 11):
            size = len(brotli.compress(plain, quality=quality))
            ms = best_of(lambda q=quality, body=plain: brotli.compress(body, quality=q), repeat)
            chosen = " (used)" if quality == compression.BROTLI_QUALITY else ""
            print(f"  brotli quality {quality:>2}: {size:>7,} bytes in {ms:6.2f} ms{chosen}")
        for level in (1, 6, 9):
            size = len(gzip.compress(plain, compresslevel=level, mtime=0))
            ms = best_of(lambda lv=level, body=plain: gzip.compress(body, compresslevel=lv, mtime=0), repeat)
            chosen = " (used)" if level == compression.GZIP_LEVEL else ""
            print(f"  gzip level {level}:        {size:>7,} bytes in {ms:6.2f} ms{chosen}")


if __name__ == "__main__":
    try:
        main()
    finally:
        os.unlink(_db_path)
