"""Signals the editorial side sends for the public side to act on (api/receivers.py listens)."""

from django.dispatch import Signal

# What patients can read of these articles changed: a version was approved, scheduled, ended,
# unpublished or archived. Sent inside the transaction that made the change, with
# ``article_ids`` (a list). Working-copy edits never send it.
publications_changed = Signal()
