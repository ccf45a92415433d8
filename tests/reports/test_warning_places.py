"""Warnings point at the section and the field, in the team's words, never at a line of
the Markdown: a reader of the page has no line numbers. On the pages each warning's
section links to that section's heading."""

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from metrics.models import KpiDefinition
from reports.document.consistency import report_warnings
from reports.document.importer import parse
from reports.models import WeeklyReport
from tests.factories import SAMPLE, TZ, sample_document

ARGS = ["payments", "2023-05-20"]
PAGES = ["reports:report_detail", "reports:report_preview", "reports:report_publish"]
LINE_NUMBER = re.compile(r"第\s*\d+\s*行|\bline\s+\d+", re.IGNORECASE)

OWN_LAYOUT = """# 周报 2024-04-12

## 本周概览

本周平稳。

## 运营指标

- 支付成功率：99.5%
- 退款成功率：99.9%

## 事故

- 4/10 10:00 监控发现收银台变慢。原因：缓存失效 处置：扩容

## Risks

- 供应商合同到期
"""


def _warnings(html: str) -> str:
    m = re.search(r'<section class="warnings[^"]*".*?</section>', html, re.S)
    assert m, "no warnings on the page"
    return m.group(0)


def _heading(html: str, anchor: str) -> str:
    """The text of the page's heading with id ``anchor``."""
    m = re.search(rf'<h\d id="{anchor}">(.*?)</h\d>', html, re.S)
    assert m, f"no heading #{anchor} on the page"
    return m.group(1).strip()


# -- the document: each warning knows its section --------------------------------------


def test_the_sample_s_warnings_name_the_objective_as_the_page_shows_it():
    warnings = report_warnings(sample_document())

    mismatch = next(w for w in warnings if w.code == "migration_stated_mismatch")
    assert (mismatch.section, mismatch.anchor) == ("【O2 系统升级】", "objective-2")
    assert "Hive数仓建设" in mismatch.shown  # the field: the tracker
    note = next(w for w in warnings if w.code == "import_note")
    assert (note.section, note.anchor) == ("【O3 安全稳定、降本提效】", "objective-3")


def test_the_importer_names_the_section_and_the_event_not_the_line():
    (note,) = sample_document().import_notes

    assert note.startswith("【O3 安全稳定、降本提效】 · ")
    assert "2023-05-15" in note and "履约以及资金管理平台" in note  # which event
    assert "4:50" in note and "16:50" in note
    assert not LINE_NUMBER.search(note)


def test_incident_counts_that_cannot_be_split_are_placed_in_the_operations_data():
    # Two CD incidents in one count, and the note beside them names one.
    doc = parse(SAMPLE.read_text(encoding="utf-8").replace("CD级1次 ，", "CD级2次 ，"), tz=TZ)

    (note,) = [n for n in doc.import_notes if "CD" in n]
    assert note.startswith("【系统运行数据】 · ")
    assert not LINE_NUMBER.search(note)
    (warning,) = [w for w in report_warnings(doc) if "CD" in w.message]
    assert (warning.section, warning.anchor) == ("【系统运行数据】", "section-2")


def test_a_team_s_own_headings_name_its_kpis_and_events():
    doc = parse(OWN_LAYOUT, tz=TZ)
    doc.kpis[0].target = Decimal("99.9")
    event = doc.events[0]
    event.recovered_at = event.detected_at - timedelta(minutes=30)

    warnings = {w.code: w for w in report_warnings(doc)}

    kpi = warnings["kpi_below_target"]
    assert (kpi.section, kpi.anchor) == ("运营指标", "section-2")
    assert "支付成功率" in kpi.shown
    late = warnings["event_recovery_before_detection"]
    assert (late.section, late.anchor) == ("事故", "section-3")
    assert "2024-04-10" in late.shown and "监控发现收银台变慢" in late.shown


def test_an_invalid_stored_value_is_placed_in_its_section():
    doc = sample_document()
    doc.objectives[1].items[0].percent = Decimal(150)

    (problem,) = [w for w in report_warnings(doc) if w.code == "invalid_value"]

    assert (problem.section, problem.anchor) == ("【O2 系统升级】", "objective-2")
    assert "支付账户2.0升级" in problem.shown  # the item


# -- the pages: no line numbers, the section named and linked --------------------------


@pytest.fixture
def warned_report(sample_report, sample_team):
    """The sample with a KPI below its target and the note an import made before notes
    named places ("第98行：…"), as weeks imported then still hold it."""
    KpiDefinition.objects.filter(team=sample_team, name="出金有效成功率").update(
        target=Decimal("99.95")
    )
    notes = ["第98行：恢复时间4:50已按16:50处理（晚于发现时间）。", *sample_report.import_notes]
    WeeklyReport.objects.filter(pk=sample_report.pk).update(import_notes=notes)
    return sample_report


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_the_pages_show_no_line_numbers(lead_client, warned_report, page):
    warnings = _warnings(lead_client.get(reverse(page, args=ARGS)).content.decode())

    assert "恢复时间4:50已按16:50处理" in warnings  # the old note, without its line
    assert not LINE_NUMBER.search(warnings), warnings


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["reports:report_detail", "reports:report_preview"])
def test_each_warning_links_to_its_section_on_the_page(lead_client, warned_report, page):
    html = lead_client.get(reverse(page, args=ARGS)).content.decode()
    warnings = _warnings(html)

    links = re.findall(
        r'<a class="alert-link warning-section" href="#([\w-]+)">(.*?)</a>', warnings
    )
    assert ("objective-2", "【O2 系统升级】") in links  # Hive数仓建设's figures
    assert ("section-2", "【系统运行数据】") in links  # 出金有效成功率 below its target
    for anchor, heading in links:
        assert _heading(html, anchor) == heading
    kpi = re.search(r'href="#section-2">【系统运行数据】</a> · ([^<]*)', warnings)
    assert kpi and "出金有效成功率" in kpi.group(1)


@pytest.mark.django_db
def test_the_confirmation_links_the_warnings_to_the_preview(lead_client, warned_report):
    preview = reverse("reports:report_preview", args=ARGS)

    warnings = _warnings(
        lead_client.get(reverse("reports:report_publish", args=ARGS)).content.decode()
    )

    assert f'href="{preview}#objective-2"' in warnings


@pytest.mark.django_db
def test_the_api_keeps_the_whole_sentence(lead_client, warned_report):
    warnings = lead_client.get(reverse("reports:report_json", args=ARGS)).json()["warnings"]

    hive = [w["message"] for w in warnings if w["code"] == "migration_stated_mismatch"]
    assert "Hive数仓建设：周报中未启动为8，按分类合计为9。" in hive


def test_an_event_of_the_sample_is_under_the_objective_that_lists_the_events():
    doc = sample_document()
    doc.events[0].recovered_at = datetime(2023, 5, 15, 7, 0, tzinfo=TZ)

    (late,) = [w for w in report_warnings(doc) if w.code == "event_recovery_before_detection"]

    assert late.section == "【O3 安全稳定、降本提效】" and late.anchor == "objective-3"
