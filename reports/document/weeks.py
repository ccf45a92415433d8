"""Weeks, computed in one place: a report's week, the calendar week, a team's week number.

A report is dated on its last day, and its week is that day and the six before it (the
sample's 2023-05-20 covers 05-14 to 05-20). Reminders and the department's roll-up speak
of calendar weeks, Monday to Sunday. Dates here are the team's local dates; the time zone
is Django's default one, applied by the callers.
"""

from __future__ import annotations

from datetime import date, timedelta

from reports.document.vocabulary import WeekNumbering

WEEK_DAYS = 7


def report_week(report_date: date) -> tuple[date, date]:
    """The first and last day of the week a report dated ``report_date`` covers."""
    return report_date - timedelta(days=WEEK_DAYS - 1), report_date


def report_dates_covering(day: date) -> tuple[date, date]:
    """The first and last date of a report whose week holds ``day``."""
    return day, day + timedelta(days=WEEK_DAYS - 1)


def calendar_week(day: date) -> tuple[date, date]:
    """Monday and Sunday of the calendar week ``day`` falls in."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=WEEK_DAYS - 1)


def week_number(
    day: date,
    numbering: str,
    *,
    previous_date: date | None = None,
    previous_number: int | None = None,
) -> int:
    """The number a team gives the week of ``day`` by its numbering scheme.

    ``sequence`` goes on from the team's previous report (a skipped week skips its number
    too); ``calendar`` counts Monday-to-Sunday weeks from the one holding 1 January (the
    sample's 2023-05-20 is 第21周 by this count, ISO's week 20); ``iso`` is ISO 8601.
    """
    if numbering == WeekNumbering.ISO:
        return day.isocalendar().week
    if numbering == WeekNumbering.CALENDAR:
        first_monday, _sunday = calendar_week(date(day.year, 1, 1))
        return (day - first_monday).days // WEEK_DAYS + 1
    if previous_date is None or previous_number is None:
        return 1
    weeks = max(1, (day - previous_date).days // WEEK_DAYS)
    return previous_number + weeks


def report_date_in_week(day: date, weekday: int) -> date:
    """The date of a team's report of the calendar week holding ``day``, for a team that
    dates its reports on ``weekday`` (0 Monday … 6 Sunday): a Saturday team's report of
    the week of Wednesday 2026-12-02 is dated Saturday 2026-12-05. The department's week
    (Monday to Sunday) then finds it in the week it was written for."""
    monday, _sunday = calendar_week(day)
    return monday + timedelta(days=weekday)


def weeks_between(earlier: date, later: date) -> int:
    """How many calendar weeks lie between the week of ``earlier`` and the week of
    ``later``: 0 in the same week (or when ``earlier`` is the later one), 1 the week after."""
    return max(0, (calendar_week(later)[0] - calendar_week(earlier)[0]).days // WEEK_DAYS)
