"""Reads of a user's own credentials."""

from __future__ import annotations

from rest_framework.authtoken.models import Token


def api_token(user) -> Token | None:
    return Token.objects.filter(user=user).first()
