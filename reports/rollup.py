"""The department's week: every team's report of one calendar week, side by side.

A week here is Monday to Sunday; each team's report dated within it is that team's report
of the week, whatever weekday the team dates its reports on. The page is read in a fixed
number of queries, however many teams there are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from metrics.models import KpiValue
from reports import document as d
from reports.document.renderer import render_markdown
from reports.document.weeks import calendar_week
from reports.models import StabilityEvent, Team, WeeklyReport
from reports.rows import kpi_of
from reports.selectors import report_documents


@dataclass
class TeamWeek:
    team: Team
    report: WeeklyReport | None
    kpis: list[d.Kpi] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return self.report is not None and self.report.is_published

    @property
    def misses(self) -> int:
        return sum(1 for k in self.kpis if k.misses_target)


@dataclass
class WeekRollup:
    start: date
    end: date
    rows: list[TeamWeek]
    events: list[StabilityEvent]

    @property
    def not_published(self) -> list[TeamWeek]:
        return [row for row in self.rows if not row.published]

    @property
    def previous_week(self) -> date:
        return self.start - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.start + timedelta(days=7)


def week_rollup(teams: QuerySet[Team], day: date) -> WeekRollup:
    start, end = calendar_week(day)
    team_list = list(teams.order_by("name"))
    reports = {
        r.team_id: r
        for r in WeeklyReport.objects.filter(team__in=team_list, report_date__range=(start, end))
        .select_related("team")
        .order_by("report_date")
    }
    values = KpiValue.objects.filter(report__in=list(reports.values())).select_related("definition")
    kpis: dict[int, list[d.Kpi]] = defaultdict(list)
    for value in values.order_by("report_id", "position"):
        kpis[value.report_id].append(kpi_of(value.definition, value))
    events = list(
        StabilityEvent.objects.filter(report__in=list(reports.values()))
        .select_related("report__team")
        .order_by("occurred_on", "detected_at", "pk")
    )
    rows = [
        TeamWeek(
            team=team,
            report=reports.get(team.pk),
            kpis=kpis.get(reports[team.pk].pk, []) if team.pk in reports else [],
        )
        for team in team_list
    ]
    return WeekRollup(start=start, end=end, rows=rows, events=events)


def latest_week(teams: QuerySet[Team]) -> date | None:
    report = WeeklyReport.objects.filter(team__in=teams).order_by("-report_date").first()
    return report.report_date if report else None


def rollup_markdown(rollup: WeekRollup) -> str:
    """One Markdown document: a heading per team and its report one level down."""
    parts = [
        "# "
        + _("Department weekly reports, %(start)s to %(end)s")
        % {"start": rollup.start, "end": rollup.end}
    ]
    missing = [row.team.name for row in rollup.rows if row.report is None]
    drafts = [row.team.name for row in rollup.rows if row.report and not row.published]
    if missing:
        parts.append(_("No report yet: %(teams)s") % {"teams": "、".join(missing)})
    if drafts:
        parts.append(_("Not yet published: %(teams)s") % {"teams": "、".join(drafts)})
    docs = report_documents([row.report for row in rollup.rows if row.report is not None])
    for row in rollup.rows:
        if row.report is None:
            continue
        text = render_markdown(docs[row.report.pk])
        parts.append(f"## {row.team.name}")
        parts.append(_demoted(text))
    return "\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def _demoted(markdown: str) -> str:
    """Headings two levels down (# becomes ###), so each report sits under its team's name."""
    return "\n".join(
        "##" + line if line.startswith("#") and line.lstrip("#").startswith(" ") else line
        for line in markdown.splitlines()
    )
