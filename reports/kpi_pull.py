"""KPI values pulled from Prometheus into the teams' weeks.

A KPI defined with a Prometheus query gets its value for the team's current week from
the query evaluated at the end of that week (or now, while the week runs). The current
week is the team's draft covering today, else the week after its latest report when
that is the week of today. Values are set through the same service as the API's, marked
"prometheus", so pulling again changes nothing unless Prometheus says something new; a
published week is left alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from metrics.models import KpiDefinition
from metrics.prometheus import PrometheusError, instant_value
from reports import document as d
from reports import selectors, services
from reports.document import ReportStatus, rules
from reports.document.weeks import report_dates_covering, report_week
from reports.models import Team, WeeklyReport

log = logging.getLogger(__name__)


@dataclass
class PullResult:
    changed: list[str] = field(default_factory=list)  # "team date"
    errors: list[str] = field(default_factory=list)


def current_week(team: Team, today: date) -> date | None:
    """The report date of the team's week that covers ``today``, if it can be told."""
    draft = (
        WeeklyReport.objects.filter(team=team, report_date__range=report_dates_covering(today))
        .order_by("report_date")
        .first()
    )
    if draft is not None:
        return draft.report_date
    day, _number = selectors.next_week(team)
    start, end = report_week(day)
    return day if start <= today <= end else None


def _week_end(report_date: date) -> datetime:
    zone = timezone.get_default_timezone()
    return datetime.combine(report_date + timedelta(days=1), time(0, 0), tzinfo=zone)


def pull_prometheus_kpis(now: datetime | None = None, base_url: str | None = None) -> PullResult:
    now = now or timezone.now()
    base_url = base_url if base_url is not None else settings.PROMETHEUS_URL
    result = PullResult()
    if not base_url:
        return result
    today = now.astimezone(timezone.get_default_timezone()).date()
    definitions = KpiDefinition.objects.exclude(prometheus_query="").select_related("team")
    by_team: dict[Team, list[KpiDefinition]] = {}
    for definition in definitions:
        by_team.setdefault(definition.team, []).append(definition)
    for team, kpis in by_team.items():
        report_date = current_week(team, today)
        if report_date is None:
            continue
        existing = selectors.report_for_team(team, report_date)
        if existing is not None and existing.status == ReportStatus.PUBLISHED:
            continue
        at = min(now, _week_end(report_date))
        values: dict[str, Decimal | None] = {}
        for kpi in kpis:
            try:
                values[kpi.name] = instant_value(base_url, kpi.prometheus_query, at)
            except PrometheusError as exc:
                message = f"{team.slug} {kpi.name}: {exc}"
                log.warning("prometheus pull failed: %s", message)
                result.errors.append(message)
                continue
            problem = rules.kpi_value_problem(values[kpi.name], kpi.unit)
            if problem:  # a % over 100, say: this KPI is left out, the others pulled
                values[kpi.name] = None
                message = f"{team.slug} {kpi.name}: {problem}"
                log.warning("prometheus value refused: %s", message)
                result.errors.append(message)
        values = {name: value for name, value in values.items() if value is not None}
        if not values:
            continue
        try:
            _report, changed = services.kpi_values_ingest_retrying(
                team=team, report_date=report_date, values=values, source=d.KpiSource.PROMETHEUS
            )
        except (services.ReportLocked, services.StaleReport) as exc:
            # Published or saved meanwhile: the next hourly pull looks again.
            result.errors.append(f"{team.slug} {report_date}: {type(exc).__name__}")
            continue
        except rules.Invalid as exc:
            # A value the rules refuse (a % over 100): reported, the other teams pulled.
            message = f"{team.slug} {report_date}: {exc}"
            log.warning("prometheus value refused: %s", message)
            result.errors.append(message)
            continue
        if changed:
            result.changed.append(f"{team.slug} {report_date.isoformat()}")
    return result
