"""The Redis cache steps aside while Redis is down or hung (cms/cache.py)."""

import socket

import pytest
from django_redis.cache import RedisCache

import cms.lib.cache
from cms.lib.cache import ResilientRedisCache


def redis_cache(location: str) -> ResilientRedisCache:
    return ResilientRedisCache(
        location,
        {"OPTIONS": {"IGNORE_EXCEPTIONS": False, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}},
    )


@pytest.fixture(autouse=True)
def _closed_breaker(monkeypatch):
    monkeypatch.setattr(cms.lib.cache, "_broken_until", 0.0)


@pytest.fixture
def redis_calls(monkeypatch):
    """How many times each RedisCache method actually ran (reached for Redis)."""
    calls = []
    for name in ("get", "set"):
        original = getattr(RedisCache, name)

        def counting(self, *args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(RedisCache, name, counting)
    return calls


@pytest.fixture
def hung_redis():
    """A port that accepts connections (the kernel's backlog) and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


def test_a_working_redis_stores_and_returns_values():
    cache = redis_cache("redis://127.0.0.1:6379/14")
    cache.set("careleaf-test-key", {"a": 1}, 10)

    assert cache.get("careleaf-test-key") == {"a": 1}
    cache.delete("careleaf-test-key")


@pytest.mark.parametrize("kind", ["down", "hung"])
def test_a_failing_redis_is_a_miss_then_is_skipped_for_a_while(redis_calls, hung_redis, kind):
    cache = redis_cache("redis://127.0.0.1:1/0" if kind == "down" else hung_redis)

    assert cache.get("key", default="fallback") == "fallback"
    assert cache.set("key", "value") is False
    assert cache.get("key") is None
    assert cache.get_many(["a", "b"]) == {}

    # Only the first call waited for Redis; the others were answered at once.
    assert redis_calls == ["get"]


def test_redis_is_tried_again_after_the_break(redis_calls, monkeypatch):
    cache = redis_cache("redis://127.0.0.1:1/0")
    cache.get("key")
    monkeypatch.setattr(cms.lib.cache, "_broken_until", 0.0)  # the break is over

    cache.get("key")

    assert redis_calls == ["get", "get"]


def test_the_break_is_logged_once_as_a_warning(caplog):
    cache = redis_cache("redis://127.0.0.1:1/0")
    for _ in range(5):
        cache.get("key")

    warnings = [record for record in caplog.records if record.name == "cms.lib.cache"]
    assert [record.levelname for record in warnings] == ["WARNING"]
    assert "cache skipped for 5.0 seconds" in warnings[0].getMessage()
