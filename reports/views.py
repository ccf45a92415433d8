from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core import page_cache
from core.markup import markdown_to_html
from metrics import trends
from metrics.charts import cached_svg
from reports import files, incidents, rollup, rows, search, selectors, services
from reports.document import limits, rules
from reports.document.changes import line_diff, text_diff, week_changes
from reports.document.consistency import report_warnings
from reports.document.quick import carried_items
from reports.document.renderer import render_markdown
from reports.document.summary import summarize
from reports.drafts import published_meanwhile
from reports.forms import (
    NOTES_LOCKED,
    UNVERSIONED,
    DailyNoteForm,
    IncidentFilterForm,
    MarkdownImportForm,
    ReportEditor,
    SearchForm,
    WeekChoiceForm,
)
from reports.models import Membership, RevisionAction, Team
from reports.parsers import outline_rows
from reports.permissions import (
    get_report_for_lead,
    get_report_for_user,
    get_team_for_lead,
    get_team_for_member,
    get_team_for_user,
    is_lead,
    role_in,
    teams_for_user,
)
from reports.team_settings import LayoutLearnForm, TeamSettings

HISTORY_PAGE_SIZE = 20


@login_required
def team_list(request):
    teams = selectors.teams_with_latest_report().filter(
        pk__in=teams_for_user(request.user).values("pk")
    )
    teams = selectors.teams_with_weeks_behind(teams, today=timezone.localdate())
    return render(request, "reports/team_list.html", {"teams": teams})


@login_required
@page_cache.per_reader(query=("page",))
def team_detail(request, slug: str):
    team = get_team_for_user(request.user, slug)
    role = role_in(request.user, team)
    number = request.GET.get("page", "")[:12]
    can_write = role == Membership.Role.LEAD
    # Bound when report_new refused the week asked for: the page says why, beside the field.
    week = request.GET if can_write and "week" in request.GET else None
    ctx = {
        "team": team,
        "can_write": can_write,
        "week_form": _week_form(team, week) if can_write else None,
        "can_note": role is not None,
        "part": page_cache.cached(
            "history", team.pk, (number,), lambda: _history_part(team, number)
        ),
    }
    return render(request, "reports/team_detail.html", ctx)


def _week_form(team, data=None) -> WeekChoiceForm:
    """The week a lead asks for (team page, new week page), cleaned to the team's date."""
    return WeekChoiceForm(
        data,
        today=timezone.localdate(),
        report_date_of=lambda day: selectors.week_report_date(team, day),
    )


def _history_part(team, number: str) -> str:
    """A page of the team's history table, the same for every reader."""
    page = Paginator(selectors.team_reports(team), HISTORY_PAGE_SIZE).get_page(number)
    definitions = selectors.team_kpi_definitions(team)
    ctx = {
        "team": team,
        "page": page,
        "kpi_names": [d.name for d in definitions],
        "rows": selectors.history_rows(definitions, list(page.object_list)),
    }
    return render_to_string("reports/_team_history_part.html", ctx)


@login_required
@page_cache.per_reader()
def report_detail(request, slug: str, report_date: date):
    """The report as a page; what the report itself shows is rendered once per change of
    the team's data, whoever reads it (core.page_cache)."""
    report = get_report_for_user(request.user, slug, report_date)
    ctx = {
        "report": report,
        "team": report.team,
        "can_write": is_lead(request.user, report.team),
        "part": page_cache.cached(
            "report", report.team_id, (report.pk, report.version), lambda: _report_part(report)
        ),
    }
    return render(request, "reports/report_detail.html", ctx)


def _report_part(report) -> dict[str, str]:
    """The part of the report page that is the same for every reader."""
    ctx = _report_context(report)
    return {
        "title": render_to_string("reports/_report_title.txt", ctx).strip(),
        "body": render_to_string("reports/_report_detail_part.html", ctx),
    }


def _report_context(report) -> dict:
    """A report as its page shows it: the document, its warnings, and what changed."""
    doc = selectors.report_document(report)
    previous = selectors.previous_document(report.team, report.report_date)
    return {
        "report": report,
        "team": report.team,
        "doc": doc,
        "previous": previous,
        "warnings": report_warnings(doc),
        "changes": week_changes(doc, previous),
    }


