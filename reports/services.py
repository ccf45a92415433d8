"""Writes: a report document saved into the models, in one transaction."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import partial

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from metrics import models as mm
from reports import document as d
from reports import search, selectors, tasks
from reports.document.changes import line_counts
from reports.document.renderer import render_markdown
from reports.models import (
    DailyNote,
    ItemUpdate,
    Objective,
    ObjectiveEntry,
    ProjectItem,
    ReportRevision,
    ReportStatus,
    RevisionAction,
    StabilityEvent,
    Team,
    WeeklyReport,
)
from weekly.history import bulk_create_with_history


class ReportLocked(Exception):
    """A published report is not edited; it has to be reopened first."""


class WeekTaken(Exception):
    """Someone else started this week's report in the meantime."""


class StaleReport(Exception):
    """The report was saved by someone else after the page was opened."""


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


def team_get_or_create(*, slug: str, name: str | None = None) -> tuple[Team, bool]:
    return Team.objects.get_or_create(slug=slug, defaults={"name": name or slug})


@transaction.atomic
def report_save_document(
    *,
    team: Team,
    document: d.ReportDocument,
    author=None,
    fresh: bool = False,
    action: str | None = None,
    rows: TeamRows | None = None,
) -> WeeklyReport:
    """Create or replace the team's report for ``document.report_date``.

    Saving the same week again updates the report in place: the report row keeps its id,
    and its parts are replaced by the document's. Objectives, items, KPI definitions and
    trackers are team-level and are reused by name, so history follows them across weeks.
    Each save is recorded as a revision (``action``: created or saved unless told).
    ``rows``: the team's rows, when the caller keeps them across saves (TeamRows).
    """
    rows = rows if rows is not None else TeamRows(team)
    week = WeeklyReport.objects.select_for_update()
    report = week.filter(team=team, report_date=document.report_date).first()
    created = report is None
    if created:
        report = WeeklyReport(team=team, report_date=document.report_date, author=author)
    elif not fresh:  # ``fresh``: created empty by report_create just now
        _clear_parts(report)
        report.version += 1
    report.week_number = document.week_number
    report.status = document.status
    if author is not None and report.author_id is None:
        report.author = author
    if document.status == "published" and report.published_at is None:
        report.published_at = timezone.now()
    for name in d.FREE_SECTIONS + ("kpi_notes",):
        setattr(report, name, getattr(document, name))
    report.import_notes = list(document.import_notes)
    report.plan_review = [{"text": p.text, "outcome": p.outcome} for p in document.plan_review]
    if created:
        try:
            with transaction.atomic():
                report.save(force_insert=True)
        except IntegrityError:
            # Someone created the week since we looked: save over theirs, as if it had
            # been there (their version stays in the revisions).
            return report_save_document(
                team=team, document=document, author=author, fresh=fresh, action=action, rows=rows
            )
    else:
        report.save()

    _save_kpis(rows, report, document.kpis)
    _save_incidents(report, document.incidents)
    _save_objectives(rows, report, document)
    _save_events(report, document.events)
    _add_daily_notes(team, document.daily_notes)
    search.index_report(report, document, new=created)
    if action is None:
        action = RevisionAction.CREATED if created or fresh else RevisionAction.SAVED
    _record_revision(report, render_markdown(document), action=action, author=author, first=created)
    return report


@transaction.atomic
def report_create(*, team: Team, document: d.ReportDocument, author) -> WeeklyReport:
    """A new draft for a week that has no report yet; WeekTaken if one appeared meanwhile."""
    try:
        with transaction.atomic():  # the unique (team, date) constraint decides a race
            WeeklyReport.objects.create(
                team=team,
                report_date=document.report_date,
                week_number=document.week_number,
                author=author,
            )
    except IntegrityError as exc:
        raise WeekTaken(document.report_date) from exc
    document.status = ReportStatus.DRAFT
    return report_save_document(team=team, document=document, author=author, fresh=True)


