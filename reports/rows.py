"""The report document and its rows in the database, both ways, in one place.

Writing: ``write_report`` sets the report row's own fields from a document, and
``write_parts`` stores the rest as the week's rows (KPI values, incident counts, objective
entries, item updates with their migration snapshots, stability events) and adds the daily
notes it carries. Team-level rows (KPI definitions, objectives, project items, trackers and
categories) are found by name through ``TeamRows``, or created, so history follows them
across weeks. Reading: ``documents`` loads reports back into documents in a fixed number of
queries per batch. A new field of the document is stored and read here, and nowhere else.

Transactions, locks, revisions and the search index are the services' business
(``reports.services``); this module only maps.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import cache

from django.db.models import Prefetch, Q
from django.utils import timezone

from core import markup
from core.history import bulk_create_with_history
from metrics import models as mm
from reports import document as d
from reports.document import renderer, rules
from reports.document.layout import Layout, LayoutSection, default_layout
from reports.document.weeks import report_week
from reports.models import (
    DailyNote,
    ItemUpdate,
    Objective,
    ObjectiveEntry,
    ProjectItem,
    ReportSection,
    StabilityEvent,
    Team,
    TeamSection,
    WeeklyReport,
)


def team_layout(team: Team, rows: list[TeamSection] | None = None) -> Layout:
    """The team's layout: its own sections (``rows``, when already read), else the
    sample's in the team's language."""
    if rows is None:
        rows = list(team.layout_sections.all())
    if not rows:
        return default_layout(team.heading_language)
    return Layout(
        tuple(
            LayoutSection(r.key, r.kind, r.heading, r.level, r.alias_list)
            for r in sorted(rows, key=lambda r: r.position)
        )
    )


def layout_outline(layout: Layout) -> list[d.Section]:
    """A week written in ``layout`` from scratch: its sections, empty."""
    return [] if layout.default else layout.outline()


class TeamRows:
    """The team-level rows that a save finds by name (KPI definitions, objectives, project
    items, migration trackers and their categories), read once and kept for the saves of
    one transaction: an import of many weeks reads them once, not once a week.

    Rows a save creates are added, so keep one only while a failed save cannot roll its
    rows back without the whole transaction (``import_report`` starts a new one after a
    file fails).
    """

    def __init__(self, team: Team):
        self.team = team
        self._definitions: dict[str, mm.KpiDefinition] | None = None
        self._objectives: dict[str, Objective] | None = None
        self._items: dict[tuple, ProjectItem] | None = None
        self._trackers: dict[str, tuple[mm.MigrationTracker, dict]] = {}
        self._layout: Layout | None = None

    @property
    def layout(self) -> Layout:
        if self._layout is None:
            self._layout = team_layout(self.team)
        return self._layout

    @property
    def definitions(self) -> dict[str, mm.KpiDefinition]:
        if self._definitions is None:
            self._definitions = {k.name: k for k in mm.KpiDefinition.objects.filter(team=self.team)}
        return self._definitions

    @property
    def objectives(self) -> dict[str, Objective]:
        if self._objectives is None:
            self._objectives = {o.code: o for o in Objective.objects.filter(team=self.team)}
        return self._objectives

    @property
    def items(self) -> dict[tuple, ProjectItem]:
        """By objective, parent, title and ordinal (how many items of that title came
        before it under the same parent)."""
        if self._items is None:
            self._items = {
                (i.objective_id, i.parent_id, i.title, i.ordinal): i
                for i in ProjectItem.objects.filter(team=self.team)
            }
        return self._items

    def tracker(self, name: str) -> tuple[mm.MigrationTracker, dict[str, mm.MigrationCategory]]:
        """The tracker of that name (created if missing) and its categories by name."""
        if name not in self._trackers:
            tracker, _ = mm.MigrationTracker.objects.get_or_create(team=self.team, name=name)
            self._trackers[name] = (tracker, {c.name: c for c in tracker.categories.all()})
        return self._trackers[name]


# ---------------------------------------------------------------------------------------
# Document -> rows
# ---------------------------------------------------------------------------------------


def write_report(report: WeeklyReport, document: d.ReportDocument) -> None:
    """The report row's own fields as the document states them (not yet saved).

    First of all, the document is checked against the rules every door keeps
    (``rules.Invalid`` naming the first problem), so whatever the caller, nothing is
    written that a page could not read back or the database would refuse halfway.
    """
    rules.check(document, tz=timezone.get_default_timezone())
    report.week_number = document.week_number
    report.status = document.status
    for name in d.FREE_SECTIONS + ("kpi_notes",):
        setattr(report, name, getattr(document, name))
    report.import_notes = list(document.import_notes)
    report.title = document.title
    report.title_level = document.title_level
    report.front_matter = document.front_matter
    team_language = report.team.heading_language if report.team_id else ""
    report.language = "" if document.language == team_language else document.language
    report.plan_review = [{"text": p.text, "outcome": p.outcome} for p in document.plan_review]
    report.render_html(document.rendered)


def markdown_texts(document: d.ReportDocument) -> Iterator[str]:
    """Every text of the document that is stored with its HTML."""
    for name in d.FREE_SECTIONS + ("kpi_notes",):
        yield getattr(document, name)
    for objective in document.objectives:
        yield objective.notes
        for item in objective.walk():
            yield item.body
            yield item.detail
    placed = renderer.placed(document)
    for section in document.sections:
        yield renderer.section_text(document, section, placed)


def prerender(document: d.ReportDocument) -> None:
    """Render every Markdown text of the document into ``document.rendered``, within one
    week's time budget (``core.markup``). The services call this before they take a row
    lock: formatting is the slow part of a save, and the writes then only look it up."""
    deadline = time.monotonic() + markup.WEEK_BUDGET
    for text in markdown_texts(document):
        if text and text not in document.rendered:
            # Each text gets at least a floor: ordinary Markdown takes milliseconds, so
            # pathological texts before it cannot leave it shown as typed.
            left = max(markup.TEXT_FLOOR, deadline - time.monotonic())
            budget = min(markup.TIME_BUDGET, left)
            document.rendered[text] = markup.markdown_to_html(text, budget=budget)


def write_parts(
    rows: TeamRows, report: WeeklyReport, document: d.ReportDocument
) -> list[DailyNote]:
    """The week's parts as rows of the saved ``report``, which has none (``clear_parts``
    removes an earlier save's); the daily notes added to the team."""
    _save_kpis(rows, report, document.kpis)
    _save_incidents(report, document.incidents)
    _save_objectives(rows, report, document)
    _save_events(report, document.events)
    _save_sections(rows, report, document)
    return _add_daily_notes(rows.team, document.daily_notes)


