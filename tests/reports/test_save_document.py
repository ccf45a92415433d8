"""``report_save_document``: a parsed week stored as objectives, items, KPIs and events."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from metrics.models import (
    CategorySnapshot,
    IncidentSummary,
    KpiDefinition,
    KpiValue,
    MigrationTracker,
)
from reports.models import (
    ItemUpdate,
    Objective,
    ObjectiveEntry,
    ProjectItem,
    StabilityEvent,
)
from tests.factories import import_sample, sample_document

pytestmark = pytest.mark.django_db


def test_objectives_are_saved_with_titles(sample_team, sample_report):
    objectives = Objective.objects.filter(team=sample_team).order_by("order")

    assert [(o.code, o.title) for o in objectives] == [
        ("O1", "服务业务"),
        ("O2", "系统升级"),
        ("O3", "安全稳定、降本提效"),
    ]
    entries = ObjectiveEntry.objects.filter(report=sample_report)
    assert [e.holds_events for e in entries] == [False, False, True]


def test_kpi_definitions_have_kinds_and_values(sample_team, sample_report):
    kinds = dict(KpiDefinition.objects.filter(team=sample_team).values_list("name", "kind"))

    assert kinds == {
        "入金有效成功率": "success_rate",
        "出金有效成功率": "success_rate",
        "支付系统年度可用性": "availability",
    }
    assert KpiDefinition.objects.get(name="支付系统年度可用性").year_to_date is True
    value = KpiValue.objects.get(report=sample_report, definition__name="入金有效成功率")
    assert (value.value, value.decimals) == (Decimal("99.98"), 2)


def test_incident_counts_and_note(sample_report):
    summary = IncidentSummary.objects.get(report=sample_report)

    assert {c.grade: c.count for c in summary.counts.all()} == {"A": 0, "B": 0, "C": 1, "D": 0}
    assert summary.note == "M6v专线故障记C级事故1次"


def test_stability_events_are_stored_in_utc(sample_report):
    events = list(StabilityEvent.objects.filter(report=sample_report))

    assert len(events) == 3
    first = events[0]
    # 2023-05-15 07:38 in Asia/Shanghai (UTC+8) is the evening before in UTC.
    assert first.detected_at == datetime(2023, 5, 14, 23, 38, tzinfo=UTC)
    assert first.detected_at.astimezone(UTC).replace(tzinfo=None) == datetime(2023, 5, 14, 23, 38)
    assert first.recovered_at == datetime(2023, 5, 15, 3, 37, tzinfo=UTC)
    assert (first.recovered_at - first.detected_at).total_seconds() / 60 == 239
    assert first.occurred_on == date(2023, 5, 15)
    assert first.detection == "监控发现"
    assert events[2].detected_at is None
    assert (events[2].time_text, events[2].kind) == ("凌晨", "change")


def test_stability_event_duration_survives_the_round_trip(sample_report):
    from reports.selectors import report_document

    doc = report_document(sample_report)

    assert doc.events[0].duration_minutes == 239
    assert doc.events[0].detected_at.hour == 7  # shown again in the team's time zone


def test_migration_tracker_with_six_categories(sample_team, sample_report):
    tracker = MigrationTracker.objects.get(team=sample_team)

    assert tracker.name == "Hive数仓建设"
    assert [c.name for c in tracker.categories.all()] == [
        "TOB商户账单",
        "风控报表",
        "产品运营报表",
        "存管报表",
        "资金部报表",
        "业务增长报表",
    ]
    snapshot = tracker.snapshots.get(report=sample_report)
    assert (snapshot.stated_total, snapshot.stated_not_started) == (164, 8)
    assert CategorySnapshot.objects.filter(snapshot=snapshot).count() == 6


def test_markdown_fields_are_sanitised(sample_team):
    document = sample_document()
    document.other = (
        "<script>alert('x')</script>\n\n[click](javascript:alert(1)) and [ok](https://example.com)"
    )
    document.objectives[0].items[0].body = "进行中 <script>steal()</script>"

    report = import_sample(sample_team, document=document)

    assert "<script" not in report.other_html
    assert "javascript:" not in report.other_html
    assert 'href="https://example.com"' in report.other_html
    update = ItemUpdate.objects.filter(report=report).order_by("position").first()
    assert "<script" not in update.body_html
    assert "进行中" in update.body_html


def test_next_week_reuses_items_and_objectives(sample_team, sample_report):
    items_before = set(ProjectItem.objects.values_list("pk", flat=True))
    objectives_before = set(Objective.objects.values_list("pk", flat=True))
    trackers_before = MigrationTracker.objects.count()
    later = sample_document()
    later.report_date, later.week_number = date(2023, 5, 27), 22

    report = import_sample(sample_team, document=later)

    assert report.pk != sample_report.pk
    assert set(ProjectItem.objects.values_list("pk", flat=True)) == items_before
    assert set(Objective.objects.values_list("pk", flat=True)) == objectives_before
    assert MigrationTracker.objects.count() == trackers_before
    used = set(ItemUpdate.objects.filter(report=report).values_list("item_id", flat=True))
    assert used == items_before
    assert KpiDefinition.objects.filter(team=sample_team).count() == 3
    assert KpiValue.objects.count() == 6


def test_saving_same_week_again_replaces_parts(sample_team, sample_report):
    document = sample_document()
    document.events = document.events[:1]

    report = import_sample(sample_team, document=document)

    assert report.pk == sample_report.pk
    assert StabilityEvent.objects.filter(report=report).count() == 1
    assert ObjectiveEntry.objects.filter(report=report).count() == 3


def test_a_value_the_database_refuses_is_an_error_not_a_retry(other_team):
    """Only a week created meanwhile by someone else is saved over; any other refusal of
    the new row (here a negative week number, which the rules refuse before the database
    would) is raised at once, and nothing is saved."""
    from reports.document.rules import Invalid
    from reports.models import WeeklyReport
    from reports.services import report_save_document

    document = sample_document(other_team.slug)
    document.week_number = -1

    with pytest.raises(Invalid):
        report_save_document(team=other_team, document=document)

    assert not WeeklyReport.objects.filter(team=other_team).exists()
    assert not Objective.objects.filter(team=other_team).exists()