@transaction.atomic
def report_update(
    *,
    report: WeeklyReport,
    document: d.ReportDocument,
    author,
    expected_version: int | None = None,
) -> WeeklyReport:
    """Save the edit page's document over a draft opened at ``expected_version``."""
    locked = WeeklyReport.objects.select_for_update().get(pk=report.pk)
    if locked.is_published:
        raise ReportLocked(report.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleReport(report.pk)
    document.status = ReportStatus.DRAFT
    return report_save_document(team=report.team, document=document, author=author)


@transaction.atomic
def report_publish(*, report: WeeklyReport, by=None) -> WeeklyReport:
    return _set_status(report, ReportStatus.PUBLISHED, reason=RevisionAction.PUBLISHED, by=by)


@transaction.atomic
def report_reopen(*, report: WeeklyReport, by=None) -> WeeklyReport:
    """Unlock a published report for edits; the history keeps who reopened it, and when."""
    return _set_status(report, ReportStatus.DRAFT, reason=RevisionAction.REOPENED, by=by)


def _set_status(report: WeeklyReport, status: str, *, reason: str, by) -> WeeklyReport:
    report = WeeklyReport.objects.select_for_update().get(pk=report.pk)
    if report.status == status:
        return report
    report.status = status
    if status == ReportStatus.PUBLISHED:
        report.published_at = timezone.now()
    report._change_reason = str(reason)  # read by simple-history
    report.save(update_fields=["status", "published_at", "updated_at"])
    last = report.revisions.only("markdown").first()
    markdown = last.markdown if last else render_markdown(selectors.report_document(report))
    revision = _record_revision(report, markdown, action=reason, author=by)
    if status == ReportStatus.PUBLISHED:
        # Channels hear of it only once the publication is committed.
        transaction.on_commit(partial(tasks.notify_published.delay, revision.pk))
    return report


@transaction.atomic
def report_record_revision(*, report: WeeklyReport) -> ReportRevision | None:
    """Record the report as it stands when its last revision is not of its current
    version (reports saved before revisions were kept, or restored from such a backup)."""
    report = WeeklyReport.objects.select_for_update().get(pk=report.pk)
    last = report.revisions.first()
    if last is not None and last.version == report.version:
        return None
    markdown = render_markdown(selectors.report_document(report))
    return _record_revision(report, markdown, action=RevisionAction.RECORDED, author=None)


def _record_revision(
    report: WeeklyReport, markdown: str, *, action: str, author, first: bool = False
):
    """Append a revision; the caller holds the report's row lock, so numbers never clash.
    ``first``: the report was created in this transaction, so it has none yet."""
    last = None if first else report.revisions.only("number", "markdown").first()
    added, removed = line_counts(last.markdown if last else "", markdown)
    return ReportRevision.objects.create(
        report=report,
        number=last.number + 1 if last else 1,
        version=report.version,
        action=action,
        status=report.status,
        markdown=markdown,
        lines_added=added,
        lines_removed=removed,
        author=author if author is not None and author.is_authenticated else None,
    )


def _clear_parts(report: WeeklyReport) -> None:
    # Children before parents, so nested item updates go without cascading surprises.
    mm.MigrationSnapshot.objects.filter(report=report).delete()
    ItemUpdate.objects.filter(report=report, parent__isnull=False).delete()
    ItemUpdate.objects.filter(report=report).delete()
    ObjectiveEntry.objects.filter(report=report).delete()
    StabilityEvent.objects.filter(report=report).delete()
    mm.KpiValue.objects.filter(report=report).delete()
    mm.IncidentSummary.objects.filter(report=report).delete()


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
    bulk_create_with_history(values, mm.KpiValue)


def _save_incidents(report: WeeklyReport, incidents: d.Incidents) -> None:
    if not incidents.counts and not incidents.note:
        return
    (summary,) = bulk_create_with_history(
        [mm.IncidentSummary(report=report, note=incidents.note)], mm.IncidentSummary
    )
    bulk_create_with_history(
        [
            mm.IncidentCount(summary=summary, grade=grade, count=count)
            for grade, count in incidents.counts.items()
        ],
        mm.IncidentCount,
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
        entry.render_html()
    bulk_create_with_history(entries, ObjectiveEntry)
    for level in levels:
        for update, parent, _ in level:
            update.parent = parent
            update.render_html()
        bulk_create_with_history([update for update, _, _ in level], ItemUpdate)
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
    (snapshot,) = bulk_create_with_history(
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
        ],
        mm.MigrationSnapshot,
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
    snaps = bulk_create_with_history(snaps, mm.CategorySnapshot)
    bulk_create_with_history(
        [
            mm.ProgressBucket(
                category=snap, position=i, label=b.label, percent=b.percent, count=b.count
            )
            for snap, cat in zip(snaps, migration.categories, strict=True)
            for i, b in enumerate(cat.in_progress)
        ],
        mm.ProgressBucket,
    )


def _save_events(report: WeeklyReport, events: list[d.StabilityEvent]) -> None:
    bulk_create_with_history(
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
        ],
        StabilityEvent,
    )


def _add_daily_notes(team: Team, notes: list[d.DailyNote]) -> None:
    """Notes read from a report are added unless the team already has the same note.

    Notes belong to the team and the day, not to one save of a report: nothing here ever
    removes one, so saving the edit page (which does not carry them) leaves them alone.
    """
    if not notes:
        return
    days = {n.day for n in notes}
    known = set(
        DailyNote.objects.filter(team=team, day__in=days).values_list("day", "author_name", "text")
    )
    added = bulk_create_with_history(
        [
            DailyNote(team=team, day=n.day, author_name=n.author, text=n.text)
            for n in notes
            if (n.day, n.author, n.text) not in known
        ],
        DailyNote,
    )
    for note in added:
        search.index_note(note)


class SettingsConflict(Exception):
    """Two rows were given each other's names in one save."""


def team_settings_save(*, settings) -> None:
    """Save the settings page (``reports.team_settings.TeamSettings``) in one transaction."""
    try:
        with transaction.atomic():
            settings.save()
    except IntegrityError as exc:
        raise SettingsConflict(str(exc)) from exc


def display_name(user) -> str:
    name = user.get_full_name() or user.get_username()
    return name[: DailyNote._meta.get_field("author_name").max_length]


@transaction.atomic
def daily_note_create(*, team: Team, author, day, text: str) -> DailyNote:
    note = DailyNote.objects.create(
        team=team, day=day, author=author, author_name=display_name(author), text=text
    )
    search.index_note(note)
    return note


@transaction.atomic
def daily_note_delete(*, note: DailyNote) -> None:
    note.delete()


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.get_default_timezone())