def rewrite_parts(
    rows: TeamRows, report: WeeklyReport, document: d.ReportDocument, before: d.ReportDocument
) -> tuple[list[DailyNote], set[str]]:
    """The week's parts as ``document`` states them, over rows that hold ``before`` (the
    document read from them, at the report's version now locked): a part that states
    exactly what it stated keeps its rows, one that changed is removed and written again.
    What ``write_parts`` after ``clear_parts`` would leave, for the writes of the parts
    that changed: an autosave changes a text or two. Returns the notes added, and the
    parts written (``reread`` reads them back).

    "Exactly" is as ``_stated`` sees it, which tells 99.9 from 99.90 (equal as numbers,
    written differently); a difference it sees that the rows would not hold only costs a
    write.
    """

    changed = {
        name
        for name in ("kpis", "incidents", "objectives", "events", "daily_notes")
        if _stated(getattr(document, name)) != _stated(getattr(before, name))
    }
    for part in _PART_ROWS:
        if part in changed:
            _clear(report, part)
    if "kpis" in changed:
        _save_kpis(rows, report, document.kpis)
    if "incidents" in changed:
        _save_incidents(report, document.incidents)
    if "objectives" in changed:
        _save_objectives(rows, report, document)
    if "events" in changed:
        _save_events(report, document.events)
    # A section's text restates the week's KPIs and events, and its heading depends on the
    # team's layout: compared as the rows it would write.
    sections = _section_rows(rows, report, document)
    if [_section_state(s) for s in sections] != [
        _section_state(s) for s in ReportSection.objects.filter(report=report).order_by("position")
    ]:
        _clear(report, "sections")
        ReportSection.objects.bulk_create(sections)
        changed.add("sections")
    notes = _add_daily_notes(rows.team, document.daily_notes) if "daily_notes" in changed else []
    return notes, changed


