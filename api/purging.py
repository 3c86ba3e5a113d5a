"""Purging shared caches (Varnish, a CDN: api/cdn.py) by cache tag when public content changes.

A change's tags are purged twice:
- right after its transaction commits, from the process that made it: fresh within milliseconds;
- again by the worker a few seconds later (a task written in the same transaction, so a crash
  between the commit and the first purge loses nothing). The second purge also clears what a
  cache stored from a request that read the old version just before the commit and answered just
  after the first purge.
A purge that fails is tried again by the worker with a growing delay (5 s, 20 s, 80 s... eight
tries over about seven hours).
"""

import datetime
import logging
import random
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from api import cdn

logger = logging.getLogger("api.cdn")

AGAIN_AFTER = datetime.timedelta(seconds=5)
MAX_TRIES = 8


def purge_after_commit(tags: Iterable[str], *, in_process: bool = True) -> None:
    """Purge ``tags`` once the current transaction commits (nothing if it rolls back).
    ``in_process=False`` (a public read that applied a scheduled moment): the worker purges at
    once instead, so that no patient's request waits on a CDN's API."""
    if not settings.CDN_PURGE_BACKENDS:
        return
    tags = list(dict.fromkeys(tags))
    if not tags:
        return
    purge_tags.using(run_after=timezone.now() + AGAIN_AFTER).enqueue(tags, 1)
    if in_process:
        transaction.on_commit(lambda: cdn.purge(tags), robust=True)
    else:
        purge_tags.enqueue(tags, 1)


@task()
def purge_tags(tags: list[str], attempt: int) -> list[str]:
    """Purge ``tags`` on every configured backend; on a failure, try again later (5 s, 20 s, 80 s...
    with jitter). Returns the errors of this attempt."""
    errors = cdn.purge(tags)
    if errors and attempt < MAX_TRIES:
        delay = 5 * 4 ** (attempt - 1) * random.uniform(0.75, 1.25)  # noqa: S311 (jitter, not a secret)
        purge_tags.using(run_after=timezone.now() + datetime.timedelta(seconds=delay)).enqueue(
            tags, attempt + 1
        )
    elif errors:
        logger.error("Gave up purging %s after %s tries: %s", " ".join(tags), attempt, "; ".join(errors))
    return errors
