"""Starting week 22 from week 21, on documents only (no database)."""

from datetime import date
from decimal import Decimal

from reports import document as d
from reports.document.carryover import is_open, next_document, plan_lines, with_carried_plan
from tests.factories import sample_document

NEXT_DATE = date(2023, 5, 27)


def _next(previous=None) -> d.ReportDocument:
    return next_document(previous or sample_document(), report_date=NEXT_DATE, week_number=22)


def test_kpis_keep_name_unit_and_target_but_start_empty():
    doc = _next()

    assert [k.name for k in doc.kpis] == [k.name for k in sample_document().kpis]
    assert all(k.value is None and k.note == "" for k in doc.kpis)
    assert doc.kpis[0].unit == "%"


def test_items_keep_their_last_text():
    previous = sample_document()
    doc = _next(previous)

    assert [i.title for i in doc.items()] == [i.title for i in previous.items()]
    assert [i.body for i in doc.items()] == [i.body for i in previous.items()]
    first = next(doc.items())
    assert first.body_html == ""  # rendered again when the draft is saved


def test_categories_keep_counts_and_tracker_figures_are_left_to_compute():
    ((_o, _i, before),) = list(sample_document().migrations())
    ((_o, _i, after),) = list(_next().migrations())

    assert [c.counts() for c in after.categories] == [c.counts() for c in before.categories]
    assert after.stated.overall_percent == Decimal("90")
    assert after.stated.total is None and after.stated.progress is None
    assert after.stated.developed is None and after.stated.not_started is None
    assert after.headline_text == ""
    assert after.summary_text == before.summary_text  # restated with the new figures


def test_only_open_incidents_are_carried():
    previous = sample_document()
    still_open = d.StabilityEvent(date=date(2023, 5, 19), summary="支付网关超时，排查中")
    previous.events.append(still_open)

    doc = _next(previous)

    assert [e.summary for e in doc.events] == ["支付网关超时，排查中"]
    # The sample's own events: two recovered incidents and a planned change.
    assert not any(is_open(e) for e in sample_document().events)


def test_an_incident_open_for_over_a_year_is_not_carried_further():
    previous = sample_document()
    previous.events += [
        d.StabilityEvent(date=date(2022, 5, 25), summary="对账差异，待查"),  # 367 days before
        d.StabilityEvent(date=date(2022, 5, 27), summary="清算延迟，待查"),  # 365 days before
    ]

    doc = _next(previous)

    assert [e.summary for e in doc.events] == ["清算延迟，待查"]


def test_last_weeks_plan_becomes_the_checklist():
    doc = _next()

    assert [p.text for p in doc.plan_review] == [
        "账户、Hive以及POS项目的跟进",
        "招募提佣3期、统一用户、全房通网关等项目方案沟通。",
        "银行账户类架构方案沟通与评审",
        "迎检技术支持",
    ]
    assert all(p.outcome == d.PlanOutcome.UNMARKED for p in doc.plan_review)
    assert doc.next_week == ""


def test_the_weeks_narrative_starts_empty():
    doc = _next()

    assert (doc.other, doc.reflections, doc.daily) == ("", "", "")
    assert doc.import_notes == []
    assert (doc.week_number, doc.report_date, doc.status) == (22, NEXT_DATE, "draft")


def test_incident_tally_of_the_year_is_copied():
    assert _next().incidents.counts == sample_document().incidents.counts


def test_plan_lines_read_bullets_numbers_and_continuations():
    text = "1. 第一项\n   续写\n- 第二项\n\n3、第三项\n无序号的一行"

    assert plan_lines(text) == ["第一项 续写", "第二项", "第三项", "无序号的一行"]


def test_carried_lines_are_added_once_and_numbered_on():
    review = [
        d.PlanLine("迎检技术支持", d.PlanOutcome.CARRIED),
        d.PlanLine("银行账户类架构方案沟通与评审", d.PlanOutcome.DONE),
        d.PlanLine("POS项目跟进", d.PlanOutcome.CARRIED),
    ]
    text = "1. 账户项目\n2. POS项目跟进"

    once = with_carried_plan(text, review)

    assert once == "1. 账户项目\n2. POS项目跟进\n3. 迎检技术支持"
    assert with_carried_plan(once, review) == once
    assert with_carried_plan("", review[:1]) == "1. 迎检技术支持"