def _stated(value):
    """What a part of a document states, as the rows would store it: its fields in
    order (lists and mappings in their order too), numbers as written, choices by their
    value; not the HTML a document read from rows carries, which a write makes afresh
    from the text."""
    kind = type(value)
    if kind is str:
        return value
    if kind is list or kind is tuple:
        return tuple(_stated(v) for v in value)
    if is_dataclass(value):
        return tuple((name, _stated(getattr(value, name))) for name in _stated_fields(kind))
    if isinstance(value, dict):
        return tuple((k, _stated(v)) for k, v in value.items())
    if isinstance(value, Enum):
        return _stated(value.value)
    return repr(value)  # Decimal('99.90') is not Decimal('99.9')


@cache
def _stated_fields(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind) if f.compare and not f.name.endswith("_html"))


def _section_state(row: ReportSection) -> tuple:
    return (row.position, row.kind, row.key, row.heading, row.level, row.text, row.text_html)


def _save_sections(rows: TeamRows, report: WeeklyReport, document: d.ReportDocument) -> None:
    ReportSection.objects.bulk_create(_section_rows(rows, report, document))


def _section_rows(
    rows: TeamRows, report: WeeklyReport, document: d.ReportDocument
) -> list[ReportSection]:
    """The week's sections in order; a heading the same as its layout section's is kept
    blank, so that renaming the section in the layout renames it in every week."""
    layout = rows.layout
    sections = []
    placed = renderer.placed(document)
    for position, section in enumerate(document.sections):
        known = layout.by_key(section.key) if section.key else None
        heading = "" if known is not None and known.heading == section.heading else section.heading
        row = ReportSection(
            report=report,
            position=position,
            kind=section.kind,
            key=section.key,
            heading=heading,
            level=section.level,
            # As the report writes it: the KPIs and events it holds, restated where the
            # text no longer says them, so the page and the download agree.
            text=renderer.section_text(document, section, placed),
        )
        row.render_html(document.rendered)
        sections.append(row)
    return sections


# The rows of each part of a week, as they are removed: children before parents, so
# nested item updates go without cascading surprises.
_PART_ROWS: dict[str, list[tuple[type, dict]]] = {
    "sections": [(ReportSection, {})],
    "objectives": [
        (mm.MigrationSnapshot, {}),
        (ItemUpdate, {"parent__isnull": False}),
        (ItemUpdate, {}),
        (ObjectiveEntry, {}),
    ],
    "events": [(StabilityEvent, {})],
    "kpis": [(mm.KpiValue, {})],
    "incidents": [(mm.IncidentSummary, {})],
}


def _clear(report: WeeklyReport, part: str) -> None:
    for model, where in _PART_ROWS[part]:
        model.objects.filter(report=report, **where).delete()


def clear_parts(report: WeeklyReport) -> None:
    """Remove the week's parts before they are written again (the report row stays)."""
    for part in _PART_ROWS:
        _clear(report, part)


