"""A lead brings week 22 up to date on the quick-update page, in Chromium, in few steps.

Week 22 was opened from week 21 (the sample) as the new-week page opens it; from its
report page the lead changes three KPI values, two counts of a tracker, the progress of
four items, adds an event, marks last week's plan, and saves: every click and every field
filled is counted. The saved week says exactly that, and nothing else moved.
"""

from datetime import date
from decimal import Decimal

import pytest

from reports import selectors, services
from reports.document import quick as q
from reports.document.renderer import render_markdown
from reports.models import WeeklyReport
from reports.selectors import report_document
from tests.browser.conftest import Steps, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long pass phrase 42"
WEEK_22 = date(2023, 5, 27)
# Opening the week and publishing it take a few more steps of their own.
MOST_STEPS = 16
ITEMS = {
    "带押过户": "光大同行带押线下首单跑通",
    "小贝帮帮项目": "第二阶段迭代提测，研发进展60%。",
    "网联代收": "技术设计评审通过，开发中。",
    "生产前置机停机维护演练": "问题已全部闭环。",
}


@pytest.fixture
def week22(sample_team, lead):
    lead.set_password(PASSWORD)
    lead.save()
    start, _previous = selectors.new_week_document(sample_team, WEEK_22)
    return services.report_create(team=sample_team, document=start, author=lead)


def _item_field(doc, title: str) -> str:
    place = next(p for p, item, _depth in q.items(doc) if item.title == title)
    return "-".join(str(p) for p in place) + "-body"


def test_a_lead_updates_the_week_in_at_most_16_steps(page, live_server, lead, week22, artifacts):
    before = report_document(week22)
    login(page, live_server, lead.username, PASSWORD)
    page.goto(f"{live_server.url}{week22.get_absolute_url()}")
    steps = Steps(page)

    steps.click("a[href$='/2023-05-27/quick/']")
    page.wait_for_selector("form#quick-update")
    kpis = page.locator("[data-group=kpis] .quick-row")
    assert "99.98%" in kpis.nth(0).inner_text()  # last week's value beside the field
    for n, value in enumerate(["99.97", "99.93", "100"]):
        steps.fill(f"input[name=kpi-{n}-value]", value)
    risk = page.locator(".quick-row.category", has_text="风控报表")
    steps.fill(risk.locator('input[name$="-done"]'), "23")
    steps.fill(risk.locator('input[name$="-not_started"]'), "0")
    steps.click("[data-group=plan] [data-quick=all-done]")
    steps.fill("input[name=event-occurred_on]", "2023-05-24")
    steps.choose("select[name=event-grade]", "C")
    steps.fill("textarea[name=event-summary]", "代付通道响应变慢，切换备用通道后恢复。")
    carried = page.locator(".quick-row.item .quick-carried:visible")
    assert carried.count() == 23  # every item's text is still last week's
    for title, text in ITEMS.items():
        steps.fill(f"textarea[name={_item_field(before, title)}]", text)
    assert carried.count() == 23 - len(ITEMS)  # touched: no longer marked as carried
    page.screenshot(path=artifacts / "week22-quick.png", full_page=True)
    # Typing is saved as it goes; the last of it is confirmed once the browser's copy of
    # the unsaved changes is dropped (static/js/autosave.js).
    page.wait_for_function("() => window.localStorage.length === 0")
    steps.click("button[name=save]")
    page.wait_for_url("**/2023-05-27/preview/")

    assert steps.count <= MOST_STEPS, steps.count
    shown = page.locator("main").inner_text()
    assert "99.97%" in shown and "代付通道响应变慢" in shown
    assert all(text in shown for text in ITEMS.values())
    report = WeeklyReport.objects.get(pk=week22.pk)
    after = report_document(report)
    assert [k.value for k in after.kpis] == [Decimal("99.97"), Decimal("99.93"), Decimal("100")]
    risk_counts = next(c for c in q.migrations(after)[0].categories if c.name == "风控报表")
    assert (risk_counts.done, risk_counts.not_started) == (23, 0)
    assert [p.outcome for p in after.plan_review] == ["done"] * 4
    assert [(e.date, e.grade) for e in after.events] == [(date(2023, 5, 24), "C")]
    assert {i.title: i.body for i in after.items() if i.title in ITEMS} == ITEMS
    # Nothing else moved: with the old values back, the week reads as it did.
    after.kpis, after.plan_review, after.events = before.kpis, before.plan_review, []
    risk_counts.done, risk_counts.not_started = 22, 1
    for item in after.items():
        if item.title in ITEMS:
            item.body = next(i.body for i in before.items() if i.title == item.title)
    assert render_markdown(after) == render_markdown(before)
    assert page.foreign_requests == []


