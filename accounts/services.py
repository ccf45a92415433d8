"""Writes to a user's own credentials."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token


@transaction.atomic
def api_token_renew(*, user) -> str:
    """A new API token for the user, replacing any earlier one; its key."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()  # one at a time
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user).key


def api_token_revoke(*, user) -> None:
    Token.objects.filter(user=user).delete()