def _decimals(value: Decimal | None) -> int:
    if value is None:
        return 0
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _save_kpis(rows: TeamRows, report: WeeklyReport, kpis: list[d.Kpi]) -> None:
    team, definitions = rows.team, rows.definitions
    next_order = max((k.order for k in definitions.values()), default=0)
    values = []
    for position, kpi in enumerate(kpis):
        definition = definitions.get(kpi.name)
        if definition is None:
            next_order += 1
            definition = mm.KpiDefinition.objects.create(
                team=team,
                name=kpi.name,
                kind=kpi.kind,
                unit=kpi.unit,
                order=next_order,
                year_to_date="年度" in kpi.name or "YTD" in kpi.name.upper(),
                higher_is_better=kpi.higher_is_better,
                target=kpi.target,
            )
            definitions[kpi.name] = definition
        elif (definition.kind, definition.unit) != (kpi.kind, kpi.unit):
            definition.kind, definition.unit = kpi.kind, kpi.unit
            definition.save(update_fields=["kind", "unit"])
        values.append(
            mm.KpiValue(
                definition=definition,
                report=report,
                value=kpi.value,
                decimals=_decimals(kpi.value),
                note=kpi.note,
                position=position,
                source=kpi.source,
            )
        )
    mm.KpiValue.objects.bulk_create(values)


def _save_incidents(report: WeeklyReport, incidents: d.Incidents) -> None:
    if not incidents.counts and not incidents.note:
        return
    (summary,) = mm.IncidentSummary.objects.bulk_create(
        [mm.IncidentSummary(report=report, note=incidents.note)]
    )
    mm.IncidentCount.objects.bulk_create(
        [
            mm.IncidentCount(summary=summary, grade=grade, count=count)
            for grade, count in incidents.counts.items()
        ]
    )


def _save_objectives(rows: TeamRows, report: WeeklyReport, document: d.ReportDocument) -> None:
    """The week's objectives and item updates (in pre-order: ``position`` is the order of
    the items on the page), created a nesting level at a time."""
    team, objectives, items = rows.team, rows.objectives, rows.items
    entries = []
    levels: list[list[tuple[ItemUpdate, ItemUpdate | None, d.Item]]] = []
    used: dict = {}  # how often a title was seen under one parent this week
    for order, entry in enumerate(document.objectives):
        objective = objectives.get(entry.code)
        if objective is None:
            objective = Objective.objects.create(
                team=team, code=entry.code, title=entry.title, order=order
            )
            objectives[entry.code] = objective
        elif objective.title != entry.title:
            objective.title = entry.title
            objective.save(update_fields=["title"])
        entries.append(
            ObjectiveEntry(
                report=report,
                objective=objective,
                position=order,
                notes=entry.notes,
                holds_events=entry.holds_events,
            )
        )
        for item in entry.items:
            _plan_item(team, report, objective, item, None, None, items, used, levels)
    for entry in entries:
        entry.render_html(document.rendered)
    ObjectiveEntry.objects.bulk_create(entries)
    for level in levels:
        for update, parent, _ in level:
            update.parent = parent
            update.render_html(document.rendered)
        ItemUpdate.objects.bulk_create([update for update, _, _ in level])
    for level in levels:
        for update, _, item in level:
            if item.migration is not None:
                _save_migration(rows, report, update, item.migration)


def _plan_item(
    team: Team,
    report: WeeklyReport,
    objective: Objective,
    item: d.Item,
    parent_item: ProjectItem | None,
    parent_update: ItemUpdate | None,
    items: dict,
    used: dict,
    levels: list,
    depth: int = 0,
) -> None:
    """The item's update (not yet saved) and its children's, by nesting level; the
    team's project item is found by objective, parent, title and how many items of that
    title came before under the same parent, or created."""
    parent_key = (objective.pk, parent_item.pk if parent_item else None, item.title)
    ordinal = used.get(parent_key, 0)
    used[parent_key] = ordinal + 1
    project_item = items.get((*parent_key, ordinal))
    if project_item is None:
        project_item = ProjectItem.objects.create(
            team=team,
            objective=objective,
            parent=parent_item,
            title=item.title,
            label=item.label,
            ordinal=ordinal,
        )
        items[(*parent_key, ordinal)] = project_item
    update = ItemUpdate(
        report=report,
        item=project_item,
        position=sum(len(level) for level in levels),  # the order of planning: pre-order
        marker=item.marker,
        heading_level=item.heading_level,
        sep=item.sep,
        body=item.body,
        detail=item.detail,
        percent=item.percent,
        status=item.status,
        eta=item.eta,
    )
    while len(levels) <= depth:
        levels.append([])
    levels[depth].append((update, parent_update, item))
    for child in item.children:
        _plan_item(
            team, report, objective, child, project_item, update, items, used, levels, depth + 1
        )


