"""What a cache call raises when Redis does not answer, and how long to leave it alone.

The cache in Redis is django-redis's (weekly.env.cache_settings): it keeps one client per
connection pool and re-raises redis-py's exceptions (and a socket's timeout, which the
settings keep short) when it is not told to swallow them, so callers that must go on
without the cache catch these.

Nothing the cache holds is the only copy of anything: callers fall back to the database
or to rendering afresh. A cache that failed is not asked again by this process for
``PAUSE_SECONDS``, so while Redis is down or hung a request pays its socket timeout at
most once per pause, not on every cache call.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from redis.exceptions import RedisError

CACHE_ERRORS: tuple[type[BaseException], ...] = (OSError, RedisError)
PAUSE_SECONDS = 5.0

T = TypeVar("T")
logger = logging.getLogger(__name__)


class Pause:
    """A service that failed is left alone by this process for ``seconds``."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.until = 0.0

    def active(self) -> bool:
        return time.monotonic() < self.until

    def start(self) -> None:
        self.until = time.monotonic() + self.seconds

    def end(self) -> None:
        """Ask again at once (tests)."""
        self.until = 0.0


_pause = Pause(PAUSE_SECONDS)


class Unavailable(Exception):
    """The cache failed a moment ago: not asked again yet."""


def usable() -> bool:
    return not _pause.active()


def failed(exc: BaseException | None = None) -> None:
    """The cache did not answer: leave it alone for a while."""
    _pause.start()
    logger.warning("cache unavailable for %ss: %s", PAUSE_SECONDS, exc or "")


def resume() -> None:
    """Ask the cache again at once (tests)."""
    _pause.end()


def ask(call: Callable[[], T]) -> T:
    """``call()``, which uses the cache; raises ``Unavailable`` while the cache is
    paused, or when it fails now (and pauses it)."""
    if not usable():
        raise Unavailable
    try:
        return call()
    except CACHE_ERRORS as exc:
        failed(exc)
        raise Unavailable from exc


def get_or_build(key: str, build: Callable[[], T], timeout: int) -> T:
    """What the cache has under ``key``, else ``build()``, kept when the cache answers."""
    try:
        value = ask(lambda: cache.get(key))
    except Unavailable:
        return build()
    if value is None:
        value = build()
        keep(key, value, timeout)
    return value


def keep(key: str, value, timeout: int | None) -> None:
    """Store, if the cache answers; nothing is lost if it does not."""
    with contextlib.suppress(Unavailable):
        ask(lambda: cache.set(key, value, timeout))