class UnknownKpi(ValueError):
    """A KPI name the team has not defined (team settings)."""


def kpi_values_ingest(
    *,
    team: Team,
    report_date,
    values: dict[str, Decimal | None],
    author=None,
    source: str = d.KpiSource.API,
) -> tuple[WeeklyReport, bool]:
    """Set a week's KPI values as a monitoring job sends them; (report, whether it changed).

    The week's draft is started from last week if it does not exist. Sending the same
    values again changes nothing and records no revision. A published week is locked.
    """
    defined = {k.name: k for k in mm.KpiDefinition.objects.filter(team=team)}
    unknown = sorted(set(values) - set(defined))
    if unknown:
        raise UnknownKpi(", ".join(unknown))
    report = selectors.report_for_team(team, report_date)
    if report is None:
        start, _previous = selectors.new_week_document(team, report_date)
        try:
            report = report_create(team=team, document=start, author=author)
        except WeekTaken:
            report = selectors.report_for_team(team, report_date)
    if report.is_published:
        raise ReportLocked(report.pk)
    doc = selectors.report_document(report)
    by_name = {k.name: k for k in doc.kpis}
    changed = False
    for name, value in values.items():
        kpi = by_name.get(name)
        if kpi is None:
            kpi = selectors.kpi_of(defined[name], None)
            doc.kpis.append(kpi)
        if str(kpi.value) != str(value) or kpi.source != source:
            kpi.value, kpi.source = value, source
            changed = True
    if not changed:
        return report, False
    report = report_update(
        report=report, document=doc, author=author, expected_version=report.version
    )
    return report, True


def kpi_values_ingest_retrying(attempts: int = 3, **kwargs) -> tuple[WeeklyReport, bool]:
    """``kpi_values_ingest``, read again and retried when someone saved the week in
    between (two monitoring jobs at once, a lead saving); StaleReport after ``attempts``."""
    for attempt in range(attempts):
        try:
            return kpi_values_ingest(**kwargs)
        except StaleReport:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def api_token_renew(*, user) -> str:
    """A new API token for the user, replacing any earlier one; its key."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()  # one at a time
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user).key


def api_token_revoke(*, user) -> None:
    Token.objects.filter(user=user).delete()
