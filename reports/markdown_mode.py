"""A week written as Markdown, for the lead who prefers it (/teams/<slug>/<date>/markdown/).

The page shows the week's draft as one text in the team's layout (``render_markdown``),
or one section of it (``?section=<key>``). As the lead types, its script sends the text
to ``report_markdown_parse``, which reads it as every door reads a file and answers what
it understood and every warning, each naming its section and field in the team's words;
it saves nothing. Saving replaces the week's draft with the week the text states, through
the edit page's service (``services.report_update``): over the version the page was
opened at, never over a published week, and always as this week: a text naming another
date or number is read as this week, with a warning. One section saved alone is put back
into the whole week, which is read again, so the KPIs, objectives and events typed in it
are read from it.

The page's autosave (static/js/autosave.js) posts the same form asking for JSON; the
answers are those of ``reports.drafts``: 200 saved, 400 errors by field name, 409
someone saved meanwhile, 423 published.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from reports import rows, selectors, services
from reports.document import ReportDocument, SectionKind, limits, rules
from reports.document import dates as dt
from reports.document import understood as u
from reports.document.changes import line_diff
from reports.document.importer import ReportFormatError
from reports.document.renderer import render_markdown
from reports.document.summary import summarize
from reports.drafts import pairs_posted, published_meanwhile, refused, wants_json, week_elsewhere
from reports.imports import read_markdown
from reports.models import WeeklyReport
from reports.permissions import get_team_for_lead

ADDRESS_LENGTH = 50  # a section's key (40 at most) or its place


class MarkdownWeek:
    """A week's draft as the Markdown mode edits it: whole, or one section of it
    (``address``: the section's key or place, as ``Parts.address`` names it)."""

    def __init__(
        self, report: WeeklyReport, address: str = "", draft: ReportDocument | None = None
    ):
        self.report = report  # not saved yet (no pk) for a week with no report
        self.team = report.team
        self.draft = draft if draft is not None else selectors.report_document(report)
        self.parts = u.Parts(self.draft)
        self.position = self.parts.find(address) if address else None

    @property
    def address(self) -> str:
        return "" if self.position is None else self.parts.address(self.position)

    def text(self) -> str:
        """What the page shows to edit: the whole week, or the section's Markdown."""
        if self.position is None:
            return render_markdown(self.draft)
        return self.parts.text(self.position)

    def heading_line(self) -> str:
        return "" if self.position is None else self.parts.heading_line(self.position)

    def sections(self) -> list[dict]:
        """The week's sections, each to be edited alone."""
        labels = dict(SectionKind.choices())
        return [
            {
                "address": self.parts.address(position),
                "label": _label(section),
                "kind": labels.get(section.kind, section.kind),
                "current": position == self.position,
            }
            for position, section in enumerate(self.parts.sections)
        ]

    def read(self, text: str) -> Reading:
        """What ``text`` states as this week: the document a save would keep, what was
        understood and every warning, or why it cannot be read."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        size = text.count("\n") + 1
        if self.position is None:
            whole, offset = text, 0
            if not text.strip():
                empty = u.Remark(_("The week's Markdown is empty: write or paste the week here."))
                return Reading(None, [], [], [empty], offset, size)
        else:
            whole, offset = self.parts.week_with(self.position, text)
        typed = u.Typed(whole)
        try:
            doc, notices = self._this_week(whole, typed)
        except ReportFormatError as exc:
            return Reading(None, [], [], [u.refusal(exc, typed)], offset, size)
        u.keep_unwritten(doc, self.draft)
        u.with_targets(doc, self._definitions())
        problem = next(rules.problems(doc, tz=timezone.get_default_timezone()), None)
        if problem is not None:  # what the save would refuse (rows.write_report)
            return Reading(None, [], [], [u.Remark(u.plain(problem.sentence()))], offset, size)
        found = u.outline_of(doc, typed)
        return Reading(doc, found, notices + u.warnings_of(doc, typed), [], offset, size)

    def _this_week(self, text: str, typed: u.Typed) -> tuple[ReportDocument, list[u.Remark]]:
        """The week ``text`` states, as this week whatever date and number it names,
        and a warning when it named others. ReportFormatError when it cannot be read."""
        day, number = self.report.report_date, self.report.week_number
        ours, title_day, title_week = u.this_weeks_titles(text, day, number)
        try:
            stated = read_markdown(self.team, text)
        except ReportFormatError:  # no date, or something the text says of another week
            stated = None
        if stated is not None and stated.report_date == day:
            doc = stated
        else:
            doc = read_markdown(self.team, ours, report_date=day, week=number)
        named_day = stated.report_date if stated is not None else title_day
        named_week = title_week or (dt.week_in(doc.title) if doc.title else None)
        u.keep_week(doc, day, number, named_day)
        title = typed.headings[0] if typed.headings else None
        where = {"section": title[2], "line": title[0]} if title else {}
        values = {"day": day.isoformat(), "week": number}
        if named_day is not None and named_day != day:
            message = _(
                "The text is dated %(named)s, but this is the week of %(day)s (week "
                "%(week)d), which the Markdown does not move: it is read as this week."
            ) % {"named": named_day.isoformat(), **values}
            return doc, [u.Remark(message, field=_("Report date"), **where)]
        if named_week is not None and named_week != number:
            message = _(
                "The text names week %(named)d, but this is week %(week)d, which the Markdown "
                "does not renumber: it is read as week %(week)d."
            ) % {"named": named_week, **values}
            return doc, [u.Remark(message, field=_("Week number"), **where)]
        return doc, []

    def _definitions(self):
        """The KPIs as the team defines them (their targets), by name."""
        known = {k.name: k for k in self.draft.kpis}
        for definition in selectors.team_kpi_definitions(self.team):
            known.setdefault(definition.name, rows.kpi_of(definition, None))
        return known


def _label(section) -> str:
    """A section as the lead knows it: its heading, in the team's words."""
    if section.kind == SectionKind.OBJECTIVES and section.key == "objectives":
        return _("(the objectives)")
    if not section.level:
        return _("(before the first heading)")
    return section.heading


@dataclass
class Reading:
    """A text as read: the week (None when it cannot be read), its sections, warnings
    and errors, each with the line of the whole week it was read from. ``offset``: lines
    of the whole week before the page's text; ``size``: the page text's lines."""

    doc: ReportDocument | None
    outline: list[u.Found]
    warnings: list[u.Remark]
    errors: list[u.Remark]
    offset: int
    size: int

    def line(self, number: int | None) -> int | None:
        """A line of the whole week as a line of the page's text (None outside it)."""
        if number is None or not 1 <= number - self.offset <= self.size:
            return None
        return number - self.offset

    def answer(self) -> dict:
        """The reading as the page's script shows it (and the page itself, at first)."""
        labels = dict(SectionKind.choices())

        def remark(r: u.Remark) -> dict:
            return {
                "section": r.section,
                "field": r.field,
                "message": r.message,
                "line": self.line(r.line),
            }

        return {
            "understood": self.doc is not None,
            "summary": summarize(self.doc).sentence() if self.doc is not None else "",
            "outline": [
                {
                    "heading": f.heading or _("(before the first heading)"),
                    "level": f.level,
                    "kind": str(labels.get(f.kind, f.kind)),
                    "said": f.said,
                    "line": self.line(f.line),
                }
                for f in self.outline
            ],
            "warnings": [remark(r) for r in self.warnings],
            "errors": [remark(r) for r in self.errors],
        }


class MarkdownWeekForm(forms.Form):
    """The week's Markdown (or one section's), the section it is, and the version of the
    week the page was opened at. Cleaning reads the text (``MarkdownWeek.read``): what
    cannot be read is an error beside the text, and ``document`` is the week to save."""

    # The section first: the text is read as that section, or as the whole week.
    section = forms.CharField(required=False, max_length=ADDRESS_LENGTH, widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    markdown = forms.CharField(
        label=gettext_lazy("The week in Markdown"),
        required=False,
        strip=False,
        max_length=limits.FILE_LIMIT,
        widget=forms.Textarea,  # written by the template, beside its markers
    )

    def __init__(self, week: MarkdownWeek, *args, **kwargs):
        kwargs.setdefault(
            "initial",
            {"markdown": week.text(), "section": week.address, "version": week.report.version},
        )
        super().__init__(*args, **kwargs)
        self.week = week
        self.reading: Reading | None = None
        if week.position is not None:
            self.fields["markdown"].label = _("This section in Markdown")

    def clean_section(self) -> str:
        address = self.cleaned_data["section"]
        if address and self.week.position is None:
            raise forms.ValidationError(
                _("This section is no longer in the week; nothing was saved. Edit the whole week.")
            )
        return address

    def clean_markdown(self) -> str:
        text = self.cleaned_data["markdown"]
        if self.has_error("section"):
            return text
        self.reading = self.week.read(text)
        if self.reading.errors:
            raise forms.ValidationError([r.sentence() for r in self.reading.errors])
        return text

    def shown_reading(self) -> Reading:
        """The reading the page shows: of the text posted, else of the week's draft."""
        if self.reading is None:
            self.reading = self.week.read(self["markdown"].value() or "")
        return self.reading

    @property
    def document(self) -> ReportDocument:
        assert self.reading is not None and self.reading.doc is not None
        return self.reading.doc


# ---------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------


def _stale() -> str:
    return _("Someone else saved this week meanwhile; nothing was saved.")


def _week(
    team, report_date, report: WeeklyReport | None
) -> tuple[WeeklyReport, ReportDocument | None]:
    """The team's ``report`` of ``report_date``; for a week with no report (None), an
    unsaved one numbered as the week starts, and the document it starts from (last week
    carried over): the first save creates it."""
    if report is not None:
        return report, None
    start, _previous = selectors.new_week_start(team, report_date)
    return WeeklyReport(
        team=team, report_date=report_date, week_number=start.week_number, version=0
    ), start


@never_cache
@login_required
@pairs_posted
def report_markdown_edit(request, slug: str, report_date):
    """The week (or one section) as Markdown; a POST saves it as the week's draft. A week
    with no report yet opens as it starts, and its first save creates it, when the date
    is the team's report date of its week (another date leads there; a POST to it: 404,
    nothing saved)."""
    team = get_team_for_lead(request.user, slug)
    posted = request.method == "POST"
    report = selectors.report_for_team(team, report_date)
    if report is None:
        elsewhere = week_elsewhere(team, report_date, "reports:report_markdown_edit")
        if elsewhere is not None:
            if posted:
                raise Http404("Not the team's report date of its week")
            return elsewhere
    report, start = _week(team, report_date, report)
    as_json = posted and wants_json(request)
    if report.is_published and not posted:
        messages.info(request, _("This report is published. Reopen it to edit."))
        return redirect(report)
    address = (request.POST if posted else request.GET).get("section", "")[:ADDRESS_LENGTH]
    week = MarkdownWeek(report, address, draft=start)
    if address and week.position is None and not posted:
        messages.info(request, _("This week has no such section: here is the whole week."))
        return redirect("reports:report_markdown_edit", report.team.slug, report.report_date)
    form = MarkdownWeekForm(week, request.POST if posted else None)
    conflict = None
    if posted and report.is_published:
        if as_json:
            return refused(423, locked=True, message=published_meanwhile())
        form.is_valid()  # the text is kept and read; nothing is saved
        form.add_error(None, published_meanwhile())
    elif posted and form.is_valid():
        try:
            if report.pk is None:  # the week's first save starts it
                saved = services.report_create(
                    team=team, document=form.document, author=request.user
                )
            else:
                saved = services.report_update(
                    report=report,
                    document=form.document,
                    author=request.user,
                    expected_version=form.cleaned_data["version"],
                    autosave=as_json,
                )
        except services.WeekTaken:  # someone started the week since the page was opened
            if as_json:
                return refused(409, conflict=True, message=_stale())
            form.add_error(None, _stale())
        except services.ReportLocked:
            if as_json:
                return refused(423, locked=True, message=published_meanwhile())
            form.add_error(None, published_meanwhile())
        except services.StaleReport:
            if as_json:
                return refused(409, conflict=True, message=_stale())
            conflict, form = _conflict(request, report, form)
        except services.NotesLocked as exc:
            form.add_error("markdown", f"{exc.day.isoformat()}: {exc}")
        else:
            edit_url = reverse("reports:report_edit", args=[saved.team.slug, saved.report_date])
            if as_json:
                return JsonResponse(
                    {
                        "saved": True,
                        "version": saved.version,
                        "saved_at": timezone.localtime().strftime("%H:%M"),
                        "url": request.get_full_path(),
                        "next": edit_url,
                    }
                )
            messages.success(request, _("Draft saved."))
            return redirect(edit_url)
    if as_json:
        errors = {name: list(e) for name, e in form.errors.items() if name != "__all__"}
        return refused(400, errors=errors, non_field_errors=list(form.non_field_errors()))
    reading = form.shown_reading()
    read = {r.sentence() for r in reading.errors}
    ctx = {
        "team": report.team,
        "report": report,
        "week": week,
        "form": form,
        "reading": reading.answer(),
        # Refusals of the save itself (a note in a published week, a text too long).
        "other_errors": [e for e in form.errors.get("markdown", []) if e not in read],
        "conflict": conflict,
    }
    return render(request, "reports/report_markdown_edit.html", ctx)


def _conflict(request, report: WeeklyReport, form: MarkdownWeekForm):
    """Someone saved the week since the page was opened: nothing was saved. The page
    shows their version beside the lead's, and keeps the lead's text, now based on their
    version, so saving again is a deliberate choice (theirs stays in the revisions)."""
    report.refresh_from_db()
    theirs = report.revisions.select_related("author").first()
    mine = render_markdown(form.document)
    data = request.POST.copy()
    data["version"] = str(report.version)
    rebased = MarkdownWeekForm(MarkdownWeek(report, form.week.address), data)
    rebased.is_valid()
    conflict = {
        "theirs": theirs,
        "mine": mine,
        "lines": line_diff(theirs.markdown if theirs else "", mine),
        "unversioned": False,
    }
    return conflict, rebased


@login_required
def report_markdown_parse(request, slug: str, report_date):
    """What the text typed on the Markdown page states (JSON); nothing is saved."""
    team = get_team_for_lead(request.user, slug)  # before the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    report, start = _week(team, report_date, selectors.report_for_team(team, report_date))
    week = MarkdownWeek(report, request.POST.get("section", "")[:ADDRESS_LENGTH], draft=start)
    text = request.POST.get("markdown", "")
    if len(text) > limits.FILE_LIMIT:  # refused before it is read, as the save refuses it
        error = {"section": "", "field": "", "line": None}
        error["message"] = rules.text_problem(text, limits.FILE_LIMIT) or ""
        return JsonResponse({"understood": False, "outline": [], "warnings": [], "errors": [error]})
    return JsonResponse(week.read(text).answer())
