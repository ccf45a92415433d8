"""Teams keep their own week numbers; the next week is numbered from the last one."""

from datetime import date

import pytest

from reports.document import WeekNumbering
from reports.selectors import next_week
from tests.factories import TeamFactory


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", [WeekNumbering.SEQUENCE, WeekNumbering.CALENDAR])
def test_week_after_the_sample_is_22(sample_team, scheme):
    sample_team.week_numbering = scheme
    sample_team.save()
    assert next_week(sample_team) == (date(2023, 5, 27), 22)


@pytest.mark.django_db
def test_iso_numbering_differs_from_the_sample(sample_team):
    sample_team.week_numbering = WeekNumbering.ISO
    sample_team.save()
    assert next_week(sample_team) == (date(2023, 5, 27), 21)


@pytest.mark.parametrize(
    ("day", "number"),
    [
        (date(2023, 5, 20), 21),  # the sample
        (date(2023, 1, 7), 2),  # 1 January 2023 was a Sunday: week 1 is that one day
        (date(2023, 12, 30), 53),
        (date(2024, 1, 6), 1),
    ],
)
def test_calendar_numbering(day, number):
    team = TeamFactory.build(week_numbering=WeekNumbering.CALENDAR)
    assert team.week_number_for(day, None) == number


@pytest.mark.django_db
def test_sequence_skips_missing_weeks(sample_team):
    sample_team.week_numbering = WeekNumbering.SEQUENCE
    latest = sample_team.reports.get()
    assert sample_team.week_number_for(date(2023, 6, 10), latest) == 24