def _save_migration(
    rows: TeamRows, report: WeeklyReport, update: ItemUpdate, migration: d.Migration
) -> None:
    tracker, categories = rows.tracker(migration.name)
    stated = migration.stated
    (snapshot,) = mm.MigrationSnapshot.objects.bulk_create(
        [
            mm.MigrationSnapshot(
                tracker=tracker,
                report=report,
                item_update=update,
                stated_overall_percent=stated.overall_percent,
                stated_progress=stated.progress,
                stated_total=stated.total,
                stated_developed=stated.developed,
                stated_not_started=stated.not_started,
                stated_in_production=stated.in_production,
                headline_text=migration.headline_text,
                summary_text=migration.summary_text,
            )
        ]
    )
    snaps = []
    for position, cat in enumerate(migration.categories):
        category = categories.get(cat.name)
        if category is None:
            category = mm.MigrationCategory.objects.create(
                tracker=tracker, name=cat.name, order=len(categories)
            )
            categories[cat.name] = category
        snaps.append(
            mm.CategorySnapshot(
                snapshot=snapshot,
                category=category,
                position=position,
                stage=cat.stage,
                total=cat.total,
                offline=cat.offline,
                paused=cat.paused,
                done=cat.done,
                done_names=list(cat.done_names),
                not_started=cat.not_started,
                heading_text=cat.heading_text,
                counts_text=cat.counts_text,
            )
        )
    snaps = mm.CategorySnapshot.objects.bulk_create(snaps)
    mm.ProgressBucket.objects.bulk_create(
        [
            mm.ProgressBucket(
                category=snap, position=i, label=b.label, percent=b.percent, count=b.count
            )
            for snap, cat in zip(snaps, migration.categories, strict=True)
            for i, b in enumerate(cat.in_progress)
        ]
    )


def _save_events(report: WeeklyReport, events: list[d.StabilityEvent]) -> None:
    StabilityEvent.objects.bulk_create(
        [
            StabilityEvent(
                report=report,
                position=position,
                occurred_on=event.date,
                detected_at=_aware(event.detected_at),
                time_text=event.time_text,
                detection=event.detection,
                summary=event.summary,
                cause=event.cause,
                handling=event.handling,
                recovered_at=_aware(event.recovered_at),
                kind=event.kind,
                grade=event.grade,
            )
            for position, event in enumerate(events)
        ]
    )


def _add_daily_notes(team: Team, notes: list[d.DailyNote]) -> list[DailyNote]:
    """Notes read from a report are added unless the team already has the same note; the
    notes added.

    Notes belong to the team and the day, not to one save of a report: nothing here ever
    removes one, so saving the edit page (which does not carry them) leaves them alone.
    """
    if not notes:
        return []
    days = {n.day for n in notes}
    known = set(
        DailyNote.objects.filter(team=team, day__in=days).values_list("day", "author_name", "text")
    )
    return bulk_create_with_history(
        [
            DailyNote(team=team, day=n.day, author_name=n.author, text=n.text)
            for n in notes
            if (n.day, n.author, n.text) not in known
        ],
        DailyNote,
    )


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.get_default_timezone())


# ---------------------------------------------------------------------------------------
# Rows -> document
# ---------------------------------------------------------------------------------------


def _stated_decimal(value: Decimal | None, decimals: int) -> Decimal | None:
    """A stored value with the number of decimals it was typed with (99.90 stays 99.90)."""
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-decimals))


def _trimmed(value: Decimal | None) -> Decimal | None:
    """A stored percentage without the zeros the column adds (89.850 -> 89.85, 90.000 -> 90)."""
    if value is None:
        return None
    normalized = value.normalize()
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral() else normalized


