"""The edit page's autosave: the week's draft saved a moment after the lead stops typing,
without a page load (static/js/autosave.js).

The same forms, rules and service as the Save button, answered in JSON so the page can
say what happened and keep the text when nothing was saved:

* 200 ``{"saved": true, "version", "saved_at", "url", "next"}``: saved (or nothing had
  changed); ``url`` is the week's edit page (a new week exists from its first autosave),
  ``next`` where the Save and Save-and-preview buttons lead.
* 400 ``{"saved": false, "errors": {field name: [messages]}, "non_field_errors"}``:
  a field needs correcting; nothing saved.
* 409 ``{"saved": false, "conflict": true, "message"}``: someone else saved the week (or
  started it) since the page was opened; nothing saved. The page then posts the form
  as the Save button does, which shows both versions.
* 423 ``{"saved": false, "locked": true, "message"}``: the week was published meanwhile.
* 401 ``{"signin": url}``: the sign-in expired; the page keeps the change, asks the lead
  to sign in again (accounts.views.signin_inline) and sends it again.

The script posts the form's fields as a JSON list of ``[name, value]`` pairs
(``pairs_posted``), which the views read as their ``request.POST``; a form posted as
usual (no script) is read as usual.
"""

from __future__ import annotations

import json
from datetime import date
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseNotAllowed, JsonResponse, QueryDict
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from core.forms import shared_fields
from reports import selectors, services
from reports.forms import ReportEditor, WeekChoiceForm, _deleted, report_fields
from reports.models import WeeklyReport
from reports.permissions import get_team_for_lead

BUTTONS = ("save", "preview")
SCRIPTED = "XMLHttpRequest"  # the X-Requested-With of autosave.js


def wants_json(request) -> bool:
    """Posted by the page's script (autosave.js), which reads the answer as JSON."""
    scripted = request.headers.get("X-Requested-With") == SCRIPTED
    return scripted or "application/json" in request.headers.get("Accept", "")


def published_meanwhile() -> str:
    return _("The report was published meanwhile; nothing was saved. Reopen it to edit.")


def refused(status: int, **answer) -> JsonResponse:
    """Nothing was saved: the autosave contract's answer (the module's docstring)."""
    return JsonResponse({"saved": False, **answer}, status=status)


