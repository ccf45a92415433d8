"""Refusal pages that are logged and worded for the reader, without internals."""

from django.conf import settings
from django.shortcuts import render
from django.views.csrf import csrf_failure as django_csrf_failure

from weekly import audit


def csrf_failure(request, reason=""):
    audit.denied(request, f"CSRF check failed ({reason})")
    return django_csrf_failure(request, reason=reason, template_name="403_csrf.html")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout page: 429 Too Many Requests, with how long the pause lasts."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)