def kpi_of(definition: mm.KpiDefinition, value: mm.KpiValue | None) -> d.Kpi:
    """A KPI as a week states it; ``value`` is None for a week that did not report it."""
    return d.Kpi(
        name=definition.name,
        value=_stated_decimal(value.value, value.decimals) if value else None,
        unit=definition.unit,
        kind=definition.kind,
        note=value.note if value else "",
        target=_trimmed(definition.target),
        higher_is_better=definition.higher_is_better,
        source=value.source if value else "",
    )


# Reports whose parts are read together: large enough that ten years of a team take a
# few dozen queries, small enough for the database's parameter limits.
DOCUMENT_BATCH = 200


def documents(reports: list[WeeklyReport]) -> dict[int, d.ReportDocument]:
    """Documents of many reports (each with its team loaded), by report id, in a fixed
    number of queries per batch of DOCUMENT_BATCH reports."""
    docs: dict[int, d.ReportDocument] = {}
    for start in range(0, len(reports), DOCUMENT_BATCH):
        docs.update(_documents(reports[start : start + DOCUMENT_BATCH]))
    return docs


def _documents(reports: list[WeeklyReport]) -> dict[int, d.ReportDocument]:
    ids = [r.pk for r in reports]
    kpis = _read_kpis(ids)
    incidents = _read_incidents(reports)
    objectives = _objectives(ids)
    notes = _notes(reports)
    events = _read_events(ids)
    sections = _grouped(ReportSection.objects.filter(report__in=ids))
    layouts = _layouts(reports)
    docs = {}
    for report in reports:
        doc = _report_document(report)
        doc.kpis = kpis[report.pk]
        doc.incidents = incidents[report.pk]
        doc.objectives = objectives[report.pk]
        doc.daily_notes = notes[report.pk]
        doc.events = events[report.pk]
        _set_sections(doc, sections[report.pk], layouts[report.team_id])
        docs[report.pk] = doc
    return docs


def reread(report: WeeklyReport, before: d.ReportDocument, changed: set[str]) -> d.ReportDocument:
    """What ``documents([report])`` reads, just after ``rewrite_parts`` wrote the parts
    named in ``changed`` over rows that held ``before``: those parts are read, the others
    are ``before``'s, and the report's own fields are the saved row's, read back (one
    query) so that they are what any reader gets, not the values the save assigned."""
    ids = [report.pk]
    row = WeeklyReport.objects.get(pk=report.pk)
    row.team = report.team
    doc = _report_document(row)
    doc.kpis = _read_kpis(ids)[report.pk] if "kpis" in changed else before.kpis
    doc.incidents = (
        _read_incidents([report])[report.pk] if "incidents" in changed else before.incidents
    )
    doc.objectives = _objectives(ids)[report.pk] if "objectives" in changed else before.objectives
    doc.daily_notes = (
        _notes([report])[report.pk] if "daily_notes" in changed else before.daily_notes
    )
    doc.events = _read_events(ids)[report.pk] if "events" in changed else before.events
    if "sections" in changed:
        rows = list(ReportSection.objects.filter(report=report))
        _set_sections(doc, rows, _layouts([report])[report.team_id])
    else:
        doc.sections = before.sections
        doc.html.update({k: v for k, v in before.html.items() if k.startswith("section-")})
    return doc


def _report_document(report: WeeklyReport) -> d.ReportDocument:
    """A document of the report row's own fields (its parts are set by the caller)."""
    team = report.team
    return d.ReportDocument(
        team=team.slug,
        week_number=report.week_number,
        report_date=report.report_date,
        status=report.status,
        language=report.language or team.heading_language,
        title=report.title,
        title_level=report.title_level,
        front_matter=report.front_matter,
        kpi_notes=report.kpi_notes,
        other=report.other,
        reflections=report.reflections,
        next_week=report.next_week,
        daily=report.daily,
        import_notes=list(report.import_notes or []),
        plan_review=[
            d.PlanLine(text=line.get("text", ""), outcome=line.get("outcome", ""))
            for line in report.plan_review or []
        ],
        html={name: getattr(report, f"{name}_html") for name in d.FREE_SECTIONS + ("kpi_notes",)},
    )


