"""Reads: reports loaded back into documents, team lists and histories, in fixed queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from rest_framework.authtoken.models import Token

from metrics import models as mm
from reports import document as d
from reports.document.carryover import next_document
from reports.document.weeks import WEEK_DAYS, report_week
from reports.models import (
    DailyNote,
    ItemUpdate,
    ObjectiveEntry,
    ReportRevision,
    StabilityEvent,
    Team,
    WeeklyReport,
)


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


def report_document(report: WeeklyReport) -> d.ReportDocument:
    """Load a report and all its parts into a document, in a fixed number of queries."""
    return report_documents([report])[report.pk]


# Reports whose parts are read together: large enough that ten years of a team take a
# few dozen queries, small enough for the database's parameter limits.
DOCUMENT_BATCH = 200


def report_documents(reports: list[WeeklyReport]) -> dict[int, d.ReportDocument]:
    """Documents of many reports (each with its team loaded), by report id, in a fixed
    number of queries per batch of DOCUMENT_BATCH reports."""
    docs: dict[int, d.ReportDocument] = {}
    for start in range(0, len(reports), DOCUMENT_BATCH):
        docs.update(_documents(reports[start : start + DOCUMENT_BATCH]))
    return docs


def _documents(reports: list[WeeklyReport]) -> dict[int, d.ReportDocument]:
    ids = [r.pk for r in reports]
    kpis = _grouped(mm.KpiValue.objects.filter(report__in=ids).select_related("definition"))
    summaries = {s.report_id: s for s in mm.IncidentSummary.objects.filter(report__in=ids)}
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for c in mm.IncidentCount.objects.filter(summary__in=[s.pk for s in summaries.values()]):
        counts[c.summary_id][c.grade] = c.count
    objectives = _objectives(ids)
    notes = _notes(reports)
    events = _grouped(StabilityEvent.objects.filter(report__in=ids))
    tz = timezone.get_default_timezone()
    docs = {}
    for report in reports:
        team = report.team
        doc = d.ReportDocument(
            team=team.slug,
            week_number=report.week_number,
            report_date=report.report_date,
            status=report.status,
            language=team.heading_language,
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
            html={
                name: getattr(report, f"{name}_html") for name in d.FREE_SECTIONS + ("kpi_notes",)
            },
        )
        doc.kpis = [kpi_of(value.definition, value) for value in kpis[report.pk]]
        doc.incidents = d.Incidents(grades=team.grades, groups=team.groups)
        summary = summaries.get(report.pk)
        if summary is not None:
            doc.incidents.note = summary.note
            doc.incidents.counts = counts[summary.pk]
        doc.objectives = objectives[report.pk]
        doc.daily_notes = notes[report.pk]
        doc.events = [
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
            for e in events[report.pk]
        ]
        docs[report.pk] = doc
    return docs


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
        found[report.pk] = [
            d.DailyNote(day=n.day, author=n.author_name, text=n.text)
            for n in notes[report.team_id]
            if start <= n.day <= end
        ]
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


# ---------------------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------------------


def teams_with_latest_report() -> QuerySet[Team]:
    """Every team with its latest report's date, week and status, in one query."""
    latest = WeeklyReport.objects.filter(team=OuterRef("pk")).order_by("-report_date")
    return Team.objects.annotate(
        latest_date=Subquery(latest.values("report_date")[:1]),
        latest_week=Subquery(latest.values("week_number")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
    ).order_by("name")


@dataclass
class HistoryRow:
    report: WeeklyReport
    kpis: list[d.Kpi]


def team_kpi_definitions(team: Team) -> list[mm.KpiDefinition]:
    return list(mm.KpiDefinition.objects.filter(team=team))


def history_rows(
    definitions: list[mm.KpiDefinition], reports: list[WeeklyReport]
) -> list[HistoryRow]:
    """One row per report of a page of history, each with its KPI values (one query)."""
    values = mm.KpiValue.objects.filter(report__in=[r.pk for r in reports])
    by_report: dict[int, dict[int, mm.KpiValue]] = defaultdict(dict)
    for value in values:
        by_report[value.report_id][value.definition_id] = value
    rows = []
    for report in reports:
        cells = [
            kpi_of(definition, by_report[report.pk].get(definition.pk))
            for definition in definitions
        ]
        rows.append(HistoryRow(report=report, kpis=cells))
    return rows


def team_reports(team: Team) -> QuerySet[WeeklyReport]:
    return (
        WeeklyReport.objects.filter(team=team)
        .select_related("team", "author")
        .order_by("-report_date")
    )


def report_for_team(team: Team, report_date: date) -> WeeklyReport | None:
    return (
        WeeklyReport.objects.select_related("team", "author")
        .filter(team=team, report_date=report_date)
        .first()
    )


def next_week(team: Team) -> tuple[date, int]:
    """The date and number of the team's next report: a week after its latest one,
    numbered by the team's scheme (the sample's 第21周 2023-05-20 is followed by
    第22周 2023-05-27, although ISO calls that week 21)."""
    latest = WeeklyReport.objects.filter(team=team).order_by("-report_date").first()
    day = latest.report_date + timedelta(days=7) if latest else timezone.localdate()
    return day, team.week_number_for(day, latest)


def previous_report(team: Team, before: date) -> WeeklyReport | None:
    return (
        WeeklyReport.objects.select_related("team")
        .filter(team=team, report_date__lt=before)
        .order_by("-report_date")
        .first()
    )


def previous_document(team: Team, before: date) -> d.ReportDocument | None:
    """The document of the team's last report before ``before``, if there is one."""
    report = previous_report(team, before)
    return report_document(report) if report else None


def new_week_document(
    team: Team, report_date: date, week_number: int | None = None
) -> tuple[d.ReportDocument, d.ReportDocument | None]:
    """What the team's week of ``report_date`` starts from (last week carried over, or the
    team's template for its first week), and last week's document. The week is numbered
    by the team's scheme unless ``week_number`` is given."""
    last = previous_report(team, report_date)
    previous = report_document(last) if last else None
    if week_number is None:
        week_number = team.week_number_for(report_date, last)
    start = next_document(
        previous or team_template_document(team),
        report_date=report_date,
        week_number=week_number,
    )
    return start, previous


def team_template_document(team: Team) -> d.ReportDocument:
    """What a team's first week starts from: its KPIs and objectives, nothing reported yet.

    The stability events go under the last objective, as in the sample (O3 安全稳定).
    """
    objectives = [
        d.Objective(code=o.code, title=o.title) for o in team.objectives.order_by("order", "code")
    ]
    if objectives:
        objectives[-1].holds_events = True
    return d.ReportDocument(
        team=team.slug,
        week_number=1,
        report_date=timezone.localdate(),
        language=team.heading_language,
        kpis=[kpi_of(definition, None) for definition in team_kpi_definitions(team)],
        incidents=d.Incidents(grades=team.grades, groups=team.groups),
        objectives=objectives,
    )


@dataclass
class StatusChange:
    status: str
    at: datetime
    user: object | None


def status_changes(report: WeeklyReport) -> list[StatusChange]:
    """When the report was published and reopened, and by whom, from its history."""
    records = report.history.select_related("history_user").order_by("history_date")
    changes: list[StatusChange] = []
    last = None
    for record in records:
        if record.status != last and (last is not None or record.status == "published"):
            changes.append(StatusChange(record.status, record.history_date, record.history_user))
        last = record.status
    return changes


def report_revisions(report: WeeklyReport) -> QuerySet[ReportRevision]:
    """The report's revisions, newest first, without their texts."""
    return report.revisions.select_related("author").defer("markdown")


def report_revision(
    report: WeeklyReport, number: int, against: int | None = None
) -> tuple[ReportRevision | None, ReportRevision | None]:
    """Revision ``number`` and the one to compare it with: ``against`` if given and
    recorded, else the revision just before it (None for the first)."""
    revision = report.revisions.select_related("author").filter(number=number).first()
    if revision is None:
        return None, None
    others = report.revisions.select_related("author")
    if against is not None:
        return revision, others.filter(number=against).first()
    return revision, others.filter(number__lt=number).first()


def week_notes(team: Team, report_date: date) -> list[d.DailyNote]:
    """The team's daily notes of the week that ends on ``report_date``."""
    start, end = report_week(report_date)
    return [
        d.DailyNote(day=n.day, author=n.author_name, text=n.text)
        for n in DailyNote.objects.filter(team=team, day__range=(start, end))
    ]


def recent_notes(team: Team, *, since: date) -> QuerySet[DailyNote]:
    return DailyNote.objects.filter(team=team, day__gte=since).order_by(
        "-day", "author_name", "created_at"
    )


def published_report_covering(team: Team, day: date) -> WeeklyReport | None:
    """The team's published report whose week holds ``day``: its notes are locked."""
    return (
        WeeklyReport.objects.filter(
            team=team,
            status="published",
            report_date__gte=day,
            report_date__lte=day + timedelta(days=WEEK_DAYS - 1),
        )
        .order_by("report_date")
        .first()
    )


# Trend ranges a reader can choose, in weeks (None: every week the team reported).
TREND_RANGES = {"12w": 12, "quarter": 13, "year": 52, "all": None}
# A chart shows at most this many weeks; a longer range shows every second, third … week
# (always including the latest), so ten years draw as quickly as two.
MAX_TREND_POINTS = 104


def trend_weeks(team: Team, range_key: str, *, until: date | None = None):
    """The team's last weeks in the chosen range (up to ``until``), oldest first."""
    from metrics.trends import Week

    reports = WeeklyReport.objects.filter(team=team).order_by("-report_date")
    if until is not None:
        reports = reports.filter(report_date__lte=until)
    count = TREND_RANGES.get(range_key, TREND_RANGES["12w"])
    if count is not None:
        reports = reports[:count]
    rows = list(reports.values_list("pk", "week_number", "report_date"))  # newest first
    step = max(1, -(-len(rows) // MAX_TREND_POINTS))
    thinned = step > 1  # a kept week stands for itself and the skipped weeks before it
    label = "W{} {:%y-%m-%d}" if thinned else "W{} {:%m-%d}"
    return [
        Week(
            pk,
            label.format(number, day),
            covers=tuple(r[0] for r in rows[i : i + step]) if thinned else (),
        )
        for i in reversed(range(0, len(rows), step))
        for pk, number, day in [rows[i]]
    ]


def item_percent_lines(weeks, *, limit: int = 8) -> dict[str, dict[int, float]]:
    """Project items' stated percent done over ``weeks``: the ``limit`` items most
    recently reported with a percentage, each as {report id: percent}. Items are told
    apart by identity, not title: two items called the same get their objective added."""
    by_item: dict[int, dict[int, float]] = defaultdict(dict)
    names: dict[int, tuple[str, str]] = {}
    updates = (
        ItemUpdate.objects.filter(report_id__in=[w.report_id for w in weeks], percent__isnull=False)
        .select_related("item__objective")
        .order_by("-report__report_date", "position")
    )
    for update in updates:
        item = update.item
        if item.pk in by_item or len(by_item) < limit:
            by_item[item.pk][update.report_id] = float(update.percent)
            names[item.pk] = (item.title, item.objective.code)
    titles = [title for title, _code in names.values()]
    lines = {}
    for pk, values in by_item.items():
        title, code = names[pk]
        name = f"{code} {title}" if titles.count(title) > 1 else title
        lines[name if name not in lines else f"{name} ({pk})"] = values
    return lines


def api_token(user) -> Token | None:
    return Token.objects.filter(user=user).first()
