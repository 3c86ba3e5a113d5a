"""Careleaf behind Varnish (deploy/varnish/careleaf.vcl), against nginx serving the same bytes as files.

    python bench/varnish.py                    # SQLite, 1,000 articles, 10 s per wrk run, 60 s hit ratio
    python bench/varnish.py --db postgres      # the same on the local PostgreSQL server
    python bench/varnish.py --smoke            # ~15 s once the data exists

1. Data as bench/run.py makes it (bench/generate.py, cached in bench/data/); 500 published details.
2. Two app servers (gunicorn, 1 sync worker each, bench settings, response cache in Redis when one
   answers) with CDN_PURGE_BACKENDS pointing at Varnish (xkey mode); Varnish in front of both, warmed;
   nginx serving each detail's body, fetched from the app, as a static file.
3. wrk -t2 -c16 over the 500 details: through Varnish, then nginx; req/s, p50, p99.
4. Hit ratio: wrk reads the details through Varnish for --seconds (paced: 2 ms between a
   connection's requests, so that the app servers on the same machine keep passing their probes)
   while bench/inprocess.py edit saves a working copy every 200 ms (purges nothing) and publishes
   a new version of one of the 500 articles every 5 s (purges that article and the lists, right
   after its commit). Hit ratio = MAIN.cache_hit / (MAIN.cache_hit + MAIN.cache_miss) over the run
   (varnishstat). Purge requests received are counted too (MAIN.s_synth: only PURGE and BAN are
   answered by vcl_synth here), and why fetches failed, if any did.

Needs Debian's varnish, varnish-modules, nginx and wrk (.ci/install_varnish.sh). Writes
bench/data/varnish-<db>.json. See bench/README.md.
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
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import GUNICORN, PYTHON, django_env, plan, prepare, shared_cache  # noqa: E402
from system_tests.app_server import free_port  # noqa: E402
from system_tests.varnish import Varnish, missing, start_varnish  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "data"
NGINX = Path("/usr/sbin/nginx")
TARGET_HIT_RATIO = 0.99
PACE_MS = 2  # between a connection's requests in the hit-ratio run: at most 16 / 2 ms = 8,000 req/s
# Counters that say why a fetch failed, when wrk saw errors (their changes go into the JSON).
FAILURES = re.compile(r"fail|nuked|_busy|unhealthy|_toolate|timeout", re.I)

NGINX_CONF = """\
daemon off;
worker_processes auto;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    sendfile on;
    keepalive_requests 1000000;
    types {{ application/json json; }}
    default_type application/json;
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/static;
        index index.json;
    }}
}}
"""


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def wait_until_up(url: str, process: subprocess.Popen, name: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited ({process.returncode})")
        try:
            get(url)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer within 30 s")


class AppServer:
    """gunicorn bench.wsgi:application, 1 sync worker, on a free port."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.process = subprocess.Popen(
            [GUNICORN, "bench.wsgi:application", "--workers", "1", "--bind", f"127.0.0.1:{self.port}"]
            + ["--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{self.port}/api/v1/", self.process, "gunicorn")
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class Nginx:
    """nginx serving ``files`` ({path: body}) as static files, in a directory of its own."""

    def __init__(self, files: dict[str, bytes], tmp: Path):
        tmp.mkdir(parents=True, exist_ok=True)
        for path, body in files.items():
            target = tmp / "static" / path.strip("/") / "index.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        self.port = free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, port=self.port))
        self.process = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(conf)], cwd=tmp)
        try:
            wait_until_up(f"http://127.0.0.1:{self.port}{next(iter(files))}", self.process, "nginx")
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        self.process.terminate()  # nginx: TERM is its fast shutdown
        self.process.wait(timeout=30)


def wrk(base: str, urls: Path, seconds: int, script: Path = BENCH / "rotate.lua") -> dict:
    output = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", script, base, "--", urls],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(percent):
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        return float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency(50),
        "p99": latency(99),
        "errors": int(errors.group(1)) if errors else 0,
    }


def hit_ratio(varnish: Varnish, urls: Path, seconds: int, db: str, size: int, purge_env: dict) -> dict:
    """Details read through Varnish while a writer saves drafts and a reviewer publishes."""
    before = varnish.counters()
    fetch_errors = subprocess.Popen(
        ["varnishlog", "-n", str(varnish.name), "-g", "raw", "-i", "FetchError"],
        stdout=subprocess.PIPE,
        text=True,
    )
    editor = subprocess.Popen(
        [PYTHON, BENCH / "inprocess.py", "edit", str(seconds), str(urls)],
        env=django_env(db, size, **purge_env),
        stdout=subprocess.PIPE,
        text=True,
    )
    # Paced: at full speed wrk and Varnish take both cores of a small machine, the app servers on
    # the same machine then fail their health probes, and the refetch after a purge gets a 503.
    paced = urls.with_name("paced.lua")
    paced.write_text((BENCH / "rotate.lua").read_text() + f"\nfunction delay()\n  return {PACE_MS}\nend\n")
    figures = wrk(varnish.url, urls, seconds, paced)
    edits = json.loads(editor.communicate(timeout=120)[0].strip().splitlines()[-1])
    time.sleep(0.5)  # the last publish's purge
    after = varnish.counters()
    fetch_errors.terminate()
    reasons = Counter(
        re.sub(r"\d{3,}", "N", line.split("FetchError", 1)[1].strip(" -bc\t"))
        for line in fetch_errors.communicate(timeout=10)[0].splitlines()
        if "FetchError" in line
    )
    change = {name: after[name] - before.get(name, 0) for name in after}
    hits, misses, purges = change["MAIN.cache_hit"], change["MAIN.cache_miss"], change["MAIN.s_synth"]
    return (
        figures
        | edits
        | {
            "hits": hits,
            "misses": misses,
            "hit_ratio": hits / max(1, hits + misses),
            "purge_requests": purges,
            "fetch_failures": {
                name: value for name, value in change.items() if FAILURES.search(name) and value
            },
            "fetch_error_reasons": dict(reasons.most_common(10)),
        }
    )


