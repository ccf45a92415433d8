"""The incident log: stability events across teams and weeks, and how fast they recover.

Durations are computed from the stored detection and recovery times, in one place
(``metrics.figures.duration_minutes``); the monthly figures are the median and the worst
time to recover of the events that have both times.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from django.db.models import QuerySet

from metrics.figures import duration_minutes
from reports.document import EventKind
from reports.models import StabilityEvent, Team


@dataclass(frozen=True)
class Filters:
    team: Team | None = None
    grade: str = ""
    kind: str = ""
    since: date | None = None
    until: date | None = None


# Without dates, the log shows the year up to the latest event.
DEFAULT_SPAN = timedelta(days=365)


def default_since(found: QuerySet[StabilityEvent]) -> date | None:
    """A year before the latest of the events the other filters chose."""
    latest = found.order_by("-occurred_on").values_list("occurred_on", flat=True).first()
    return latest - DEFAULT_SPAN if latest else None


def events(teams: QuerySet[Team], filters: Filters) -> QuerySet[StabilityEvent]:
    found = StabilityEvent.objects.filter(report__team__in=teams)
    if filters.team is not None:
        found = found.filter(report__team=filters.team)
    if filters.grade:
        found = found.filter(grade=filters.grade)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.since:
        found = found.filter(occurred_on__gte=filters.since)
    if filters.until:
        found = found.filter(occurred_on__lte=filters.until)
    return found.select_related("report__team").order_by("-occurred_on", "-detected_at", "-pk")


@dataclass(frozen=True)
class MonthStats:
    month: date  # the first day of the month
    events: int
    timed: int  # events with both a detection and a recovery time
    median_minutes: float | None
    worst_minutes: int | None


def monthly_stats(found: QuerySet[StabilityEvent], kind: str = "") -> list[MonthStats]:
    """Per month, newest first: how many incidents (or events of ``kind``), and the median
    and worst time to recover. Planned changes count only when asked for."""
    months: dict[date, list[int | None]] = defaultdict(list)
    found = found.filter(kind=kind or EventKind.INCIDENT)
    rows = found.order_by().values_list("occurred_on", "detected_at", "recovered_at")
    for day, detected, recovered in rows:
        months[day.replace(day=1)].append(duration_minutes(detected, recovered))
    stats = []
    for month in sorted(months, reverse=True):
        timed = [m for m in months[month] if m is not None and m >= 0]
        stats.append(
            MonthStats(
                month=month,
                events=len(months[month]),
                timed=len(timed),
                median_minutes=median(timed) if timed else None,
                worst_minutes=max(timed) if timed else None,
            )
        )
    return stats
