"""Sign-in limits and the security log of refused requests."""

import time

from django.conf import settings
from django.contrib.auth import logout

from accounts import audit


class SessionLimitsMiddleware:
    """Signs a reader out after SESSION_COOKIE_AGE since signing in, or after
    SESSION_IDLE_SECONDS without a request. The last request time is written at most once
    a minute, so reading pages does not rewrite the session every time."""

    STARTED, SEEN = "weekly_signed_in_at", "weekly_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.get(self.STARTED)
            if started is None:  # signed in before these limits existed
                started = session[self.STARTED] = now
            seen = session.get(self.SEEN, now)
            if (
                now - started > settings.SESSION_COOKIE_AGE
                or now - seen > settings.SESSION_IDLE_SECONDS
            ):
                logout(request)
            elif now - seen > 60 or self.SEEN not in session:
                session[self.SEEN] = now
        return self.get_response(request)


def start_session_clock(sender, request, user, **kwargs):
    """At sign-in: the moment the 12 hours start, and the first activity."""
    if hasattr(request, "session"):
        now = time.time()
        request.session[SessionLimitsMiddleware.STARTED] = now
        request.session[SessionLimitsMiddleware.SEEN] = now


class RefusalLogMiddleware:
    """Log every request refused for want of permission, whichever view refused it.

    A 403 (``PermissionDenied``) and a 404 for a team that exists but is not the reader's
    (``audit.NotYours``) are written to the security log with user, address and path; the
    response itself is Django's usual error page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        audit.refused(request, exception)
        return None
