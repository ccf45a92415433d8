"""The quick update of a week (``/teams/<slug>/<date>/quick/``, team leads).

One page with only what moves every week, each beside last week's value: KPI values,
incident counts, a tracker's counts, each item's progress and status, the open risks and
actions, last week's plan, and a stability event to add. "No change" is one click per row
and one per group (static/js/quick.js).

The page posts every field it shows; only those that differ from the week as saved are
changes (``QuickUpdate.changes``). They are written into the saved document by the pure
``reports.document.quick.apply`` and the whole document is saved through
``services.report_update`` at the version the page was opened on: a week saved by someone
else meanwhile, or published, is refused and nothing is saved. The same view answers the
autosave script (static/js/autosave.js) with JSON.

A week with no report yet opens as the new week page starts it (last week carried over,
the week's daily notes: ``selectors.new_week_start``); its first save, the autosave's
included, creates the draft (``services.report_create``), and the page goes on from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from reports import selectors, services
from reports.document import EventKind, ItemStatus, PlanOutcome, SectionKind, limits, rules
from reports.document import quick as q
from reports.document import report as d
from reports.document.layout import outline
from reports.document.renderer import objective_heading
from reports.document.weeks import report_week
from reports.document.wording import fmt_decimal, wording
from reports.drafts import pairs_posted, published_meanwhile, wants_json, week_elsewhere
from reports.forms import (
    COUNT,
    EVENT_FIELDS,
    PERCENT,
    UNVERSIONED,
    EventForm,
    FiniteDecimalField,
    OneLineField,
)
from reports.models import WeeklyReport
from reports.permissions import get_team_for_lead

# ---------------------------------------------------------------------------------------
# The forms: one small form per row, its prefix the row's place ("kpi-0", "item-1-0-2")
# ---------------------------------------------------------------------------------------


def _number(mode: str = "decimal") -> forms.TextInput:
    """A number typed as text: what was typed comes back, and a wrong one is refused
    beside the field (a number input sends nothing for it)."""
    return forms.TextInput(attrs={"inputmode": mode, "autocomplete": "off", "size": 8})


def _in_allowed_years(value) -> None:
    problem = rules.year_problem(value)
    if problem:
        raise forms.ValidationError(problem, code="year")


class TextField(forms.CharField):
    """A Markdown text typed in a box, with the line endings it is stored with: a box left
    as it was is no change."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n").replace("\r", "\n")

    def has_changed(self, initial, data):
        return self.to_python(initial) != self.to_python(data)


class VersionForm(forms.Form):
    """The version of the week the page was opened on (the edit page's field name)."""

    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


# A row the lead marked "No change" (static/js/quick.js): kept as the week's stamp of it.
REVIEWED = "reviewed"


def _reviewed() -> forms.BooleanField:
    # With the value the page was opened with beside it (show_hidden_initial): a save
    # changes only the marks its page changed, not those another page made meanwhile.
    return forms.BooleanField(required=False, widget=forms.HiddenInput, show_hidden_initial=True)


