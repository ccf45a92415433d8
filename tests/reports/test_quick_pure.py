"""The quick update on documents only (reports/document/quick.py, no database): changes
written in place, nothing else touched, and what still carries last week's text."""

import copy
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from reports import document as d
from reports.document import quick as q
from reports.document.carryover import next_document
from reports.document.renderer import render_markdown
from reports.document.sections import read_list
from reports.document.vocabulary import ItemStatus, KpiSource, SectionKind
from tests.factories import TZ, sample_document
from tests.reports.test_team_layouts import MANIFEST, _import

NEXT_DATE = date(2023, 5, 27)


def _weeks() -> tuple[d.ReportDocument, d.ReportDocument]:
    """Week 21 (the sample) and week 22 started from it."""
    previous = sample_document()
    return previous, next_document(previous, report_date=NEXT_DATE, week_number=22)


def _place(doc, title: str):
    return next(place for place, item, _depth in q.items(doc) if item.title == title)


def _own_words() -> tuple[d.ReportDocument, d.ReportDocument]:
    """payments-core's week of 2024-03-15 as written (its own layout, risks and actions
    as lists), and the week after it started from it."""
    written = _import(next(e for e in MANIFEST if e["path"] == "payments-core/2024-03-15.md"))
    after = next_document(
        written, report_date=written.report_date + timedelta(days=7), week_number=12
    )
    return written, after


def _entry_place(doc, kind: str, starts: str):
    return next(
        place
        for place, section, entry in q.entries(doc)
        if section.kind == kind and entry.text.startswith(starts)
    )


def _entry(doc, place):
    return read_list(doc.sections[place[1]].text).entries[place[2]]


# ---------------------------------------------------------------------------------------
# apply
# ---------------------------------------------------------------------------------------


def test_nothing_to_apply_gives_the_same_week_and_leaves_it_alone():
    _previous, doc = _weeks()
    kept = copy.deepcopy(doc)

    new = q.apply(doc, q.Changes())

    assert new == doc and new is not doc
    assert doc == kept


def test_each_change_is_written_where_it_goes_and_nothing_else_moves():
    _previous, doc = _weeks()
    kept = copy.deepcopy(doc)
    item = _place(doc, "带押过户")
    changes = q.Changes()
    changes.set((q.KPI, 0), "value", Decimal("99.97"))
    changes.set((q.GRADE, "C"), "count", 2)
    changes.set((q.CATEGORY, 0, 1), "done", 23)
    changes.set((q.CATEGORY, 0, 1), "not_started", 0)
    changes.set((q.BUCKET, 0, 1, 0), "percent", Decimal("95"))
    changes.set(item, "body", "首单已跑通")
    changes.set(item, "status", ItemStatus.DONE)

    new = q.apply(doc, changes)

    assert doc == kept  # the week it was given is not touched
    assert (new.kpis[0].value, new.kpis[0].source) == (Decimal("99.97"), KpiSource.TYPED)
    assert new.incidents.counts["C"] == 2
    risk = q.migrations(new)[0].categories[1]
    assert (risk.name, risk.done, risk.not_started) == ("风控报表", 23, 0)
    assert risk.in_progress[0].percent == Decimal("95")
    changed = q.locate(new, item)
    assert (changed.title, changed.body, changed.status) == ("带押过户", "首单已跑通", "done")
    # Put the old values back: the rest of the week is as it was, word for word.
    new.kpis[0] = doc.kpis[0]
    new.incidents.counts["C"] = 1
    risk.done, risk.not_started, risk.in_progress[0].percent = 22, 1, Decimal("90")
    changed.body, changed.status = q.locate(doc, item).body, q.locate(doc, item).status
    assert render_markdown(new) == render_markdown(doc)


def test_an_unchanged_kpi_keeps_where_its_value_came_from():
    _previous, doc = _weeks()
    doc.kpis[1].value, doc.kpis[1].source = Decimal("99.9"), KpiSource.API
    changes = q.Changes()
    changes.set((q.KPI, 0), "value", Decimal("99.97"))

    new = q.apply(doc, changes)

    assert (new.kpis[1].value, new.kpis[1].source) == (Decimal("99.9"), KpiSource.API)


def test_plan_lines_marked_carried_join_this_weeks_plan():
    _previous, doc = _weeks()
    changes = q.Changes()
    for n in range(4):
        changes.set((q.PLAN, n), "outcome", d.PlanOutcome.DONE)
    changes.set((q.PLAN, 3), "outcome", d.PlanOutcome.CARRIED)

    new = q.apply(doc, changes)

    assert [p.outcome for p in new.plan_review] == ["done", "done", "done", "carried"]
    assert new.next_week == "1. 迎检技术支持"


