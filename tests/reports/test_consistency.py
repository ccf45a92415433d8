"""Warnings: stated figures against computed ones, category sums, KPI targets."""

from decimal import Decimal
from pathlib import Path

from reports.document.consistency import report_warnings
from reports.document.importer import parse
from tests.factories import TZ

SAMPLE = (Path(__file__).parent.parent / "fixtures" / "2023-05-20.md").read_text(encoding="utf-8")


def _codes(doc):
    return [w.code for w in report_warnings(doc)]


def test_sample_warns_about_the_hand_added_totals():
    warnings = report_warnings(parse(SAMPLE, tz=TZ))
    mismatches = [w.message for w in warnings if w.code == "migration_stated_mismatch"]
    assert len(mismatches) == 2
    assert any("8" in m and "9" in m for m in mismatches)  # not started: stated 8, computed 9
    assert any("156" in m and "155" in m for m in mismatches)  # developed
    # in production is stated correctly (107) and so raises nothing
    assert not any("107" in m for m in mismatches)


def test_sample_progress_is_within_tolerance():
    # stated 89.85 %, weighted from the categories 89.42 %: not worth a warning
    assert "migration_progress_mismatch" not in _codes(parse(SAMPLE, tz=TZ))


def test_correcting_the_stated_figure_clears_the_warning():
    doc = parse(SAMPLE, tz=TZ)
    migration = next(doc.migrations())[2]
    migration.stated.not_started = 9
    migration.stated.developed = 155
    assert "migration_stated_mismatch" not in _codes(doc)


def test_category_that_does_not_add_up():
    doc = parse(SAMPLE.replace("总计36个", "总计40个"), tz=TZ)
    messages = [w.message for w in report_warnings(doc) if w.code == "category_sum_mismatch"]
    assert (
        len(messages) == 1
        and "风控报表" in messages[0]
        and "36" in messages[0]
        and "40" in messages[0]
    )


def test_kpi_below_target():
    doc = parse(SAMPLE, tz=TZ)
    doc.kpis[1].target = Decimal("99.95")  # 出金有效成功率 99.92 %
    doc.kpis[0].target = Decimal("99.95")  # 入金有效成功率 99.98 % meets it
    messages = [w.message for w in report_warnings(doc) if w.code == "kpi_below_target"]
    assert len(messages) == 1 and "出金有效成功率" in messages[0] and "99.92" in messages[0]


def test_progress_far_from_computed_is_flagged():
    doc = parse(
        SAMPLE.replace("迁移进度（总数164个）：89.85%", "迁移进度（总数164个）：95%"), tz=TZ
    )
    assert "migration_progress_mismatch" in _codes(doc)


def test_import_notes_are_warnings_too():
    assert "import_note" in _codes(parse(SAMPLE, tz=TZ))
