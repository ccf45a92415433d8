"""One history of a week, and the history simple-history keeps of the rest.

A week's record is its revisions (ReportRevision): saving it writes no simple-history
copies of the report or its parts. Settings rows and daily notes keep simple-history's
record; the notes a save adds are written in bulk with their history copied by the
database (core.history.bulk_create_with_history), which must be what simple-history
itself records for them."""

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db import models
from django.test import RequestFactory
from django.utils import timezone
from simple_history import utils as simple_history_utils
from simple_history.models import HistoricalRecords

from core.history import bulk_create_with_history
from reports import document as d
from reports import services
from reports.models import DailyNote, ReportRevision
from reports.selectors import report_document
from tests.factories import TeamFactory, import_sample, sample_document

pytestmark = pytest.mark.django_db

HISTORY_ONLY = {
    "history_id",
    "history_date",
    "history_user",
    "history_change_reason",
    "history_type",
}


def _history_rows() -> int:
    return sum(
        model.objects.count()
        for model in apps.get_models()
        if model.__name__.startswith("Historical")
    )


def test_a_one_line_edit_writes_one_revision_and_no_history_copies(sample_report):
    doc = report_document(sample_report)
    doc.objectives[0].items[0].body += "（补充一句）"
    history, revisions = _history_rows(), ReportRevision.objects.count()

    services.report_update(
        report=sample_report, document=doc, author=None, expected_version=sample_report.version
    )

    assert ReportRevision.objects.count() == revisions + 1
    assert _history_rows() == history  # it was 127 rows in 10 tables before
    assert "（补充一句）" in sample_report.revisions.first().markdown


def test_the_weeks_parts_have_no_simple_history():
    kept = {m._meta.label for m in apps.get_models() if hasattr(m, "history")}

    assert kept == {
        "reports.Team",
        "reports.Membership",
        "reports.TeamSection",
        "reports.Objective",
        "reports.ProjectItem",
        "reports.DailyNote",
        "reports.NotificationChannel",
        "metrics.KpiDefinition",
        "metrics.MigrationTracker",
        "metrics.MigrationCategory",
    }


def _document(slug: str):
    """The sample with a daily note, which the save adds to the team's notes."""
    document = sample_document(slug)
    document.daily_notes.append(d.DailyNote(day=date(2023, 5, 18), author="小王", text="上线完成"))
    return document


@pytest.fixture
def saved(sample_team):
    """The sample saved with its daily note, into a team of its own."""
    team = TeamFactory(slug="noted")
    import_sample(team, document=_document(team.slug))
    return team


def _tracked(record) -> dict:
    return {f.attname: getattr(record, f.attname) for f in DailyNote.history.model.tracked_fields}


def test_each_note_saved_in_bulk_has_one_created_record_equal_to_it(saved):
    rows = list(DailyNote.objects.filter(team=saved))
    assert rows
    before = timezone.now()

    for row in rows:
        (record,) = DailyNote.history.filter(id=row.pk)
        assert record.history_type == "+"
        assert record.history_user_id is None  # saved by no one in particular
        assert record.history_change_reason is None
        assert before - timedelta(minutes=5) < record.history_date <= timezone.now()
        assert _tracked(record) == {
            f.attname: getattr(row, f.attname) for f in DailyNote.history.model.tracked_fields
        }


def _new_records(after: int) -> list[dict]:
    """The history records written since ``after`` (a history id), without ids, links to
    other rows (they differ between teams) and the stamps of the moment."""
    history = DailyNote.history.model
    skipped = HISTORY_ONLY | {f.attname for f in history._meta.fields if f.is_relation}
    skipped |= {"id", "created_at"}
    names = [f.attname for f in history._meta.fields if f.attname not in skipped]
    records = history.objects.filter(history_id__gt=after).order_by("history_id")
    return [{**{name: getattr(r, name) for name in names}, "type": r.history_type} for r in records]


def _last_history_id() -> int:
    return DailyNote.history.aggregate(n=models.Max("history_id"))["n"] or 0


def test_the_records_are_those_simple_history_writes(monkeypatch, sample_team, other_team):
    """The sample saved once with the copy in the database, once with simple-history's own
    bulk_create_with_history: the same records."""
    from reports import rows

    start = _last_history_id()
    import_sample(other_team, document=_document(other_team.slug))
    ours = _new_records(start)

    monkeypatch.setattr(
        rows, "bulk_create_with_history", simple_history_utils.bulk_create_with_history
    )
    third = TeamFactory(slug="third")
    middle = _last_history_id()
    import_sample(third, document=_document(third.slug))
    theirs = _new_records(middle)

    assert ours
    assert ours == theirs


def test_the_request_user_is_recorded(lead, sample_team):
    """simple-history's middleware names the signed-in user; so does the copy."""
    request = RequestFactory().get("/")
    request.user = lead
    HistoricalRecords.context.request = request
    try:
        (note,) = bulk_create_with_history(
            [DailyNote(team=sample_team, day=date(2023, 5, 19), author_name="李", text="补记")],
            DailyNote,
        )
    finally:
        del HistoricalRecords.context.request

    assert DailyNote.history.get(id=note.pk).history_user_id == lead.pk


def test_nothing_is_written_for_no_rows():
    assert bulk_create_with_history([], DailyNote) == []


def test_without_history_only_the_rows_are_written(settings, sample_team):
    settings.SIMPLE_HISTORY_ENABLED = False
    records = DailyNote.history.count()

    bulk_create_with_history(
        [DailyNote(team=sample_team, day=date(2023, 5, 19), author_name="李", text="补记")],
        DailyNote,
    )

    assert DailyNote.objects.filter(text="补记").count() == 1
    assert DailyNote.history.count() == records
