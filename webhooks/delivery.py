"""Sending deliveries: Standard Webhooks signatures, one POST per attempt through the SSRF guard
(webhooks/ssrf.py), retries with exponential backoff and jitter for about a day, then the endpoint
is marked failing and the organisation's admins are told.

At least once: a delivery is claimed with a short lease before it is sent, so two workers (or a
task and the sweeper) never send it at the same time; a worker killed mid-send leaves the lease to
run out, and the sweeper sends it again. Receivers deduplicate by ``webhook-id`` (the event's id,
the same on every attempt and resend).
"""

import datetime
import json
import logging
import random
import time

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook

from api.models import ListingVersion
from api.publications import apply_boundaries
from clinics.models import Membership
from webhooks import ssrf
from webhooks.models import Attempt, Delivery, Endpoint

logger = logging.getLogger("webhooks")

TIMEOUT = 10.0
# Far longer than a send can take (TIMEOUT, a hard deadline: webhooks/ssrf.py), so a lease never
# ends while its worker is still sending; a killed worker's delivery waits this long to go again.
LEASE = datetime.timedelta(seconds=45)
# However it fails (even a crash while recording), a delivery stops after this many attempts.
MAX_ATTEMPTS = 40
EXCERPT_BYTES = 500
FIRST_RETRY_SECONDS = 10
MAX_RETRY_SECONDS = 6 * 3600
USER_AGENT = "Careleaf-Webhooks/1.0"


def body_of(payload: dict, event_id: str) -> bytes:
    return json.dumps({"id": event_id, **payload}, separators=(",", ":"), ensure_ascii=False).encode()


def signed_headers(endpoint: Endpoint, event_id: str, body: bytes, now: datetime.datetime) -> dict[str, str]:
    """Standard Webhooks headers: one ``v1,`` signature per valid secret (two during a rotation)."""
    text = body.decode()
    signatures = [Webhook(secret).sign(event_id, now, text) for secret in endpoint.signing_secrets(now)]
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def retry_delay(attempt: int) -> float:
    """Seconds before the attempt after ``attempt``: 10 s, 40 s, 160 s... up to 6 h, +/-25 % jitter
    (so deliveries that failed together do not all come back together)."""
    base = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 4 ** (attempt - 1))
    return base * random.uniform(0.75, 1.25)  # noqa: S311 (jitter, not a secret)


@task()
def send_delivery(delivery_id: int) -> str:
    """Send one delivery if it is due and nobody else is sending it; returns what happened."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return "not due"
    started = timezone.now()
    clock = time.monotonic()
    body = body_of(claimed.event.payload, claimed.event.event_id)
    headers = signed_headers(claimed.endpoint, claimed.event.event_id, body, started)
    status_code, excerpt, error = None, "", ""
    try:
        response = ssrf.post(claimed.endpoint.url, body, headers, timeout=TIMEOUT)
        status_code = response.status_code
        excerpt = _printable(response.content[:EXCERPT_BYTES].decode("utf-8", "replace"))
        if 300 <= status_code < 400:
            error = f"Redirect to {response.headers.get('Location', '?')[:200]} not followed."
    except ssrf.RefusedDestination as refusal:
        error = _printable(str(refusal))
    except requests.RequestException as failure:
        error = _printable(f"{type(failure).__name__}: {failure}")
    succeeded = status_code is not None and 200 <= status_code < 300
    _record(claimed, started, int((time.monotonic() - clock) * 1000), status_code, excerpt, error, succeeded)
    return "delivered" if succeeded else "failed"


def _printable(text: str) -> str:
    """What a receiver sent, storable anywhere: PostgreSQL text refuses NUL characters."""
    return text.replace("\x00", "\N{REPLACEMENT CHARACTER}")


def _claim(delivery_id: int) -> Delivery | None:
    """Take the delivery for one attempt (its lease), if it is due and nobody holds it. An inactive
    endpoint's deliveries wait: they go when it is active again."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("event", "endpoint")
            .filter(pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
            .first()
        )
        if delivery is None or not delivery.endpoint.is_active:
            return None
        window = datetime.timedelta(hours=settings.WEBHOOK_RETRY_HOURS) + LEASE
        if delivery.claims >= MAX_ATTEMPTS or now - delivery.retry_from > window:
            # Only attempts that could not be recorded get here (a crash while recording one):
            # the retry window ends well before, so such a delivery cannot go round for ever.
            delivery.status = Delivery.Status.FAILED
            delivery.save(update_fields=["status"])
            return None
        delivery.claimed_resend = delivery.resend_requested
        delivery.attempts += 1
        delivery.claims += 1
        delivery.locked_until = now + LEASE
        delivery.save(update_fields=["attempts", "claims", "locked_until"])
    return delivery


