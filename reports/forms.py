"""The forms a lead writes the week with.

A report is a tree (objectives > items > sub-items, a tracker on an item > categories >
progress buckets), but the page edits it as flat formsets whose rows point at their parent
by a ``key``: the browser can then add, remove and reorder rows anywhere without renaming
fields, and the server rebuilds the tree in ``ReportEditor.document()``. Every check that
spans rows (a category's buckets against its in-progress count, one tracker per item) puts
its error on the field it is about, so it shows beside that field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import FastForm, RowFormSet
from reports import document as d
from reports.document import EventKind, ItemStatus, KpiKind, Marker, rules
from reports.document import sections as sx
from reports.document.carryover import with_carried_plan
from reports.document.importer import DateMissing, ReportFormatError
from reports.document.layout import TYPED_KEYS
from reports.document.weeks import WEEK_DAYS, calendar_week, report_week
from reports.imports import read_markdown
from reports.incidents import Filters
from reports.parsers import read_upload
from reports.search import Query

# Limits, lengths and dates are ``rules``', which the API, the importer and the rows writer
# keep too: what this page saves, the others accept.
PERCENT = {"min_value": Decimal(0), "max_value": Decimal(100), "max_digits": 6}
COUNT = {"min_value": 0, "max_value": rules.MAX_COUNT}
COUNT_FROM_ZERO = {**COUNT, "initial": 0}
LENGTHS = rules.LENGTHS
# Separators between an item's title and its progress, as the sample writes them.
SEPARATORS = ("，", "：", ",", ":", "")


# Browsers' date inputs speak ISO 8601 whatever the interface language.
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _textarea(rows: int = 3, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


def _markdown(rows: int = 4) -> forms.Textarea:
    """A Markdown field: the page shows a live preview of it."""
    return _textarea(rows, **{"data-markdown": "1"})


class FiniteDecimalField(forms.DecimalField):
    """A number, never NaN or Infinity. Django's own field refuses those only when it
    validates, and compares them before that to tell whether a row changed, where a
    signalling NaN ("sNaN") raises instead of being refused."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not value.is_finite():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return value


class OneLineField(forms.CharField):
    """Text the report writes on one line (a title, a name, a note beside a figure): line
    breaks pasted into it become spaces, as every door reads it (``rules.one_line``)."""

    def __init__(self, *, rule: str | None = None, **kwargs):
        if rule is not None:
            kwargs.setdefault("max_length", LENGTHS[rule])
        super().__init__(**kwargs)

    def to_python(self, value):
        return rules.one_line(super().to_python(value))


def _in_allowed_years(value) -> None:
    problem = rules.year_problem(value)
    if problem:
        raise forms.ValidationError(problem, code="year")


class RowForm(FastForm):
    """A row the page can add, remove and move: its own key and its place in the list."""

    key = forms.CharField(max_length=40, widget=forms.HiddenInput)
    position = forms.IntegerField(min_value=0, max_value=100_000, widget=forms.HiddenInput)


