"""The outbox: public changes (api.signals.public_changes) become events and deliveries, written in
the transaction that made the change, with the tasks that send them (django-tasks' database
backend writes its task rows in the same transaction). A rollback sends nothing; a crash after the
commit loses nothing: the worker finds the tasks, and the sweeper finds deliveries whose task was
lost (webhooks/delivery.py)."""

from django.db.models import Exists, OuterRef

from api.events import PublicChange, Type
from api.signals import public_changes
from webhooks import delivery
from webhooks.models import Delivery, Endpoint, Event
from webhooks.payloads import payloads

# Saving a clinic with its contact links says "clinic updated" once, not once per row.
COALESCED = (Type.CLINIC_UPDATED, Type.TOPIC_UPDATED)


def record(sender, changes: list[PublicChange], **kwargs) -> None:
    changes = [change for change in changes if not _already_waiting(change)]
    if not changes:
        return
    endpoints = list(Endpoint.objects.filter(is_active=True).prefetch_related("clinics"))
    events = Event.objects.bulk_create(
        Event(type=change.type, clinic_id=change.clinic_id, subject=change.subject, payload=payload)
        for change, payload in zip(changes, payloads(changes), strict=True)
    )
    deliveries = Delivery.objects.bulk_create(
        Delivery(event=event, endpoint=endpoint)
        for event in events
        for endpoint in endpoints
        if endpoint.wants(event.type) and _covers(endpoint, event.clinic_id)
    )
    for row in deliveries:
        delivery.send_delivery.enqueue(row.pk)


def _covers(endpoint: Endpoint, clinic_id: int | None) -> bool:
    clinic_ids = {clinic.pk for clinic in endpoint.clinics.all()}
    return not clinic_ids or clinic_id in clinic_ids


def _already_waiting(change: PublicChange) -> bool:
    """An identical clinic or topic event that no endpoint has been sent yet covers this one."""
    if change.type not in COALESCED:
        return False
    same = Event.objects.filter(type=change.type, clinic_id=change.clinic_id, subject=change.subject)
    sent = Delivery.objects.filter(event=OuterRef("pk")).exclude(attempts=0, status=Delivery.Status.PENDING)
    return same.exclude(Exists(sent)).filter(deliveries__isnull=False).exists()


def connect() -> None:
    public_changes.connect(record, dispatch_uid="webhooks-record-public-changes")
