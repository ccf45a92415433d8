"""The lead's team settings: the team itself, its KPIs and targets, objectives, trackers,
and its layout (the sections of its weeks).

Renaming here renames for every week (weeks point at these rows), so a KPI or a category
keeps one history. A row that weeks already use cannot be removed: its history would go
with it. A layout section can: the weeks keep its heading as they showed it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import time
from decimal import Decimal

from django import forms
from django.conf import settings
from django.forms import (
    BaseFormSet,
    BaseModelFormSet,
    formset_factory,
    model_to_dict,
    modelformset_factory,
)
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core import page_cache
from metrics.models import KpiDefinition, MigrationCategory, MigrationTracker
from reports import search
from reports.document import limits, rules
from reports.document.importer import DateMissing, ReportFormatError
from reports.document.layout import (
    Layout,
    LayoutSection,
    default_layout,
    learn_layout,
    normalize,
    seen_headings,
    unique_key,
)
from reports.document.vocabulary import SectionKind
from reports.imports import read_markdown
from reports.layouts import layout_save, learned_layout
from reports.models import Objective, Team, TeamSection
from reports.rows import team_layout


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


# ---------------------------------------------------------------------------------------
# The layout: the sections of the team's weeks, in order
# ---------------------------------------------------------------------------------------

HEADING_LENGTH = rules.LENGTHS["section.heading"]
MAX_LAYOUT_SECTIONS = 40
MAX_SPELLINGS = 20
LEARN_WEEKS = 12  # the newest weeks a layout is learned from
MAX_LEARN_FILES = 20
# A key as ``unique_key`` and the sample's layout make them; any other posted key is
# replaced by a new one.
_KEY = re.compile(r"[a-z][a-z0-9_]{0,30}(?:-\d{1,6})?")


def _fixed_kind(key: str) -> str | None:
    """The kind of one of the sample's sections: they hold the report's own fields
    (KPIs, objectives, the free texts, daily notes), which no other kind would show."""
    section = default_layout().by_key(key) if key else None
    return section.kind if section is not None else None


class LayoutSectionForm(forms.Form):
    """A section of the team's layout. The row keeps its ``key`` through a rename: the
    weeks' sections refer to it, so the new heading shows in every week. ``shown`` is
    the heading as the page showed it (stored, or learned), to know what was renamed."""

    key = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    shown = forms.CharField(required=False, widget=forms.HiddenInput)
    heading = forms.CharField(
        label=_("heading"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": HEADING_LENGTH}),
    )
    kind = forms.ChoiceField(
        label=_("kind"), choices=SectionKind.choices, initial=SectionKind.TEXT.value
    )
    level = forms.IntegerField(
        label=_("level"), min_value=1, max_value=rules.MAX_HEADING_LEVEL, initial=2
    )
    aliases = forms.CharField(
        label=_("other spellings"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        key = self.data.get(self.add_prefix("key")) if self.is_bound else self.initial.get("key")
        if fixed := _fixed_kind(key or ""):
            self.fields["kind"].disabled = True  # the posted kind is ignored
            self.initial["kind"] = fixed

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        return key if _KEY.fullmatch(key) else ""

    def clean_shown(self) -> str:
        shown = self.cleaned_data["shown"]
        return "" if rules.text_problem(shown, HEADING_LENGTH, single_line=True) else shown

    def clean_heading(self) -> str:
        heading = self.cleaned_data["heading"]
        if problem := rules.text_problem(heading, HEADING_LENGTH, single_line=True):
            raise forms.ValidationError(problem)
        if heading and not normalize(heading):
            raise forms.ValidationError(
                _("A heading needs words besides its numbering and brackets.")
            )
        return heading

    def clean_aliases(self) -> tuple[str, ...]:
        spellings = tuple(
            dict.fromkeys(s.strip() for s in self.cleaned_data["aliases"].splitlines() if s.strip())
        )
        if len(spellings) > MAX_SPELLINGS:
            raise forms.ValidationError(
                _("At most %(count)d other spellings.") % {"count": MAX_SPELLINGS}
            )
        for spelling in spellings:
            if problem := rules.text_problem(spelling, HEADING_LENGTH):
                raise forms.ValidationError(
                    _("“%(spelling)s”: %(problem)s")
                    % {"spelling": spelling[:40], "problem": problem}
                )
        return spellings


class LayoutFormSet(BaseFormSet):
    """The layout's rows; once valid, ``layout`` is the layout they make, in the order
    given. A new row gets a key no row of the stored or posted layout has, so it never
    takes over the weeks of a section removed in the same save."""

    def __init__(self, *args, taken: set[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.taken = set(taken)
        self.layout: Layout | None = None
        # The same sections under the headings the page showed, and whether any differs.
        self.shown_layout: Layout | None = None
        self.renamed = False

    def kept(self) -> list[forms.Form]:
        """The rows to keep (not deleted, not left empty), in their order."""
        rows = [
            (index, form)
            for index, form in enumerate(self.forms)
            if getattr(form, "cleaned_data", None) and not self._should_delete_form(form)
        ]

        def place(row):
            order = row[1].cleaned_data.get("ORDER")
            return (order is None, order or 0, row[0])

        return [form for _index, form in sorted(rows, key=place)]

    def clean(self):
        super().clean()
        kept = self.kept()
        if not kept and not any(self.errors):
            raise forms.ValidationError(_("A layout needs at least one section."))
        posted = {f.cleaned_data.get("key") for f in self.forms if getattr(f, "cleaned_data", None)}
        taken = self.taken | posted - {"", None}
        used: set[str] = set()
        headings: dict[str, forms.Form] = {}  # normalised heading -> its row
        sections = []
        for form in kept:
            data = dict(form.cleaned_data)
            key = data.get("key") or ""
            if not key or key in used:
                key = unique_key(data.get("kind") or SectionKind.TEXT.value, taken | used)
            used.add(key)
            heading = data.get("heading", "")
            if "heading" in data and not heading and key != "objectives":
                form.add_error(
                    "heading",
                    _("Give the section a heading (only the objectives section has none)."),
                )
            name = normalize(heading)
            if name and name in headings:
                form.add_error(
                    "heading",
                    _("Another section above has this heading: “%(heading)s”.")
                    % {"heading": headings[name].cleaned_data.get("heading", heading)},
                )
            elif name:
                headings[name] = form
            sections.append((form, key, data))
        spellings: dict[str, forms.Form] = {}  # normalised other spelling -> its row
        for form, _key, data in sections:
            for spelling in data.get("aliases", ()):
                name = normalize(spelling)
                owner = headings.get(name)
                if owner is not None and owner is not form:
                    form.add_error(
                        "aliases",
                        _("“%(spelling)s” is the heading of another section.")
                        % {"spelling": spelling},
                    )
                elif name and spellings.setdefault(name, form) is not form:
                    form.add_error(
                        "aliases",
                        _("“%(spelling)s” is already a spelling of another section.")
                        % {"spelling": spelling},
                    )
        if not any(self.errors):
            self.layout = Layout(
                tuple(
                    LayoutSection(key, d["kind"], d["heading"], d["level"], d["aliases"])
                    for _form, key, d in sections
                )
            )
            self.renamed = any(d["shown"] and d["shown"] != d["heading"] for _f, _k, d in sections)
            self.shown_layout = Layout(
                tuple(
                    replace(section, heading=d["shown"] or section.heading)
                    for section, (_form, _key, d) in zip(
                        self.layout.sections, sections, strict=True
                    )
                )
            )


SectionFormSet = formset_factory(
    LayoutSectionForm,
    formset=LayoutFormSet,
    extra=2,
    can_order=True,
    can_delete=True,
    max_num=MAX_LAYOUT_SECTIONS,
    validate_max=True,
)


def _layout_initial(layout: Layout) -> list[dict]:
    return [
        {
            "key": s.key,
            "heading": s.heading,
            "shown": s.heading,
            "kind": s.kind,
            "level": s.level,
            "aliases": "\n".join(s.aliases),
        }
        for s in layout.sections
    ]


def _layout_rows(layout: Layout) -> list[tuple[str, dict]]:
    """(key, values) of each section, for the version and the differences."""
    return [
        (
            s.key,
            {
                "position": n,
                "heading": s.heading,
                "kind": s.kind,
                "level": s.level,
                "aliases": " / ".join(s.aliases),
            },
        )
        for n, s in enumerate(layout.sections, start=1)
    ]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (none when not required)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".md,.markdown,.txt"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        single = super().clean
        return [single(f, initial) for f in files]


class LayoutLearnForm(forms.Form):
    """What the layout is learned from: the team's newest weeks, or Markdown files the
    lead uploads. ``layout`` is what was learned, for the lead to check; nothing here is
    saved."""

    HISTORY, FILES = "history", "files"

    source = forms.ChoiceField(
        required=False, choices=[(HISTORY, HISTORY), (FILES, FILES)], widget=forms.HiddenInput
    )
    files = MultipleFileField(
        label=_("Markdown files of past weeks"),
        required=False,
    )

    def __init__(self, team: Team, *args, **kwargs):
        super().__init__(*args, prefix="learn", **kwargs)
        self.fields["files"].help_text = _(
            "Up to %(count)d files, each a week in the team's own layout."
        ) % {"count": MAX_LEARN_FILES}
        self.team = team
        self.layout: Layout | None = None
        self.summary = ""

    def clean(self):
        data = super().clean()
        files = data.get("files") or []
        if data.get("source") == self.FILES or (files and data.get("source") != self.HISTORY):
            self._learn_from_files(files)
        else:
            self._learn_from_weeks()
        return data

    def _learn_from_weeks(self) -> None:
        count = min(self.team.reports.count(), LEARN_WEEKS)
        if not count:
            raise forms.ValidationError(
                _("The team has no weeks yet to learn from: upload Markdown files instead.")
            )
        self._learned(
            learned_layout(self.team, limit=LEARN_WEEKS),
            ngettext(
                "Learned from the team's newest week.",
                "Learned from the team's newest %(count)d weeks.",
                count,
            )
            % {"count": count},
        )

    def _learn_from_files(self, files) -> None:
        if not files:
            self.add_error("files", _("Choose one or more Markdown files."))
            return
        if len(files) > MAX_LEARN_FILES:
            self.add_error(
                "files", _("At most %(count)d files at a time.") % {"count": MAX_LEARN_FILES}
            )
            return
        seen = []
        for upload in files:
            try:
                doc = self._read(upload)
            except ReportFormatError as exc:
                self.add_error(
                    "files", _("%(file)s: %(problem)s") % {"file": upload.name, "problem": exc}
                )
                continue
            seen.append(seen_headings(doc))
        if self.has_error("files"):
            return
        self._learned(
            learn_layout(seen, known=team_layout(self.team)),
            ngettext("Learned from %(count)d file.", "Learned from %(count)d files.", len(files))
            % {"count": len(files)},
        )

    def _read(self, upload):
        """The week a file states, read as an import reads it; a file that names no
        date is read all the same (its headings are what is learned)."""
        data = upload.read(limits.FILE_LIMIT + 1)
        if len(data) > limits.FILE_LIMIT:
            raise ReportFormatError(1, limits.file_too_large(max(upload.size, len(data))))
        try:
            return read_markdown(self.team, data, file_name=upload.name)
        except DateMissing:
            return read_markdown(
                self.team, data, file_name=upload.name, report_date=timezone.localdate()
            )

    def _learned(self, layout: Layout, summary: str) -> None:
        layout = _with_known(layout, team_layout(self.team), objectives=self._has_objectives())
        if not layout.sections:
            raise forms.ValidationError(_("No headings were found to learn from."))
        self.layout = layout
        self.summary = summary

    def _has_objectives(self) -> bool:
        return Objective.objects.filter(team=self.team).exists()


def _with_known(learned: Layout, known: Layout, *, objectives: bool) -> Layout:
    """``learned`` with what the team's layout (``known``) says that past weeks cannot:
    a section learned under a known key keeps the known spellings (the known heading
    among them when it was learned otherwise); and, for a team with objectives, the
    objectives' section (they are written as their own headings, so no heading teaches
    it) after the section it follows in ``known``, when ``learned`` has that one."""
    sections = []
    for section in learned.sections:
        same = known.by_key(section.key)
        if same is not None:
            spellings = (*section.aliases, same.heading, *same.aliases)
            aliases = tuple(dict.fromkeys(a for a in spellings if a and a != section.heading))
            section = replace(section, aliases=aliases)
        sections.append(section)
    keys = {s.key for s in sections}
    for n, section in enumerate(known.sections):
        if section.heading or section.key in keys or not objectives:
            continue
        before = known.sections[n - 1].key if n else None
        at = next(
            (i + 1 for i, s in enumerate(sections) if s.key == before),
            0 if n == 0 else len(sections),
        )
        sections.insert(at, section)
        keys.add(section.key)
    return Layout(tuple(sections))


class TeamSettings:
    """All forms of the settings page; ``save()`` runs inside the caller's transaction.

    The page carries the version of the settings it shows: a digest of every value and
    row it edits, so a change by any door (another lead, the admin, a report adding a KPI)
    makes a page opened before it stale.

    ``layout``: a layout to show in the layout's rows instead of the team's (one learned
    from past weeks, for the lead to check); the other forms keep ``data``.
    """

    def __init__(self, team: Team, data=None, *, layout: Layout | None = None):
        self.team = team
        self.stored_layout = team_layout(team)
        self.learned = layout is not None
        shown = self.stored_layout if layout is None else layout
        posted = data is not None and layout is None
        self.sections = SectionFormSet(
            data if posted else None,
            # A posted row is compared with what the page showed, not with the rows now
            # stored: a learned layout may have more or fewer.
            initial=None if posted else _layout_initial(shown),
            prefix="layout",
            taken={s.key for s in self.stored_layout.sections},
        )
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
        return [self.kpis, self.objectives, *(fs for _t, fs in self.trackers), self.sections]

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
        layout = self.sections.layout if posted else self.stored_layout
        fields = ["position", "heading", "kind", "level", "aliases"]
        yield gettext("Layout"), TeamSection, fields, _layout_rows(layout or Layout())

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
            TeamSection.history.filter(team_id=self.team.pk),
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
        layout = self.sections.layout
        if layout is not None and layout.sections != self.stored_layout.sections:
            # Unchanged, a team on the sample's layout stays on it (in its language).
            shown = self.sections.shown_layout
            stored = self.stored_layout
            if self.sections.renamed and (stored.default or shown.sections != stored.sections):
                # The weeks are first tied to the sections as the page showed them (the
                # sample's, or learned from the weeks), so that a rename reaches them
                # and keeps the old heading among the section's spellings.
                layout_save(team=self.team, layout=shown)
            layout_save(team=self.team, layout=layout)
            page_cache.scope_changed(self.team.pk)  # its rows are written in bulk


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