class KpiValueForm(forms.Form):
    reviewed = _reviewed()
    value = FiniteDecimalField(
        label=gettext_lazy("Value"),
        required=False,
        max_digits=rules.KPI_DIGITS + rules.KPI_PLACES,
        decimal_places=rules.KPI_PLACES,
        widget=_number(),
    )

    def __init__(self, *args, unit: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit

    def clean_value(self):
        value = self.cleaned_data["value"]
        problem = rules.kpi_value_problem(value, self.unit)
        if value is not None and problem:
            raise forms.ValidationError(problem)
        return value


class GradeForm(forms.Form):
    count = forms.IntegerField(**COUNT, widget=_number("numeric"))


class CategoryForm(forms.Form):
    """A category's counts; how many are in progress is its progress rows' (``buckets``)."""

    total = forms.IntegerField(label=gettext_lazy("Total"), **COUNT, widget=_number("numeric"))
    offline = forms.IntegerField(
        label=gettext_lazy("Can go offline"), **COUNT, widget=_number("numeric")
    )
    paused = forms.IntegerField(label=gettext_lazy("Paused"), **COUNT, widget=_number("numeric"))
    done = forms.IntegerField(label=gettext_lazy("Done"), **COUNT, widget=_number("numeric"))
    not_started = forms.IntegerField(
        label=gettext_lazy("Not started"), **COUNT, widget=_number("numeric")
    )
    PARTS = ("offline", "paused", "done", "not_started")


class BucketForm(forms.Form):
    percent = FiniteDecimalField(
        label=gettext_lazy("Progress %"),
        decimal_places=rules.BUCKET_PERCENT_PLACES,
        widget=_number(),
        **PERCENT,
    )
    count = forms.IntegerField(
        label=gettext_lazy("How many"),
        min_value=1,
        max_value=rules.MAX_COUNT,
        widget=_number("numeric"),
    )


class ItemForm(forms.Form):
    reviewed = _reviewed()
    body = TextField(
        label=gettext_lazy("This week"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=ItemStatus.choices(), required=False
    )

    def clean_body(self):
        body = self.cleaned_data["body"]
        problem = rules.text_problem(body, limits.TEXT_LIMIT)
        if problem:
            raise forms.ValidationError(problem)
        return body


class EntryForm(forms.Form):
    """A risk's or action's status, owner and due date, as its text states them. What the
    text states cannot be emptied here (that is rewording it: the edit page's)."""

    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    owner = OneLineField(label=gettext_lazy("Owner"), max_length=30, required=False)
    due = forms.DateField(
        label=gettext_lazy("Due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[_in_allowed_years],
    )

    def __init__(self, *args, facts: dict, **kwargs):
        super().__init__(*args, **kwargs)
        stated = facts["status"] != ItemStatus.NONE
        self.fields["status"].choices = [c for c in ItemStatus.choices() if c[0] or not stated]
        self.fields["status"].required = stated
        self.fields["owner"].required = bool(facts["owner"])
        self.fields["due"].required = facts["due"] is not None


class PlanForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        required=False,
        choices=PlanOutcome.choices(),
        widget=forms.RadioSelect,
    )


class QuickEventForm(EventForm):
    """A stability event to add: the edit page's event row with a few of its fields, all
    optional until one is filled. ``at``: how many events the week had when the page was
    opened (``reports.document.quick.Changes.event_at``)."""

    SHOWN = ("occurred_on", "grade", "summary", "kind", "detected_time", "recovered_at")
    at = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, lenient: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in [n for n in self.fields if n not in (*self.SHOWN, "at")]:
            del self.fields[name]
        for name in self.SHOWN:
            self.fields[name].required = False
        self.order_fields([*self.SHOWN, "at"])
        # The autosave's: an event typed halfway (no date or no account yet) waits.
        self.lenient = lenient

    def filled(self) -> bool:
        """Whether the page adds its event: any of its fields is filled (for the autosave,
        its date and what happened both)."""
        data = getattr(self, "cleaned_data", {})
        typed = any(data.get(n) for n in (*self.SHOWN[:3], "detected_time", "recovered_at"))
        complete = bool(data.get("occurred_on") and data.get("summary"))
        return typed and (complete or not self.lenient)

    def clean(self):
        data = super().clean()
        if self.filled():
            for name in ("occurred_on", "summary"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, forms.Field.default_error_messages["required"])
        return data

    def event(self) -> d.StabilityEvent:
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        recovered = data["recovered_at"]
        return d.StabilityEvent(
            date=data["occurred_on"],
            summary=data["summary"],
            detected_at=data["detected_at"].astimezone(tz) if data["detected_at"] else None,
            recovered_at=recovered.astimezone(tz) if recovered else None,
            kind=data["kind"] or EventKind.INCIDENT,
            grade=data["grade"],
        )


# ---------------------------------------------------------------------------------------
# The page: its rows in groups, to and from the document
# ---------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the page: a part of the week, its form, and last week's value."""

    place: tuple
    form: forms.Form
    label: str
    previous: str = ""  # last week's value as the page shows it ("" when none)
    carried: bool = False  # still says what last week said, not confirmed unchanged
    reviewed: bool = False  # confirmed unchanged ("No change")
    keep: bool = False  # "No change" keeps what is there (a text) rather than copy last week's
    depth: int = 0
    children: list[Row] = field(default_factory=list)  # a category's progress rows
    part: object = None

    @property
    def copies(self) -> bool:
        """Whether "No change" has last week's values to copy into the row."""
        return any("data-previous" in f.widget.attrs for f in self.form.fields.values())

    @property
    def indent(self) -> int:
        """The page's indent of a nested item (Bootstrap's ms-0 … ms-5)."""
        return min(2 * self.depth, 5)


@dataclass
class Group:
    key: str  # "kpis", "incidents", "tracker-0", "items-1", "entries-4", "plan"
    title: str
    rows: list[Row]
    kind: str = ""


def _prefix(place: tuple) -> str:
    return "-".join(str(p) for p in place)


def _shown(value, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{fmt_decimal(value)}{unit}"


def _mark_previous(form: forms.Form, values: dict, *, copy: bool = True, say: bool = False) -> None:
    """Last week's values on the inputs: ``data-previous`` is what "No change" copies,
    ``data-last-week`` what the page compares with to say the text is carried; ``say``:
    shown under each field (a tracker's counts)."""
    for name, value in values.items():
        field_ = form.fields[name]
        text = "" if value is None else str(value)
        field_.widget.attrs["data-last-week"] = text
        if copy:
            field_.widget.attrs["data-previous"] = text
        if say:
            field_.help_text = _("Last week") + f": {text or '—'}"


class QuickUpdate:
    """Every form of the quick-update page, built from the week and last week's document;
    bound to a POST, the changes it makes and the document they make."""

    def __init__(
        self,
        doc: d.ReportDocument,
        previous: d.ReportDocument | None,
        *,
        version: int | None,
        grades: tuple[str, ...],
        data=None,
        autosave: bool = False,
        confirmed=(),
    ):
        self.doc, self.previous, self.data = doc, previous, data
        self.head = VersionForm(data, initial={"version": version}, prefix="report")
        self.non_field_errors: list[str] = []
        # Each KPI's and item's stamp as the page opens on it; those the week keeps
        # are the rows marked "No change", which carry nothing unreviewed.
        self.stamps = q.stamps(doc)
        confirmed = set(confirmed)
        self.reviewed = {place for place, st in self.stamps.items() if st in confirmed}
        self.carried = q.carried(doc, previous) - self.reviewed
        self.words = wording(doc.language)
        self.groups = [
            self._kpis(),
            self._incidents(grades),
            *self._trackers(),
            *self._items(),
            *self._entries(),
            self._plan(),
        ]
        self.groups = [g for g in self.groups if g.rows]
        self.event = QuickEventForm(
            data,
            prefix="event",
            initial={"kind": EventKind.INCIDENT, "at": len(doc.events)},
            week=report_week(doc.report_date),
            grades=grades,
            lenient=autosave,
        )

    def _form(self, cls, place, initial, **kwargs) -> forms.Form:
        return cls(self.data, prefix=_prefix(place), initial=initial, **kwargs)

    # -- the groups ---------------------------------------------------------------------

    def _kpis(self) -> Group:
        before = q.previous_kpis(self.previous)
        rows = []
        for n, kpi in enumerate(self.doc.kpis):
            place = (q.KPI, n)
            reviewed = place in self.reviewed
            initial = {"value": kpi.value, REVIEWED: reviewed}
            form = self._form(KpiValueForm, place, initial, unit=kpi.unit)
            form.fields["value"].label = kpi.name
            last = before.get(kpi.name)
            if last is not None and last.value is not None:
                _mark_previous(form, {"value": fmt_decimal(last.value)})
            rows.append(
                Row(
                    place,
                    form,
                    kpi.name,
                    previous=_shown(last.value, last.unit) if last else "",
                    carried=place in self.carried,
                    reviewed=reviewed,
                    part=kpi,
                )
            )
        kpis = [s for s in outline(self.doc) if s.kind == SectionKind.KPIS]
        title = kpis[0].heading if kpis and kpis[0].heading else self.words.operations
        return Group("kpis", title, rows, kind=q.KPI)

    def _incidents(self, grades: tuple[str, ...]) -> Group:
        counts = self.doc.incidents.counts
        before = self.previous.incidents.counts if self.previous else None
        rows = []
        for grade in grades:
            place = (q.GRADE, grade)
            form = self._form(GradeForm, place, {"count": counts.get(grade, 0)})
            form.fields["count"].label = _("Grade %(grade)s incidents") % {"grade": grade}
            if before is not None:
                _mark_previous(form, {"count": before.get(grade, 0)})
            shown = "" if before is None else str(before.get(grade, 0))
            rows.append(Row(place, form, grade, previous=shown))
        return Group("incidents", _("Incidents by grade"), rows, kind=q.GRADE)

    def _trackers(self) -> list[Group]:
        before = q.previous_categories(self.doc, self.previous)
        groups = []
        for m, migration in enumerate(q.migrations(self.doc)):
            rows = []
            for c, category in enumerate(migration.categories):
                place = (q.CATEGORY, m, c)
                initial = {name: getattr(category, name) for name in CategoryForm.base_fields}
                form = self._form(CategoryForm, place, initial)
                last = before.get(place)
                if last is not None:
                    values = {n: getattr(last, n) for n in CategoryForm.base_fields}
                    _mark_previous(form, values, say=True)
                row = Row(place, form, category.name, part=category)
                for b, bucket in enumerate(category.in_progress):
                    bucket_place = (q.BUCKET, m, c, b)
                    bucket_form = self._form(
                        BucketForm, bucket_place, {"percent": bucket.percent, "count": bucket.count}
                    )
                    old = last.in_progress[b] if last and b < len(last.in_progress) else None
                    if old is not None:
                        values = {"percent": fmt_decimal(old.percent), "count": old.count}
                        _mark_previous(bucket_form, values, say=True)
                    row.children.append(Row(bucket_place, bucket_form, bucket.label, part=bucket))
                rows.append(row)
            groups.append(Group(f"tracker-{m}", migration.name, rows, kind=q.CATEGORY))
        return groups

    def _items(self) -> list[Group]:
        before = q.previous_items(self.doc, self.previous)
        by_objective: dict[int, list[Row]] = {}
        for place, item, depth in q.items(self.doc):
            reviewed = place in self.reviewed
            initial = {"body": item.body, "status": item.status, REVIEWED: reviewed}
            form = self._form(ItemForm, place, initial)
            form.fields["body"].label = item.title
            last = before.get(place)
            if last is not None:
                _mark_previous(form, {"body": last.body}, copy=False)
            by_objective.setdefault(place[1], []).append(
                Row(
                    place,
                    form,
                    item.title,
                    previous=last.body if last is not None else "",
                    carried=place in self.carried,
                    reviewed=reviewed,
                    keep=True,
                    depth=depth,
                    part=item,
                )
            )
        return [
            Group(
                f"items-{o}",
                objective_heading(self.doc.objectives[o], self.doc.language),
                rows,
                kind=q.ITEM,
            )
            for o, rows in by_objective.items()
        ]

    def _entries(self) -> list[Group]:
        before = q.previous_entries(self.doc, self.previous)
        day = self.doc.report_date
        groups: dict[int, Group] = {}
        for place, section, entry in q.entries(self.doc):
            facts = entry.facts(day)
            form = self._form(EntryForm, place, facts, facts=facts)
            last = before.get(place)
            shown = ""
            if last is not None:
                old = last.facts(self.previous.report_date)
                shown = " · ".join(
                    str(v)
                    for v in (
                        dict(ItemStatus.choices()).get(old["status"], ""),
                        old["owner"],
                        old["due"].isoformat() if old["due"] else "",
                    )
                    if v
                )
            group = groups.setdefault(
                place[1], Group(f"entries-{place[1]}", section.heading, [], kind=q.ENTRY)
            )
            group.rows.append(Row(place, form, entry.text, previous=shown, keep=True, part=entry))
        return list(groups.values())

    def _plan(self) -> Group:
        rows = [
            Row(
                (q.PLAN, n), self._form(PlanForm, (q.PLAN, n), {"outcome": line.outcome}), line.text
            )
            for n, line in enumerate(self.doc.plan_review)
        ]
        return Group("plan", _("Last week's plan"), rows, kind=q.PLAN)

    # -- every form -----------------------------------------------------------------------

    def rows(self) -> list[Row]:
        found = []
        for group in self.groups:
            for row in group.rows:
                found.append(row)
                found.extend(row.children)
        return found

    @property
    def posted_version(self) -> int:
        """The version the page was opened on; a page posted without it conflicts."""
        if not self.head.is_valid() or self.head.cleaned_data.get("version") is None:
            return UNVERSIONED
        return self.head.cleaned_data["version"]

    def is_valid(self) -> bool:
        valid = self.event.is_valid()
        for row in self.rows():
            valid = row.form.is_valid() and valid
        return self._counts_add_up() and valid

    def _counts_add_up(self) -> bool:
        """A category's counts add up to its total, in progress being its progress rows'
        (the edit page's rule), where the page changed any of them."""
        ok = True
        for row in self.rows():
            if row.place[0] != q.CATEGORY:
                continue
            forms_ = [row.form, *(child.form for child in row.children)]
            if not any(f.has_changed() for f in forms_) or not all(f.is_valid() for f in forms_):
                continue  # unchanged, or its own fields are refused already
            data = row.form.cleaned_data
            in_progress = sum(child.form.cleaned_data["count"] for child in row.children)
            counted = sum(data[p] for p in CategoryForm.PARTS) + in_progress
            if counted != data["total"]:
                row.form.add_error(
                    "total",
                    _("The counts add up to %(counted)d, not to the total %(total)d.")
                    % {"counted": counted, "total": data["total"]},
                )
                ok = False
        return ok

    def changes(self) -> q.Changes:
        """What the valid forms change (call ``is_valid()`` first)."""
        changes = q.Changes(event_at=self.event.cleaned_data.get("at"))
        for row in self.rows():
            for name in row.form.changed_data:
                if name != REVIEWED:  # not the week's: see confirming()
                    changes.set(row.place, name, row.form.cleaned_data[name])
        if self.event.filled():
            changes.event = self.event.event()
        if changes.event_at is not None and changes.event_at > len(self.doc.events):
            changes.event_at = None
        return changes

    def marks_saved(self) -> dict[str, str]:
        """The value each "No change" mark was saved with, under the name of the input
        that says what the page's next save changes of them (Django's hidden initial)."""
        return {
            row.form[REVIEWED].html_initial_name: str(bool(row.form.cleaned_data.get(REVIEWED)))
            for row in self.rows()
            if REVIEWED in row.form.fields and hasattr(row.form, "cleaned_data")
        }

    def confirming(self, new: d.ReportDocument) -> services.Confirming:
        """What the page changed of the week's confirmations ("No change"): the stamps of
        the rows it marked, as ``new`` (the week with the changes written in) states
        them, and of those it unmarked, as the page was opened on them (call
        ``is_valid()`` first). Only what this page changed: another page's marks stay."""
        before, after = self.stamps, q.stamps(new)
        added, removed = set(), set()
        for row in self.rows():
            if REVIEWED not in row.form.fields or row.place not in after:
                continue
            marked = row.form.cleaned_data.get(REVIEWED)
            if REVIEWED in row.form.changed_data:  # since the page was opened
                if marked:
                    added.add(after[row.place])
                else:
                    removed |= {before.get(row.place), after[row.place]}
            elif marked and before.get(row.place) != after[row.place]:
                removed.add(before.get(row.place))  # marked, and its text changed here
                added.add(after[row.place])
        return services.Confirming(added, removed - added - {None}, set(after.values()))

    def document(self) -> d.ReportDocument | None:
        """The week with the changes written in, checked as every door checks a week; None
        when something is refused (the error is then beside its field)."""
        try:
            new = q.apply(self.doc, self.changes())
        except q.CannotApply as exc:
            self._add_error(exc.place, exc.name, exc.message)
            return None
        ok = True
        forms_at = {id(q.locate(new, row.place)): row for row in self.rows()}
        for problem in rules.problems(new, tz=timezone.get_current_timezone()):
            ok = False
            self._add_problem(problem, new, forms_at)
        return new if ok else None

    def _add_problem(self, problem: rules.Problem, new: d.ReportDocument, forms_at) -> None:
        if isinstance(problem.part, d.Incidents) and problem.path.startswith("incidents.counts"):
            self._add_error((q.GRADE, problem.field), "count", problem.message)
            return
        if (
            isinstance(problem.part, d.StabilityEvent)
            and new.events
            and problem.part is new.events[-1]
        ):
            name = EVENT_FIELDS.get(problem.field, problem.field)
            if self.event.filled() and name in self.event.fields:
                self.event.add_error(name, problem.message)
                return
        row = forms_at.get(id(problem.part))
        if row is not None and problem.field in row.form.fields:
            row.form.add_error(problem.field, problem.message)
            return
        self.non_field_errors.append(problem.sentence())

    def _add_error(self, place: tuple, name: str, message: str) -> None:
        row = next((r for r in self.rows() if r.place == tuple(place)), None)
        if row is not None and name in row.form.fields:
            row.form.add_error(name, message)
        elif row is not None:
            self.non_field_errors.append(f"{row.label}: {message}")
        else:
            self.non_field_errors.append(message)

    def add_error(self, message: str) -> None:
        self.non_field_errors.append(message)

    # -- errors, for the page and for the autosave script ----------------------------------

    def _all_forms(self) -> list[forms.Form]:
        return [row.form for row in self.rows()] + [self.event]

    def errors(self) -> dict[str, list[str]]:
        """Errors by the HTML name of their field."""
        found: dict[str, list[str]] = {}
        for form in self._all_forms():
            for name, messages_ in form.errors.items():
                if name != NON_FIELD_ERRORS:
                    found[form.add_prefix(name)] = list(messages_)
        return found

    def all_non_field_errors(self) -> list[str]:
        found = list(self.non_field_errors)
        for form in self._all_forms():
            found.extend(str(m) for m in form.non_field_errors())
        return found

    @property
    def error_count(self) -> int:
        return sum(len(m) for m in self.errors().values()) + len(self.all_non_field_errors())

    def unsaved(self, data) -> list[tuple[str, str]]:
        """What a posted page (``data``) holds that this one does not: for a page refused
        because the week moved, what the lead had typed, to type it again."""
        found = []
        for row in self.rows():
            for bound in row.form.visible_fields():
                posted = data.get(bound.html_name)
                if posted is not None and bound.field.has_changed(bound.initial, posted):
                    choices = dict(getattr(bound.field, "choices", ()))
                    label = (
                        row.label if bound.label == row.label else f"{row.label} · {bound.label}"
                    )
                    found.append((label, str(choices.get(posted, posted))))
        for bound in self.event:
            posted = data.get(bound.html_name, "")
            if bound.name not in ("at", "kind") and posted.strip():
                found.append((str(bound.label), posted))
        return found


# ---------------------------------------------------------------------------------------
# The view
# ---------------------------------------------------------------------------------------

SAVED, UNCHANGED, INVALID, STALE, LOCKED = "saved", "unchanged", "invalid", "stale", "locked"
# The page's buttons; a POST of the autosave script without either saves as it goes.
BUTTONS = ("save", "publish")


def _stale_message() -> str:
    return _(
        "Someone saved this report after you opened this page; nothing was saved. "
        "Open the page again to see their version."
    )


@never_cache
@login_required
@pairs_posted
def report_quick(request, slug: str, report_date):
    """GET: the page. POST: save what it changed, then go to the preview (or, with "Save
    and publish", to the publish step); the autosave script gets JSON instead.

    A week with no report yet opens as a new week starts (``selectors.new_week_start``)
    and its first save creates it, when the date is the team's report date of its week
    with no report in it; another date leads there (a POST to it: 404, nothing saved)."""
    team = get_team_for_lead(request.user, slug)
    report = selectors.report_for_team(team, report_date)
    if (
        report is None
        and (elsewhere := week_elsewhere(team, report_date, "reports:report_quick")) is not None
    ):
        if request.method == "POST":
            raise Http404("Not the team's report date of its week")
        return elsewhere
    if report is not None and report.is_published and request.method != "POST":
        messages.info(request, _("This report is published. Reopen it to edit."))
        return redirect(report)
    if request.method != "POST":
        return _render(request, team, report, _page(team, report_date, report))
    page = _page(team, report_date, report, request.POST, autosave=_autosaving(request))
    if report is None:
        outcome, report = _create(request, team, page)
    else:
        outcome = _save(request, report, page)
    if outcome == SAVED and not _autosaving(request):  # said on the page it leads to
        messages.success(request, _("Draft saved."))
    elif outcome == UNCHANGED and not _autosaving(request):
        messages.info(request, _("Nothing was changed."))
    if wants_json(request):
        return _json(request, report, page, outcome)
    if outcome in (SAVED, UNCHANGED):
        return redirect(_next(request, report))
    conflict = None
    if outcome == STALE:  # the page of the week as saved now, and what was typed
        report = selectors.report_for_team(team, report_date)
        page = _page(team, report_date, report)
        conflict = {
            "theirs": report.revisions.select_related("author").first() if report else None,
            "unsaved": page.unsaved(request.POST),
        }
    elif outcome == LOCKED:
        page.add_error(published_meanwhile())
    return _render(request, team, report, page, conflict)


def _render(request, team, report, page: QuickUpdate, conflict: dict | None = None):
    ctx = {
        "team": team,
        "report": report,  # None: the week has no report yet
        "doc": page.doc,
        "quick": page,
        "conflict": conflict,
        "date": page.doc.report_date.isoformat(),
    }
    return render(request, "reports/report_quick.html", ctx)


def _page(team, report_date, report, data=None, *, autosave: bool = False) -> QuickUpdate:
    """The page of the week as saved, or, while it has no report, as a new week starts
    (what the new week page and its autosave start it from)."""
    if report is None:
        doc, previous = selectors.new_week_start(team, report_date)
        version = None
    else:
        doc = selectors.report_document(report)
        previous = selectors.previous_document(team, report_date, kept=data is None)
        version = report.version
    return QuickUpdate(
        doc,
        previous,
        version=version,
        grades=team.grades,
        data=data,
        autosave=autosave,
        confirmed=report.confirmed if report is not None else (),
    )


def _autosaving(request) -> bool:
    """A save the script makes while the lead types (not one of the page's buttons)."""
    return wants_json(request) and not any(b in request.POST for b in BUTTONS)


def _next(request, report) -> str:
    """Where the page leads once saved: the publish step, or the preview."""
    view = "reports:report_publish" if "publish" in request.POST else "reports:report_preview"
    return reverse(view, args=[report.team.slug, report.report_date])


def _save(request, report, page: QuickUpdate) -> str:
    """Save what the page changed; what became of it (SAVED … LOCKED)."""
    if report.is_published:
        return LOCKED
    if page.posted_version != report.version:
        return STALE
    if not page.is_valid():
        return INVALID
    document = page.document()
    if document is None:
        return INVALID
    confirming = page.confirming(document)
    if document == page.doc:
        if confirming.applied(report.confirmed) == report.confirmed:
            return UNCHANGED
        _confirm(report, confirming)
        return SAVED
    try:
        saved = services.report_update(
            report=report,
            document=document,
            author=request.user,
            expected_version=page.posted_version,
            # The script's saves while the lead types make one revision per run of typing.
            autosave=_autosaving(request),
        )
    except services.ReportLocked:
        return LOCKED
    except services.StaleReport:
        return STALE
    except rules.Invalid as exc:  # a rule no field could see: still nothing saved
        page.add_error(exc.problem.sentence())
        return INVALID
    report.version = saved.version
    _confirm(report, confirming)
    return SAVED


def _confirm(report: WeeklyReport, confirming: services.Confirming) -> None:
    row = services.report_confirm(report=report, confirming=confirming)
    report.confirmed, report.updated_at = row.confirmed, row.updated_at


def _create(request, team, page: QuickUpdate) -> tuple[str, WeeklyReport | None]:
    """Start the week with what the page says (saved even unchanged: saving starts it);
    what became of it, and the new report. A week started by someone else since the page
    was opened is STALE: nothing is saved."""
    if not page.is_valid():
        return INVALID, None
    document = page.document()
    if document is None:
        return INVALID, None
    try:
        report = services.report_create(team=team, document=document, author=request.user)
    except services.WeekTaken:
        return STALE, None
    except rules.Invalid as exc:  # a rule no field could see: still nothing saved
        page.add_error(exc.problem.sentence())
        return INVALID, None
    _confirm(report, page.confirming(document))
    return SAVED, report


def _json(request, report, page: QuickUpdate, outcome: str) -> JsonResponse:
    """The answer to the autosave script (static/js/autosave.js): ``url`` is this page,
    ``next`` where its Save buttons lead, ``fields`` the "No change" marks as saved, for
    the page to compare its next save with (``QuickUpdate.confirming``)."""
    if outcome in (SAVED, UNCHANGED):
        return JsonResponse(
            {
                "saved": True,
                "version": report.version,
                "saved_at": timezone.localtime(report.updated_at).strftime("%H:%M"),
                "url": request.path,
                "next": _next(request, report),
                "fields": page.marks_saved(),
            }
        )
    if outcome == STALE:
        return JsonResponse(
            {"saved": False, "conflict": True, "message": _stale_message()}, status=409
        )
    if outcome == LOCKED:
        return JsonResponse(
            {"saved": False, "locked": True, "message": published_meanwhile()}, status=423
        )
    return JsonResponse(
        {
            "saved": False,
            "errors": page.errors(),
            "non_field_errors": page.all_non_field_errors(),
        },
        status=400,
    )
