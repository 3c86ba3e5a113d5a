"""Signals the public side sends for others to act on (the webhooks app listens)."""

from django.dispatch import Signal

# What patients can read changed: ``changes``, a list of api.events.PublicChange. Sent inside the
# transaction that made the change, so that what listens writes in it too (an outbox): a rollback
# sends nothing, a commit loses nothing.
public_changes = Signal()