def run(db: str, size: int, seconds: int, hit_seconds: int) -> dict:
    print(f"== {db}, {size:,} articles")
    prepare(db, size)
    with tempfile.TemporaryDirectory(prefix="careleaf-bench-varnish-") as tmp:
        tmp = Path(tmp)
        tmp.chmod(0o755)  # nginx's workers run as nobody when the bench runs as root
        plan(db, size, tmp)
        urls = tmp / "detail.urls"
        paths = urls.read_text().split()
        varnish_port = free_port()
        purge = [{"BACKEND": "varnish", "LOCATIONS": [f"http://127.0.0.1:{varnish_port}"]}]
        purge_env = {"CDN_PURGE_BACKENDS": json.dumps(purge)}
        env = django_env(db, size, API_CACHE_SECONDS="600", **purge_env, **shared_cache())
        started = []
        try:
            servers = [AppServer(env) for _ in range(2)]
            started += servers
            varnish = start_varnish([server.port for server in servers], tmp / "varnish", port=varnish_port)
            started.append(varnish)
            # Warm Varnish; what it served is what nginx serves (the JSON's URLs name the Host).
            bodies = {path: get(varnish.url + path) for path in paths}
            nginx = Nginx(bodies, tmp / "nginx")
            started.append(nginx)
            results = {
                "Varnish": wrk(varnish.url, urls, seconds),
                "nginx static": wrk(f"http://127.0.0.1:{nginx.port}", urls, seconds),
            }
            editing = hit_ratio(varnish, urls, hit_seconds, db, size, purge_env)
        finally:
            for process in reversed(started):
                process.stop()
    return {
        "db": db,
        "articles": size,
        "details": len(paths),
        "detail_bytes_mean": round(sum(map(len, bodies.values())) / len(bodies)),
        "wrk": "wrk -t2 -c16 --latency",
        "seconds": seconds,
        "results": results,
        "under_editing": editing,
        "hit_seconds": hit_seconds,
    }


def print_table(figures: dict) -> None:
    results, editing = figures["results"], figures["under_editing"]
    print(
        f"\n{figures['db']}, {figures['articles']:,} articles: {figures['details']} details of "
        f"{figures['detail_bytes_mean']:,} bytes on average, {figures['wrk']}, {figures['seconds']} s each"
    )
    print("| detail, served by | req/s    | p50 ms | p99 ms | errors |")
    print("|-------------------|----------|--------|--------|--------|")
    for name, row in results.items():
        print(
            f"| {name:<17} | {row['rps']:>8.0f} | {row['p50']:>6.2f} | {row['p99']:>6.2f} "
            f"| {row['errors']:>6} |"
        )
    ratio = results["Varnish"]["rps"] / results["nginx static"]["rps"]
    print(f"Varnish / nginx static: {ratio:.2f}x req/s")
    verdict = "meets" if editing["hit_ratio"] >= TARGET_HIT_RATIO else "MISSES"
    print(
        f"\nUnder editing, {figures['hit_seconds']} s: hit ratio {editing['hit_ratio']:.3%} "
        f"({editing['hits']:,} hits, {editing['misses']:,} misses; {verdict} the {TARGET_HIT_RATIO:.0%} "
        f"target) at {editing['rps']:.0f} req/s, p99 {editing['p99']:.2f} ms, while "
        f"{editing['draft_saves']} draft saves and {editing['publishes']} publishes ran; "
        f"Varnish received {editing['purge_requests']} purge requests"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--size", type=int, default=1000, help="articles")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--seconds", type=int, default=60, help="seconds of the hit-ratio run")
    parser.add_argument("--smoke", action="store_true", help="200 articles, 2 s runs, 6 s hit ratio")
    args = parser.parse_args()
    problem = missing()
    if problem or not NGINX.exists():
        sys.exit(problem or "nginx is not installed: run .ci/install_varnish.sh")
    size, seconds, hit_seconds = (200, 2, 6) if args.smoke else (args.size, args.duration, args.seconds)
    figures = run(args.db, size, seconds, hit_seconds)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"varnish-{args.db}{'-smoke' if args.smoke else ''}.json"
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print_table(figures)
    print(f"\nwritten: {out.relative_to(ROOT)}")
    errors = [name for name, row in figures["results"].items() if row["errors"]]
    if errors or figures["under_editing"]["errors"]:
        sys.exit(f"non-2xx/3xx responses in: {', '.join(errors) or 'the hit-ratio run'}")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