def _read_kpis(ids: list[int]) -> dict[int, list[d.Kpi]]:
    values = _grouped(mm.KpiValue.objects.filter(report__in=ids).select_related("definition"))
    return {pk: [kpi_of(value.definition, value) for value in values[pk]] for pk in ids}


def _read_incidents(reports: list[WeeklyReport]) -> dict[int, d.Incidents]:
    ids = [r.pk for r in reports]
    summaries = {s.report_id: s for s in mm.IncidentSummary.objects.filter(report__in=ids)}
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for c in mm.IncidentCount.objects.filter(summary__in=[s.pk for s in summaries.values()]):
        counts[c.summary_id][c.grade] = c.count
    found = {}
    for report in reports:
        incidents = d.Incidents(grades=report.team.grades, groups=report.team.groups)
        summary = summaries.get(report.pk)
        if summary is not None:
            incidents.note = summary.note
            incidents.counts = counts[summary.pk]
        found[report.pk] = incidents
    return found


def _read_events(ids: list[int]) -> dict[int, list[d.StabilityEvent]]:
    tz = timezone.get_default_timezone()
    rows = _grouped(StabilityEvent.objects.filter(report__in=ids))
    return {
        pk: [
            d.StabilityEvent(
                date=e.occurred_on,
                summary=e.summary,
                detected_at=e.detected_at.astimezone(tz) if e.detected_at else None,
                time_text=e.time_text,
                detection=e.detection,
                cause=e.cause,
                handling=e.handling,
                recovered_at=e.recovered_at.astimezone(tz) if e.recovered_at else None,
                kind=e.kind,
                grade=e.grade,
            )
            for e in rows[pk]
        ]
        for pk in ids
    }


def _set_sections(doc: d.ReportDocument, rows: list[ReportSection], layout: Layout) -> None:
    doc.sections = _sections_of(rows, layout)
    for row in rows:
        doc.html[f"section-{row.position}"] = row.text_html


def _layouts(reports: list[WeeklyReport]) -> dict[int, Layout]:
    """The layouts of the reports' teams, in one query."""
    teams = {r.team_id: r.team for r in reports}
    found: dict[int, list[TeamSection]] = defaultdict(list)
    for row in TeamSection.objects.filter(team__in=list(teams)):
        found[row.team_id].append(row)
    return {pk: team_layout(team, found[pk]) for pk, team in teams.items()}


def _sections_of(rows: list[ReportSection], layout: Layout) -> list[d.Section]:
    """A week's sections; a week stored without any is written in its team's layout."""
    if not rows:
        return layout_outline(layout)
    sections = []
    for row in rows:
        heading = row.heading
        if not heading and row.key:
            known = layout.by_key(row.key)
            heading = known.heading if known is not None else ""
        sections.append(d.Section(row.kind, heading, row.level, row.key, row.text))
    return sections


def _grouped(rows, by: str = "report_id") -> dict[int, list]:
    """Rows by the id they belong to, in the query's order."""
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, by)].append(row)
    return grouped


def _notes(reports: list[WeeklyReport]) -> dict[int, list[d.DailyNote]]:
    """Each report's week of its team's daily notes, in one query: per team in the batch,
    the days from its first report's week to its last."""
    found: dict[int, list[d.DailyNote]] = defaultdict(list)
    if not reports:
        return found
    by_team: dict[int, list[WeeklyReport]] = defaultdict(list)
    for report in reports:
        by_team[report.team_id].append(report)
    weeks = {r.pk: report_week(r.report_date) for r in reports}
    spans = Q()
    for team_id, team_reports in by_team.items():
        first = min(weeks[r.pk][0] for r in team_reports)
        last = max(weeks[r.pk][1] for r in team_reports)
        spans |= Q(team_id=team_id, day__range=(first, last))
    notes = _grouped(DailyNote.objects.filter(spans), by="team_id")
    for report in reports:
        start, end = weeks[report.pk]
        found[report.pk] = [note_of(n) for n in notes[report.team_id] if start <= n.day <= end]
    return found


