"""A Markdown file into a team's week: the one reading every door shares.

``import_report``, the API's import and the upload on the team page read a file the same
way: the team's layout first, its time zone, its week numbering for a week the file does
not number, and a date given beside the file (``--date``) over what the file says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.utils import timezone

from reports.document import ReportDocument
from reports.document.importer import parse
from reports.models import Team
from reports.rows import team_layout


def week_of(team: Team) -> Callable[[date], int] | None:
    """The team's number for a week a file does not number (None for a team not yet
    saved: the importer counts calendar weeks)."""
    if not team.pk:
        return None

    def number(day: date) -> int:
        existing = team.reports.filter(report_date=day).first()
        if existing is not None:  # the week is replaced, its number kept
            return existing.week_number
        previous = team.reports.filter(report_date__lt=day).order_by("-report_date").first()
        return team.week_number_for(day, previous)

    return number


def read_markdown(
    team: Team,
    data: bytes | str,
    *,
    file_name: str = "",
    report_date: date | None = None,
    week: int | None = None,
) -> ReportDocument:
    """The week a file states, read in the team's layout; ``ReportFormatError`` (its
    ``DateMissing`` when the file names no date) says what is wrong and where."""
    return parse(
        data,
        team=team.slug,
        grades=team.grades or None,
        tz=timezone.get_default_timezone(),
        layout=team_layout(team) if team.pk else None,
        file_name=file_name,
        report_date=report_date,
        week=week,
        week_of=week_of(team),
    )
