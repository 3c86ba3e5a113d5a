"""Outgoing webhooks: endpoints staff configure, the events the public side announces (the outbox),
and each event's delivery to each endpoint with every attempt logged."""

import base64
import secrets
import uuid

from django.db import models
from django.utils import timezone

from api.events import Type


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 24 random bytes, base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def new_event_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


EVENT_CHOICES = [(name, name) for name in Type.ALL]
TEST_EVENT = "webhook.test"  # sent from the admin to try an endpoint


class Endpoint(models.Model):
    name = models.CharField(
        max_length=100, help_text="Who receives it, e.g. “Lafayette site rebuild (Netlify)”."
    )
    url = models.URLField(
        max_length=500,
        help_text="Where events are POSTed. Must be https, on a public address (private, loopback and "
        "link-local addresses are refused when sending).",
    )
    events = models.JSONField(
        default=list,
        blank=True,
        help_text="The event types to send. None ticked: every type.",
    )
    clinics = models.ManyToManyField(
        "clinics.Clinic",
        blank=True,
        related_name="webhook_endpoints",
        help_text="Only events of these clinics. None: every clinic.",
    )
    is_active = models.BooleanField(default=True, help_text="Untick to stop sending without deleting it.")
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    # Secret rotation: the secret before the last rotation signs too, until this moment.
    previous_secret = models.CharField(max_length=100, blank=True, default="", editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when a delivery gave up after a day of retries; cleared by the next success.
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events

    def signing_secrets(self, now=None) -> list[str]:
        """The current secret, and the previous one while the rotation overlap lasts."""
        now = now or timezone.now()
        keys = [self.secret]
        if self.previous_secret and self.previous_secret_until and self.previous_secret_until > now:
            keys.append(self.previous_secret)
        return keys


class Event(models.Model):
    """One announced change (the outbox): written in the transaction that made the change."""

    event_id = models.CharField(max_length=40, unique=True, default=new_event_id, editable=False)
    type = models.CharField(max_length=40, choices=[*EVENT_CHOICES, (TEST_EVENT, TEST_EVENT)])
    clinic = models.ForeignKey("clinics.Clinic", null=True, on_delete=models.SET_NULL, related_name="+")
    # What it is about: article-<id>, clinic-<id>, condition-<id> or risk-<id>.
    subject = models.CharField(max_length=40, blank=True, default="")
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class Delivery(models.Model):
    """One event to one endpoint: tried until it succeeds or a day has passed."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Attempts begun since the retries (re)started, recorded or not: a hard cap (delivery.py).
    claims = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Held by the worker sending it (a lease: a worker killed mid-send lets it go when it ends).
    locked_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Retries go on for WEBHOOK_RETRY_HOURS from here: the first send, or the last "resend".
    retry_from = models.DateTimeField(default=timezone.now)
    resend_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhooks_delivery_unique"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhooks_delivery_due_idx")]

    def __str__(self):
        return f"delivery {self.pk}"


class Attempt(models.Model):
    """One POST of a delivery: the delivery log."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    succeeded = models.BooleanField(default=False)
    is_resend = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"attempt {self.number} of delivery {self.delivery_id}"
