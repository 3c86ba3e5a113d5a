"""The parts of the bench that run inside Django, one database per process (see run.py).

python bench/inprocess.py prepare SIZE      migrate and generate, once per database
python bench/inprocess.py plan OUTDIR       write the URL files wrk rotates over; print query counts
python bench/inprocess.py edit SECONDS URLS  staff at work while a scenario runs: a writer saves a
                                            draft every 200 ms, a reviewer publishes a new version
                                            of one of the articles in URLS every 5 s
"""

import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

import reversion  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from api.models import PublicArticle  # noqa: E402
from api.publications import rebuild_all  # noqa: E402
from articles import publishing, workflow  # noqa: E402
from articles.models import Article, Condition  # noqa: E402
from bench.generate import TERMS, WORDS, generate, publish_all  # noqa: E402

SAMPLE = 500


def prepare(size: int) -> None:
    call_command("migrate", verbosity=0)
    if not PublicArticle.objects.exists():
        generate(size)
        publish_all()
        # bulk_create sends no signals: build the public side as a publication change would.
        rebuild_all()
    # Planner statistics, as autovacuum would have them after a bulk load: without them PostgreSQL
    # guesses a handful of rows and filters 20,000 search vectors one by one.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def plan(outdir: Path) -> None:
    rng = random.Random(11)
    client = Client()
    slugs = list(PublicArticle.objects.visible().values_list("slug", flat=True))
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


def edit(seconds: float, urls: Path) -> None:
    """Editing as a busy clinic does it, through the same code paths as the admin and the workflow."""
    rng = random.Random(13)
    slugs = [line.split("/")[-2] for line in urls.read_text().split()]
    live = list(Article.objects.filter(slug__in=slugs).values_list("pk", flat=True))
    drafts = list(Article.objects.filter(status=Article.Status.DRAFT).values_list("pk", flat=True))
    # The workflow states as generated: put back at the end, so that the data the next run reuses
    # still has its live articles' working copies published (the reference view reads them).
    states = dict(Article.objects.filter(pk__in=live + drafts).values_list("pk", "status"))
    saves = publishes = 0
    start = next_publish = time.monotonic()
    while (now := time.monotonic()) - start < seconds:
        # The writer: a draft, or the working copy of a live article (what a revision is).
        article = Article.objects.get(pk=rng.choice(drafts + live))
        with reversion.create_revision():
            section = article.sections.order_by("position").first()
            section.body = f"<p>Draft {saves}: {rng.random()}</p>"
            section.save()
            article.save()
        workflow.working_copy_changed(article, by=None)
        saves += 1
        if now >= next_publish:
            # The reviewer: approves a new version of a live article.
            article = Article.objects.get(pk=rng.choice(live))
            section = article.sections.order_by("position").last()
            section.body = f"<p>Reviewed {publishes}: {rng.random()}</p>"
            section.save()
            publishing.publish(article)
            publishes += 1
            next_publish += 5
        time.sleep(max(0.0, 0.2 - (time.monotonic() - now)))
    for status in set(states.values()):
        Article.objects.filter(pk__in=[pk for pk, state in states.items() if state == status]).update(
            status=status
        )
    print(json.dumps({"draft_saves": saves, "publishes": publishes}))


if __name__ == "__main__":
    command, argument = sys.argv[1], sys.argv[2]
    if command == "prepare":
        prepare(int(argument))
    elif command == "edit":
        edit(float(argument), Path(sys.argv[3]))
    else:
        plan(Path(argument))