class ReportForm(FastForm):
    """The report's own fields: its number, the incident tally and the free sections."""

    shareable = True  # only reads its fields (an autosave shares them)

    # The week the page was opened for: if someone started it meanwhile, the page says so
    # instead of saving over their draft.
    report_date = forms.DateField(widget=forms.HiddenInput)
    # The version of the report the page was opened on: a save over a newer version is
    # refused rather than overwriting someone else's changes.
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    week_number = forms.IntegerField(
        label=_("Week number"), min_value=1, max_value=rules.MAX_WEEK_NUMBER
    )
    incident_note = OneLineField(
        label=_("Note on incidents"), rule="incidents.note", required=False
    )
    kpi_notes = forms.CharField(
        label=_("Notes on operations data"), required=False, widget=_markdown(2)
    )
    other = forms.CharField(label=_("Other"), required=False, widget=_markdown())
    reflections = forms.CharField(
        label=_("Lessons and reflections"), required=False, widget=_markdown()
    )
    next_week = forms.CharField(label=_("Next week's plan"), required=False, widget=_markdown())
    daily = forms.CharField(label=_("Daily reports"), required=False, widget=_markdown())

    def __init__(self, *args, grades: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.grades = grades
        for grade in grades:
            self.fields[f"grade_{grade}"] = forms.IntegerField(
                label=_("Grade %(grade)s incidents") % {"grade": grade}, **COUNT
            )

    def grade_fields(self):
        return [self[f"grade_{g}"] for g in self.grades]


NOTES_LOCKED = _("The report of this day's week is published; reopen it to change its daily notes.")


class DailyNoteForm(forms.Form):
    """A member's note of a day: any day up to today whose week's report is not
    published yet (a week written late still gets its notes)."""

    day = forms.DateField(label=_("Day"), widget=_DATE, validators=[_in_allowed_years])
    text = forms.CharField(
        label=_("Daily note"),
        max_length=LENGTHS["daily_note.text"],
        widget=_textarea(2),
        help_text=_("One or two sentences: what you did, what is blocking you."),
    )

    def __init__(self, *args, today: date, locked=lambda day: False, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.locked = locked  # day -> whether a published report already covers it
        self.fields["day"].initial = today

    def clean_text(self):
        """One line, as the week's layout writes a note: the box wraps what is typed, and
        a line break typed into it becomes a space (else the week could not be saved)."""
        text = rules.one_line(self.cleaned_data["text"])
        if problem := rules.text_problem(text, LENGTHS["daily_note.text"]):
            raise forms.ValidationError(problem)
        return text

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > self.today:
            raise forms.ValidationError(_("A note cannot be for a day still to come."))
        if self.locked(day):
            raise forms.ValidationError(NOTES_LOCKED)
        return day


# The team page's "Write this week" asks for the week of ``THIS_WEEK``, not of a date: the
# page is kept (core.page_cache) until the team's data changes, so a date in it would
# go stale when the week turns.
THIS_WEEK = "today"


class WeekChoiceForm(forms.Form):
    """The week a lead opens from the team page: any day of it (or ``THIS_WEEK``). Its
    ``week`` is cleaned to the team's report date of that week (``report_date_of``).
    Weeks may be skipped or written late; a week after next cannot be started yet."""

    week = forms.DateField(label=_("Another week…"), widget=_DATE, validators=[_in_allowed_years])

    def __init__(self, data=None, *, today: date, report_date_of):
        if data is not None and data.get("week") == THIS_WEEK:
            data = data.copy()
            data["week"] = today.isoformat()
        super().__init__(data)
        self.today = today
        self.report_date_of = report_date_of  # a day -> the team's report date of its week

    def clean_week(self):
        day = self.cleaned_data["week"]
        next_monday = calendar_week(self.today)[0] + timedelta(days=WEEK_DAYS)
        if calendar_week(day)[0] > next_monday:
            raise forms.ValidationError(_("Weeks after next week cannot be started yet."))
        report_date = self.report_date_of(day)
        if problem := rules.year_problem(report_date):
            raise forms.ValidationError(problem)
        return report_date


class PlanLineForm(FastForm):
    shareable = True  # only reads its fields (an autosave shares them)
    text = OneLineField(rule="plan_line.text", widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=d.PlanOutcome.choices(),
        widget=forms.RadioSelect,
    )


class KpiForm(RowForm):
    shareable = True  # only reads its fields (an autosave shares them)
    name = OneLineField(label=_("KPI"), rule="kpi.name")
    kind = forms.ChoiceField(
        label=_("Group"), choices=KpiKind.choices(), initial=KpiKind.SUCCESS_RATE
    )
    value = FiniteDecimalField(
        label=_("Value"),
        required=False,
        max_digits=rules.KPI_DIGITS + rules.KPI_PLACES,
        decimal_places=rules.KPI_PLACES,
    )
    unit = OneLineField(label=_("Unit"), rule="kpi.unit", required=False, initial="%")
    note = OneLineField(label=_("Note"), rule="kpi.note", required=False)
    # Where the value came from; a value changed on the page is typed by a person.
    source = forms.ChoiceField(
        choices=[(s, s) for s in d.KpiSource.values()], required=False, widget=forms.HiddenInput
    )

    def value_source(self) -> str:
        if "value" in self.changed_data:
            return d.KpiSource.TYPED
        return self.cleaned_data.get("source") or d.KpiSource.TYPED

    def clean(self):
        data = super().clean()
        value = data.get("value")
        problem = rules.kpi_value_problem(value, data.get("unit", ""))
        if value is not None and problem and "value" not in self.errors:
            self.add_error("value", problem)
        return data


class ObjectiveForm(RowForm):
    shareable = True  # only reads its fields (an autosave shares them)
    code = OneLineField(label=_("Code"), rule="objective.code")
    title = OneLineField(label=_("Objective"), rule="objective.title", required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=_markdown(2))
    holds_events = forms.BooleanField(label=_("Lists the stability events"), required=False)


class ItemForm(RowForm):
    shareable = True  # only reads its fields (an autosave shares them)
    objective = forms.CharField(max_length=40, widget=forms.HiddenInput)
    depth = forms.IntegerField(
        min_value=0, max_value=rules.MAX_ITEM_DEPTH - 1, widget=forms.HiddenInput
    )
    title = OneLineField(label=_("Item"), rule="item.title")
    body = forms.CharField(label=_("This week"), required=False, widget=_markdown(2))
    detail = forms.CharField(label=_("Details"), required=False, widget=_markdown(2))
    # How the item is numbered in the report, shown as it looks rather than by its name.
    marker = forms.ChoiceField(
        label=_("Numbering"),
        choices=[
            (Marker.BULLET, _("• bullets")),
            (Marker.NUMBER, "1. 2. 3."),
            (Marker.HEADING, _("A. B. C. sub-projects")),
        ],
    )
    label = OneLineField(
        label=_("Sub-project letter"), rule="item.label", required=False,
        help_text=_("The A, B, C… before a sub-project's title."),
    )  # fmt: skip
    heading_level = forms.IntegerField(
        min_value=1, max_value=6, required=False, widget=forms.HiddenInput
    )
    sep = forms.CharField(max_length=3, required=False, strip=False, widget=forms.HiddenInput)
    percent = FiniteDecimalField(
        label=_("Percent done"), required=False, decimal_places=2, **PERCENT
    )
    status = forms.ChoiceField(label=_("Status"), choices=ItemStatus.choices(), required=False)
    eta = forms.DateField(
        label=_("Expected"), required=False, widget=_DATE, validators=[_in_allowed_years]
    )

    def clean_sep(self):
        sep = self.cleaned_data.get("sep", "")
        return sep if sep in SEPARATORS else "，"


class TrackerForm(RowForm):
    shareable = True  # only reads its fields (an autosave shares them)
    item = forms.CharField(max_length=40, widget=forms.HiddenInput)
    name = OneLineField(label=_("Tracker"), rule="migration.name")
    overall_percent = FiniteDecimalField(
        label=_("Overall progress %"),
        required=False,
        decimal_places=rules.STATED_PERCENT_PLACES,
        **PERCENT,
    )
    progress = FiniteDecimalField(
        label=_("Stated migration progress %"),
        required=False,
        decimal_places=rules.STATED_PERCENT_PLACES,
        **PERCENT,
    )
    total = forms.IntegerField(label=_("Stated total"), required=False, **COUNT)
    developed = forms.IntegerField(label=_("Stated developed"), required=False, **COUNT)
    not_started = forms.IntegerField(label=_("Stated not started"), required=False, **COUNT)
    in_production = forms.IntegerField(label=_("Stated in production"), required=False, **COUNT)
    headline_text = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)
    summary_text = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)


