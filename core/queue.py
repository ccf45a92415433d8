"""Handing work to the workers without making a request wait on the broker.

The rows that say what is to be done (deliveries, export jobs) are written in the
request's transaction: they are the outbox, and the place of record. Once it commits,
``send_on_commit`` puts a task on the broker as a courtesy, so the work usually starts at
once; if the broker does not answer (down, or hung: the settings keep its socket
timeouts short), the request goes on, and the relay task that Celery beat runs every
minute finds the rows still waiting and queues them. After a failure the broker is not
tried again by this process for ``PAUSE_SECONDS``.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from kombu.exceptions import KombuError, OperationalError
from redis.exceptions import RedisError

from core.cache import Pause

BROKER_ERRORS: tuple[type[BaseException], ...] = (KombuError, OperationalError, OSError, RedisError)
PAUSE_SECONDS = 10.0

logger = logging.getLogger(__name__)
_pause = Pause(PAUSE_SECONDS)


def send(task, *args) -> bool:
    """Queue ``task(*args)`` now; False if the broker did not take it (the relay will)."""
    if _pause.active():
        logger.warning("broker paused: %s%r left to the relay", task.name, args)
        return False
    try:
        task.apply_async(args=args, retry=False)
    except BROKER_ERRORS as exc:
        _pause.start()
        logger.warning("broker unavailable: %s%r left to the relay: %s", task.name, args, exc)
        return False
    return True


def send_on_commit(task, *args) -> None:
    """Queue ``task(*args)`` once the current transaction commits (see ``send``)."""
    transaction.on_commit(partial(send, task, *args), robust=True)


def resume() -> None:
    """Try the broker again at once (tests)."""
    _pause.end()
