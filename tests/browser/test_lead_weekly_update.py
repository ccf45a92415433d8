"""The lead's week, in Chromium, on the demo: from the team list to this week published.

The demo team "payments" last reported on 2023-05-20, months ago. Signed in as the demo's
lead, from the team list the lead opens the team and writes THIS week (today's): changes
three KPI values, two counts of a tracker, the progress of four items, adds an event,
marks last week's plan, saves and publishes, confirming who will be told. Every click
and every field filled or chosen is counted (signing in is not): at most 20. The week
then exists, published, holding exactly that; the demo's own week is left as it was.
Once more at a phone's width (390 px), where the quick page must not scroll sideways.
"""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from reports import selectors
from reports.document import quick as q
from reports.models import Team, WeeklyReport
from reports.selectors import report_document
from tests.browser.conftest import Steps, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOST_STEPS = 20
DEMO_WEEK = date(2023, 5, 20)
KPIS = ["99.97", "99.93", "99.99"]
ITEMS = {
    "带押过户": "光大同行带押线下首单跑通",
    "小贝帮帮项目": "第二阶段迭代提测，研发进展60%。",
    "网联代收": "技术设计评审通过，开发中。",
    "生产前置机停机维护演练": "问题已全部闭环。",
}
EVENT = "代付通道响应变慢，切换备用通道后恢复。"


@pytest.fixture(params=[1280, 390], ids=["desktop", "phone"])
def width(request) -> int:
    return request.param


@pytest.fixture
def lead_page(browser, live_server, width):
    """A page as wide as ``width``, noting every request made outside the live server."""
    context = browser.new_context(
        viewport={"width": width, "height": 900 if width > 500 else 844},
        locale="en-US",
        is_mobile=width <= 500,
        has_touch=width <= 500,
    )
    page = context.new_page()
    foreign: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((live_server.url, "data:")) else foreign.append(r.url),
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.foreign_requests, page.script_errors = foreign, errors
    yield page
    context.close()


def _item_field(doc, title: str) -> str:
    place = next(p for p, item, _depth in q.items(doc) if item.title == title)
    return "-".join(str(p) for p in place) + "-body"


def test_the_lead_writes_and_publishes_this_week_in_at_most_20_steps(
    lead_page, live_server, width, artifacts
):
    page = lead_page
    call_command("load_demo", stdout=StringIO())
    team = Team.objects.get(slug="payments")
    demo_week = WeeklyReport.objects.get(team=team, report_date=DEMO_WEEK)
    demo_state = (demo_week.status, demo_week.version)
    latest = WeeklyReport.objects.filter(team=team).order_by("-report_date").first()
    assert latest == demo_week  # months old: this week has no report yet
    today = timezone.localdate()
    this_week = selectors.week_report_date(team, today)
    assert this_week > DEMO_WEEK
    start, _previous = selectors.new_week_start(team, this_week)
    event_day = min(today, this_week)  # a day of the week, not after its report date
    login(page, live_server, "lead", "weekly-demo-2023")
    page.goto(f"{live_server.url}/")
    steps = Steps(page)

    # From the team list, the team; on it, "Write this week": its quick update.
    steps.click("a:has-text('支付平台组')")
    page.wait_for_url("**/teams/payments/")
    steps.click(".write-this-week a.btn-primary")
    page.wait_for_url(f"**/teams/payments/{this_week.isoformat()}/quick/")
    assert f"第{start.week_number}周" in page.locator("h1").inner_text()  # this week
    assert page.locator("#quick-new-week").is_visible()
    assert not WeeklyReport.objects.filter(team=team, report_date=this_week).exists()
    if width <= 500:
        overflow = page.evaluate("() => document.documentElement.scrollWidth")
        assert overflow <= width, overflow

    kpis = page.locator("[data-group=kpis] .quick-row")
    assert "99.98%" in kpis.nth(0).inner_text()  # last week's value beside the field
    for n, value in enumerate(KPIS):
        steps.fill(f"input[name=kpi-{n}-value]", value)
    risk = page.locator(".quick-row.category", has_text="风控报表")
    steps.fill(risk.locator('input[name$="-done"]'), "23")
    steps.fill(risk.locator('input[name$="-not_started"]'), "0")
    for title, text in ITEMS.items():
        steps.fill(f"textarea[name={_item_field(start, title)}]", text)
    steps.fill("input[name=event-occurred_on]", event_day.isoformat())
    steps.choose("select[name=event-grade]", "C")
    steps.fill("textarea[name=event-summary]", EVENT)
    steps.click("[data-group=plan] [data-quick=all-done]")
    if width <= 500:
        overflow = page.evaluate("() => document.documentElement.scrollWidth")
        assert overflow <= width, overflow
    page.screenshot(path=artifacts / f"lead-week-quick-{width}.png", full_page=True)

    # Save and publish: the confirmation says who will be told; publishing is one more.
    steps.click("button[name=publish]")
    page.wait_for_url(f"**/teams/payments/{this_week.isoformat()}/publish/")
    assert page.locator("#told, #told-nobody").count() == 1
    assert WeeklyReport.objects.get(team=team, report_date=this_week).status == "draft"
    steps.click("#publish-form button[type=submit]")
    page.wait_for_url(f"**/teams/payments/{this_week.isoformat()}/")

    print(f"\n{width} px: {steps.count} steps from the team list to this week published")
    assert steps.count <= MOST_STEPS, steps.count
    report = WeeklyReport.objects.get(team=team, report_date=this_week)
    assert report.status == "published"
    after = report_document(report)
    assert [k.value for k in after.kpis] == [Decimal(v) for v in KPIS]
    risk_counts = next(c for c in q.migrations(after)[0].categories if c.name == "风控报表")
    assert (risk_counts.done, risk_counts.not_started) == (23, 0)
    assert {i.title: i.body for i in after.items() if i.title in ITEMS} == ITEMS
    assert [(e.date, e.grade, e.summary) for e in after.events] == [(event_day, "C", EVENT)]
    assert after.plan_review and [p.outcome for p in after.plan_review] == ["done"] * len(
        start.plan_review
    )
    demo_week.refresh_from_db()
    assert (demo_week.status, demo_week.version) == demo_state  # the demo's week as it was
    assert WeeklyReport.objects.filter(team=team, report_date__gt=DEMO_WEEK).count() == 1
    assert page.foreign_requests == [] and page.script_errors == []
