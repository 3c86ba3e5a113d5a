"""Careleaf read-API benchmark: generate content, serve it with gunicorn, load it with wrk.

    python bench/run.py                      # SQLite, 1,000 and 20,000 articles, 10 s per scenario
    python bench/run.py --db postgres        # the same on the local PostgreSQL server
    python bench/run.py --smoke              # ~10 s in all: keeps the bench working in CI

Prints req/s, p50, p99, the ratio to a hand-written Django view measured in the same run, and the
queries each request makes. See bench/README.md.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / "data"
PYTHON = sys.executable
GUNICORN = Path(PYTHON).with_name("gunicorn")
PORT = 8765
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
REFERENCE = "reference (hand-written)"
UNCACHED = [
    "detail",
    "list",
    "list, last page",
    "filter by condition",
    "search",
    "search, common word",
    "detail, If-None-Match",
    REFERENCE,
    "bare WSGI",
]
CACHED = "detail, server cache"
# The response cache while staff work: a writer saves drafts every 200 ms and a reviewer publishes
# a new version of one of the 500 articles every 5 s (bench/inprocess.py edit).
EDITING = "detail under editing"


def database_url(db: str, size: int) -> str:
    if db == "postgres":
        return f"{POSTGRES}/careleaf_bench_{size}"
    return f"sqlite:///{DATA}/bench-{size}.sqlite3"


def shared_cache() -> dict:
    """REDIS_URL for the cached scenarios when a Redis answers (flushed first): both workers then
    share one response cache, as app servers do in production. Else each keeps its own."""
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).flushdb()
    except redis.RedisError:
        return {}
    return {"REDIS_URL": REDIS}


def django_env(db: str, size: int, **extra) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return env | {"DATABASE_URL": database_url(db, size), "DJANGO_SETTINGS_MODULE": "bench.settings"} | extra


def prepare(db: str, size: int) -> None:
    DATA.mkdir(exist_ok=True)
    if db == "postgres":
        exists = subprocess.run(
            [
                "psql",
                f"{POSTGRES}/postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname='careleaf_bench_{size}'",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not exists:
            subprocess.run(
                ["psql", f"{POSTGRES}/postgres", "-qc", f"CREATE DATABASE careleaf_bench_{size}"], check=True
            )
    started = time.monotonic()
    subprocess.run(
        [PYTHON, BENCH / "inprocess.py", "prepare", str(size)], env=django_env(db, size), check=True
    )
    print(f"  data ready in {time.monotonic() - started:.0f} s")


def plan(db: str, size: int, outdir: Path) -> dict:
    result = subprocess.run(
        [PYTHON, BENCH / "inprocess.py", "plan", str(outdir)],
        env=django_env(db, size, API_CACHE_SECONDS="0"),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


class Server:
    """gunicorn, 2 sync workers, DEBUG off, on 127.0.0.1."""

    def __init__(self, db: str, size: int, *, cache_seconds: int, **extra_env):
        env = django_env(db, size, API_CACHE_SECONDS=str(cache_seconds), **extra_env)
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "bench.wsgi:application",
                "--workers",
                "2",
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/bench/bare/", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def wrk(urls_file: Path, duration: int) -> dict:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(BENCH / "rotate.lua"),
            f"http://127.0.0.1:{PORT}",
            "--",
            str(urls_file),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(percent):
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency(50),
        "p99": latency(99),
        "errors": int(errors.group(1)) if errors else 0,
    }


def warm(urls_file: Path) -> None:
    for line in urls_file.read_text().splitlines():
        urllib.request.urlopen(f"http://127.0.0.1:{PORT}{line.split(chr(9))[0]}", timeout=10).read()


def under_editing(db: str, size: int, urls: Path, duration: int) -> dict:
    """The detail scenario with the response cache on, while a writer and a reviewer work."""
    misses = urls.with_name("misses")
    server = Server(db, size, cache_seconds=600, BENCH_MISSES_FILE=str(misses), **shared_cache())
    try:
        warm(urls)
        misses.write_bytes(b"")
        editor = subprocess.Popen(
            [PYTHON, BENCH / "inprocess.py", "edit", str(duration), str(urls)],
            env=django_env(db, size),
            stdout=subprocess.PIPE,
            text=True,
        )
        figures = wrk(urls, duration)
        edits = json.loads(editor.communicate(timeout=60)[0].strip().splitlines()[-1])
    finally:
        server.stop()
    figures["hit_rate"] = 1 - misses.stat().st_size / max(1, figures["requests"])
    return figures | edits


def run_size(db: str, size: int, duration: int) -> dict:
    print(f"== {db}, {size:,} articles")
    prepare(db, size)
    with tempfile.TemporaryDirectory() as tmp:
        outdir = Path(tmp)
        planned = plan(db, size, outdir)
        results = {}
        server = Server(db, size, cache_seconds=0)
        try:
            for name in UNCACHED:
                urls = outdir / f"{name}.urls"
                if urls.exists():
                    results[name] = wrk(urls, duration)
        finally:
            server.stop()
        server = Server(db, size, cache_seconds=600, **shared_cache())
        try:
            warm(outdir / "detail.urls")
            results[CACHED] = wrk(outdir / "detail.urls", duration)
        finally:
            server.stop()
        results[EDITING] = under_editing(db, size, outdir / "detail.urls", duration)
    queries = planned["queries"] | {
        CACHED: {"queries": "0-1", "status": 200},
        EDITING: {"queries": "0-1", "status": 200},
    }
    return {"results": results, "queries": queries, "published": planned["published"]}


def print_table(db: str, size: int, run: dict) -> None:
    results, reference = run["results"], run["results"][REFERENCE]["rps"] or float("nan")
    print(
        f"\n{db}, {size:,} articles ({run['published']:,} published), wrk -t2 -c16, gunicorn 2 sync workers"
    )
    header = [
        "scenario".ljust(24),
        "req/s".rjust(8),
        "p50 ms".rjust(7),
        "p99 ms".rjust(7),
        "vs ref",
        "queries",
    ]
    print("| " + " | ".join(header) + " | errors |")
    print(f"|{'-' * 26}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 8}|{'-' * 9}|--------|")
    for name, figures in results.items():
        queries = run["queries"].get(name, {}).get("queries", "")
        print(
            f"| {name:<24} | {figures['rps']:>8.0f} | {figures['p50']:>7.2f} | {figures['p99']:>7.2f} | "
            f"{figures['rps'] / reference:>5.2f}x | {queries!s:>7} | {figures['errors']:>6} |"
        )
    editing = results.get(EDITING)
    if editing:
        print(
            f"\n{EDITING}: response-cache hit rate {editing['hit_rate']:.2%} over {editing['requests']:,} "
            f"requests, while {editing['draft_saves']} draft saves and {editing['publishes']} publishes ran"
        )


def print_growth(db: str, runs: dict) -> None:
    small, large = min(runs), max(runs)
    if small == large:
        return
    print(f"\n{db}: p50 latency at {large:,} / at {small:,} articles")
    for name in runs[small]["results"]:
        a, b = runs[small]["results"][name]["p50"], runs[large]["results"][name]["p50"]
        print(f"  {name:<24} {a:>6.2f} ms -> {b:>6.2f} ms  = {b / a:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sizes", default="1000,20000", help="comma-separated article counts")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per scenario")
    parser.add_argument("--smoke", action="store_true", help="200 articles, 1 s per scenario")
    args = parser.parse_args()
    sizes = [200] if args.smoke else [int(size) for size in args.sizes.split(",")]
    duration = 1 if args.smoke else args.duration
    runs = {size: run_size(args.db, size, duration) for size in sizes}
    (DATA / f"last-run-{args.db}.json").write_text(json.dumps(runs, indent=2))
    for size, run in runs.items():
        print_table(args.db, size, run)
    print_growth(args.db, runs)
    failed = [name for run in runs.values() for name, figures in run["results"].items() if figures["errors"]]
    if failed:
        sys.exit(f"non-2xx/3xx responses in: {', '.join(sorted(set(failed)))}")


if __name__ == "__main__":
    main()
