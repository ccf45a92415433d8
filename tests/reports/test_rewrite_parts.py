"""A save that writes only the parts that changed leaves what rewriting the week leaves.

The edit page's saves (and its autosaves) pass the document the rows held
(``services.report_update(before=...)``); ``rows.rewrite_parts`` then writes only the
parts that differ. Two teams get the sample week; the same edit is saved into one by
writing what changed and into the other by writing everything, and every row of the two
weeks (ids and keys aside), their documents and their exports are compared.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from metrics import models as mm
from reports import selectors, services
from reports.document.renderer import render_markdown
from reports.forms import ReportEditor
from reports.models import (
    DailyNote,
    ItemUpdate,
    ObjectiveEntry,
    ReportSection,
    StabilityEvent,
    WeeklyReport,
)
from reports.selectors import report_document
from tests.factories import TeamFactory, import_sample
from tests.forms_data import add_row, editor_data, find_row

pytestmark = pytest.mark.django_db

PARTS = [
    (mm.KpiValue, "report"),
    (mm.IncidentSummary, "report"),
    (mm.IncidentCount, "summary__report"),
    (ObjectiveEntry, "report"),
    (ItemUpdate, "report"),
    (mm.MigrationSnapshot, "report"),
    (mm.CategorySnapshot, "snapshot__report"),
    (mm.ProgressBucket, "category__snapshot__report"),
    (StabilityEvent, "report"),
    (ReportSection, "report"),
]
_teams = itertools.count()


def _values(model, **where) -> list[tuple]:
    names = [
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key and not isinstance(f, models.ForeignKey)
    ]
    return sorted(map(repr, model.objects.filter(**where).values_list(*names)))


def _state(report: WeeklyReport) -> dict:
    """Everything the week's rows hold, ids and keys aside."""
    report.refresh_from_db()
    doc = report_document(report)
    doc.team = "-"
    state = {model.__name__: _values(model, **{path: report}) for model, path in PARTS}
    state["notes"] = _values(DailyNote, team=report.team)
    skip = {"id", "team", "author", "created_at", "updated_at"}
    state["report"] = [
        (f.name, repr(getattr(report, f.attname)))
        for f in WeeklyReport._meta.concrete_fields
        if f.name not in skip
    ]
    state["document"] = repr(doc)
    state["markdown"] = render_markdown(doc)
    return state


def _save(report: WeeklyReport, edit, *, partial: bool, between=None) -> bool:
    """Save ``edit`` as the editor would (``partial``: over the week it read); ``between``:
    what happens after the week was read and before it is saved."""
    before = selectors.kept_document(report) if partial else report_document(report)
    if between is not None:
        between()
    grades = report.team.grades
    data = editor_data(ReportEditor(before, grades=grades, version=report.version))
    edit(data)
    editor = ReportEditor(before, grades=grades, version=report.version, data=data)
    if not editor.is_valid():
        return False
    services.report_update(
        report=report,
        document=editor.document(),
        author=None,
        expected_version=report.version,
        before=before if partial else None,
    )
    return True


def _both(*edits) -> tuple[dict, dict]:
    n = next(_teams)
    partial = import_sample(TeamFactory(slug=f"partial-{n}"))
    whole = import_sample(TeamFactory(slug=f"whole-{n}"))
    for edit in edits:
        saved = _save(partial, edit, partial=True)
        assert _save(whole, edit, partial=False) == saved
        if not saved:
            return {}, {}
        partial.refresh_from_db()
        whole.refresh_from_db()
    return _state(partial), _state(whole)


def _set(name: str, value: str):
    def edit(data):
        data[name] = value

    return edit


def _kpi_value(value: str):
    def edit(data):
        data[f"kpi-{find_row(data, 'kpi', 'name', '入金有效成功率')}-value"] = value

    return edit


def _item(field: str, value: str, n: int = 3):
    return _set(f"item-{n}-{field}", value)


def _remove_objective(data):
    data["obj-1-DELETE"] = "on"


def _add_event(data):
    add_row(
        data,
        "evt",
        key="e-new",
        occurred_on="2023-05-18",
        kind="incident",
        grade="C",
        detection="监控告警",
        summary="对账文件延迟生成",
        cause="上游批量任务超时",
        handling="手工重跑",
    )