def signed_in_json(view):
    """login_required for a request made by the page's script: a 401 it can act on
    instead of a redirect to the sign-in page, which would lose the change."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.headers.get("X-Requested-With") != SCRIPTED:
                return redirect_to_login(request.get_full_path())
            return JsonResponse({"signin": resolve_url(settings.LOGIN_URL)}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


def pairs_posted(view):
    """The fields the page's script posts as a JSON list of ``[name, value]`` pairs, read
    as the view's ``request.POST``. Reading them is a tenth of the work of reading them
    URL-encoded (0.3 ms, not 4, for the sample week's 697 fields). Anything else in a
    JSON body is refused with nothing saved; Django's limits on a post's size and number
    of fields hold as for a form."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and request.content_type == "application/json":
            posted = _pairs(request.body)
            if posted is None:
                return refused(400, non_field_errors=[_not_a_page()])
            request.POST = posted
        return view(request, *args, **kwargs)

    return wrapper


def _not_a_page() -> str:
    return _("The page sent something no page sends; nothing was saved. Reload the page.")


def _pairs(body: bytes) -> QueryDict | None:
    try:
        pairs = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past reason
        return None
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    if not isinstance(pairs, list) or (limit is not None and len(pairs) > limit):
        return None
    grouped: dict[str, list[str]] = {}
    for pair in pairs:
        if not (
            type(pair) is list and len(pair) == 2 and type(pair[0]) is str and type(pair[1]) is str
        ):
            return None
        grouped.setdefault(_well_formed(pair[0]), []).append(_well_formed(pair[1]))
    posted = QueryDict(mutable=True)
    for name, values in grouped.items():
        posted.setlist(name, values)
    posted._mutable = False  # as Django's own request.POST
    return posted


def _well_formed(text: str) -> str:
    """The text with a lone surrogate (half of a character: JSON can say one, UTF-8 and
    the database cannot) replaced by U+FFFD, as a browser does when it URL-encodes."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def editor_for(team, report_date: date, report: WeeklyReport | None, data=None):
    """The editor's forms for a save of the team's week: over its saved draft, or over
    what a new week starts from (last week carried over, and this week's daily notes)."""
    if report is None:
        start, previous = selectors.new_week_start(team, report_date)
        return ReportEditor(start, grades=team.grades, previous=previous, data=data)
    # Last week shows beside the KPIs on the page only: a save of the week does not read it.
    doc = selectors.kept_document(report)
    return ReportEditor(doc, grades=team.grades, version=report.version, data=data)


def week_elsewhere(team, report_date: date, view: str):
    """Where a page of a week with no report (``view``: its URL name, taking the team's
    slug and the date) leads when the week is not started on this date: the report of
    its week, or the team's report date of that week; a week that cannot be started
    (after next week, say) leads to the team page, which says why beside its week field.
    None: the week is started on this date (as the new week page would date it)."""
    choice = WeekChoiceForm(
        {"week": report_date.isoformat()},
        today=timezone.localdate(),
        report_date_of=lambda day: selectors.week_report_date(team, day),
    )
    if not choice.is_valid():
        return redirect(f"{team.get_absolute_url()}?{urlencode({'week': report_date.isoformat()})}")
    existing = selectors.report_in_week(team, report_date)
    day = existing.report_date if existing is not None else choice.cleaned_data["week"]
    return None if day == report_date else redirect(view, team.slug, day)


@signed_in_json
@pairs_posted
def report_autosave(request, slug: str, report_date: date):
    team = get_team_for_lead(request.user, slug)  # before the method: others get a 404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    report = WeeklyReport.objects.filter(team=team, report_date=report_date).first()
    if report is not None:
        report.team = team  # read already: the save uses it
    if report is not None and report.is_published:
        return refused(423, locked=True, message=published_meanwhile())
    # The forms are validated, never shown (the answer is JSON): they need no copies of
    # their fields (core.forms.shared_fields).
    with shared_fields():
        editor = editor_for(team, report_date, report, data=request.POST)
        if not editor.is_valid():
            return _errors(editor)
    # The Save buttons post through the script too: they are a save of their own (a
    # revision of its own), and the page they lead to says it was saved.
    pressed = any(button in request.POST for button in BUTTONS)
    document = editor.document()
    try:
        if report is None:
            report = services.report_create(team=team, document=document, author=request.user)
        else:
            report = services.report_update(
                report=report,
                document=document,
                author=request.user,
                expected_version=editor.posted_version,
                autosave=not pressed,
                before=editor.initial_document,
            )
    except services.ReportLocked:
        return refused(423, locked=True, message=published_meanwhile())
    except (services.StaleReport, services.WeekTaken):
        message = _("Someone else saved this week meanwhile; nothing was saved.")
        return refused(409, conflict=True, message=message)
    if pressed:
        messages.success(request, _("Draft saved."))
    args = [team.slug, report.report_date]
    edit_url = reverse("reports:report_edit", args=args)
    return JsonResponse(
        {
            "saved": True,
            "version": report.version,
            "fields": _written_otherwise(editor, document),
            "saved_at": timezone.localtime().strftime("%H:%M:%S"),
            "url": edit_url,
            "next": reverse("reports:report_preview", args=args)
            if "preview" in request.POST
            else edit_url,
        }
    )


def _written_otherwise(editor: ReportEditor, document) -> dict[str, str]:
    """The week's texts the save wrote otherwise than the page posted them (last week's
    plan lines marked "carried over" join this week's plan): the page shows them, or its
    next save would take them out again."""
    written = report_fields(document)
    posted = editor.report.cleaned_data
    return {
        editor.report.add_prefix(name): value
        for name, value in written.items()
        if isinstance(value, str) and name in posted and posted[name] != value
    }


def _errors(editor: ReportEditor) -> JsonResponse:
    """Each message under the name of the field it is about, as the page names it."""
    errors: dict[str, list[str]] = {}
    general: list[str] = list(editor.report.non_field_errors())
    forms = [editor.report] + [f for fs in editor.formsets for f in fs.forms if not _deleted(f)]
    for form in forms:
        for name, said in form.errors.items():
            if name == "__all__":
                if form is not editor.report:
                    general.extend(said)
                continue
            errors.setdefault(form.add_prefix(name), []).extend(said)
    for formset in editor.formsets:
        general.extend(formset.non_form_errors())
    return refused(400, errors=errors, non_field_errors=general)