def _objectives(ids: list[int]) -> dict[int, list[d.Objective]]:
    entries = _grouped(ObjectiveEntry.objects.filter(report__in=ids).select_related("objective"))
    updates = _grouped(ItemUpdate.objects.filter(report__in=ids).select_related("item"))
    migrations = _migrations(ids)
    return {
        report_id: _report_objectives(entries[report_id], updates[report_id], migrations)
        for report_id in ids
    }


def _report_objectives(
    entries: list[ObjectiveEntry], updates: list[ItemUpdate], migrations: dict[int, d.Migration]
) -> list[d.Objective]:
    by_update: dict[int, d.Item] = {}
    children: dict[int | None, list[ItemUpdate]] = defaultdict(list)
    for update in updates:
        children[update.parent_id].append(update)
        by_update[update.pk] = d.Item(
            title=update.item.title,
            body=update.body,
            detail=update.detail,
            sep=update.sep,
            marker=update.marker,
            label=update.item.label,
            heading_level=update.heading_level,
            percent=_trimmed(update.percent),
            status=update.status,
            eta=update.eta,
            migration=migrations.get(update.pk),
            body_html=update.body_html,
            detail_html=update.detail_html,
        )
    for parent_id, kids in children.items():
        if parent_id is not None:
            by_update[parent_id].children = [by_update[k.pk] for k in kids]
    top_by_objective: dict[int, list[d.Item]] = defaultdict(list)
    for update in children[None]:
        top_by_objective[update.item.objective_id].append(by_update[update.pk])
    return [
        d.Objective(
            code=entry.objective.code,
            title=entry.objective.title,
            items=top_by_objective[entry.objective_id],
            notes=entry.notes,
            notes_html=entry.notes_html,
            holds_events=entry.holds_events,
        )
        for entry in entries
    ]


def _migrations(ids: list[int]) -> dict[int, d.Migration]:
    """The migration trackers' snapshots of the reports, by the item update they hang on."""
    snapshots = mm.MigrationSnapshot.objects.filter(report__in=ids).select_related("tracker")
    categories = (
        mm.CategorySnapshot.objects.filter(snapshot__report__in=ids)
        .select_related("category")
        .prefetch_related(Prefetch("progress_buckets"))
    )
    by_snapshot: dict[int, list[d.MigrationCategory]] = defaultdict(list)
    for cat in categories:
        by_snapshot[cat.snapshot_id].append(
            d.MigrationCategory(
                name=cat.category.name,
                stage=cat.stage,
                total=cat.total,
                offline=cat.offline,
                paused=cat.paused,
                done=cat.done,
                done_names=list(cat.done_names),
                in_progress=[
                    d.ProgressBucket(percent=_trimmed(b.percent), label=b.label, count=b.count)
                    for b in cat.progress_buckets.all()
                ],
                not_started=cat.not_started,
                heading_text=cat.heading_text,
                counts_text=cat.counts_text,
            )
        )
    return {
        s.item_update_id: d.Migration(
            name=s.tracker.name,
            categories=by_snapshot[s.pk],
            stated=d.StatedMigration(
                overall_percent=_trimmed(s.stated_overall_percent),
                progress=_trimmed(s.stated_progress),
                total=s.stated_total,
                developed=s.stated_developed,
                not_started=s.stated_not_started,
                in_production=s.stated_in_production,
            ),
            headline_text=s.headline_text,
            summary_text=s.summary_text,
        )
        for s in snapshots
    }


def note_of(note: DailyNote) -> d.DailyNote:
    return d.DailyNote(day=note.day, author=note.author_name, text=note.text)