EDITS = {
    "reflections": _set("report-reflections", "本周没有意外。\n\n- 一条新的感想"),
    "next week": _set("report-next_week", "1. 完成迁移\n2. 复盘告警"),
    "a kpi value": _kpi_value("99.5"),
    "a kpi written with one more zero": _kpi_value("99.980"),
    "an incident count": _set("report-grade_C", "7"),
    "an item's progress": _item("percent", "65"),
    "an item's text": _item("body", "进展：联调完成，等待灰度。"),
    "an objective removed": _remove_objective,
    "an event added": _add_event,
    "the kpi notes": _set("report-kpi_notes", "成功率口径调整，见附注。"),
    "nothing": lambda data: None,
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_one_edit_leaves_the_same_rows(edit):
    partial, whole = _both(edit)

    assert partial, "the edit was refused"
    assert partial == whole


def test_edits_in_turn_leave_the_same_rows():
    partial, whole = _both(*EDITS.values())

    assert partial == whole
    assert "99.980" in partial["markdown"]


def test_a_changed_text_writes_no_part_of_the_week():
    report = import_sample(TeamFactory(slug="one-text"))
    # The first save writes the incidents as the page states them (no zero counts).
    assert _save(report, EDITS["nothing"], partial=True)
    report.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        assert _save(report, EDITS["reflections"], partial=True)

    written = {
        re.match(r'(?:DELETE FROM|INSERT INTO) "(\w+)"', q["sql"]).group(1)
        for q in queries
        if q["sql"].startswith(("DELETE", "INSERT"))
    }
    # The revision, the search index and the pages' cache; none of the week's parts.
    assert written <= {"reports_reportrevision", "reports_searchentry", "core_pagegeneration"}
    assert "reports_reportrevision" in written
    report.refresh_from_db()
    assert "一条新的感想" in report.reflections


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(sorted(EDITS)), min_size=1, max_size=4))
def test_any_run_of_edits_leaves_the_same_rows(names):
    partial, whole = _both(*(EDITS[name] for name in names))

    assume(partial)
    assert partial == whole


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_the_week_kept_after_a_save_is_the_week_read_again(
    edit, django_capture_on_commit_callbacks, django_assert_num_queries
):
    report = import_sample(TeamFactory(slug=f"kept-{next(_teams)}"))
    with django_capture_on_commit_callbacks(execute=True):
        assert _save(report, edit, partial=True)
    report.refresh_from_db()

    with django_assert_num_queries(1):  # the team's generation: the week is kept
        kept = selectors.kept_document(report)

    assert repr(kept) == repr(selectors.report_document(report))


def test_a_change_of_the_team_s_meanwhile_is_not_kept_over(
    lead, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """A member's daily note for the week, added while the lead's save was on its way,
    changes no week's version: the save writes what it changed, and keeps nothing built
    on the week as it was before the note."""
    report = import_sample(TeamFactory(slug=f"meanwhile-{next(_teams)}"))

    def note():
        services.daily_note_create(
            team=report.team, author=lead, day=report.report_date, text="同时写下的日报"
        )

    with django_capture_on_commit_callbacks(execute=True):
        assert _save(report, EDITS["reflections"], partial=True, between=note)
    report.refresh_from_db()

    kept = selectors.kept_document(report)
    assert repr(kept) == repr(selectors.report_document(report))
    assert "同时写下的日报" in [n.text for n in kept.daily_notes]


def test_last_week_shown_beside_is_kept_until_the_team_changes(
    lead, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """The edit and quick-update pages show the week before beside each value: read
    from its rows once, then kept (core.page_cache), and read afresh once anything of
    the team's changed."""
    report = import_sample(TeamFactory(slug=f"previous-{next(_teams)}"))
    team, later = report.team, report.report_date + timedelta(days=7)
    selectors.previous_document(team, later, kept=True)

    with django_assert_num_queries(2):  # the week's row and the team's generation
        kept = selectors.previous_document(team, later, kept=True)
    report.refresh_from_db()  # its fields as any reader reads them
    assert repr(kept) == repr(report_document(report))

    with django_capture_on_commit_callbacks(execute=True):
        services.daily_note_create(
            team=team, author=lead, day=report.report_date, text="上周补写的日报"
        )
    again = selectors.previous_document(team, later, kept=True)

    assert "上周补写的日报" in [n.text for n in again.daily_notes]
    assert repr(again) == repr(report_document(report))
