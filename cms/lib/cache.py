"""A Redis cache that steps aside while Redis is down or hung.

django-redis's IGNORE_EXCEPTIONS turns each failed call into a miss, but every call still waits
for its socket timeout and logs a traceback: a hung Redis costs each request several timeouts.
Here the first failure opens a breaker: for BREAK_SECONDS this process answers every cache call
as a miss at once (one warning in the log), then tries Redis again.
"""

import logging
import time

from django_redis.cache import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
BREAK_SECONDS = 5.0

# Per process: every thread's cache object shares what the last failure taught.
_broken_until = 0.0


def _skip_redis() -> bool:
    return time.monotonic() < _broken_until


def _open_breaker(error) -> None:
    global _broken_until
    _broken_until = time.monotonic() + BREAK_SECONDS
    logger.warning("Redis unavailable (%s); cache skipped for %s seconds.", error, BREAK_SECONDS)


def _guarded(name, miss):
    def method(self, *args, **kwargs):
        if _skip_redis():
            return miss(*args, **kwargs)
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except (RedisError, OSError) as error:
            _open_breaker(error)
            return miss(*args, **kwargs)

    method.__name__ = name
    return method


class ResilientRedisCache(RedisCache):
    """Use with OPTIONS IGNORE_EXCEPTIONS False: failures reach the breaker instead of the log."""

    get = _guarded("get", lambda key, default=None, *args, **kwargs: default)
    get_many = _guarded("get_many", lambda *args, **kwargs: {})
    set = _guarded("set", lambda *args, **kwargs: False)
    add = _guarded("add", lambda *args, **kwargs: False)
    set_many = _guarded("set_many", lambda *args, **kwargs: [])
    delete = _guarded("delete", lambda *args, **kwargs: False)
    delete_many = _guarded("delete_many", lambda *args, **kwargs: 0)
    has_key = _guarded("has_key", lambda *args, **kwargs: False)
    touch = _guarded("touch", lambda *args, **kwargs: False)
    clear = _guarded("clear", lambda *args, **kwargs: False)
