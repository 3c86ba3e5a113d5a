"""How long an editor waits when saving an article in the admin.

    python bench/save_timing.py                  # scratch SQLite database, 20 saves
    python bench/save_timing.py --db postgres    # scratch database on the local PostgreSQL server
    python bench/save_timing.py --saves 40 --profile /tmp/saves.prof

A scratch database gets the demo clinic, whose intrathecal pump article (live, 6 sections, 4
conditions, 6 risks, criteria, contraindications, references) has its sections lengthened to a few
hundred words each, and a writer with the Writer role in the clinic. Then a *fresh* process, as a
server worker just started, logs the writer in with Django's test client and saves the article N
times through its admin change form: each time it opens the page, changes one sentence of one
section (the next section each time) and posts the whole form, as the browser does. Only the POST
is timed, and the page it returns to apart. Prints the first save (cold process) apart from the
p50/p90 of the rest; ``--profile`` writes cProfiles of the first save, the later saves and the pages
after them. See bench/README.md.
"""

import argparse
import cProfile
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
SCRATCH_DATABASE = "careleaf_bench_saves"
SLUG = "intrathecal-pump-implant"
WRITER = "bench-writer"
WORDS_PER_SECTION = 250


def ms(seconds: float) -> str:
    return f"{seconds * 1000:6.0f} ms"


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django
    from django.conf import settings

    # Production settings, but static URLs without collectstatic's manifest (the bench serves no
    # static files; a manifest lookup costs the same as this).
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    django.setup()


def _words(html: str) -> int:
    return len(re.sub(r"<[^>]+>", " ", html).split())


def setup() -> None:
    """Migrate, load the demo content, lengthen the pump article, approve it as it stands."""
    _django()
    import reversion
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from articles import publishing
    from articles.management.commands import _demo_content as demo
    from articles.management.commands.load_demo import load_demo_content
    from articles.models import Article
    from clinics import roles

    call_command("migrate", verbosity=0)
    load_demo_content(now=timezone.now())
    # Paragraphs and lists of the other demo articles, to lengthen the pump's sections with.
    blocks = [
        block
        for spec in demo.ARTICLES
        if spec["slug"] != SLUG
        for section in spec["sections"]
        for block in re.findall(r"<p>.*?</p>|<ul>.*?</ul>", section["body"])
    ]
    article = Article.objects.get(slug=SLUG)
    with reversion.create_revision():
        for index, section in enumerate(article.sections.all()):
            while _words(section.body) < WORDS_PER_SECTION:
                section.body += blocks[index % len(blocks)]
                index += 7
            section.save()
        reversion.set_comment("Longer sections for the save benchmark")
    publishing.publish(article)
    writer = get_user_model().objects.create_user(WRITER, is_staff=True)
    roles.grant(writer, "Writer", article.clinic)
    words = [_words(section.body) for section in article.sections.all()]
    print(json.dumps({"sections": len(words), "words": words}))


def _edit(body: str, save: int) -> str:
    """The body with its first sentence's last word before the full stop changed: a small edit."""
    return re.sub(r"(\w+)\.", lambda match: f"{match.group(1)} (edit {save}).", body, count=1)


