"""Reads: reports loaded back into documents, team lists and histories, in fixed queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from core import page_cache
from metrics import models as mm
from reports import document as d
from reports import rows, signals
from reports.document import ReportStatus
from reports.document.carryover import next_document
from reports.document.layout import arrange, default_outline
from reports.document.weeks import (
    calendar_week,
    report_date_in_week,
    report_dates_covering,
    report_week,
    weeks_between,
)
from reports.models import (
    DailyNote,
    ItemUpdate,
    ReportRevision,
    Team,
    WeeklyReport,
)


def report_document(report: WeeklyReport) -> d.ReportDocument:
    """Load a report and all its parts into a document, in a fixed number of queries."""
    return rows.documents([report])[report.pk]


def kept_document(report: WeeklyReport) -> d.ReportDocument:
    """The document of a week being edited, which its editor reads on every save (and of
    the week before it, which its pages show beside).

    Kept in the page cache under the report's version and its team's generation (which
    every change to what a week shows replaces), so as the page cache is right, this is;
    each save keeps what it wrote (``keep_document``), so the next save reads nothing.
    Within a transaction it is read afresh: a transaction reads what it wrote itself.

    The document's ``read_at`` is the team's generation it was read at (None within a
    transaction): ``still_current`` tells a save whether anything of the team's changed
    since, so that what the save keeps is built on it."""
    if not page_cache.outside_transactions():
        document = report_document(report)
        document.read_at = None
        return document
    at = page_cache.generation(report.team_id)
    document = page_cache.cached(
        "document",
        report.team_id,
        (report.pk, report.version),
        lambda: report_document(report),
        at=at,
    )
    document.read_at = at
    return document


def still_current(document: d.ReportDocument, team_id: int) -> bool:
    """Nothing of the team's has changed since ``document`` was read by ``kept_document``
    (its daily notes, its layout, its KPI definitions, a week: anything its pages show),
    as the database says now. Read before the caller writes anything itself."""
    at = getattr(document, "read_at", None)
    return at is not None and page_cache.generation(team_id) == at


def keep_document(report: WeeklyReport, document: d.ReportDocument) -> None:
    """``document`` is what ``kept_document(report)`` will read once the current
    transaction commits (a save that knows what it wrote): kept for it then. Only from
    a transaction of its own that writes nothing more the document shows; otherwise
    nothing is kept."""
    page_cache.keep_on_commit(
        "document", report.team_id, (report.pk, report.version), document, alone=True
    )


def report_documents(reports: list[WeeklyReport]) -> dict[int, d.ReportDocument]:
    """Documents of many reports (each with its team loaded), by report id, in a fixed
    number of queries per batch (``rows.DOCUMENT_BATCH``)."""
    return rows.documents(reports)


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


def teams_with_weeks_behind(teams: QuerySet[Team], *, today: date) -> list[Team]:
    """``teams`` (annotated by ``teams_with_latest_report``), each with ``weeks_behind``:
    the calendar weeks between its latest report's and this one (0: this week's is
    written; None: no report yet), the weeks the department's roll-up shows it missing.
    Read in the teams' one query."""
    found = list(teams)
    for team in found:
        latest = team.latest_date
        team.weeks_behind = None if latest is None else weeks_between(latest, today)
    return found


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
    found = []
    for report in reports:
        cells = [
            rows.kpi_of(definition, by_report[report.pk].get(definition.pk))
            for definition in definitions
        ]
        found.append(HistoryRow(report=report, kpis=cells))
    return found


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


def week_report_date(team: Team, day: date) -> date:
    """The date of the team's report of the calendar week holding ``day`` (the week the
    department's roll-up shows it in): on the weekday of its latest report (the sample
    team's Saturday), or on its due day while it has none. Its number is the team's for
    that date, counted from the report before it (``new_week_document``)."""
    latest = (
        WeeklyReport.objects.filter(team=team)
        .order_by("-report_date")
        .values_list("report_date", flat=True)
        .first()
    )
    weekday = latest.weekday() if latest else team.due_weekday
    return report_date_in_week(day, weekday)


