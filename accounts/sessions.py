"""Sessions in the database, read through the cache (``SESSION_ENGINE`` with Redis).

Django's ``cached_db`` store already falls back to the database when reading from the
cache fails and logs a failed write; three calls still raise while Redis does not answer
(filling the cache after a database read, checking a key, forgetting a session). Here
they fall back to the database too, so an outage of Redis signs nobody out and breaks no
page: the database is the place of record, the cache saves a query per request.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db, db

from core.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            return super().load()
        except CACHE_ERRORS:
            logger.warning("session cache unavailable: read from the database")
            return db.SessionStore.load(self)

    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except CACHE_ERRORS:
            return db.SessionStore.exists(self, session_key)

    def delete(self, session_key=None):
        try:
            super().delete(session_key)  # the database first, then the cache
        except CACHE_ERRORS:
            logger.warning("session cache unavailable: a signed-out session stays cached")
