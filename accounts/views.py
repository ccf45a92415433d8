"""Pages of one's own account: the API token; and the refusal pages, logged and worded for
the reader without internals (a failed CSRF check, a sign-in paused after wrong passwords)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure

from accounts import audit, selectors, services


@login_required
def api_token(request):
    """Create, replace or revoke the reader's API token. The key is shown once, on the
    page that made it; afterwards only that a token exists, and since when."""
    key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.api_token_revoke(user=request.user)
            messages.info(request, _("The API token was revoked."))
            return redirect("accounts:api_token")
        key = services.api_token_renew(user=request.user)
    token = selectors.api_token(request.user)
    ctx = {"token": token, "key": key, "api_root": request.build_absolute_uri("/api/v1/")}
    return render(request, "accounts/api_token.html", ctx)


def csrf_failure(request, reason=""):
    """Django's CSRF refusal page, in the site's layout, and a line in the security log."""
    audit.denied(request, f"CSRF check failed ({reason})")
    return django_csrf_failure(request, reason=reason, template_name="403_csrf.html")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout page: 429 Too Many Requests, with how long the pause lasts."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)
