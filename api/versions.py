"""Versions of what the public API serves: the listing version (one row, api.ListingVersion) and
the moments that Last-Modified shows.

Last-Modified has whole seconds and is never later than the clock (so never later than Date).
When two versions come within one second they share it: the newer one is marked
(``shares_second``), and an If-Modified-Since naming that second gets the full answer, never a 304
(api/caching.py): it cannot tell which of the two the client holds. ETags always can.
"""

import datetime

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from api.models import ListingVersion, PublicArticle


def whole_second(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(microsecond=0)


def stamp(previous: datetime.datetime | None, moment: datetime.datetime) -> tuple[datetime.datetime, bool]:
    """(Last-Modified, shares_second) for a version made at ``moment`` after one stamped
    ``previous``: ``moment``'s whole second, or ``previous`` again (marked shared) if that second
    is already taken. Never before ``previous``, never after ``moment`` (but for clock skew)."""
    second = whole_second(moment)
    if previous is None or previous < second:
        return second, False
    return previous, True


def next_boundary(now):
    """The next moment a scheduled version goes live or a live one ends (None if there is none)."""
    bounds = PublicArticle.objects.aggregate(
        go_live=Min("live_from", filter=Q(live_from__gt=now)),
        end=Min("live_until", filter=Q(live_until__gt=now)),
    )
    return min((moment for moment in bounds.values() if moment), default=None)


def lock_listing_version() -> ListingVersion:
    """Lock the listing version's row for this transaction. Every change to the public side takes
    this lock first, before any public row: one order for all, so two changes never deadlock."""
    version, _ = ListingVersion.objects.select_for_update().get_or_create(pk=1)
    return version


@transaction.atomic
def bump_listing_version(*, renew: bool = True) -> None:
    """Give the public listings a new version (call it inside the transaction that changed them);
    with ``renew=False`` only note the next scheduled moment: nothing visible changed."""
    version = lock_listing_version()
    now = timezone.now()
    if renew:
        version.token = ListingVersion.new_token()
        version.changed_at, version.shares_second = stamp(version.changed_at, now)
    version.next_boundary_at = next_boundary(now)
    version.save()


def read_listing_version() -> tuple[str, datetime.datetime, bool, bool]:
    """(token, changed_at, shares_second, whether a scheduled moment has passed since it was issued)."""
    token, changed_at, shares_second, boundary = ListingVersion.objects.values_list(
        "token", "changed_at", "shares_second", "next_boundary_at"
    ).get(pk=1)
    return token, changed_at, shares_second, boundary is not None and boundary <= timezone.now()
