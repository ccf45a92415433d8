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