def test_no_change_is_one_click_per_row_and_one_per_group(page, live_server, lead, week22):
    before = report_document(week22)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, live_server, lead.username, PASSWORD)
    page.goto(f"{live_server.url}/teams/payments/2023-05-27/quick/")

    # A count typed by mistake: the row's button puts last week's back.
    risk = page.locator(".quick-row.category", has_text="风控报表")
    risk.locator('input[name$="-done"]').fill("99")
    risk.locator("[data-quick=same]").first.click()
    assert risk.locator('input[name$="-done"]').input_value() == "22"
    # KPIs: one typed, the rest as last week in one click.
    page.fill("input[name=kpi-1-value]", "99.90")
    page.click("[data-group=kpis] [data-quick=rest]")
    values = [page.input_value(f"input[name=kpi-{n}-value]") for n in range(3)]
    assert values == ["99.98", "99.90", "100"]
    kpis = page.locator("[data-group=kpis] .quick-row")
    assert kpis.nth(0).locator(".quick-reviewed").is_visible()
    assert not kpis.nth(1).locator(".quick-reviewed").is_visible()  # typed: not "no change"
    # An item's text: "No change" keeps it and marks it reviewed.
    item = page.locator(".quick-row.item").first
    text = item.locator("textarea").input_value()
    item.locator("[data-quick=same]").click()
    assert item.locator("textarea").input_value() == text
    assert item.locator(".quick-reviewed").is_visible()
    assert not item.locator(".quick-carried").is_visible()
    page.wait_for_function("() => window.localStorage.length === 0")
    page.click("button[name=save]")
    page.wait_for_url("**/2023-05-27/preview/")

    after = report_document(WeeklyReport.objects.get(pk=week22.pk))
    assert [k.value for k in after.kpis] == [Decimal("99.98"), Decimal("99.90"), Decimal("100")]
    after.kpis = before.kpis
    assert render_markdown(after) == render_markdown(before)
    # The preview no longer counts the item reviewed as carried: 23 items carry text.
    assert "22" in page.locator("#carried-items").inner_text()

    # Opened again, what was reviewed still is; typing in it takes that back.
    page.goto(f"{live_server.url}/teams/payments/2023-05-27/quick/")
    item = page.locator(".quick-row.item").first
    assert item.locator(".quick-reviewed").is_visible()
    assert not item.locator(".quick-carried").is_visible()
    kpis = page.locator("[data-group=kpis] .quick-row")
    assert kpis.nth(0).locator(".quick-reviewed").is_visible()
    # "No change for the rest" leaves the KPI changed this week (99.90, last week 99.92).
    page.click("[data-group=kpis] [data-quick=rest]")
    assert not kpis.nth(1).locator(".quick-reviewed").is_visible()
    assert page.input_value("input[name=kpi-1-value]") == "99.90"
    item.locator("textarea").press("End")
    item.locator("textarea").type("。")
    assert not item.locator(".quick-reviewed").is_visible()
    for _ in range(50):  # the autosave, a moment after typing stops
        week22.refresh_from_db()
        if len(week22.confirmed) == 2:
            break
        page.wait_for_timeout(200)
    assert len(week22.confirmed) == 2  # the first and third KPIs ("No change" for the rest)
    assert errors == []


def test_a_week_started_by_its_first_autosave_stops_saying_it_has_no_report(
    page, live_server, lead, sample_report
):
    lead.set_password(PASSWORD)
    lead.save()
    login(page, live_server, "lead", PASSWORD)
    page.goto(f"{live_server.url}/teams/payments/2023-05-27/quick/")
    notice = page.locator("#quick-new-week")
    assert notice.is_visible()

    page.locator("input[name$='-value']").first.fill("99.97")
    page.locator("[data-autosave-status].text-success").wait_for()

    assert notice.count() == 0
    assert WeeklyReport.objects.filter(report_date=date(2023, 5, 27)).exists()
