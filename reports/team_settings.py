"""The lead's team settings: the team itself, its KPIs and targets, objectives, trackers.

Renaming here renames for every week (weeks point at these rows), so a KPI or a category
keeps one history. A row that weeks already use cannot be removed: its history would go
with it.
"""

from __future__ import annotations

import hashlib
from datetime import time
from decimal import Decimal

from django import forms
from django.conf import settings
from django.forms import BaseModelFormSet, model_to_dict, modelformset_factory
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from metrics.models import KpiDefinition, MigrationCategory, MigrationTracker
from reports import search
from reports.document import rules
from reports.models import Objective, Team


def _codes(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


class TeamForm(forms.ModelForm):
    # The settings as the page showed them (``TeamSettings.version``): a save from a page
    # opened before someone else's save is refused instead of reverting theirs.
    version = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    class Meta:
        model = Team
        fields = [
            "name",
            "heading_language",
            "week_numbering",
            "severity_grades",
            "grade_groups",
            "due_weekday",
            "due_time",
        ]
        widgets = {"due_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        help_texts = {
            "due_time": format_lazy(
                _(
                    "Time zone: {zone}. If the week is not published by then, the leads are reminded; "
                    "the next morning at 9:00 the manager is told."
                ),
                zone=settings.TIME_ZONE,
            )
        }

    def clean_severity_grades(self):
        grades = _codes(self.cleaned_data["severity_grades"])
        if not grades:
            raise forms.ValidationError(_("Name at least one grade, e.g. “A,B,C,D”."))
        if len(set(grades)) != len(grades):
            raise forms.ValidationError(_("Each grade is named once."))
        if any(len(g) > 3 for g in grades):
            raise forms.ValidationError(_("A grade is at most three characters."))
        return ",".join(grades)

    def clean(self):
        data = super().clean()
        grades = _codes(data.get("severity_grades", ""))
        groups = _codes(data.get("grade_groups", ""))
        if grades and all(len(g) == 1 for g in grades):
            seen: set[str] = set()
            for group in groups:
                unknown = [g for g in group if g not in grades]
                if unknown:
                    self.add_error(
                        "grade_groups",
                        _("“%(group)s” uses a grade the team does not have: %(grade)s.")
                        % {"group": group, "grade": unknown[0]},
                    )
                    break
                if seen & set(group):
                    self.add_error("grade_groups", _("A grade belongs to one group only."))
                    break
                seen.update(group)
        elif groups:
            self.add_error(
                "grade_groups", _("Grades can be grouped only when each is a single letter.")
            )
        if "grade_groups" not in self.errors:
            data["grade_groups"] = ",".join(groups)
        return data


class GuardedFormSet(BaseModelFormSet):
    """A team's rows: names unique within the team, rows in use not removable."""

    unique_field = "name"
    in_use_message = _("“%(name)s” is used by %(count)d weekly reports and cannot be removed.")

    def in_use(self, instance) -> int:
        raise NotImplementedError

    def clean(self):
        super().clean()
        for form in self.initial_forms:
            # A row posted with an id that is not among this team's rows (another team's,
            # or one removed meanwhile): Django leaves it unsaved; say so beside it.
            if form.instance.pk is None:
                form.add_error(None, _("This row is not one of the team's; reload the page."))
        seen: set[str] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if self._should_delete_form(form):
                if form.instance.pk and (count := self.in_use(form.instance)):
                    raise forms.ValidationError(
                        self.in_use_message % {"name": form.instance, "count": count}
                    )
                continue
            value = form.cleaned_data.get(self.unique_field)
            if value in seen:
                form.add_error(self.unique_field, _("This name is already used above."))
            seen.add(value)


class KpiFormSet(GuardedFormSet):
    def in_use(self, instance) -> int:
        return instance.values.count()


class ObjectiveFormSet(GuardedFormSet):
    unique_field = "code"

    def in_use(self, instance) -> int:
        return instance.entries.values("report").distinct().count()


class CategoryFormSet(GuardedFormSet):
    def in_use(self, instance) -> int:
        return instance.snapshots.values("snapshot__report").distinct().count()


class RuledRowForm(forms.ModelForm):
    """A row of the settings: its names are one line of text, as the weeks' rules say
    (they are copied into every week's document)."""

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            if isinstance(value, str) and (problem := rules.text_problem(value, single_line=True)):
                self.add_error(name, problem)
        return cleaned


class KpiDefinitionForm(RuledRowForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        target = self.initial.get("target")
        if target is not None:  # 99.9500 as stored, 99.95 as typed
            self.initial["target"] = target.normalize()

    def clean(self):
        """The target by the weeks' rules (a percentage between 0 and 100); a KPI made a
        percentage only while no week holds a value outside 0–100."""
        cleaned = super().clean()
        unit = cleaned.get("unit") or ""
        target = cleaned.get("target")
        if target is not None and (problem := rules.kpi_value_problem(target, unit)):
            self.add_error("target", problem)
        if unit == "%" and self.instance.pk and self.instance.unit != "%":
            outside = (
                self.instance.values.exclude(value=None).exclude(value__range=(0, 100)).count()
            )
            if outside:
                self.add_error(
                    "unit",
                    ngettext(
                        "%(count)d week holds a value of this KPI outside 0–100.",
                        "%(count)d weeks hold a value of this KPI outside 0–100.",
                        outside,
                    )
                    % {"count": outside},
                )
        return cleaned


KpiDefinitionFormSet = modelformset_factory(
    KpiDefinition,
    form=KpiDefinitionForm,
    formset=KpiFormSet,
    fields=["name", "kind", "unit", "target", "higher_is_better", "year_to_date", "order"],
    extra=1,
    can_delete=True,
)
TeamObjectiveFormSet = modelformset_factory(
    Objective,
    form=RuledRowForm,
    formset=ObjectiveFormSet,
    fields=["code", "title", "order"],
    extra=1,
    can_delete=True,
)
MigrationCategoryFormSet = modelformset_factory(
    MigrationCategory,
    form=RuledRowForm,
    formset=CategoryFormSet,
    fields=["name", "order"],
    labels={"order": _("order")},
    extra=1,
    can_delete=True,
)


class TeamSettings:
    """All forms of the settings page; ``save()`` runs inside the caller's transaction.

    The page carries the version of the settings it shows: a digest of every value and
    row it edits, so a change by any door (another lead, the admin, a report adding a KPI)
    makes a page opened before it stale.
    """

    def __init__(self, team: Team, data=None):
        self.team = team
        self.team_form = TeamForm(data, instance=team, prefix="team")
        self.kpis = KpiDefinitionFormSet(
            data, queryset=KpiDefinition.objects.filter(team=team), prefix="kpidef"
        )
        self.objectives = TeamObjectiveFormSet(
            data, queryset=Objective.objects.filter(team=team), prefix="objdef"
        )
        self.trackers = [
            (
                tracker,
                MigrationCategoryFormSet(
                    data,
                    queryset=MigrationCategory.objects.filter(tracker=tracker),
                    prefix=f"tracker{tracker.pk}",
                ),
            )
            for tracker in MigrationTracker.objects.filter(team=team)
        ]

        if data is None:
            self.team_form.initial["version"] = self.version()

    @property
    def formsets(self):
        return [self.kpis, self.objectives, *(fs for _t, fs in self.trackers)]

    def _parts(self):
        """(heading, model, fields, [(row id, values)]) of every part of the page: as
        stored for a page not posted, as typed for a posted page that is valid. The same
        parts serve the version and the differences shown on a conflict."""
        posted = self.team_form.is_bound
        team = self.team_form.cleaned_data if posted else model_to_dict(self.team)
        yield gettext("The team"), Team, TeamForm._meta.fields, [(self.team.pk, team)]
        parts = [(gettext("KPIs and targets"), self.kpis), (gettext("Objectives"), self.objectives)]
        parts += [
            (gettext("Migration categories of %(name)s") % {"name": tracker.name}, formset)
            for tracker, formset in self.trackers
        ]
        for heading, formset in parts:
            fields = formset.form._meta.fields
            if posted:
                kept = [f for f in formset.forms if f.cleaned_data and not _deleted(formset, f)]
                rows = [(f.instance.pk, f.cleaned_data) for f in kept]
            else:
                rows = [(row.pk, model_to_dict(row, fields)) for row in formset.get_queryset()]
            yield heading, formset.model, fields, rows

    def text(self) -> str:
        """The settings as lines a reader compares."""
        lines = []
        for heading, model, fields, rows in self._parts():
            lines.append(f"# {heading}")
            for _pk, values in rows:  # the team a field a line, the lists a row a line
                per_line = [[n] for n in fields] if model is Team else [fields]
                lines += [_line(model, names, values) for names in per_line]
        return "\n".join(lines)

    def version(self) -> str:
        """A digest of the settings as stored (a page not posted), whatever the language."""
        digest = hashlib.sha256()
        for _heading, model, fields, rows in self._parts():
            for pk, values in rows:
                raw = [_raw(values.get(n)) for n in fields]
                digest.update(f"{model._meta.label}\t{pk}\t{raw!r}\n".encode())
        return digest.hexdigest()[:32]

    def last_change(self):
        """The newest history record of the rows the page edits: who saved last, when."""
        histories = [
            Team.history.filter(id=self.team.pk),
            KpiDefinition.history.filter(team_id=self.team.pk),
            Objective.history.filter(team_id=self.team.pk),
            MigrationCategory.history.filter(tracker_id__in=[t.pk for t, _fs in self.trackers]),
        ]
        records = [
            h.select_related("history_user").order_by("-history_date").first() for h in histories
        ]
        return max(filter(None, records), key=lambda r: r.history_date, default=None)

    def posted_version(self) -> str:
        return self.team_form.cleaned_data.get("version") or ""

    def stored(self) -> TeamSettings:
        """The page as it would be opened now."""
        return TeamSettings(Team.objects.get(pk=self.team.pk))

    def is_current(self) -> bool:
        """Whether the settings are still those the page was opened on (asked under the
        team's row lock, so no other save comes between the answer and the save)."""
        return self.posted_version() == self.stored().version()

    def is_valid(self) -> bool:
        valid = self.team_form.is_valid()
        for formset in self.formsets:
            valid = formset.is_valid() and valid
        return valid

    def save(self) -> None:
        renames = _renames(self.objectives, ("code", "title"))
        for _tracker, formset in self.trackers:
            renames += _renames(formset, ("name",))
        self.team_form.save()
        _save(self.kpis, team=self.team)
        _save(self.objectives, team=self.team)
        for tracker, formset in self.trackers:
            _save(formset, tracker=tracker)
        search.rename_words(self.team.pk, renames)


def _raw(value) -> str:
    """A value as stored and as typed alike: 99.9500 is 99.95, 18:00:00 is 18:00."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def _shown(model, name: str, value) -> str:
    field = model._meta.get_field(name)
    if field.choices and value not in (None, ""):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return _raw(value)


def _line(model, fields, values) -> str:
    return " · ".join(
        f"{model._meta.get_field(n).verbose_name}: {_shown(model, n, values.get(n))}"
        for n in fields
    )


def _deleted(formset, form) -> bool:
    return formset.can_delete and formset._should_delete_form(form)


def _renames(formset, fields: tuple[str, ...]) -> list[tuple[str, str]]:
    """(old, new) for every name changed on a row that already existed."""
    return [
        (str(form.initial[name]), str(form.cleaned_data[name]))
        for form in formset.initial_forms
        if form.has_changed() and not formset._should_delete_form(form)
        for name in fields
        if name in form.changed_data
    ]


def _save(formset, **parent) -> None:
    for instance in formset.save(commit=False):
        for name, value in parent.items():
            setattr(instance, name, value)
        instance.save()
    for instance in formset.deleted_objects:
        instance.delete()
