"""Chinese first: the interface is in Chinese unless the reader picked another language.

Django's LocaleMiddleware would otherwise follow the browser's Accept-Language header, and
many intranet browsers are installed in English. The language switcher sets the cookie
that LocaleMiddleware reads, so a reader who wants English still gets it.
"""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponseNotAllowed

from weekly import audit
from weekly.views import healthz


class HealthCheckMiddleware:
    """Answers /healthz before anything else: before the host is checked against
    ALLOWED_HOSTS and before the HTTPS redirect, because load balancers and container
    health checks call it by address over plain HTTP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != "/healthz":
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return healthz(request)


class IgnoreBrowserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


# Scripts come from this server's files only: no inline script, no event attribute, no
# eval. Styles may be inline because the server-drawn SVG charts carry style attributes;
# a style cannot run code. Images may be data: URLs (the favicon placeholder).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Every response says where scripts may come from (Django 5.2 has no CSP of its own)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Referrer-Policy", "same-origin")
        return response


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
    (``NotYourTeam``) are written to the security log with user, address and path; the
    response itself is Django's usual error page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        audit.refused(request, exception)
        return None