def time_saves(count: int, profile: str | None) -> None:
    """Save the article ``count`` times through the admin form, in this (fresh) process."""
    started = time.perf_counter()
    _django()
    ready = time.perf_counter() - started

    from urllib.parse import urlencode

    from django.contrib.auth import get_user_model
    from django.test import Client

    from articles.models import Article
    from tests.admin_forms import form_data

    article = Article.objects.get(slug=SLUG)
    url = f"/admin/articles/article/{article.pk}/change/"
    client = Client()
    client.force_login(get_user_model().objects.get(username=WRITER))
    sections = article.sections.count()
    profilers = {}  # while saving with --profile: {"saves" or "opens": its cProfile.Profile}
    opens, saves, cpu = [], [], []

    def timed(kind, request, *args, **kwargs):
        if kind in profilers:
            profilers[kind].enable()
        begun, begun_cpu = time.perf_counter(), time.process_time()
        response = request(*args, **kwargs)
        elapsed = time.perf_counter() - begun, time.process_time() - begun_cpu
        if kind in profilers:
            profilers[kind].disable()
        return response, elapsed

    page, (elapsed, _) = timed("opens", client.get, url)
    opens.append(elapsed)
    for save in range(count):
        if profile and save < 2:
            if save == 1:
                profilers["saves"].dump_stats(f"{profile}.first")
            profilers = {"saves": cProfile.Profile()} | ({"opens": cProfile.Profile()} if save else {})
        data = form_data(page)
        field = f"sections-{save % sections}-body"
        data[field] = _edit(data[field], save)
        data["_continue"] = "Save and continue editing"
        # As the browser posts it: the change form is urlencoded unless it has a file field.
        if b'enctype="multipart/form-data"' in page.content:
            response, (elapsed, used) = timed("saves", client.post, url, data)
        else:
            urlencoded = "application/x-www-form-urlencoded"
            response, (elapsed, used) = timed("saves", client.post, url, urlencode(data), urlencoded)
        saves.append(elapsed)
        cpu.append(used)
        if response.status_code != 302:
            errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
            sys.exit(f"save {save + 1} was refused ({response.status_code}): {errors[:3]}")
        # The page the save returns to ("Save and continue editing"), which the next edit starts from.
        page, (elapsed, _) = timed("opens", client.get, response.url)
        opens.append(elapsed)
    for kind, profiler in profilers.items():
        profiler.dump_stats(profile if kind == "saves" else f"{profile}.opens")
    print(json.dumps({"ready": ready, "opens": opens, "saves": saves, "cpu": cpu}))


def _environment(db: str, scratch: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    url = f"{POSTGRES}/{SCRATCH_DATABASE}" if db == "postgres" else f"sqlite:///{scratch}/saves.sqlite3"
    return env | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings"}


def _psql(command: str) -> None:
    quiet = os.environ | {"PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run(["psql", f"{POSTGRES}/postgres", "-qc", command], check=True, env=quiet)


def _child(env: dict, *arguments: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, *arguments],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--saves", type=int, default=20, help="saves to time (at least 3)")
    parser.add_argument(
        "--profile", metavar="FILE", help="write cProfiles to FILE (saves 2..N), FILE.first, FILE.opens"
    )
    parser.add_argument("--step", choices=["setup", "time"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "setup":
        return setup()
    if args.step == "time":
        return time_saves(args.saves, args.profile)
    if args.saves < 3:
        parser.error("--saves must be at least 3")

    with tempfile.TemporaryDirectory() as scratch:
        env = _environment(args.db, Path(scratch))
        if args.db == "postgres":
            _psql(f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE}")
            _psql(f"CREATE DATABASE {SCRATCH_DATABASE}")
        try:
            article = _child(env, "--step", "setup")
            arguments = ["--step", "time", "--saves", str(args.saves)]
            timings = _child(env, *arguments, *(["--profile", args.profile] if args.profile else []))
        finally:
            if args.db == "postgres":
                _psql(f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE}")
    saves, cpu, opens = timings["saves"], timings["cpu"], timings["opens"]
    # What the editor waits for: the save, then the page it returns to.
    waits = [save + reopen for save, reopen in zip(saves, opens[1:], strict=True)]
    print(
        f"{args.db}: article with {article['sections']} sections of {min(article['words'])}-"
        f"{max(article['words'])} words, saved {args.saves} times through the admin change form"
    )
    print(f"  process start-up (django.setup)        {ms(timings['ready'])}")
    print(f"  first page open (cold)                 {ms(opens[0])}")
    print(f"  first save (cold process)              {ms(saves[0])}   CPU {ms(cpu[0])}")
    print(
        f"  later saves: p50                       {ms(_percentile(saves[1:], 50))}"
        f"   CPU {ms(_percentile(cpu[1:], 50))}"
    )
    print(f"               p90                       {ms(_percentile(saves[1:], 90))}")
    print(f"  page after a save, p50                 {ms(_percentile(opens[2:], 50))}")
    print(f"  save + page after it: first / p50      {ms(waits[0])} / {ms(_percentile(waits[1:], 50))}")
    if args.profile:
        print(
            f"  cProfile of saves 2-{args.saves}: {args.profile}; of the first save: {args.profile}.first; "
            f"of the pages after saves 2-{args.saves}: {args.profile}.opens"
        )


if __name__ == "__main__":
    main()
