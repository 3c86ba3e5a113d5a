"""How long a printable handout takes to make, and on how many pages it comes out.

    python bench/handout_timing.py               # scratch SQLite database, 10 renders of each
    python bench/handout_timing.py --renders 30

A scratch database gets the demo content (load_demo). Then, for the pump article in English and
in Spanish, standard and large print, the handout of its live publication is made N times, the
cache bypassed (articles.handouts.layout, then write_pdf: what render_pdf does for
api/handouts.py on a cache miss): the first apart (a cold process: WeasyPrint, fonts), then the
p50 and p90 of the rest. Each row says the pages and the body type the layout chose (layout() may
lay out twice to fit two pages). The public endpoint serves a cached PDF after the first request
of each version.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUGS = ("intrathecal-pump-implant", "intrathecal-pump-implant-es")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        os.environ.update(
            DATABASE_URL=f"sqlite:///{scratch}/handouts.sqlite3",
            DJANGO_MEDIA_ROOT=f"{scratch}/media",
            DJANGO_DEBUG="true",
            DJANGO_SETTINGS_MODULE="cms.settings",
        )
        for command in (["migrate", "-v0"], ["load_demo"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, check=True, capture_output=True)
        measure(args.renders)


def measure(renders: int) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from api import rendering
    from api.publications import snapshot_of
    from api.structured_data import article_page_url
    from articles import handouts
    from articles.models import Publication

    print(f"{'article':32} {'size':8} {'pages':>5} {'body pt':>7} {'first':>8} {'p50':>8} {'p90':>8}")
    for slug in SLUGS:
        for size in handouts.SIZES:
            publication = Publication.objects.filter(article__slug=slug).latest("pk")
            timings = []
            for _ in range(renders):
                started = time.perf_counter()
                snap = snapshot_of(publication)
                rendering.attach_vocabulary([snap])
                # handouts.render_pdf, with the layout kept to read its pages and type size
                document = handouts.layout(snap, article_page_url(snap.article), size=size)
                document.write_pdf(pdf_variant=handouts.PDF_VARIANT)
                timings.append(time.perf_counter() - started)
            pages, body = len(document.pages), f"{document.body_size:g}"
            rest = timings[1:] or timings
            p90 = statistics.quantiles(rest, n=10)[-1] if len(rest) > 1 else rest[0]
            median = statistics.median(rest)
            print(f"{slug:32} {size:8} {pages:5d} {body:7} {ms(timings[0])} {ms(median)} {ms(p90)}")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:5.0f} ms"


if __name__ == "__main__":
    main()
