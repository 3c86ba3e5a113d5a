"""The outbox: public changes (api.signals.public_changes) become events and deliveries, written in
the transaction that made the change, with the tasks that send them (django-tasks' database
backend writes its task rows in the same transaction). A rollback sends nothing; a crash after the
commit loses nothing: the worker finds the tasks, and the sweeper finds deliveries whose task was
lost (webhooks/delivery.py)."""

from django.db.models import Count
from django.db.models.signals import pre_delete

from api.events import PublicChange, Type
from api.signals import public_changes
from clinics.models import Clinic
from webhooks import delivery
from webhooks.models import Delivery, Endpoint, Event
from webhooks.payloads import payloads

# Saving a clinic with its contact links says "clinic updated" once, not once per row: a clinic
# or topic event that no endpoint has been sent yet takes the newer payload instead.
COALESCED = (Type.CLINIC_UPDATED, Type.TOPIC_UPDATED)


def record(sender, changes: list[PublicChange], **kwargs) -> None:
    endpoints = list(Endpoint.objects.filter(is_active=True).prefetch_related("clinics"))
    # A clinic being deleted is announced, but the event cannot point at its row.
    existing = set(Clinic.objects.filter(pk__in={c.clinic_id for c in changes}).values_list("pk", flat=True))
    fresh = []
    for change, payload in zip(changes, payloads(changes), strict=True):
        clinic_id = change.clinic_id if change.clinic_id in existing else None
        waiting = _waiting(change)
        if waiting is None:
            fresh.append(
                Event(type=change.type, clinic_id=clinic_id, subject=change.subject, payload=payload)
            )
            continue
        waiting.payload = payload
        waiting.save(update_fields=["payload"])
        # An endpoint added (or re-activated) since it was written hears of this change too.
        _deliver(waiting, endpoints, already=set(waiting.deliveries.values_list("endpoint_id", flat=True)))
    for event in Event.objects.bulk_create(fresh):
        _deliver(event, endpoints)


def _deliver(event: Event, endpoints: list[Endpoint], already=frozenset()) -> None:
    rows = Delivery.objects.bulk_create(
        Delivery(event=event, endpoint=endpoint)
        for endpoint in endpoints
        if endpoint.pk not in already and endpoint.wants(event.type) and _covers(endpoint, event.clinic_id)
    )
    for row in rows:
        delivery.send_delivery.enqueue(row.pk)


def _covers(endpoint: Endpoint, clinic_id: int | None) -> bool:
    clinic_ids = {clinic.pk for clinic in endpoint.clinics.all()}
    return not clinic_ids or clinic_id in clinic_ids


def _waiting(change: PublicChange) -> Event | None:
    """The same clinic or topic event, not sent to anyone yet (its deliveries locked, so that a
    worker claiming one waits for this transaction and sends the newer payload)."""
    if change.type not in COALESCED:
        return None
    candidates = Event.objects.filter(
        type=change.type, clinic_id=change.clinic_id, subject=change.subject, deliveries__isnull=False
    ).order_by("-pk")
    for event in candidates[:1]:
        deliveries = list(Delivery.objects.select_for_update().filter(event=event).order_by("pk"))
        if deliveries and all(
            row.attempts == 0 and row.status == Delivery.Status.PENDING for row in deliveries
        ):
            return event
    return None


def clinic_deleting(sender, instance, **kwargs) -> None:
    """An endpoint for this clinic alone would be left with no clinic, which means every clinic:
    it is switched off instead (its page says so)."""
    alone = Endpoint.objects.annotate(count=Count("clinics")).filter(count=1, clinics=instance.pk)
    Endpoint.objects.filter(pk__in=list(alone.values_list("pk", flat=True))).update(is_active=False)


def connect() -> None:
    public_changes.connect(record, dispatch_uid="webhooks-record-public-changes")
    pre_delete.connect(clinic_deleting, sender=Clinic, dispatch_uid="webhooks-clinic-deleting")