class CategoryForm(RowForm):
    shareable = True  # only reads its fields (an autosave shares them)
    tracker = forms.CharField(max_length=40, widget=forms.HiddenInput)
    name = OneLineField(label=_("Category"), rule="category.name")
    stage = OneLineField(label=_("Stage"), rule="category.stage", required=False)
    total = forms.IntegerField(label=_("Total"), **COUNT_FROM_ZERO)
    offline = forms.IntegerField(label=_("Can go offline"), **COUNT_FROM_ZERO)
    paused = forms.IntegerField(label=_("Paused"), **COUNT_FROM_ZERO)
    done = forms.IntegerField(label=_("Done"), **COUNT_FROM_ZERO)
    done_names = OneLineField(
        label=_("Done (names)"), max_length=1000, required=False,
        help_text=_("Separated by commas."),
    )  # fmt: skip
    in_progress = forms.IntegerField(label=_("In progress"), **COUNT_FROM_ZERO)
    not_started = forms.IntegerField(label=_("Not started"), **COUNT_FROM_ZERO)
    heading_text = forms.CharField(max_length=300, required=False, widget=forms.HiddenInput)
    counts_text = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        parts = ("offline", "paused", "done", "in_progress", "not_started")
        if all(data.get(p) is not None for p in parts + ("total",)):
            counted = sum(data[p] for p in parts)
            if counted != data["total"]:
                self.add_error(
                    "total",
                    _("The counts add up to %(counted)d, not to the total %(total)d.")
                    % {"counted": counted, "total": data["total"]},
                )
        return data


class BucketForm(RowForm):
    shareable = True  # only reads its fields (an autosave shares them)
    category = forms.CharField(max_length=40, widget=forms.HiddenInput)
    label = OneLineField(label=_("Report"), rule="bucket.label", required=False)
    percent = FiniteDecimalField(
        label=_("Progress %"), decimal_places=rules.BUCKET_PERCENT_PLACES, **PERCENT
    )
    count = forms.IntegerField(
        label=_("How many"), min_value=1, max_value=rules.MAX_COUNT, initial=1
    )


