"""The signed-in user of a request, read through the shared cache.

Every request with a session or an API token reads its user. For a page kept in the
cache (core.page_cache) that read was the only database query left, and it cost more
than the rest of the request: a health check of the connection, then the query. Here the
user is kept in the cache under its id (and, for a token, under a digest of the token)
and forgotten when the row is saved or deleted, in the transaction and again once it
commits, so a password changed, an account switched off or a token revoked counts at
once, in every process.

Kept only where the cache is one every process shares (``WEEKLY_PAGE_CACHE``, as for
pages); while the cache does not answer, the database is read as usual.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import suppress

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from core.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)

# Long enough to matter, short enough that a change made behind the ORM's back (a raw
# UPDATE) is seen within minutes.
TIMEOUT = 300


def _user_key(user_id) -> str:
    return f"auth:user:{user_id}"


def _token_key(key: str) -> str:
    return "auth:token:" + hashlib.sha256(key.encode()).hexdigest()


def _enabled() -> bool:
    return settings.WEEKLY_PAGE_CACHE


def _read(key: str):
    try:
        return cache.get(key)
    except CACHE_ERRORS:
        logger.warning("user cache unavailable: read from the database")
        return None


def _keep(key: str, value) -> None:
    with suppress(*CACHE_ERRORS):
        cache.set(key, value, TIMEOUT)


class CachedModelBackend(ModelBackend):
    """Django's ModelBackend, with ``get_user`` (every request) read through the cache."""

    def get_user(self, user_id):
        if not _enabled():
            return super().get_user(user_id)
        user = _read(_user_key(user_id))
        if user is None:
            user = super().get_user(user_id)  # None if there is none, or it may not sign in
            if user is not None:
                _keep(_user_key(user_id), user)
            return user
        return user if self.user_can_authenticate(user) else None


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, with the token's user read through the cache."""

    def authenticate_credentials(self, key):
        if not _enabled():
            return super().authenticate_credentials(key)
        cache_key = _token_key(key)
        token = _read(cache_key)
        if token is None:
            user, token = super().authenticate_credentials(key)  # raises if unknown
            _keep(cache_key, token)
            return user, token
        if not token.user.is_active:  # as DRF checks it
            return super().authenticate_credentials(key)
        return token.user, token


def _forget(keys: list[str]) -> None:
    if not keys:
        return

    def forget():
        with suppress(*CACHE_ERRORS):
            cache.delete_many(keys)

    forget()  # now, so this transaction's own later reads see the change
    transaction.on_commit(forget)  # and after, over anything read meanwhile


def _user_saved(sender, instance, created, **kwargs) -> None:
    tokens = (
        [] if created else Token.objects.filter(user_id=instance.pk).values_list("key", flat=True)
    )
    _forget([_user_key(instance.pk), *map(_token_key, tokens)])


def _user_deleted(sender, instance, **kwargs) -> None:
    _forget([_user_key(instance.pk)])  # its tokens are deleted with it, each forgotten


def _token_changed(sender, instance, **kwargs) -> None:
    _forget([_token_key(instance.key)])


def connect() -> None:
    user_model = get_user_model()
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="weekly-auth-user-saved")
    post_delete.connect(_user_deleted, sender=user_model, dispatch_uid="weekly-auth-user-deleted")
    post_save.connect(_token_changed, sender=Token, dispatch_uid="weekly-auth-token-saved")
    post_delete.connect(_token_changed, sender=Token, dispatch_uid="weekly-auth-token-deleted")