@transaction.atomic
def _record(claimed, started, duration_ms, status_code, excerpt, error, succeeded) -> None:
    """Log the attempt, then settle the delivery: delivered, a retry after a delay, or given up.
    Fenced: if the lease was lost meanwhile (another worker has taken the delivery), only the log
    is written; a "send again" asked for during the attempt is kept."""
    Attempt.objects.create(
        delivery=claimed,
        number=claimed.attempts,
        started_at=started,
        duration_ms=duration_ms,
        status_code=status_code,
        response_excerpt=excerpt[:EXCERPT_BYTES],
        error=error[:500],
        succeeded=succeeded,
        is_resend=claimed.claimed_resend,
    )
    delivery = Delivery.objects.select_for_update().select_related("event", "endpoint").get(pk=claimed.pk)
    if delivery.attempts != claimed.attempts or delivery.locked_until != claimed.locked_until:
        return  # the lease ran out and another attempt began: that one settles the delivery
    now = timezone.now()
    delivery.locked_until = None
    fields = ["locked_until", "resend_requested", "status", "next_attempt_at", "delivered_at"]
    endpoint = delivery.endpoint
    if delivery.resend_requested and not claimed.claimed_resend:
        # "Send again" was asked for while this attempt ran: its task sends it now.
        delivery.next_attempt_at = now
        delivery.save(update_fields=fields)
        return
    delivery.resend_requested = False
    if succeeded:
        delivery.status, delivery.delivered_at = Delivery.Status.DELIVERED, now
        delivery.save(update_fields=fields)
        Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(failing_since=None)
        return
    # The delay grows with the attempts since the retries (re)started: a resend starts afresh.
    tries = Attempt.objects.filter(delivery=delivery, started_at__gte=delivery.retry_from).count()
    delay = datetime.timedelta(seconds=retry_delay(max(tries, 1)))
    if now + delay - delivery.retry_from > datetime.timedelta(hours=settings.WEBHOOK_RETRY_HOURS):
        delivery.status = Delivery.Status.FAILED
        delivery.save(update_fields=fields)
        if Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now):
            reason = error or f"HTTP {status_code}"
            transaction.on_commit(lambda: _tell_admins(endpoint, delivery, reason), robust=True)
        return
    delivery.next_attempt_at = now + delay
    delivery.save(update_fields=fields)
    send_delivery.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)


def _tell_admins(endpoint: Endpoint, delivery: Delivery, reason: str) -> None:
    """Mail the organisation's admins (superusers and every-clinic Clinic admins) with an address."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    admins = users.filter(
        Q(is_superuser=True)
        | Q(memberships__clinic__isnull=True, memberships__role=Membership.Role.CLINIC_ADMIN)
    ).distinct()
    recipients = sorted({user.email for user in admins})
    logger.error("Webhook endpoint %s is failing: %s", endpoint.url, reason)
    if not recipients:
        return
    send_mail(
        subject=f"[Careleaf] Webhook endpoint failing: {endpoint.name}",
        message=(
            f"Careleaf could not deliver events to {endpoint.url} for {settings.WEBHOOK_RETRY_HOURS} hours "
            f"and gave up on delivery {delivery.pk} ({delivery.event.type}).\n\nLast error: {reason}\n\n"
            "Its delivery log, and a button to send it again, are in the admin under Webhooks. New events "
            "are still sent; the endpoint stops being marked failing at its next success."
        ),
        from_email=None,
        recipient_list=recipients,
        fail_silently=True,
    )


def resend(delivery_ids, *, now=None) -> int:
    """Send these deliveries again now (a new day of retries if they fail). Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        count = Delivery.objects.filter(pk__in=list(delivery_ids)).update(
            status=Delivery.Status.PENDING,
            next_attempt_at=now,
            retry_from=now,
            resend_requested=True,
            claims=0,
        )
        for pk in delivery_ids:
            send_delivery.enqueue(pk)
    return count


SWEEP_GRACE = datetime.timedelta(seconds=30)
TASKS_KEPT = datetime.timedelta(days=7)


def sweep(now=None) -> dict[str, int]:
    """What a lost task would have done, and tidying: deliveries overdue (their task died with a worker killed
    mid-send, or was never run) are queued again, and a scheduled moment that passed with no task
    run is applied. Run by the worker at start and every 30 s (manage.py run_worker)."""
    now = now or timezone.now()
    queued = {
        arguments["args"][0]
        for arguments in DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=send_delivery.module_path
        ).values_list("args_kwargs", flat=True)
        if arguments.get("args")
    }
    overdue = [
        pk
        for pk in Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now - SWEEP_GRACE, endpoint__is_active=True
        )
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:1000]
        if pk not in queued
    ]
    for pk in overdue:
        send_delivery.enqueue(pk)
    # Finished tasks are kept a week (the worker's own record; the delivery log is ours).
    DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - TASKS_KEPT).delete()
    boundary = ListingVersion.objects.filter(pk=1).values_list("next_boundary_at", flat=True).first()
    boundaries = 0
    if boundary is not None and boundary <= now - SWEEP_GRACE:
        apply_boundaries(in_request=False)
        boundaries = 1
    return {"deliveries": len(overdue), "boundaries": boundaries}
