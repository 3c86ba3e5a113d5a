"""The parts of the bench that run inside Django, one database per process (see run.py).

python bench/inprocess.py prepare SIZE      migrate and generate, once per database
python bench/inprocess.py plan OUTDIR       write the URL files wrk rotates over; print query counts
"""

import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from api.caching import bump_content_version  # noqa: E402
from api.rendering import rerender_all  # noqa: E402
from api.search import rebuild_search_index  # noqa: E402
from articles.models import Article, Condition  # noqa: E402
from bench.generate import TERMS, WORDS, generate  # noqa: E402

SAMPLE = 500


def prepare(size: int) -> None:
    call_command("migrate", verbosity=0)
    if not Article.objects.exists():
        generate(size)
        # bulk_create sends no signals: do what articles/receivers.py does after a save.
        rebuild_search_index()
        rerender_all()
        bump_content_version()
    # Planner statistics, as autovacuum would have them after a bulk load: without them PostgreSQL
    # guesses a handful of rows and filters 20,000 search vectors one by one.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def plan(outdir: Path) -> None:
    rng = random.Random(11)
    client = Client()
    slugs = list(Article.objects.published().values_list("slug", flat=True))
    details = [f"/api/v1/articles/{slug}/" for slug in rng.sample(slugs, min(SAMPLE, len(slugs)))]
    last_page = max(1, -(-len(slugs) // 20))
    conditions = list(Condition.objects.values_list("slug", flat=True))
    scenarios = {
        "detail": details,
        "list": [f"/api/v1/articles/?page={page}" for page in range(1, min(last_page, 10) + 1)],
        "list, last page": [f"/api/v1/articles/?page={last_page}"],
        "filter by condition": [f"/api/v1/articles/?condition={slug}" for slug in conditions],
        "search": [f"/api/v1/articles/?search={term}" for term in rng.sample(TERMS, 300)],
        "search, common word": [f"/api/v1/articles/?search={word}" for word in WORDS],
        "reference (hand-written)": [
            path.replace("/api/v1/articles/", "/bench/reference/") for path in details
        ],
        "bare WSGI": ["/bench/bare/"],
    }
    etags = []
    for path in details:
        etag = client.get(path).headers.get("ETag")
        if etag:
            etags.append(f"{path}\t{etag}")
    if etags:
        scenarios["detail, If-None-Match"] = etags
    queries = {}
    for name, lines in scenarios.items():
        path, _, etag = lines[0].partition("\t")
        headers = {"If-None-Match": etag} if etag else {}
        with CaptureQueriesContext(connection) as captured:
            status = client.get(path, headers=headers).status_code
        queries[name] = {"queries": len(captured), "status": status}
        (outdir / f"{name}.urls").write_text("\n".join(lines) + "\n")
    print(json.dumps({"published": len(slugs), "queries": queries}))


if __name__ == "__main__":
    command, argument = sys.argv[1], sys.argv[2]
    if command == "prepare":
        prepare(int(argument))
    else:
        plan(Path(argument))
