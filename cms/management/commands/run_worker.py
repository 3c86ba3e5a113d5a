"""The background worker: django-tasks' database worker (webhook deliveries, CDN purges, scheduled
moments), plus a sweeper that redoes what a lost task would have done (webhooks/delivery.py sweep)
at start and every 30 seconds.

    python manage.py run_worker            # what `make run` starts next to the server
    python manage.py run_worker --batch    # run what is due, then exit (tests, one-off catch-up)

Run one or more per deployment (several workers share the queue: each task is claimed by one).
"""

import logging
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from webhooks.delivery import sweep

logger = logging.getLogger("webhooks")
SWEEP_SECONDS = 30


class Command(BaseCommand):
    help = "Run the background worker: webhook deliveries, CDN purges and scheduled moments."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run the tasks that are due, then exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between polls when idle (WORKER_POLL_SECONDS).",
        )

    def handle(self, *args, batch=False, interval=None, verbosity=1, **options):
        if verbosity:
            logging.getLogger("django_tasks").setLevel(logging.INFO)
        self._sweep()
        stop = threading.Event()
        if not batch:
            threading.Thread(target=self._sweep_every, args=(stop,), daemon=True, name="sweeper").start()
        worker = Worker(
            queue_names=["*"],
            interval=settings.WORKER_POLL_SECONDS if interval is None else interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        if not batch:
            worker.configure_signals()
            self.stdout.write(f"Worker {worker.worker_id} started (polling every {worker.interval} s).")
        try:
            worker.run()
        finally:
            stop.set()

    def _sweep(self):
        try:
            found = sweep()
        except Exception:  # the sweeper must never stop the worker; it runs again in 30 s
            logger.exception("Sweep failed")
            return
        if any(found.values()):
            logger.warning("Sweep found work a lost task left: %s", found)

    def _sweep_every(self, stop: threading.Event):
        while not stop.wait(SWEEP_SECONDS):
            self._sweep()
            connections.close_all()
