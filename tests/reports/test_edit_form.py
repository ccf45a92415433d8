"""The edit page's forms on their own: the document they rebuild and the errors they give.

No database: the editor turns a document into forms and posted forms back into a
document, so these tests run on the sample document directly.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from reports import document as d
from reports.document.renderer import render_markdown
from reports.forms import ReportEditor
from tests.factories import sample_document
from tests.forms_data import add_row, editor_data, find_row


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def _editor(doc, data=None) -> ReportEditor:
    return ReportEditor(doc, grades=doc.incidents.grades, data=data)


def _post(doc, change) -> ReportEditor:
    data = editor_data(_editor(doc))
    change(data)
    editor = _editor(doc, data)
    editor.is_valid()
    return editor


def _error(editor, formset: str, field: str, row_field: str, row_value: str) -> str:
    fs = getattr(editor, formset)
    for form in fs.forms:
        if form[row_field].value() == row_value:
            return " ".join(form.errors.get(field, []))
    raise LookupError(row_value)


def test_saving_the_sample_unchanged_gives_the_same_report():
    doc = sample_document()

    editor = _post(doc, lambda data: None)

    assert editor.error_count == 0
    assert render_markdown(editor.document()) == render_markdown(doc)


def test_a_changed_kpi_is_in_the_export():
    def change(data):
        data[f"kpi-{find_row(data, 'kpi', 'name', '入金有效成功率')}-value"] = "99.97"

    editor = _post(sample_document(), change)

    assert "- 入金有效成功率：99.97%" in render_markdown(editor.document())


def test_percentages_stay_between_0_and_100():
    def change(data):
        data[f"kpi-{find_row(data, 'kpi', 'name', '入金有效成功率')}-value"] = "100.5"
        data[f"item-{find_row(data, 'item', 'title', '小贝帮帮项目')}-percent"] = "-1"

    editor = _post(sample_document(), change)

    assert _error(editor, "kpis", "value", "name", "入金有效成功率") == "百分比应在 0 到 100 之间。"
    assert "0" in _error(editor, "items", "percent", "title", "小贝帮帮项目")
    assert editor.error_count == 2


def test_counts_are_whole_and_not_negative():
    def change(data):
        data[f"cat-{find_row(data, 'cat', 'name', '风控报表')}-done"] = "-2"
        data[f"cat-{find_row(data, 'cat', 'name', '存管报表')}-paused"] = "1.5"

    editor = _post(sample_document(), change)

    assert "0" in _error(editor, "categories", "done", "name", "风控报表")
    assert _error(editor, "categories", "paused", "name", "存管报表") == "输入整数。"


def test_a_category_must_add_up_to_its_total():
    def change(data):
        data[f"cat-{find_row(data, 'cat', 'name', '业务增长报表')}-total"] = "4"

    editor = _post(sample_document(), change)

    assert _error(editor, "categories", "total", "name", "业务增长报表") == (
        "各项合计 3 个，与总数 4 个不符。"
    )


def test_progress_rows_must_add_up_to_in_progress():
    def change(data):
        row = find_row(data, "cat", "name", "存管报表")
        data[f"cat-{row}-in_progress"] = "4"
        data[f"cat-{row}-done"] = "14"  # so that the total still adds up

    editor = _post(sample_document(), change)

    assert _error(editor, "categories", "in_progress", "name", "存管报表") == (
        "下方进度行合计 3 个，与处理中 4 个不符。"
    )


def test_recovery_cannot_be_before_detection():
    def change(data):
        row = find_row(data, "evt", "detected_time", "07:38")
        data[f"evt-{row}-recovered_at"] = "2023-05-15T07:00"

    editor = _post(sample_document(), change)

    assert _error(editor, "events", "recovered_at", "detected_time", "07:38") == (
        "恢复时间不能早于发现时间。"
    )


def test_events_belong_to_the_week():
    def change(data):
        add_row(
            data, "evt", key="n1", kind="incident", occurred_on="2023-05-21",
            summary="下周的事", detected_time="", recovered_at="",
        )  # fmt: skip
        add_row(
            data, "evt", key="n2", kind="incident", occurred_on="2023-05-10",
            summary="早已恢复", detected_time="09:00", recovered_at="2023-05-10T10:00",
        )  # fmt: skip
        add_row(
            data, "evt", key="n3", kind="incident", occurred_on="2023-05-10",
            summary="跨周才恢复", detected_time="09:00", recovered_at="2023-05-15T10:00",
        )  # fmt: skip

    editor = _post(sample_document(), change)

    assert _error(editor, "events", "occurred_on", "summary", "下周的事") == (
        "该日期晚于周报日期 2023-05-20。"
    )
    # Over before the week began: a warning on the page, as at every door (a wiki page
    # imported with such an event stays editable), not a refusal.
    assert _error(editor, "events", "occurred_on", "summary", "早已恢复") == ""
    assert _error(editor, "events", "occurred_on", "summary", "跨周才恢复") == ""
    warned = next(e for e in editor.events.forms if e["summary"].value() == "早已恢复")
    assert not warned.errors


def test_objective_codes_are_unique():
    def change(data):
        data[f"obj-{find_row(data, 'obj', 'code', 'O2')}-code"] = "O1"

    editor = _post(sample_document(), change)

    assert editor.error_count == 1
    assert "已有目标使用这个编号" in " ".join(
        " ".join(f.errors.get("code", [])) for f in editor.objectives.forms
    )


def test_an_invalid_post_keeps_every_typed_value():
    def change(data):
        data[f"kpi-{find_row(data, 'kpi', 'name', '入金有效成功率')}-value"] = "abc"
        data["report-other"] = "1. 新写的其他事项"

    editor = _post(sample_document(), change)

    assert editor.report["other"].value() == "1. 新写的其他事项"
    kpi = next(f for f in editor.kpis.forms if f["name"].value() == "入金有效成功率")
    assert kpi["value"].value() == "abc"
    assert kpi.errors["value"] == ["输入一个数字。"]


def test_rows_added_removed_and_moved_on_the_page():
    def change(data):
        # Positions as the page numbers rows: here, every item spaced by ten ...
        for i in range(int(data["item-TOTAL_FORMS"])):
            data[f"item-{i}-position"] = str(int(data[f"item-{i}-position"]) * 10)
        o1 = data[f"obj-{find_row(data, 'obj', 'code', 'O1')}-key"]
        # ... the first item removed, 带押过户 moved up to the top, and a sub-item under it.
        data[f"item-{find_row(data, 'item', 'title', '轻存管&定转佣能力建设')}-DELETE"] = "on"
        data[f"item-{find_row(data, 'item', 'title', '带押过户')}-position"] = "1"
        add_row(
            data, "item", key="n1", objective=o1, depth="1", title="光大同行试单",
            body="已完成首单", marker="bullet", sep="", position="2",
        )  # fmt: skip

    editor = _post(sample_document(), change)
    assert editor.error_count == 0
    o1 = editor.document().objectives[0]

    assert [i.title for i in o1.items][:3] == ["带押过户", "朝阳项目-招募提佣", "小贝帮帮项目"]
    assert "轻存管&定转佣能力建设" not in [i.title for i in o1.items]
    assert [(c.title, c.body, c.sep) for c in o1.items[0].children] == [
        ("光大同行试单", "已完成首单", "，")
    ]


def test_a_tracker_added_to_an_item_with_categories_and_progress_rows():
    def change(data):
        item = data[f"item-{find_row(data, 'item', 'title', '带押过户')}-key"]
        add_row(data, "trk", key="nt", item=item, name="带押过户城市覆盖", overall_percent="40")
        add_row(
            data, "cat", key="nc", tracker="nt", name="华北", stage="推广中", total="5",
            offline="0", paused="0", done="2", in_progress="2", not_started="1",
        )  # fmt: skip
        add_row(data, "bkt", key="nb1", category="nc", label="北京", percent="50", count="1")
        add_row(data, "bkt", key="nb2", category="nc", label="", percent="20", count="1")

    editor = _post(sample_document(), change)
    assert editor.error_count == 0
    doc = editor.document()
    item = next(i for i in doc.items() if i.title == "带押过户")

    assert item.migration.figures().total == 5
    assert item.migration.figures().weighted_progress == Decimal("54")
    assert "带押过户城市覆盖" in render_markdown(doc)


def test_one_tracker_per_item():
    def change(data):
        item = data["trk-0-item"]
        add_row(data, "trk", key="nt", item=item, name="第二个跟踪")

    editor = _post(sample_document(), change)

    assert _error(editor, "trackers", "name", "name", "第二个跟踪") == (
        "一个事项最多只能有一个迁移跟踪。"
    )


def test_carried_plan_lines_join_next_weeks_plan():
    doc = sample_document()
    doc.plan_review = [d.PlanLine("迎检技术支持"), d.PlanLine("GPT Hackathon 复审")]
    doc.next_week = "1. 账户项目跟进"

    def change(data):
        data["plan-0-outcome"] = d.PlanOutcome.CARRIED
        data["plan-1-outcome"] = d.PlanOutcome.DONE

    editor = _post(doc, change)
    saved = editor.document()

    assert saved.next_week == "1. 账户项目跟进\n2. 迎检技术支持"
    assert [(p.text, p.outcome) for p in saved.plan_review] == [
        ("迎检技术支持", "carried"),
        ("GPT Hackathon 复审", "done"),
    ]


def test_a_week_started_meanwhile_is_reported_not_overwritten():
    def change(data):
        data["report-report_date"] = "2023-05-13"

    editor = _post(sample_document(), change)

    assert "2023-05-20" in " ".join(editor.report.non_field_errors())


def test_an_event_keeps_its_times_in_shanghai():
    editor = _post(sample_document(), lambda data: None)
    first = editor.document().events[0]

    assert first.detected_at.isoformat() == "2023-05-15T07:38:00+08:00"
    assert first.recovered_at.isoformat() == "2023-05-15T11:37:00+08:00"
    assert first.date == date(2023, 5, 15)


def test_far_away_dates_are_refused_not_crashed_on():
    """Year 1 at 00:00 in Shanghai is before year 1 in UTC: such input must not reach the
    database (a hypothesis run found it)."""

    def change(data):
        row = find_row(data, "evt", "detected_time", "07:38")
        data[f"evt-{row}-recovered_at"] = "0001-01-01T00:00"
        data["evt-2-occurred_on"] = "0001-01-01"

    editor = _post(sample_document(), change)

    assert "恢复时间应在事件日期" in _error(
        editor, "events", "recovered_at", "detected_time", "07:38"
    )
    assert editor.events.forms[2].errors["occurred_on"] == ["事件持续超过一年，不再继续顺延。"]


def test_a_kpi_or_tracker_listed_twice_is_refused():
    def change(data):
        add_row(data, "kpi", key="nk", name="入金有效成功率", kind="success_rate", unit="%")
        item = data[f"item-{find_row(data, 'item', 'title', '带押过户')}-key"]
        add_row(data, "trk", key="nt", item=item, name="Hive数仓建设")

    editor = _post(sample_document(), change)

    assert editor.kpis.forms[-1].errors["name"] == ["这个指标上面已经列过。"]
    assert editor.trackers.forms[-1].errors["name"] == ["本周报已经有这个迁移跟踪。"]


def test_rows_under_a_removed_row_go_with_it():
    """The page hides an objective with its items, trackers, categories and progress rows;
    whatever those hidden rows hold, they are removed with it, not validated."""

    def change(data):
        data[f"obj-{find_row(data, 'obj', 'code', 'O2')}-DELETE"] = "on"
        data["cat-0-total"] = "not a number"  # inside O2's tracker, now removed

    editor = _post(sample_document(), change)

    assert editor.error_count == 0
    doc = editor.document()
    assert [o.code for o in doc.objectives] == ["O1", "O3"]
    assert list(doc.migrations()) == []


def test_a_row_whose_parent_is_unknown_is_reported_not_dropped():
    def change(data):
        add_row(
            data,
            "item",
            key="nx",
            objective="no-such-objective",
            depth="0",
            title="孤立事项",
            marker="bullet",
        )

    editor = _post(sample_document(), change)

    assert "这一行找不到它在周报中的位置" in " ".join(editor.items.forms[-1].non_field_errors())


def test_two_rows_with_one_key_are_refused():
    def change(data):
        data["item-1-key"] = data["item-0-key"]

    editor = _post(sample_document(), change)

    second = next(f for f in editor.items.forms if f.prefix == "item-1")
    assert "这一行找不到它在周报中的位置" in " ".join(second.non_field_errors())


def test_a_carried_line_is_added_once_and_then_left_to_the_lead():
    doc = sample_document()
    doc.plan_review = [d.PlanLine("迎检技术支持", d.PlanOutcome.CARRIED)]
    doc.next_week = "1. 迎检技术支持（改写为：配合检查组）"

    editor = _post(doc, lambda data: None)

    assert editor.document().next_week == doc.next_week


def test_counts_of_grades_the_team_no_longer_uses_are_kept():
    doc = sample_document()
    doc.incidents.counts = {"A": 0, "C": 1, "P1": 2}

    editor = _post(doc, lambda data: None)

    assert editor.document().incidents.counts == {"C": 1, "P1": 2}


def test_extra_plan_rows_in_a_tampered_post_are_ignored():
    doc = sample_document()
    doc.plan_review = [d.PlanLine("迎检技术支持")]

    def change(data):
        data["plan-TOTAL_FORMS"] = "3"

    editor = _post(doc, change)

    assert [p.text for p in editor.document().plan_review] == ["迎检技术支持"]
