"""API keys for a clinic's own servers: making them, and checking the one a request presents.

A key is ``clk_<prefix>_<secret>``: ``prefix`` (12 hex digits) is public and names the key in the
admin; ``secret`` is 32 random bytes (64 hex digits). Only the SHA-256 of the whole key is stored.
A fast hash is right here, a slow one (PBKDF2, bcrypt) is not: slow hashes stretch the few bits of
a human's password against guessing, but 256 random bits cannot be guessed however fast the hash,
and PBKDF2's ~0.3 s of CPU on every uncached check would be a lever for anyone to exhaust the app
servers. A stolen table of hashes gives no key.

Checking a key costs no database query on most requests: the hash's answer (key id, rate,
revoked) is cached for CACHE_SECONDS and dropped when the key is saved or deleted (revoking saves
it), at once and again when the transaction that saved it commits (a request that read the old row
in between could have cached it again), so a revoked key is refused once the admin's change is
committed where the cache is shared (Redis) and within CACHE_SECONDS in a process's own memory
cache. The database is read by the public prefix and the stored hash compared in constant time.
last_used_at is written at most once a minute per key.

Checking is no lever against the database or the cache: a malformed key touches neither; a
well-formed key not in the cache is looked up only after its request was counted in its address's
anonymous bucket, under that limit (cms.lib.guard's ``admit``); and only the answers for keys that
exist (valid or revoked) are cached, never "unknown": random keys add no cache entries, and what is
cached is bounded by the keys in the database.
"""

import contextlib
import datetime
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from functools import partial

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from clinics.models import ApiKey
from cms.lib.guard import ApiKeyGrant, ApiKeyRefused, ApiKeyUnchecked

TOKEN = re.compile(r"clk_(?P<prefix>[0-9a-f]{12})_(?P<secret>[0-9a-f]{64})")
CACHE_SECONDS = 5
USE_INTERVAL = datetime.timedelta(minutes=1)
_UNKNOWN = (None, "", False)

MALFORMED = "Malformed API key: send Authorization: Bearer clk_<prefix>_<secret>, as the admin showed it."
UNKNOWN = "Unknown API key."
REVOKED = "This API key has been revoked."
UNCHECKED = "Too many requests from this address to check the API key."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _cache_key(digest: str) -> str:
    return f"api_key:{digest}"


def issue(key: ApiKey) -> str:
    """Give an unsaved ``key`` a new prefix and hash; the key itself is returned, never stored."""
    key.prefix = secrets.token_hex(6)
    token = f"clk_{key.prefix}_{secrets.token_hex(32)}"
    key.key_hash = hash_token(token)
    return token


def resolve(token: str, admit: Callable[[], bool] | None = None) -> ApiKeyGrant:
    """The grant of a valid key (cms.lib.guard's resolver); ApiKeyRefused for any other.

    ``admit()`` is asked before the database is read, and False stops there (ApiKeyUnchecked):
    the guard counts the request as anonymous in it. Without it the key is always looked up.
    """
    match = TOKEN.fullmatch(token)
    if not match:
        raise ApiKeyRefused(MALFORMED)
    digest = hash_token(token)
    entry = cache.get(_cache_key(digest))
    if entry is None:
        if admit is not None and not admit():
            raise ApiKeyUnchecked(UNCHECKED)
        entry = _lookup(match["prefix"], digest)
        if entry[0] is not None:  # "unknown" is never cached: random keys would fill the cache
            cache.set(_cache_key(digest), entry, CACHE_SECONDS)
    key_id, rate, revoked = entry
    if key_id is None:
        raise ApiKeyRefused(UNKNOWN)
    if revoked:
        raise ApiKeyRefused(REVOKED)
    note_use(key_id, digest)
    return ApiKeyGrant(key_id=key_id, rate=rate or None)


def _lookup(prefix: str, digest: str) -> tuple[int | None, str, bool]:
    row = ApiKey.objects.filter(prefix=prefix).values_list("pk", "key_hash", "rate", "revoked_at").first()
    if row is None or not hmac.compare_digest(row[1], digest):
        return _UNKNOWN
    return row[0], row[2], row[3] is not None


def now() -> datetime.datetime:
    return timezone.now()


# This process's memory of when each key's use was last noted (by hash): most keyed requests
# cost no cache round trip for it.
_noted: dict[str, datetime.datetime] = {}


def note_use(key_id: int, digest: str) -> None:
    """Set the key's last_used_at, at most once a minute: this process remembers when it last
    noted it, the shared cache when any process did, and the update itself skips a row written
    less than a minute ago, so processes racing past both write it once."""
    moment = now()
    last = _noted.get(digest)
    if last is not None and moment - last < USE_INTERVAL:
        return
    _noted[digest] = moment
    gate = f"api_key_used:{key_id}"
    noted = cache.get(gate)
    if noted is not None and moment - noted < USE_INTERVAL:
        return
    cache.set(gate, moment, int(USE_INTERVAL.total_seconds()) * 2)
    # The time of last use is a hint, never a reason to fail the request.
    with contextlib.suppress(DatabaseError):
        ApiKey.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=moment - USE_INTERVAL), pk=key_id
        ).update(last_used_at=moment)


def forget(sender, instance: ApiKey, using=None, raw=False, **kwargs) -> None:
    """post_save / post_delete: the key's cached answer goes now, and again once the change is
    committed: a request that read the old row before the commit may have cached it meanwhile.
    A raw save (a backup's import, which queues no after-commit work) forgets it now only."""
    if instance.key_hash:
        key = _cache_key(instance.key_hash)
        cache.delete(key)
        if not raw:
            transaction.on_commit(partial(cache.delete, key), using=using)
