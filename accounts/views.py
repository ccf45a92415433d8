"""Pages of one's own account: the API token; and the refusal pages, logged and worded for
the reader without internals (a failed CSRF check, a sign-in paused after wrong passwords)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

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


@sensitive_post_parameters()
@never_cache
@require_POST
def signin_inline(request):
    """Sign in again from a page whose sign-in expired, without leaving it: the editor's
    unsaved change waits in the page and is sent again with the new CSRF token. The same
    form and backends (and the same pause after wrong passwords) as the sign-in page."""
    form = AuthenticationForm(request, data=request.POST)
    if not form.is_valid():
        errors = [str(e) for e in form.non_field_errors()]
        errors += [str(e) for name in ("username", "password") for e in form.errors.get(name, [])]
        return JsonResponse({"ok": False, "errors": errors}, status=400)
    login(request, form.get_user())
    return JsonResponse({"ok": True, "csrf_token": get_token(request)})


def csrf_failure(request, reason=""):
    """Django's CSRF refusal page, in the site's layout, and a line in the security log.
    A page's script gets JSON, so it can ask the reader to sign in again and retry."""
    audit.denied(request, f"CSRF check failed ({reason})")
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        message = _("The page's security token expired. Sign in again to continue.")
        return JsonResponse({"csrf": True, "message": message}, status=403)
    return django_csrf_failure(request, reason=reason, template_name="403_csrf.html")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout page: 429 Too Many Requests, with how long the pause lasts."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)