def report_in_week(team: Team, day: date) -> WeeklyReport | None:
    """The team's report dated in the calendar week holding ``day``, if it has one."""
    return (
        WeeklyReport.objects.select_related("team")
        .filter(team=team, report_date__range=calendar_week(day))
        .order_by("report_date")
        .first()
    )


def previous_report(team: Team, before: date) -> WeeklyReport | None:
    return (
        WeeklyReport.objects.select_related("team")
        .filter(team=team, report_date__lt=before)
        .order_by("-report_date")
        .first()
    )


def previous_document(team: Team, before: date, *, kept: bool = False) -> d.ReportDocument | None:
    """The document of the team's last report before ``before``, if there is one.

    ``kept``: as ``kept_document`` keeps a week, for the edit and quick-update pages that
    show it beside each value when they are opened (reading it from its rows was a tenth
    of the edit page's time). Kept under the team's generation, which every save
    replaces: not for a save's own use, which would keep it for no one."""
    report = previous_report(team, before)
    if report is None:
        return None
    return kept_document(report) if kept else report_document(report)


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
    layout = rows.team_layout(team)
    if not layout.default:  # a new week is written in the team's layout as it is now
        start.sections = arrange(start.sections or default_outline(start.language), layout)
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
        kpis=[rows.kpi_of(definition, None) for definition in team_kpi_definitions(team)],
        incidents=d.Incidents(grades=team.grades, groups=team.groups),
        objectives=objectives,
        sections=rows.layout_outline(rows.team_layout(team)),
    )


@dataclass
class StatusChange:
    status: str
    at: datetime
    user: object | None


def status_changes(report: WeeklyReport) -> list[StatusChange]:
    """When the report was published and reopened, and by whom, from its revisions (a
    week imported as published counts as published then)."""
    changes: list[StatusChange] = []
    last = None
    for revision in report_revisions(report).order_by("number"):
        status = revision.status
        if status != last and (last is not None or status == ReportStatus.PUBLISHED):
            changes.append(StatusChange(status, revision.created_at, revision.author))
        last = status
    return changes


def publish_audience(report: WeeklyReport) -> list[signals.Told]:
    """Who publishing the report would tell, channel by channel, as the apps that tell
    them answer (``signals.publish_audience``; the notifications app: the team's channels).
    Empty when publishing tells nobody."""
    answers = signals.publish_audience.send(sender=WeeklyReport, report=report)
    return [told for _receiver, answer in answers for told in answer]


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
    return [rows.note_of(n) for n in DailyNote.objects.filter(team=team, day__range=(start, end))]


def new_week_start(
    team: Team, report_date: date, week_number: int | None = None
) -> tuple[d.ReportDocument, d.ReportDocument | None]:
    """What a lead's page opens a week with no report on (the new week page, its
    autosave, the quick update): ``new_week_document`` with the week's daily notes."""
    start, previous = new_week_document(team, report_date, week_number)
    start.daily_notes = week_notes(team, report_date)
    return start, previous


def recent_notes(team: Team, *, since: date) -> QuerySet[DailyNote]:
    return DailyNote.objects.filter(team=team, day__gte=since).order_by(
        "-day", "author_name", "created_at"
    )


def published_report_covering(team: Team, day: date) -> WeeklyReport | None:
    """The team's published report whose week holds ``day``: its notes are locked."""
    return (
        WeeklyReport.objects.filter(
            team=team,
            status=ReportStatus.PUBLISHED,
            report_date__range=report_dates_covering(day),
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
    found = list(reports.values_list("pk", "week_number", "report_date"))  # newest first
    step = max(1, -(-len(found) // MAX_TREND_POINTS))
    thinned = step > 1  # a kept week stands for itself and the skipped weeks before it
    label = "W{} {:%y-%m-%d}" if thinned else "W{} {:%m-%d}"
    return [
        Week(
            pk,
            label.format(number, day),
            covers=tuple(r[0] for r in found[i : i + step]) if thinned else (),
        )
        for i in reversed(range(0, len(found), step))
        for pk, number, day in [found[i]]
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
