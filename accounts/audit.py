"""Security events in the log: sign-ins, failed sign-ins, lockouts, sign-outs, refusals.

Every line is written to the ``weekly.security`` logger and names the user (as typed, for
a failed sign-in) and the client's address; the time is the record's, formatted in UTC by
``core.logs.UTCFormatter``. Passwords, session keys and CSRF tokens are never passed to
the logger: the handlers below read only the username from what Django and django-axes
hand them. Values are quoted with ``repr`` so a username cannot forge a log line.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied

log = logging.getLogger("weekly.security")


class NotYours(Http404):
    """Something that exists but the reader may not see: a 404 to them (nothing is given
    away), a refusal in the security log, described by ``refusal``."""

    refusal = "not the reader's"


def _address(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "-") if request is not None else "-"


def _username(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    return user.get_username()


def logged_in(sender, request, user, **kwargs) -> None:
    log.info("login user=%r ip=%s", _username(user), _address(request))


def login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already masked the password in ``credentials``; only the username is read.
    log.warning("login failed user=%r ip=%s", credentials.get("username", ""), _address(request))


def logged_out(sender, request, user, **kwargs) -> None:
    log.info("logout user=%r ip=%s", _username(user), _address(request))


def locked_out(sender, request, username, ip_address, **kwargs) -> None:
    log.warning("login locked out user=%r ip=%s", username, ip_address or _address(request))


def denied(request, reason: str) -> None:
    """A request refused for want of permission (a 403, or a 404 for what is not theirs)."""
    log.warning(
        "denied user=%r ip=%s %s %r: %s",
        _username(getattr(request, "user", None)),
        _address(request),
        request.method,
        request.path,
        reason,
    )


def refused(request, exc: BaseException) -> None:
    """Log ``exc`` when it refuses the request: a 403 (Django's or DRF's), or a 404 for
    something that exists but is not the reader's. Anything else is not a refusal."""
    if isinstance(exc, (PermissionDenied, ApiPermissionDenied)):
        denied(request, "forbidden")
    elif isinstance(exc, NotYours):
        denied(request, exc.refusal)


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth import signals

    signals.user_logged_in.connect(logged_in, dispatch_uid="weekly-audit-login")
    signals.user_login_failed.connect(login_failed, dispatch_uid="weekly-audit-failed")
    signals.user_logged_out.connect(logged_out, dispatch_uid="weekly-audit-logout")
    user_locked_out.connect(locked_out, dispatch_uid="weekly-audit-lockout")