def test_the_pages_event_is_added_once_and_replaced_when_saved_again():
    _previous, doc = _weeks()
    opened_with = len(doc.events)
    first = d.StabilityEvent(date=date(2023, 5, 24), summary="代付通道响应变慢", grade="C")
    again = d.StabilityEvent(date=date(2023, 5, 24), summary="代付通道响应变慢，已恢复", grade="C")

    once = q.apply(doc, q.Changes(event=first, event_at=opened_with))
    twice = q.apply(once, q.Changes(event=again, event_at=opened_with))

    assert once.events[opened_with:] == [first]
    assert twice.events[opened_with:] == [again]
    assert twice.events[:opened_with] == doc.events


def test_a_place_the_week_does_not_have_is_refused():
    _previous, doc = _weeks()
    for place, name in [((q.KPI, 9), "value"), ((q.ITEM, 0, 99), "body"), ((q.KPI, 0), "name")]:
        changes = q.Changes()
        changes.set(place, name, "x")
        with pytest.raises(q.CannotApply) as refused:
            q.apply(doc, changes)
        assert refused.value.place == place


# ---------------------------------------------------------------------------------------
# Risks and actions: status, owner and due date written into the entry's own words
# ---------------------------------------------------------------------------------------


def test_a_risks_status_word_is_replaced_in_place():
    doc, _next_week = _own_words()
    place = _entry_place(doc, SectionKind.RISKS, "云闪付")
    changes = q.Changes()
    changes.set(place, "status", ItemStatus.DONE)

    new = q.apply(doc, changes)

    entry = _entry(new, place)
    assert entry.text == "云闪付 6 期/12 期测试商户未开通，可能影响 3 月底上线 —— **已解决**"
    assert entry.facts(new.report_date)["status"] == ItemStatus.DONE
    others = [s.text for n, s in enumerate(new.sections) if n != place[1]]
    assert others == [s.text for n, s in enumerate(doc.sections) if n != place[1]]


def test_a_checked_action_is_unchecked_and_says_its_status():
    doc, _next_week = _own_words()
    place = _entry_place(doc, SectionKind.ACTIONS, "通知网关")
    changes = q.Changes()
    changes.set(place, "status", ItemStatus.IN_PROGRESS)

    entry = _entry(q.apply(doc, changes), place)

    assert entry.check == "[ ] "
    assert entry.text == "通知网关连接池参数固化到配置中心（负责人：李航）（状态：跟进中）"
    assert entry.facts(doc.report_date)["status"] == ItemStatus.IN_PROGRESS


def test_an_open_action_is_done_by_checking_its_box():
    doc, _next_week = _own_words()
    place = _entry_place(doc, SectionKind.ACTIONS, "读副本扩容")
    changes = q.Changes()
    changes.set(place, "status", ItemStatus.DONE)

    new = q.apply(doc, changes)

    assert "- [x] 读副本扩容申请（负责人：李航）截止 3/19" in new.sections[place[1]].text


def test_owner_and_due_date_are_replaced_in_the_words_they_were_written_in():
    doc, _next_week = _own_words()
    place = _entry_place(doc, SectionKind.ACTIONS, "大事务巡检")
    changes = q.Changes()
    changes.set(place, "owner", "@王敏")
    changes.set(place, "due", date(2024, 3, 27))

    entry = _entry(q.apply(doc, changes), place)

    assert entry.text == "大事务巡检脚本接入每日巡检（负责人：王敏）截止 3/27"
    facts = entry.facts(doc.report_date)
    assert (facts["owner"], facts["due"]) == ("王敏", date(2024, 3, 27))


def test_facts_an_entry_does_not_state_are_added_after_its_text():
    doc, _next_week = _own_words()
    place = _entry_place(doc, SectionKind.RISKS, "大事务")
    changes = q.Changes()
    changes.set(place, "owner", "陈静")
    changes.set(place, "due", date(2024, 3, 22))

    entry = _entry(q.apply(doc, changes), place)

    facts = entry.facts(doc.report_date)
    assert (facts["owner"], facts["due"]) == ("陈静", date(2024, 3, 22))
    assert entry.text.endswith("（负责人：陈静）（截止：2024-03-22）")


def test_an_english_entry_gets_english_words():
    doc = d.ReportDocument(
        team="t",
        week_number=3,
        report_date=date(2024, 3, 22),
        language=d.Language.EN,
        sections=[d.Section(SectionKind.ACTIONS, "Action items", 2, "actions", "- Rotate keys")],
    )
    changes = q.Changes()
    changes.set((q.ENTRY, 0, 0), "status", ItemStatus.BLOCKED)
    changes.set((q.ENTRY, 0, 0), "owner", "alice")

    new = q.apply(doc, changes)

    assert new.sections[0].text == "- Rotate keys (status: blocked) (owner: alice)"