@login_required
def report_diff(request, slug: str, report_date: date):
    report = get_report_for_user(request.user, slug, report_date)
    previous_report = selectors.previous_report(report.team, report.report_date)
    lines = []
    if previous_report is not None:
        lines = text_diff(
            selectors.report_document(report), selectors.report_document(previous_report)
        )
    ctx = {"report": report, "team": report.team, "previous": previous_report, "lines": lines}
    return render(request, "reports/report_diff.html", ctx)


@login_required
def report_history(request, slug: str, report_date: date):
    report = get_report_for_user(request.user, slug, report_date)
    ctx = {
        "report": report,
        "team": report.team,
        "revisions": selectors.report_revisions(report),
    }
    return render(request, "reports/report_history.html", ctx)


@login_required
def report_revision(request, slug: str, report_date: date, number: int):
    report = get_report_for_user(request.user, slug, report_date)
    against = request.GET.get("against", "")
    revision, other = selectors.report_revision(
        report, number, int(against) if against.isdigit() else None
    )
    if revision is None:
        raise Http404("No such revision")
    ctx = {
        "report": report,
        "team": report.team,
        "revision": revision,
        "other": other,
        "numbers": report.revisions.values_list("number", flat=True),
        "lines": line_diff(other.markdown if other else "", revision.markdown),
    }
    return render(request, "reports/report_revision.html", ctx)


