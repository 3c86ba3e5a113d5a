"""Webhook delivery figures: latency from a publish's commit to the receiver, and nothing lost when
the worker is killed mid-batch.

    python bench/webhooks.py                 # PostgreSQL at BENCH_POSTGRES_URL, 200 publishes
    python bench/webhooks.py --db sqlite     # the embedded default
    python bench/webhooks.py --smoke         # 20 publishes: keeps it working

1. Latency: one endpoint pointing at a local receiver (a threaded HTTP server in this process);
   the worker (`manage.py run_worker`, its own process, as deployed) delivers. N publishes of
   distinct articles, one every 100 ms; for each, the time from its transaction's commit to the
   receiver getting its webhook. p50, p99, max.
2. Crash: N more publishes queued, the receiver answering in 20 ms; the worker is started
   and killed with SIGKILL after a third of them arrived (most likely mid-send), then started
   again. Every event must arrive (0 lost);
   duplicates (an event received twice: sent, then killed before it recorded the success) are
   counted. The delivery that was mid-send waits for its lease to end and the sweeper (up to ~60 s).

Writes bench/data/webhooks-<db>.json.
"""

import argparse
import http.server
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "data"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "careleaf_bench_webhooks"


class Receiver:
    def __init__(self):
        self.arrivals: list[tuple[str, float]] = []
        self.delay = 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                arrived = time.time()
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.arrivals.append((self.headers["webhook-id"], arrived))
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ids(self) -> set[str]:
        with self.lock:
            return {event_id for event_id, _ in self.arrivals}


def environment(db: str) -> dict:
    url = f"{POSTGRES}/{DB_NAME}" if db == "postgres" else f"sqlite:///{DATA}/webhooks.sqlite3"
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return env | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "WEBHOOKS_ALLOW_HTTP": "true",
        "WEBHOOKS_ALLOW_LOOPBACK": "true",
        "API_PUBLIC_URL": "https://api.clinic.example",
        "DJANGO_LOG_LEVEL": "WARNING",
    }


def fresh_database(db: str, env: dict) -> None:
    DATA.mkdir(exist_ok=True)
    if db == "postgres":
        for statement in (f"DROP DATABASE IF EXISTS {DB_NAME}", f"CREATE DATABASE {DB_NAME}"):
            subprocess.run(["psql", f"{POSTGRES}/postgres", "-qc", statement], check=True)
    else:
        (DATA / "webhooks.sqlite3").unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


def start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(receiver: Receiver, wanted: set[str], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if wanted <= receiver.ids():
            return True
        time.sleep(0.05)
    return wanted <= receiver.ids()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--publishes", type=int, default=200)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    count = 20 if args.smoke else args.publishes
    env = environment(args.db)
    fresh_database(args.db, env)
    os.environ.update(env)
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from articles import publishing
    from articles.models import Article
    from clinics.models import Clinic
    from webhooks.models import Delivery, Endpoint, Event

    receiver = Receiver()
    clinic = Clinic.objects.create(name="Lafayette Pain Care", slug="lafayette")
    Endpoint.objects.create(name="Bench receiver", url=receiver.url, events=["article.published"])
    articles = [
        Article.objects.create(
            clinic=clinic, slug=f"bench-{n}", title=f"Bench article {n}", summary="A summary.", status="draft"
        )
        for n in range(2 * count)
    ]

    def publish(article) -> tuple[str, float]:
        with transaction.atomic():
            Article.objects.filter(pk=article.pk).update(status="published", published_at=timezone.now())
            publishing.publish(article)
        committed = time.time()
        event_id = (
            Event.objects.filter(subject=f"article-{article.pk}").values_list("event_id", flat=True).get()
        )
        return event_id, committed

    # 1. Latency.
    worker = start_worker(env)
    time.sleep(2)  # the worker's start (Django set-up, its first sweep)
    committed = {}
    for article in articles[:count]:
        event_id, at = publish(article)
        committed[event_id] = at
        time.sleep(0.1)
    delivered_all = wait_for(receiver, set(committed), 60)
    first_arrival = {}
    for event_id, arrived in receiver.arrivals:
        first_arrival.setdefault(event_id, arrived)
    latencies = sorted(
        1000 * (first_arrival[event_id] - at)
        for event_id, at in committed.items()
        if event_id in first_arrival
    )
    latency = {
        "publishes": count,
        "delivered": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        "max_ms": round(latencies[-1], 1),
    }
    print(f"latency commit -> receiver over {count} publishes: {latency}")
    assert delivered_all, "not every event arrived within 60 s"

    # 2. Crash mid-batch.
    receiver.arrivals.clear()
    receiver.delay = 0.02
    # The batch is queued first (worker stopped), so that the kill lands in the middle of it.
    worker.terminate()
    worker.wait(timeout=10)
    batch = dict(publish(article) for article in articles[count:])
    worker = start_worker(env)
    while len(receiver.ids() & set(batch)) < count // 3:
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    arrived_before_kill = len(receiver.ids() & set(batch))
    killed_at = time.monotonic()
    worker = start_worker(env)
    recovered = wait_for(receiver, set(batch), 120)
    recovery_seconds = round(time.monotonic() - killed_at, 1)
    # The delivery that was mid-send is sent again once its lease ends (a duplicate if the receiver
    # had it already): wait for every delivery to be recorded as delivered.
    deadline = time.monotonic() + 120
    while Delivery.objects.exclude(status=Delivery.Status.DELIVERED).exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    settled_seconds = round(time.monotonic() - killed_at, 1)
    worker.terminate()
    worker.wait(timeout=10)
    received = [event_id for event_id, _ in receiver.arrivals if event_id in batch]
    crash = {
        "publishes": count,
        "arrived_before_kill": arrived_before_kill,
        "lost": len(set(batch) - set(received)),
        "duplicates": len(received) - len(set(received)),
        "all_arrived_within_s": recovery_seconds,
        "all_recorded_delivered_within_s": settled_seconds,
        "deliveries_not_delivered": Delivery.objects.exclude(status=Delivery.Status.DELIVERED).count(),
    }
    print(f"worker killed (SIGKILL) mid-batch and restarted: {crash}")
    assert recovered and crash["lost"] == 0, crash
    out = DATA / f"webhooks-{args.db}.json"
    out.write_text(json.dumps({"db": args.db, "latency": latency, "crash": crash}, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