def test_a_stated_status_cannot_be_emptied_or_an_owner_unsaid():
    doc, _next_week = _own_words()
    risk = _entry_place(doc, SectionKind.RISKS, "云闪付")
    action = _entry_place(doc, SectionKind.ACTIONS, "大事务巡检")
    for place, name, value in [(risk, "status", ""), (action, "owner", ""), (action, "due", None)]:
        changes = q.Changes()
        changes.set(place, name, value)
        with pytest.raises(q.CannotApply) as refused:
            q.apply(doc, changes)
        assert (refused.value.place, refused.value.name) == (place, name)


def test_an_owner_the_text_cannot_say_is_refused():
    doc, _next_week = _own_words()
    place = _entry_place(doc, SectionKind.ACTIONS, "大事务巡检")
    changes = q.Changes()
    changes.set(place, "owner", "陈 静")

    with pytest.raises(q.CannotApply):
        q.apply(doc, changes)


def test_last_weeks_risks_and_actions_are_found_for_the_carried_ones():
    previous, doc = _own_words()
    doc.sections[
        _entry_place(doc, SectionKind.RISKS, "云闪付")[1]
    ].text = "1. 云闪付 6 期/12 期测试商户未开通，可能影响 3 月底上线 —— 已解决"  # marked this week

    found = q.previous_entries(doc, previous)

    risk = _entry_place(doc, SectionKind.RISKS, "云闪付")
    assert found[risk].text.startswith("云闪付 6 期/12 期测试商户未开通，可能影响 3 月底上线")
    actions = [p for p, s, _e in q.entries(doc) if s.kind == SectionKind.ACTIONS]
    assert [found[p].text for p in actions] == [_entry(doc, p).text for p in actions]
    assert (
        q.subject("大事务巡检脚本接入每日巡检（负责人：陈静）截止 3/20")
        == "大事务巡检脚本接入每日巡检"
    )


# ---------------------------------------------------------------------------------------
# carried
# ---------------------------------------------------------------------------------------


def test_a_new_week_carries_every_items_text_and_no_kpi_value():
    previous, doc = _weeks()

    carried = q.carried(doc, previous)

    with_text = [place for place, item, _depth in q.items(doc) if item.body.strip()]
    assert carried == set(with_text)
    assert q.carried_items(doc, previous) == len(with_text) == 23


def test_a_kpi_equal_to_last_weeks_is_carried_until_changed():
    previous, doc = _weeks()
    doc.kpis[0].value = Decimal("99.98")
    doc.kpis[1].value = Decimal("99.93")

    carried = q.carried(doc, previous)

    assert (q.KPI, 0) in carried and (q.KPI, 1) not in carried and (q.KPI, 2) not in carried


def test_a_touched_item_no_longer_carries_last_weeks_text():
    previous, doc = _weeks()
    place = _place(doc, "带押过户")
    q.locate(doc, place).body += " 首单已跑通"

    assert place not in q.carried(doc, previous)
    assert q.carried_items(doc, previous) == 22


def test_items_of_the_same_title_are_told_apart():
    """O3 has two items titled 鉴于迎检需要: each is compared with its own."""
    previous, doc = _weeks()
    first, second = [place for place, item, _d in q.items(doc) if item.title == "鉴于迎检需要"]
    q.locate(doc, first).body = "已启动"

    carried = q.carried(doc, previous)

    assert first not in carried and second in carried
    assert q.previous_items(doc, previous)[second].body.startswith("《个人金融信息保护能力认证》")


def test_an_item_new_this_week_and_a_first_week_carry_nothing():
    previous, doc = _weeks()
    doc.objectives[0].items.append(d.Item(title="统一收银台", body="方案评审通过"))

    assert (q.ITEM, 0, len(doc.objectives[0].items) - 1) not in q.carried(doc, previous)
    assert q.carried(doc, None) == set()
    assert q.carried_items(doc, None) == 0


def test_an_event_time_is_kept_aware():
    """An added event keeps its detection time in the team's zone (the page gives it)."""
    _previous, doc = _weeks()
    detected = datetime(2023, 5, 24, 10, 5, tzinfo=TZ)
    event = d.StabilityEvent(date=detected.date(), summary="x", detected_at=detected)

    new = q.apply(doc, q.Changes(event=event, event_at=len(doc.events)))

    assert new.events[-1].detected_at == detected
    assert new.events[-1].detected_at.utcoffset() == timedelta(hours=8)
