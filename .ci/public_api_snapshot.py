"""Every public API answer of a Careleaf database, as JSON: for comparing two code versions.

    python .ci/public_api_snapshot.py PROJECT_DIR OUTPUT.json [--add-windows]

Runs inside PROJECT_DIR's code (its settings, its models) against DATABASE_URL, through Django's
test client, so it works for any version of the project: it only speaks HTTP. It crawls the API
root, every page of the article list, every article, condition, risk and clinic, and the article
list filtered by each condition, risk, clinic, search word and ordering. With --add-windows it
first adds, through that version's own models, published articles with a take-down time (one to
come, one passed), as real databases hold.
"""

import datetime
import json
import os
import sys

project, output = sys.argv[1], sys.argv[2]
sys.path.insert(0, project)
os.chdir(project)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
os.environ["API_ANON_RATE"] = ""  # one client crawling on purpose
os.environ["DJANGO_LOG_LEVEL"] = "ERROR"  # 404s of drafts are expected

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

HOST = "127.0.0.1"
SEARCH_WORDS = ["pump", "pain", "nerve", "spinal", "infection", "injection", "the", "heat"]
ORDERINGS = ["title", "-title", "published_at", "-updated_at", "updated_at,title"]


def add_windows() -> None:
    """Published articles with take-down times, made with this version's own models."""
    from articles.models import Article, Section
    from clinics.models import Clinic

    clinic = Clinic.objects.order_by("pk").first()
    now = timezone.now()
    for slug, published, expires in [
        ("comes-down-next-month", now - datetime.timedelta(days=3), now + datetime.timedelta(days=30)),
        ("came-down-yesterday", now - datetime.timedelta(days=10), now - datetime.timedelta(days=1)),
    ]:
        if Article.objects.filter(slug=slug).exists():
            continue
        article = Article.objects.create(
            slug=slug,
            title=slug.replace("-", " ").capitalize(),
            summary="An article with a take-down time.",
            clinic=clinic,
            status="published",
            published_at=published,
            expires_at=expires,
        )
        Section.objects.create(
            article=article, position=1, heading="What is it?", body="<p>Heat therapy.</p>"
        )


def crawl() -> dict:
    client = Client(HTTP_HOST=HOST)
    answers = {}

    def get(path):
        if path in answers:
            return answers[path][1]
        response = client.get(path)
        body = response.json() if response["Content-Type"].startswith("application/json") else None
        answers[path] = (response.status_code, body)
        return body

    def local(url):
        return url.split(HOST, 1)[1]

    get("/api/v1/")
    page = "/api/v1/articles/?page_size=100"
    while page:
        body = get(page)
        for article in body["results"]:
            get(local(article["url"]))
        page = body["next"] and local(body["next"])
    for collection, parameter in [("conditions", "condition"), ("risks", "risk"), ("clinics", "clinic")]:
        for item in get(f"/api/v1/{collection}/?page_size=100")["results"]:
            get(local(item["url"]))
            get(f"/api/v1/articles/?{parameter}={item['slug']}")
    for word in SEARCH_WORDS:
        get(f"/api/v1/articles/?search={word}")
    for ordering in ORDERINGS:
        get(f"/api/v1/articles/?ordering={ordering}")
    for slug in ["epidural-steroid-injection", "radiofrequency-ablation", "came-down-yesterday"]:
        get(f"/api/v1/articles/{slug}/")
    return {path: {"status": status, "body": body} for path, (status, body) in sorted(answers.items())}


def windows() -> dict:
    """Each article's public window as this version stores it."""
    from articles.models import Article

    fields = {field.name for field in Article._meta.get_fields()}
    if "expires_at" in fields:  # before publications: on the article
        rows = Article.objects.filter(status="published").values_list("slug", "published_at", "expires_at")
    else:
        from articles.models import Publication

        rows = Publication.objects.filter(ended_at__isnull=True).values_list(
            "slug", "live_from", "expires_at"
        )
    return {slug: [start.isoformat(), end and end.isoformat()] for slug, start, end in rows}


if "--add-windows" in sys.argv:
    add_windows()
answers = crawl()
with open(output, "w", encoding="utf-8") as file:
    json.dump({"answers": answers, "windows": windows()}, file, indent=1, sort_keys=True)
print(f"{output}: {len(answers)} public URLs")
