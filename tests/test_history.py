"""The history of new rows, written by the database (core.history.bulk_create_with_history),
is what simple-history itself records for them."""

from datetime import date, timedelta

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history import utils as simple_history_utils

from core.history import bulk_create_with_history
from metrics import models as mm
from reports import document as d
from reports.models import DailyNote, ItemUpdate, ObjectiveEntry, StabilityEvent
from tests.factories import TeamFactory, import_sample, sample_document
from tests.forms_data import editor_data

pytestmark = pytest.mark.django_db

# Every model a report's save writes with bulk_create_with_history.
SAVED_IN_BULK = [
    ItemUpdate,
    ObjectiveEntry,
    StabilityEvent,
    DailyNote,
    mm.KpiValue,
    mm.IncidentSummary,
    mm.IncidentCount,
    mm.MigrationSnapshot,
    mm.CategorySnapshot,
    mm.ProgressBucket,
]

HISTORY_ONLY = {
    "history_id",
    "history_date",
    "history_user",
    "history_change_reason",
    "history_type",
}


def _document(slug: str):
    """The sample with a daily note, so that every model above is written."""
    document = sample_document(slug)
    document.daily_notes.append(d.DailyNote(day=date(2023, 5, 18), author="小王", text="上线完成"))
    return document


@pytest.fixture
def saved(sample_team):
    """The sample saved with its daily note, into a team of its own."""
    team = TeamFactory(slug="noted")
    import_sample(team, document=_document(team.slug))
    return team


def _tracked(history_row, model) -> dict:
    names = [f.attname for f in model.history.model.tracked_fields]
    return {name: getattr(history_row, name) for name in names}


def _live(row) -> dict:
    names = [f.attname for f in type(row).history.model.tracked_fields]
    return {name: getattr(row, name) for name in names}


@pytest.mark.parametrize("model", SAVED_IN_BULK, ids=lambda m: m.__name__)
def test_each_saved_row_has_one_created_record_equal_to_it(saved, model):
    rows = list(model.objects.all())
    assert rows, f"the sample writes no {model.__name__}"
    before = timezone.now()

    for row in rows:
        (record,) = model.history.filter(**{model._meta.pk.attname: row.pk})
        assert record.history_type == "+"
        assert record.history_user_id is None  # saved by no one in particular
        assert record.history_change_reason is None
        assert before - timedelta(minutes=5) < record.history_date <= timezone.now()
        assert _tracked(record, model) == _live(row)


def _new_records(model, after: int) -> list[dict]:
    """The values of the history records written since ``after`` (a history id), without
    ids, links to other rows (they differ between teams) and the stamps of the moment."""
    history = model.history.model
    skipped = HISTORY_ONLY | {f.attname for f in history._meta.fields if f.is_relation}
    skipped.add(model._meta.pk.attname)
    skipped |= {  # stamped when written
        f.attname
        for f in model._meta.fields
        if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
    }
    names = [f.attname for f in history._meta.fields if f.attname not in skipped]
    records = history.objects.filter(history_id__gt=after).order_by("history_id")
    return [{**{name: getattr(r, name) for name in names}, "type": r.history_type} for r in records]


def _last_history_ids() -> dict:
    return {m: m.history.aggregate(n=models.Max("history_id"))["n"] or 0 for m in SAVED_IN_BULK}


def test_the_records_are_those_simple_history_writes(monkeypatch, sample_team, other_team):
    """The sample saved once with the copy in the database, once with simple-history's own
    bulk_create_with_history: the same records, arrays, decimals, times and blanks alike."""
    from reports import rows

    start = _last_history_ids()
    import_sample(other_team, document=_document(other_team.slug))
    ours = {m: _new_records(m, start[m]) for m in SAVED_IN_BULK}

    monkeypatch.setattr(
        rows, "bulk_create_with_history", simple_history_utils.bulk_create_with_history
    )
    third = TeamFactory(slug="third")
    middle = _last_history_ids()
    import_sample(third, document=_document(third.slug))
    theirs = {m: _new_records(m, middle[m]) for m in SAVED_IN_BULK}

    for model in SAVED_IN_BULK:
        assert ours[model], model.__name__
        assert ours[model] == theirs[model], model.__name__


def test_the_request_user_is_recorded(lead, lead_client, sample_report):
    """simple-history's middleware names the signed-in user; so does the copy."""
    url = reverse("reports:report_edit", args=["payments", "2023-05-20"])
    data = editor_data(lead_client.get(url).context["editor"])

    assert lead_client.post(url, data).status_code == 302

    latest = ItemUpdate.history.filter(report_id=sample_report.pk).order_by("-history_id")
    assert latest.first().history_user_id == lead.pk


def test_nothing_is_written_for_no_rows():
    assert bulk_create_with_history([], mm.KpiValue) == []


def test_without_history_only_the_rows_are_written(settings, sample_report):
    settings.SIMPLE_HISTORY_ENABLED = False
    summary = mm.IncidentSummary.objects.get(report=sample_report)
    counts = mm.IncidentCount.history.count()

    bulk_create_with_history(
        [mm.IncidentCount(summary=summary, grade="E", count=1)], mm.IncidentCount
    )

    assert mm.IncidentCount.objects.filter(grade="E").count() == 1
    assert mm.IncidentCount.history.count() == counts