@login_required
def report_markdown(request, slug: str, report_date: date):
    report = get_report_for_user(request.user, slug, report_date)
    response = HttpResponse(files.export_text(report), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{files.export_filename(report)}"'
    return response


@login_required
def report_json(request, slug: str, report_date: date):
    report = get_report_for_user(request.user, slug, report_date)
    return HttpResponse(files.export_text(report, "json"), content_type="application/json")


# ---------------------------------------------------------------------------------------
# Writing the week (team leads)
#
# Views that only take POST check the team before the method, so another team's URL is a
# 404 whatever the method, as for a team that does not exist.
# ---------------------------------------------------------------------------------------


@never_cache  # Back reloads it: a page of the week as saved, not as first opened
@login_required
def report_new(request, slug: str):
    """A new week: the one after the latest report, or the week of ``?week=`` (any day of
    it, or "today"); a week that already has its report opens that report instead.
    ``&quick=1``: that week's quick update (its draft's, if it has one); ``&markdown=1``:
    that week as Markdown."""
    team = get_team_for_lead(request.user, slug)
    if "week" not in request.GET:
        report_date, number = selectors.next_week(team)
    else:
        choice = _week_form(team, request.GET)
        if not choice.is_valid():  # nothing opened: the team page says why
            query = urlencode({"week": request.GET["week"][:40]})
            return redirect(f"{team.get_absolute_url()}?{query}")
        report_date, number = choice.cleaned_data["week"], None
        existing = selectors.report_in_week(team, report_date)
        unlocked = not (existing and existing.is_published)
        for mode, view in (("quick", "report_quick"), ("markdown", "report_markdown_edit")):
            if mode in request.GET and unlocked and request.method != "POST":
                day = existing.report_date if existing else report_date
                return redirect(f"reports:{view}", team.slug, day)
        if existing is not None and request.method != "POST":
            return _open_week(request, existing)
    start, previous = selectors.new_week_start(team, report_date, number)
    editor = ReportEditor(start, grades=team.grades, previous=previous, data=request.POST or None)
    if request.method == "POST" and editor.is_valid():
        try:
            report = services.report_create(
                team=team, document=editor.document(), author=request.user
            )
        except services.WeekTaken:
            editor.report.add_error(None, editor.week_taken_message())
        else:
            messages.success(request, _("Draft saved."))
            return _after_save(request, report)
    ctx = {"team": team, "editor": editor, "doc": start, "is_new": True}
    return render(request, "reports/report_edit.html", ctx)


def _open_week(request, report):
    """The week asked for has its report: its edit page while a draft, else its page."""
    messages.info(
        request,
        _("Week %(week)d (%(date)s) already has its report.")
        % {"week": report.week_number, "date": report.report_date.isoformat()},
    )
    if report.is_published:
        return redirect(report)
    return redirect("reports:report_edit", report.team.slug, report.report_date)


@never_cache
@login_required
def report_edit(request, slug: str, report_date: date):
    report = get_report_for_lead(request.user, slug, report_date)
    if report.is_published and request.method != "POST":
        messages.info(request, _("This report is published. Reopen it to edit."))
        return redirect(report)
    doc = selectors.kept_document(report)
    opened = request.method != "POST"
    previous = selectors.previous_document(report.team, report.report_date, kept=opened)
    editor = ReportEditor(
        doc,
        grades=report.team.grades,
        previous=previous,
        version=report.version,
        data=request.POST or None,
    )
    conflict = None
    if request.method == "POST" and editor.is_valid():
        try:
            report = services.report_update(
                report=report,
                document=editor.document(),
                author=request.user,
                expected_version=editor.posted_version,
                before=doc,
            )
        except services.ReportLocked:
            # Nothing is saved, and the page keeps what was typed so it can be copied.
            editor.report.add_error(
                None,
                published_meanwhile(),
            )
        except services.StaleReport:
            conflict, editor = _conflict(request, report, editor, doc, previous)
        else:
            messages.success(request, _("Draft saved."))
            return _after_save(request, report)
    ctx = {
        "team": report.team,
        "report": report,
        "editor": editor,
        "doc": doc,
        "conflict": conflict,
    }
    return render(request, "reports/report_edit.html", ctx)


def _conflict(request, report, editor, doc, previous):
    """Someone saved since the page was opened: nothing was saved. The page shows their
    version and the reader's side by side, with the differences, and keeps the reader's
    text in the form, now based on their version, so saving again is a deliberate choice
    (theirs stays in the revisions either way)."""
    report.refresh_from_db(fields=["version"])
    theirs = report.revisions.select_related("author").first()
    mine = render_markdown(editor.document())
    data = request.POST.copy()
    data[editor.report.add_prefix("version")] = str(report.version)
    rebased = ReportEditor(
        doc, grades=report.team.grades, previous=previous, version=report.version, data=data
    )
    rebased.is_valid()
    conflict = {
        "theirs": theirs,
        "mine": mine,
        "lines": line_diff(theirs.markdown if theirs else "", mine),
        "unversioned": editor.posted_version == UNVERSIONED,
    }
    return conflict, rebased


def _after_save(request, report):
    view = "reports:report_preview" if "preview" in request.POST else "reports:report_edit"
    return redirect(view, report.team.slug, report.report_date)


@login_required
def report_preview(request, slug: str, report_date: date):
    report = get_report_for_lead(request.user, slug, report_date)
    ctx = _report_context(report)
    ctx["markdown"] = render_markdown(ctx["doc"])
    ctx["status_changes"] = selectors.status_changes(report)
    ctx["carried_items"] = carried_items(ctx["doc"], ctx["previous"], report.confirmed)
    return render(request, "reports/report_preview.html", ctx)


@login_required
def report_publish(request, slug: str, report_date: date):
    """GET: what publishing will do (the week in short, its warnings, who is told), with
    the button that does it; POST: publish. A GET changes nothing."""
    report = get_report_for_lead(request.user, slug, report_date)
    if request.method == "POST":
        services.report_publish(report=report, by=request.user)
        messages.success(request, _("Published. The report is locked for edits."))
        return redirect(report)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    doc = selectors.report_document(report)
    ctx = {
        "report": report,
        "team": report.team,
        "doc": doc,
        "warnings": report_warnings(doc),
        "told": selectors.publish_audience(report),
    }
    return render(request, "reports/report_publish.html", ctx)


@login_required
def report_reopen(request, slug: str, report_date: date):
    report = get_report_for_lead(request.user, slug, report_date)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.report_reopen(report=report, by=request.user)
    messages.info(request, _("Reopened: the report is a draft again."))
    return redirect("reports:report_edit", report.team.slug, report.report_date)


@login_required
@require_POST
def markdown_preview(request):
    """One field's Markdown as the page will show it; a text longer than a field takes is
    refused before it is rendered, as the save would refuse it."""
    text = request.POST.get("text", "")
    if len(text) > limits.TEXT_LIMIT:
        error = rules.text_problem(text, limits.TEXT_LIMIT)
        return JsonResponse({"field": "text", "error": error}, status=400)
    return JsonResponse({"html": markdown_to_html(text)})


# ---------------------------------------------------------------------------------------
# Daily notes (members)
# ---------------------------------------------------------------------------------------

NOTES_SHOWN_DAYS = 14


@login_required
def daily_notes(request, slug: str):
    team = get_team_for_member(request.user, slug)
    today = timezone.localdate()
    form = DailyNoteForm(
        request.POST or None,
        today=today,
        locked=lambda day: selectors.published_report_covering(team, day) is not None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.daily_note_create(team=team, author=request.user, **form.cleaned_data)
        except services.NotesLocked:  # published since the form was checked
            form.add_error("day", NOTES_LOCKED)
        else:
            messages.success(request, _("Note added."))
            return redirect("reports:daily_notes", team.slug)
    since = today - timedelta(days=NOTES_SHOWN_DAYS)
    notes = selectors.recent_notes(team, since=since)
    ctx = {"team": team, "form": form, "notes": notes, "days": NOTES_SHOWN_DAYS}
    return render(request, "reports/daily_notes.html", ctx)


@login_required
def daily_note_delete(request, slug: str, pk: int):
    team = get_team_for_member(request.user, slug)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    note = get_object_or_404(team.daily_notes, pk=pk, author=request.user)
    try:
        services.daily_note_delete(note=note)
    except services.NotesLocked:
        messages.error(request, NOTES_LOCKED)
    else:
        messages.info(request, _("Note deleted."))
    return redirect("reports:daily_notes", team.slug)


@login_required
def team_settings(request, slug: str):
    team = get_team_for_lead(request.user, slug)
    page = TeamSettings(team, request.POST or None)
    conflict = None
    if request.method == "POST" and page.is_valid():
        try:
            services.team_settings_save(settings=page)
        except services.SettingsConflict:
            page.team_form.add_error(
                None, _("Two rows were given the same name; nothing was saved. Rename one.")
            )
        except services.StaleSettings:
            conflict, page = _settings_conflict(request, page)
            team = conflict["stored"].team
        else:
            messages.success(request, _("Team settings saved."))
            return redirect("reports:team_settings", team.slug)
    ctx = {"team": team, "page": page, "conflict": conflict, "learn_form": LayoutLearnForm(team)}
    return render(request, "reports/team_settings.html", ctx)


def _settings_conflict(request, page):
    """As for a report (``_conflict``): nothing was saved; the page shows how the saved
    settings and the reader's differ, and who saved last, and keeps the reader's input,
    now based on the saved version, so saving again is a deliberate choice."""
    stored = page.stored()
    change = stored.last_change()
    data = request.POST.copy()
    data[page.team_form.add_prefix("version")] = stored.version()
    rebased = TeamSettings(Team.objects.get(pk=stored.team.pk), data)
    rebased.is_valid()
    conflict = {
        "stored": stored,
        "unversioned": not page.posted_version(),
        "who": services.display_name(change.history_user) if change and change.history_user else "",
        "when": change.history_date if change else None,
        "lines": line_diff(stored.text(), page.text()),
    }
    return conflict, rebased


# ---------------------------------------------------------------------------------------
# Trends (everyone who reads the team)
# ---------------------------------------------------------------------------------------


@login_required
def team_trends(request, slug: str):
    team = get_team_for_user(request.user, slug)
    range_key = request.GET.get("range", "12w")
    if range_key not in selectors.TREND_RANGES:
        range_key = "12w"
    weeks = selectors.trend_weeks(team, range_key)
    charts = {
        "kpis": trends.kpi_charts(team.pk, weeks),
        "incidents": [trends.incident_chart(weeks, team.grades)],
        "trackers": trends.tracker_charts(team.pk, weeks),
        "items": [
            trends.percent_chart(
                _("Project items, percent done"), weeks, selectors.item_percent_lines(weeks)
            )
        ],
    }
    svgs = {
        part: [(c, cached_svg(c)) for c in part_charts if not c.empty]
        for part, part_charts in charts.items()
    }
    ctx = {"team": team, "range_key": range_key, "weeks": weeks, "svgs": svgs}
    return render(request, "reports/team_trends.html", ctx)


# ---------------------------------------------------------------------------------------
# The department's week (managers read every team; others their own)
# ---------------------------------------------------------------------------------------


@login_required
def week_latest(request):
    day = rollup.latest_week(teams_for_user(request.user)) or timezone.localdate()
    return redirect("reports:week_rollup", day)


@login_required
def week_rollup(request, day: date):
    week = rollup.week_rollup(teams_for_user(request.user), day)
    return render(request, "reports/week_rollup.html", {"week": week})


@login_required
def week_rollup_markdown(request, day: date):
    week = rollup.week_rollup(teams_for_user(request.user), day)
    response = HttpResponse(
        rollup.rollup_markdown(week), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="weekly-{week.start}.md"'
    return response


# ---------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------


@login_required
def search_page(request):
    teams = teams_for_user(request.user)
    form = SearchForm(request.GET or None, teams=teams)
    results = []
    query = None
    if form.is_valid() and form.cleaned_data["q"]:
        query = form.query()
        results = [(e, search.snippet(e, query)) for e in search.search(query, teams)]
    return render(
        request, "reports/search.html", {"form": form, "results": results, "query": query}
    )


INCIDENTS_PAGE_SIZE = 50


@login_required
def incident_log(request):
    teams = teams_for_user(request.user)
    form = IncidentFilterForm(request.GET or None, teams=teams)
    filters = form.filters()
    if filters.since is None and filters.until is None:
        filters = replace(filters, since=incidents.default_since(incidents.events(teams, filters)))
    found = incidents.events(teams, filters)
    page = Paginator(found, INCIDENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {
        "form": form,
        "page": page,
        "stats": incidents.monthly_stats(found, filters.kind),
        "since": filters.since,
    }
    return render(request, "reports/incident_log.html", ctx)


# ---------------------------------------------------------------------------------------
# Importing a week written in Markdown (team leads)
# ---------------------------------------------------------------------------------------


@login_required
def report_import(request, slug: str):
    """A week written in Markdown, in the team's layout or any other, saved as the team's
    draft of the week it states; with "preview" it is only read, and the form comes back
    holding its text, ready to import. Nothing is saved of a week the importer refuses or
    of a published one."""
    team = get_team_for_lead(request.user, slug)
    posted = request.method == "POST"
    form = MarkdownImportForm(team, request.POST if posted else None, request.FILES or None)
    preview = None
    if posted and form.is_valid():
        doc = form.document
        if form.cleaned_data["preview"]:
            preview = _import_preview(team, doc)
            form = MarkdownImportForm(team, initial=form.confirm_initial())
        else:
            rows.prerender(doc)  # before the save takes the week's row lock
            try:
                report = services.report_save_document(
                    team=team, document=doc, author=request.user, action=RevisionAction.IMPORTED
                )
            except services.ReportLocked:
                form.add_error(
                    form.week_field(),
                    _(
                        "Week %(week)d (%(date)s) is published; nothing was imported. "
                        "Reopen it first to replace it."
                    )
                    % {"week": doc.week_number, "date": doc.report_date.isoformat()},
                )
            except services.NotesLocked as exc:
                source = "file" if form.cleaned_data["file"] else "text"
                form.add_error(source, f"{exc.day.isoformat()}: {exc}")
            else:
                messages.success(
                    request,
                    _("week %(week)d (%(date)s) imported")
                    % {"week": report.week_number, "date": report.report_date.isoformat()}
                    + " · "
                    + summarize(doc).sentence(),
                )
                return redirect(report)
    ctx = {"team": team, "form": form, "preview": preview}
    return render(request, "reports/report_import.html", ctx)


def _import_preview(team, doc) -> dict:
    """What an import of ``doc`` would save, and over what."""
    return {
        "doc": doc,
        "summary": summarize(doc).sentence(),
        "sections": outline_rows(doc),
        "existing": selectors.report_for_team(team, doc.report_date),
    }


# ---------------------------------------------------------------------------------------
# The team's layout learned from past weeks (team leads)
# ---------------------------------------------------------------------------------------


@login_required
def team_layout_learn(request, slug: str):
    """The settings page again, its layout rows filled with what the team's weeks (or
    the uploaded files) make, and the rest as typed: nothing is saved until the lead
    checks the rows and saves the page."""
    team = get_team_for_lead(request.user, slug)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    learn = LayoutLearnForm(team, request.POST, request.FILES)
    learned = learn.layout if learn.is_valid() else None
    page = TeamSettings(team, request.POST or None, layout=learned)
    ctx = {"team": team, "page": page, "conflict": None, "learn_form": learn}
    return render(request, "reports/team_settings.html", ctx)
