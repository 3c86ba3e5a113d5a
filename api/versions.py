"""Versions of what the public API serves: the listing version (one row, api.ListingVersion) and
the moments that Last-Modified shows.

Last-Modified has whole seconds. A new version gets a second later than the one it replaces, so
an If-Modified-Since sent for the old one never matches the new one. When two versions come within
one second, that is a second ahead of the clock; Last-Modified never shows more than the clock
(api/caching.py), so it is never later than Date.
"""

import datetime

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from api.models import ListingVersion, PublicArticle


def whole_second(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(microsecond=0)


def next_second(previous: datetime.datetime | None, now: datetime.datetime) -> datetime.datetime:
    """A whole second at or just before ``now``, and later than ``previous``."""
    moment = whole_second(now)
    if previous is not None and moment <= previous:
        moment = whole_second(previous) + datetime.timedelta(seconds=1)
    return moment


def next_boundary(now):
    """The next moment a scheduled version goes live or a live one ends (None if there is none)."""
    bounds = PublicArticle.objects.aggregate(
        go_live=Min("live_from", filter=Q(live_from__gt=now)),
        end=Min("live_until", filter=Q(live_until__gt=now)),
    )
    return min((moment for moment in bounds.values() if moment), default=None)


@transaction.atomic
def bump_listing_version() -> None:
    """Give the public listings a new version. Call it inside the transaction that changed them."""
    # Locked first, so two changes committing together cannot overwrite each other's boundary.
    version, _ = ListingVersion.objects.select_for_update().get_or_create(pk=1)
    now = timezone.now()
    version.token = ListingVersion.new_token()
    version.changed_at = next_second(version.changed_at, now)
    version.next_boundary_at = next_boundary(now)
    version.save()


def read_listing_version() -> tuple[str, datetime.datetime, bool]:
    """(token, changed_at, whether a scheduled boundary has passed since it was issued)."""
    token, changed_at, boundary = ListingVersion.objects.values_list(
        "token", "changed_at", "next_boundary_at"
    ).get(pk=1)
    return token, changed_at, boundary is not None and boundary <= timezone.now()
