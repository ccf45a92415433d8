"""Middleware that knows nothing of the reports: health checks, language, security headers,
server timing."""

import time

from django.http import HttpResponseNotAllowed

from core.views import healthz


class ServerTimingMiddleware:
    """Says how long the server took for a response, in the standard ``Server-Timing``
    header (``app;dur=12.3``, milliseconds), which browsers' developer tools show beside
    the network's time and ``make bench`` reads as the server time of a page. First in
    the chain, so it counts every other middleware; a streamed body is not counted."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        spent = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = f"app;dur={spent:.1f}"
        return response


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
    """Chinese first: the interface is in Chinese unless the reader picked another language.

    Django's LocaleMiddleware would otherwise follow the browser's Accept-Language header,
    and many intranet browsers are installed in English. The language switcher sets the
    cookie that LocaleMiddleware reads, so a reader who wants English still gets it.
    """

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