class EventForm(RowForm):
    shareable = True  # changes a field only through own_field (an autosave shares them)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=EventKind.choices(), initial=EventKind.INCIDENT
    )
    grade = forms.ChoiceField(label=_("Grade"), required=False, choices=[("", "—")])
    occurred_on = forms.DateField(label=_("Date"), widget=_DATE)
    detected_time = forms.TimeField(
        label=_("Detected at"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    time_text = OneLineField(
        label=_("Time in words"), rule="event.time_text", required=False,
        help_text=_("When no clock time is known, e.g. 凌晨."),
    )  # fmt: skip
    detection = OneLineField(label=_("How detected"), rule="event.detection", required=False)
    summary = forms.CharField(label=_("What happened"), widget=_textarea(2))
    cause = forms.CharField(label=_("Cause"), required=False, widget=_textarea(2))
    handling = forms.CharField(label=_("Handling"), required=False, widget=_textarea(2))
    recovered_at = forms.DateTimeField(
        label=_("Recovered at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, week: tuple[date, date], grades: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.week = week
        # A grade the team has since dropped stays choosable on the events that have it.
        known = list(grades) + [g for g in [self.initial.get("grade")] if g and g not in grades]
        self.own_field("grade").choices = [("", "—")] + [(g, g) for g in known]

    def clean(self):
        data = super().clean()
        day, clock = data.get("occurred_on"), data.get("detected_time")
        recovered = data.get("recovered_at")
        detected = None
        if day and clock and rules.year_problem(day) is None:
            detected = _aware(datetime.combine(day, clock))
        data["detected_at"] = detected
        if day:
            tz = timezone.get_current_timezone()
            for name, message in rules.event_problems(day, detected, recovered, self.week, tz):
                self.add_error(EVENT_FIELDS.get(name, name), message)
        return data


# An event's attributes in the document, and the field of the form that holds each.
EVENT_FIELDS = {"date": "occurred_on", "detected_at": "detected_time"}
_FORM_FIELDS = {
    (d.StabilityEvent, "date"): "occurred_on",
    (d.StabilityEvent, "detected_at"): "detected_time",
    (d.Incidents, "note"): "incident_note",
    (d.Item, "migration"): None,
}


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class SectionForm(FastForm):
    """A section written in the team's own words: its heading and its Markdown. What it
    states (entries, owners, due dates, tables, KPIs, events) is read from the text."""

    shareable = True  # only reads its fields (an autosave shares them)

    position = forms.IntegerField(min_value=0, max_value=1000, widget=forms.HiddenInput)
    heading = OneLineField(rule="section.heading", required=False, label=_("Heading"))
    text = forms.CharField(
        required=False, strip=False, widget=_markdown(8), label=_("Section text"),
        help_text=_("Written as in the wiki: a line starting with “- ” or “1. ” is a list "
                    "entry, **bold** is bold."),
    )  # fmt: skip

    def clean_text(self):
        return self.cleaned_data["text"].replace("\r\n", "\n").strip("\n")


PlanFormSet = formset_factory(PlanLineForm, extra=0, formset=RowFormSet)
SectionFormSet = formset_factory(SectionForm, extra=0, formset=RowFormSet)
KpiFormSet = formset_factory(KpiForm, extra=0, can_delete=True, formset=RowFormSet)
ObjectiveFormSet = formset_factory(ObjectiveForm, extra=0, can_delete=True, formset=RowFormSet)
ItemFormSet = formset_factory(ItemForm, extra=0, can_delete=True, formset=RowFormSet)
TrackerFormSet = formset_factory(TrackerForm, extra=0, can_delete=True, formset=RowFormSet)
CategoryFormSet = formset_factory(CategoryForm, extra=0, can_delete=True, formset=RowFormSet)
BucketFormSet = formset_factory(BucketForm, extra=0, can_delete=True, formset=RowFormSet)
EventFormSet = formset_factory(EventForm, extra=0, can_delete=True, formset=RowFormSet)


# ---------------------------------------------------------------------------------------
# The editor: all forms of one report page, to and from a document
# ---------------------------------------------------------------------------------------


@dataclass
class Node:
    """A row of the page with the rows nested under it, for the template."""

    form: forms.Form
    children: list[Node] = field(default_factory=list)
    extra: list[Node] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.form["key"].value() or "__key__"

    @property
    def depth(self) -> int:
        try:
            return int(self.form["depth"].value() or 0)
        except (KeyError, TypeError, ValueError):
            return 0


# The version a page of a saved report posted without its version field is taken to
# have been opened on: no report has it.
UNVERSIONED = -1


class ReportEditor:
    """Every form of the edit page, built from a document or from a POST, and back."""

    def __init__(
        self,
        document: d.ReportDocument,
        *,
        grades: tuple[str, ...],
        previous: d.ReportDocument | None = None,
        version: int | None = None,
        data=None,
    ):
        self.initial_document = document
        # Values the saved report holds that the rules refuse (stored before them): the
        # page lists them, and saving the corrected rows repairs them.
        self.stored_problems = (
            [] if data is not None else [p.sentence() for p in rules.problems(document)]
        )
        self.opened_version = version
        self.grades = grades
        self.week = report_week(document.report_date)
        init = _initial(document, previous, grades)
        init["report"]["version"] = version
        if data is not None:
            data = _cascade_deletes(data)
        self.report = ReportForm(data, initial=init["report"], grades=grades, prefix="report")
        self.plan = PlanFormSet(data, initial=init["plan"], prefix="plan")
        self.kpis = KpiFormSet(data, initial=init["kpis"], prefix="kpi")
        self.objectives = ObjectiveFormSet(data, initial=init["objectives"], prefix="obj")
        self.items = ItemFormSet(data, initial=init["items"], prefix="item")
        self.trackers = TrackerFormSet(data, initial=init["trackers"], prefix="trk")
        self.categories = CategoryFormSet(data, initial=init["categories"], prefix="cat")
        self.buckets = BucketFormSet(data, initial=init["buckets"], prefix="bkt")
        self.events = EventFormSet(
            data,
            initial=init["events"],
            prefix="evt",
            form_kwargs={"week": self.week, "grades": grades},
        )
        self.sections = SectionFormSet(data, initial=init["sections"], prefix="sec")
        self.previous_kpis = {k.name: k for k in previous.kpis} if previous else {}

    @property
    def formsets(self):
        return [
            self.plan,
            self.kpis,
            self.objectives,
            self.items,
            self.trackers,
            self.categories,
            self.buckets,
            self.events,
            self.sections,
        ]

    # -- validation -------------------------------------------------------------------

    def is_valid(self) -> bool:
        valid = self.report.is_valid()
        for formset in self.formsets:
            valid = formset.is_valid() and valid
        if not valid:
            return False
        return self._check_across_rows() and self._keep_rules()

    def _keep_rules(self) -> bool:
        """The document the rows describe, checked as every door checks it; a problem no
        single field could see shows beside the field it is about, or above the rows."""
        self._parts: dict[int, dict] = {}  # filled by document(): part -> its row's data
        doc = self.document()
        forms_by_data = {
            id(f.cleaned_data): f
            for fs in self.formsets
            for f in fs.forms
            if getattr(f, "cleaned_data", None)
        }
        where = {id(doc): self.report, id(doc.incidents): self.report}
        # KPIs and events read from a section's text (``sections.reconcile``) have no row
        # of their own: their problems are shown above the form.
        for parts, formset in ((doc.kpis, self.kpis), (doc.events, self.events)):
            if len(parts) == len(_rows(formset)):
                where.update(zip(map(id, parts), _rows(formset), strict=True))
        where.update(zip(map(id, doc.objectives), _rows(self.objectives), strict=True))
        where.update({k: forms_by_data[id(data)] for k, data in self._parts.items()})
        ok = True
        for problem in rules.problems(doc, tz=timezone.get_current_timezone()):
            ok = False
            form = where.get(id(problem.part))
            if form is None:
                self.report.add_error(None, problem.sentence())
                continue
            name = _FORM_FIELDS.get((type(problem.part), problem.field), problem.field)
            if isinstance(problem.part, d.Incidents) and problem.path.startswith(
                "incidents.counts"
            ):
                name = f"grade_{problem.field}"
            form.add_error(name if name in form.fields else None, problem.message)
        return ok

    def week_taken_message(self) -> str:
        return _(
            "The report of %(date)s was started by someone else meanwhile; nothing was "
            "saved. Copy what you typed, then open that report."
        ) % {"date": self.initial_document.report_date}

    @property
    def posted_version(self) -> int | None:
        """The version the page was opened on. A saved report's page posted without one
        is taken as opened on none (-1): it can only conflict, never overwrite."""
        version = self.report.cleaned_data.get("version")
        if version is None and self.opened_version is not None:
            return UNVERSIONED
        return version

    def _check_across_rows(self) -> bool:
        ok = True
        sections = self.initial_document.sections
        for form in self.sections.forms:
            if not form.cleaned_data:  # a blank row beyond the page's (empty, so ignored)
                continue
            position = form.cleaned_data["position"]
            headed = position < len(sections) and sections[position].level > 0
            if headed and not form.cleaned_data["heading"]:
                form.add_error("heading", _("A section needs its heading."))
                ok = False
        if self.report.cleaned_data["report_date"] != self.initial_document.report_date:
            self.report.add_error(None, self.week_taken_message())
            ok = False
        unique = [
            (self.objectives, "code", "code", _("Another objective already has this code.")),
            (self.kpis, "name", "name", _("This KPI is already listed above.")),
            (self.trackers, "name", "name", _("This tracker is already in this report.")),
            (self.trackers, "item", "name", _("An item holds at most one tracker.")),
        ]
        for formset, name, error_field, message in unique:
            ok = _unique(formset, name, message, error_field) and ok
        lost = _("This row lost its place in the report; remove it and add it again.")
        for formset in self.formsets[1:-1]:  # the rows formsets (not the plan's, the sections')
            ok = _unique(formset, "key", lost) and ok
        for formset, parent_field, parents in [
            (self.items, "objective", self.objectives),
            (self.trackers, "item", self.items),
            (self.categories, "tracker", self.trackers),
            (self.buckets, "category", self.categories),
        ]:
            keys = {f.cleaned_data["key"] for f in _rows(parents)}
            for form in _rows(formset):
                if form.cleaned_data[parent_field] not in keys:
                    form.add_error(None, lost)
                    ok = False
        buckets: dict[str, int] = {}
        for form in _rows(self.buckets):
            key = form.cleaned_data["category"]
            buckets[key] = buckets.get(key, 0) + form.cleaned_data["count"]
        for form in _rows(self.categories):
            listed = buckets.get(form.cleaned_data["key"], 0)
            stated = form.cleaned_data["in_progress"]
            if listed != stated:
                form.add_error(
                    "in_progress",
                    _("The progress rows below list %(listed)d reports, not %(stated)d.")
                    % {"listed": listed, "stated": stated},
                )
                ok = False
        return ok

    @property
    def error_count(self) -> int:
        count = len(self.report.errors)
        for formset in self.formsets:
            count += len(formset.non_form_errors())
            count += sum(len(f.errors) for f in formset.forms if not _deleted(f))
        return count

    # -- the document -------------------------------------------------------------------

    def document(self) -> d.ReportDocument:
        """The document the valid forms describe (call ``is_valid()`` first)."""
        base = self.initial_document
        report = self.report.cleaned_data
        doc = d.ReportDocument(
            team=base.team,
            week_number=report["week_number"],
            report_date=base.report_date,
            status=base.status,
            language=base.language,
            kpi_notes=report["kpi_notes"],
            other=report["other"],
            reflections=report["reflections"],
            next_week=report["next_week"],
            daily=report["daily"],
            import_notes=list(base.import_notes),
            # Daily notes are written on their own page; the report only shows them.
            daily_notes=list(base.daily_notes),
        )
        # Grades the team no longer uses keep the counts this report already had.
        counts = {g: n for g, n in base.incidents.counts.items() if g not in self.grades}
        counts.update({g: report[f"grade_{g}"] for g in self.grades if report[f"grade_{g}"]})
        doc.incidents = d.Incidents(
            counts=counts,
            note=report["incident_note"],
            grades=base.incidents.grades,
            groups=base.incidents.groups,
        )
        targets = {k.name: k for k in base.kpis}
        doc.kpis = [
            _kpi(f.cleaned_data, targets.get(f.cleaned_data["name"]), f.value_source())
            for f in _rows(self.kpis)
        ]
        doc.plan_review = [
            d.PlanLine(text=f.cleaned_data["text"], outcome=f.cleaned_data["outcome"])
            for f in self.plan.forms[: len(base.plan_review)]
            if f.cleaned_data.get("text")
        ]
        doc.next_week = with_carried_plan(doc.next_week, doc.plan_review, base.plan_review)
        doc.objectives = self._objectives()
        doc.events = [_event(f.cleaned_data) for f in _rows(self.events)]
        doc.title, doc.title_level = base.title, base.title_level
        doc.front_matter = base.front_matter
        doc.sections = self._sections()
        sx.reconcile(doc, base, tz=timezone.get_current_timezone())
        return doc

    def _sections(self) -> list[d.Section]:
        """The week's sections in their order, those in the team's words as edited (a
        posted position that is not such a section is ignored)."""
        edited = {
            f.cleaned_data["position"]: f.cleaned_data
            for f in self.sections.forms
            if getattr(f, "cleaned_data", None)
        }
        sections = []
        for position, section in enumerate(self.initial_document.sections):
            data = edited.get(position) if section.key not in TYPED_KEYS else None
            if data is None:
                sections.append(dataclasses.replace(section))
                continue
            sections.append(
                dataclasses.replace(section, heading=data["heading"], text=data["text"])
            )
        return sections

    @property
    def section_forms(self) -> list[tuple[forms.Form, d.Section]]:
        """The forms of the sections in the team's words, with the section each edits."""
        sections = self.initial_document.sections
        shown = []
        for form in self.sections.forms:
            position = form["position"].value()
            try:
                section = sections[int(position)]
            except (TypeError, ValueError, IndexError):
                continue
            shown.append((form, section))
        return shown

    def _objectives(self) -> list[d.Objective]:
        buckets = _group(self.buckets, "category")
        categories = _group(self.categories, "tracker")
        trackers = {f.cleaned_data["item"]: f.cleaned_data for f in _rows(self.trackers)}
        items = _group(self.items, "objective")
        objectives = []
        for form in _rows(self.objectives):
            data = form.cleaned_data
            objective = d.Objective(
                code=data["code"],
                title=data["title"],
                notes=data["notes"],
                holds_events=data["holds_events"],
            )
            stack: list[d.Item] = []
            for row in items.get(data["key"], []):
                item = _item(row)
                tracker = trackers.get(row["key"])
                if tracker is not None:
                    item.migration = _migration(tracker, categories, buckets)
                self._note_parts(item, row, tracker, categories, buckets)
                depth = min(row["depth"], len(stack))
                del stack[depth:]
                (stack[-1].children if stack else objective.items).append(item)
                stack.append(item)
            objectives.append(objective)
        return objectives

    def _note_parts(self, item, row, tracker, categories, buckets) -> None:
        """Which row each part of an item came from, for ``_keep_rules``."""
        parts = getattr(self, "_parts", None)
        if parts is None:
            return
        parts[id(item)] = row
        if tracker is None:
            return
        parts[id(item.migration.stated)] = tracker
        rows = categories.get(tracker["key"], [])
        for category, data in zip(item.migration.categories, rows, strict=True):
            parts[id(category)] = data
            in_progress = buckets.get(data["key"], [])
            for bucket, bucket_data in zip(category.in_progress, in_progress, strict=True):
                parts[id(bucket)] = bucket_data

    # -- the page ---------------------------------------------------------------------

    def tree(self) -> list[Node]:
        """Objectives > items > tracker > categories > buckets, as the page nests them."""
        by_parent = {
            "item": _forms_by(self.items, "objective"),
            "trk": _forms_by(self.trackers, "item"),
            "cat": _forms_by(self.categories, "tracker"),
            "bkt": _forms_by(self.buckets, "category"),
        }

        def nodes(kind: str, parent: str, build) -> list[Node]:
            return [build(f) for f in by_parent[kind].get(parent, [])]

        def category(form):
            return Node(form, [Node(b) for b in by_parent["bkt"].get(form["key"].value(), [])])

        def tracker(form):
            return Node(form, nodes("cat", form["key"].value(), category))

        def item(form):
            return Node(form, nodes("trk", form["key"].value(), tracker))

        return [
            Node(form, nodes("item", form["key"].value(), item))
            for form in _ordered(self.objectives.forms)
        ]

    def templates(self) -> dict[str, Node]:
        """Empty rows the page copies when a row is added."""
        return {
            "kpi": Node(self.kpis.empty_form),
            "obj": Node(self.objectives.empty_form),
            "item": Node(self.items.empty_form),
            "trk": Node(self.trackers.empty_form),
            "cat": Node(self.categories.empty_form),
            "bkt": Node(self.buckets.empty_form),
            "evt": Node(self.events.empty_form),
        }

    def kpi_rows(self) -> list[tuple[forms.Form, d.Kpi | None]]:
        return [
            (form, self.previous_kpis.get(form["name"].value() or ""))
            for form in _ordered(self.kpis.forms)
        ]

    def event_forms(self) -> list[forms.Form]:
        return _ordered(self.events.forms)


# ---------------------------------------------------------------------------------------
# Rows <-> document parts
# ---------------------------------------------------------------------------------------


def _unique(formset, name: str, message: str, error_field: str | None = None) -> bool:
    """Marks every kept row whose ``name`` repeats an earlier row's; True if none does."""
    seen: set = set()
    ok = True
    for form in _rows(formset):
        value = form.cleaned_data.get(name)
        if value in seen:
            form.add_error(error_field, message)
            ok = False
        seen.add(value)
    return ok


# Each kind of row, the field naming its parent, and the parent's kind.
_PARENTS = (("item", "objective", "obj"), ("trk", "item", "item"), ("cat", "tracker", "trk"), ("bkt", "category", "cat"))  # fmt: skip


def _cascade_deletes(data):
    """The posted data with every row under a removed row removed as well.

    The page hides a removed objective with everything in it; whatever the browser sent
    for those hidden rows, they go with their parent and are not validated.
    """
    # A plain dict of each field's value (what the forms read: one value per name): a
    # QueryDict's own copy() deep-copies its 700 lists of strings.
    data = dict(data.items())

    def indexes(prefix: str) -> range:
        try:
            return range(min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 1000))
        except (TypeError, ValueError):
            return range(0)

    removed = {
        "obj": {data.get(f"obj-{i}-key") for i in indexes("obj") if data.get(f"obj-{i}-DELETE")}
    }
    for kind, parent_field, parent in _PARENTS:
        removed[kind] = set()
        for i in indexes(kind):
            if (
                data.get(f"{kind}-{i}-DELETE")
                or data.get(f"{kind}-{i}-{parent_field}") in removed[parent]
            ):
                data[f"{kind}-{i}-DELETE"] = "on"
                removed[kind].add(data.get(f"{kind}-{i}-key"))
    return data


def _deleted(form: forms.Form) -> bool:
    return bool(form.cleaned_data.get("DELETE")) if hasattr(form, "cleaned_data") else False


def _rows(formset) -> list[forms.Form]:
    """Valid, kept rows of a formset, in the order the page put them."""
    forms_ = [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
    return sorted(forms_, key=lambda f: f.cleaned_data["position"])


def _position(form: forms.Form) -> int:
    try:
        return int(form["position"].value())
    except (TypeError, ValueError):
        return 1_000_000


def _ordered(forms_: list[forms.Form]) -> list[forms.Form]:
    """Forms in page order, bound or not. Rows removed on the page are kept (the page
    hides them) so that a form shown again after an error posts every row it counts."""
    return sorted(forms_, key=_position)


def _forms_by(formset, parent_field: str) -> dict[str, list[forms.Form]]:
    grouped: dict[str, list[forms.Form]] = {}
    for form in _ordered(formset.forms):
        grouped.setdefault(form[parent_field].value() or "", []).append(form)
    return grouped


def _group(formset, parent_field: str) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for form in _rows(formset):
        grouped.setdefault(form.cleaned_data[parent_field], []).append(form.cleaned_data)
    return grouped


def _kpi(data: dict, known: d.Kpi | None, source: str) -> d.Kpi:
    return d.Kpi(
        name=data["name"],
        value=data["value"],
        unit=data["unit"],
        kind=data["kind"],
        note=data["note"],
        target=known.target if known else None,
        higher_is_better=known.higher_is_better if known else True,
        source=source,
    )


def _item(data: dict) -> d.Item:
    return d.Item(
        title=data["title"],
        body=data["body"],
        detail=data["detail"],
        # A row added on the page has no separator yet: the sample's comma, once it has text.
        sep=data["sep"] or ("，" if data["body"] else ""),
        marker=data["marker"],
        label=data["label"],
        heading_level=data["heading_level"] or 3,
        percent=data["percent"],
        status=data["status"],
        eta=data["eta"],
    )


def _migration(data: dict, categories: dict, buckets: dict) -> d.Migration:
    return d.Migration(
        name=data["name"],
        stated=d.StatedMigration(
            overall_percent=data["overall_percent"],
            progress=data["progress"],
            total=data["total"],
            developed=data["developed"],
            not_started=data["not_started"],
            in_production=data["in_production"],
        ),
        headline_text=data["headline_text"],
        summary_text=data["summary_text"],
        categories=[
            d.MigrationCategory(
                name=c["name"],
                stage=c["stage"],
                total=c["total"],
                offline=c["offline"],
                paused=c["paused"],
                done=c["done"],
                done_names=_names(c["done_names"]),
                in_progress=[
                    d.ProgressBucket(percent=b["percent"], label=b["label"], count=b["count"])
                    for b in buckets.get(c["key"], [])
                ],
                not_started=c["not_started"],
                heading_text=c["heading_text"],
                counts_text=c["counts_text"],
            )
            for c in categories.get(data["key"], [])
        ],
    )


def _names(text: str) -> list[str]:
    for sep in ("，", "、", ";", "；"):
        text = text.replace(sep, ",")
    return [n.strip() for n in text.split(",") if n.strip()]


def _event(data: dict) -> d.StabilityEvent:
    recovered = data["recovered_at"]
    tz = timezone.get_current_timezone()
    return d.StabilityEvent(
        date=data["occurred_on"],
        summary=data["summary"],
        detected_at=data["detected_at"].astimezone(tz) if data["detected_at"] else None,
        time_text=data["time_text"],
        detection=data["detection"],
        cause=data["cause"],
        handling=data["handling"],
        recovered_at=recovered.astimezone(tz) if recovered else None,
        kind=data["kind"],
        grade=data["grade"],
    )


def report_fields(doc: d.ReportDocument) -> dict:
    """The week's own fields of the edit page (ReportForm), as the document states them."""
    return {
        "report_date": doc.report_date,
        "week_number": doc.week_number,
        "incident_note": doc.incidents.note,
        "kpi_notes": doc.kpi_notes,
        "other": doc.other,
        "reflections": doc.reflections,
        "next_week": doc.next_week,
        "daily": doc.daily,
    }


def _initial(
    doc: d.ReportDocument, previous: d.ReportDocument | None, grades: tuple[str, ...]
) -> dict[str, list | dict]:
    report = report_fields(doc)
    report.update({f"grade_{g}": doc.incidents.counts.get(g, 0) for g in grades})
    out: dict[str, list | dict] = {
        "report": report,
        "plan": [{"text": p.text, "outcome": p.outcome} for p in doc.plan_review],
        "kpis": [
            {
                "key": f"k{n}",
                "position": n,
                "name": k.name,
                "kind": k.kind,
                "value": k.value,
                "unit": k.unit,
                "note": k.note,
                "source": k.source,
            }
            for n, k in enumerate(doc.kpis)
        ],
        "objectives": [],
        "items": [],
        "trackers": [],
        "categories": [],
        "buckets": [],
        "events": [_event_initial(n, e) for n, e in enumerate(doc.events)],
        "sections": [
            {"position": n, "heading": s.heading, "text": s.text}
            for n, s in enumerate(doc.sections)
            if s.key not in TYPED_KEYS
        ],
    }

    def add_item(item: d.Item, objective_key: str, depth: int) -> None:
        key = f"i{len(out['items'])}"
        out["items"].append(
            {
                "key": key,
                "position": len(out["items"]),
                "objective": objective_key,
                "depth": depth,
                "title": item.title,
                "body": item.body,
                "detail": item.detail,
                "marker": item.marker,
                "label": item.label,
                "heading_level": item.heading_level,
                "sep": item.sep,
                "percent": item.percent,
                "status": item.status,
                "eta": item.eta,
            }
        )
        if item.migration is not None:
            add_tracker(item.migration, key)
        for child in item.children:
            add_item(child, objective_key, depth + 1)

    def add_tracker(migration: d.Migration, item_key: str) -> None:
        key = f"t{len(out['trackers'])}"
        stated = migration.stated
        out["trackers"].append(
            {
                "key": key,
                "position": len(out["trackers"]),
                "item": item_key,
                "name": migration.name,
                "overall_percent": stated.overall_percent,
                "progress": stated.progress,
                "total": stated.total,
                "developed": stated.developed,
                "not_started": stated.not_started,
                "in_production": stated.in_production,
                "headline_text": migration.headline_text,
                "summary_text": migration.summary_text,
            }
        )
        for category in migration.categories:
            ckey = f"c{len(out['categories'])}"
            out["categories"].append(
                {
                    "key": ckey,
                    "position": len(out["categories"]),
                    "tracker": key,
                    "name": category.name,
                    "stage": category.stage,
                    "total": category.total,
                    "offline": category.offline,
                    "paused": category.paused,
                    "done": category.done,
                    "done_names": "，".join(category.done_names),
                    "in_progress": category.in_progress_count,
                    "not_started": category.not_started,
                    "heading_text": category.heading_text,
                    "counts_text": category.counts_text,
                }
            )
            for bucket in category.in_progress:
                out["buckets"].append(
                    {
                        "key": f"b{len(out['buckets'])}",
                        "position": len(out["buckets"]),
                        "category": ckey,
                        "label": bucket.label,
                        "percent": bucket.percent,
                        "count": bucket.count,
                    }
                )

    for n, objective in enumerate(doc.objectives):
        key = f"o{n}"
        out["objectives"].append(
            {
                "key": key,
                "position": n,
                "code": objective.code,
                "title": objective.title,
                "notes": objective.notes,
                "holds_events": objective.holds_events,
            }
        )
        for item in objective.items:
            add_item(item, key, 0)
    return out


def _event_initial(n: int, event: d.StabilityEvent) -> dict:
    tz = timezone.get_current_timezone()
    detected = event.detected_at.astimezone(tz) if event.detected_at else None
    recovered = event.recovered_at.astimezone(tz) if event.recovered_at else None
    return {
        "key": f"e{n}",
        "position": n,
        "kind": event.kind,
        "grade": event.grade,
        "occurred_on": event.date,
        "detected_time": detected.time().replace(second=0) if detected else None,
        "time_text": event.time_text,
        "detection": event.detection,
        "summary": event.summary,
        "cause": event.cause,
        "handling": event.handling,
        "recovered_at": recovered.replace(tzinfo=None) if recovered else None,
    }


class TeamAndDatesForm(forms.Form):
    """A team among the reader's and a date range: what the search and the incident log
    both filter by."""

    team = forms.ModelChoiceField(
        label=_("Team"), queryset=None, required=False, to_field_name="slug"
    )
    since = forms.DateField(label=_("From"), required=False, widget=_DATE)
    until = forms.DateField(label=_("To"), required=False, widget=_DATE)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["team"].empty_label = _("All teams")

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data


class SearchForm(TeamAndDatesForm):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    field_order = ["q", "team", "since", "until"]

    def query(self) -> Query:
        data = self.cleaned_data
        return Query(text=data["q"], team=data["team"], since=data["since"], until=data["until"])


class IncidentFilterForm(TeamAndDatesForm):
    grade = forms.CharField(label=_("Grade"), max_length=3, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *EventKind.choices()]
    )
    field_order = ["team", "grade", "kind", "since", "until"]

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        return Filters(
            team=data.get("team"),
            grade=data.get("grade", ""),
            kind=data.get("kind", ""),
            since=data.get("since"),
            until=data.get("until"),
        )


class MarkdownImportForm(forms.Form):
    """A week written in Markdown, uploaded or pasted, read in the team's layout as the form
    is cleaned: what the importer refuses is an error beside the field it came from (a
    missing date beside the date), and ``document`` is the week to save."""

    file = forms.FileField(
        label=_("Markdown file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".md,.markdown,.txt"}),
    )
    text = forms.CharField(
        label=_("Or paste the Markdown"), required=False, strip=False, widget=_textarea(8)
    )
    # The uploaded file's name, kept when a preview carries its text into ``text``: a
    # file that dates itself by its name ("2024-03-08.md") still does.
    file_name = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)
    report_date = forms.DateField(
        label=_("Report date"),
        required=False,
        widget=_DATE,
        validators=[_in_allowed_years],
        help_text=_("For a file that names no date, or a wrong one."),
    )
    week = forms.IntegerField(
        label=_("Week number"),
        required=False,
        min_value=1,
        max_value=rules.MAX_WEEK_NUMBER,
        help_text=_("For a file that names no week."),
    )
    preview = forms.BooleanField(label=_("Preview only: save nothing"), required=False)

    def __init__(self, team, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.document: d.ReportDocument | None = None
        self.source_text = ""

    def clean(self):
        data = super().clean()
        if self.errors:  # a date or week that cannot be: nothing is read yet
            return data
        upload, text = data.get("file"), data.get("text")
        if upload and text:
            self.add_error("text", _("Upload a file or paste its text, not both."))
            return data
        if not upload and not text:
            self.add_error("file", _("Choose a Markdown file, or paste its text below."))
            return data
        field = "file" if upload else "text"
        try:
            source = read_upload(upload) if upload else text
            self.document = read_markdown(
                self.team,
                source,
                file_name=upload.name if upload else data.get("file_name", ""),
                report_date=data.get("report_date"),
                week=data.get("week"),
            )
        except DateMissing as exc:
            self.add_error("report_date", exc.message)
        except ReportFormatError as exc:
            self.add_error(field, str(exc))
        else:
            self.source_text = source.decode("utf-8-sig") if upload else source
            data["file_name"] = upload.name if upload else data.get("file_name", "")
        return data

    def confirm_initial(self) -> dict:
        """A previewed week as the form to import it with: the text read (an uploaded
        file's too, so it need not be chosen again), its file name, date and week."""
        data = self.cleaned_data
        return {
            "text": self.source_text,
            "file_name": data["file_name"],
            "report_date": data.get("report_date"),
            "week": data.get("week"),
        }

    def week_field(self) -> str:
        """The field that named the week: the date given, else the file or the text."""
        if self.cleaned_data.get("report_date"):
            return "report_date"
        return "file" if self.cleaned_data.get("file") else "text"
