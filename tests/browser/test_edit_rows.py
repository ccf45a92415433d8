"""The edit page's rows in Chromium: add, remove, move, indent, nest, pull a note, fix an error."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from reports.models import DailyNote, Team, WeeklyReport
from reports.selectors import report_document
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _item(page, title):
    return page.locator(f".item-row:has(> div input[name$='-title'][value='{title}'])").first


def test_rows_change_in_the_page_and_survive_an_error(page, live_server, artifacts):
    call_command("load_demo", stdout=StringIO())
    WeeklyReport.objects.update(status="draft")
    team = Team.objects.get(slug="payments")
    DailyNote.objects.create(
        team=team, day=date(2023, 5, 16), author_name="王组员", text="委托代征联调通过"
    )
    login(page, live_server, "lead", "weekly-demo-2023")
    page.goto(f"{live_server.url}/teams/payments/2023-05-20/edit/")
    page.click("[data-open-all]")  # every section's editor, in place

    # KPIs: the second one moved above the first.
    page.locator(".kpi-row").nth(1).locator("button[data-row='up']").click()

    # Items: one removed, one indented under the item above it.
    _item(page, "商户降客询").locator("button[data-row='remove']").first.click()
    _item(page, "带押过户").locator("button[data-row='indent']").first.click()

    # A daily note pulled into an item's progress text.
    page.locator("select[data-pull-note]").select_option(label="小贝帮帮项目")
    body = _item(page, "小贝帮帮项目").locator("textarea[name$='-body']")
    assert body.input_value().endswith("研发进展30%。委托代征联调通过")

    # The tracker gets a category with two progress rows, one of them removed again.
    tracker = page.locator(".tracker").first
    tracker.locator("button[data-add='cat']").click()
    category = tracker.locator(".category").last
    category.locator("input[name$='-name']").fill("新增报表")
    for name, value in {"total": "3", "done": "1", "in_progress": "1", "not_started": "1"}.items():
        category.locator(f"input[name$='-{name}']").fill(value)
    category.locator("button[data-add='bkt']").click()
    category.locator("button[data-add='bkt']").click()
    buckets = category.locator(".bucket")
    buckets.nth(0).locator("input[name$='-label']").fill("结算报表")
    buckets.nth(0).locator("input[name$='-percent']").fill("60")
    buckets.nth(1).locator("button[data-row='remove']").click()

    # A mistake: the server refuses the save, keeps every row, marks the field.
    _item(page, "小贝帮帮项目").locator("details summary").click()
    _item(page, "小贝帮帮项目").locator("input[name$='-percent']").fill("130")
    with page.expect_navigation():  # saved by the page's script, then the page reloads
        page.click("button[name=save]")
    page.wait_for_load_state()
    assert page.locator("#form-errors").is_visible()
    # Only the field in error is marked (a removed row stays hidden, unchecked).
    assert page.locator(".is-invalid:visible").count() == 1
    page.screenshot(path=artifacts / "edit-error.png", full_page=False)
    assert page.locator(".category input[value='新增报表']").count() == 1
    _item(page, "小贝帮帮项目").locator("input[name$='-percent']").fill("35")
    with page.expect_navigation():  # saved by the page's script, then the page reloads
        page.click("button[name=save]")
    page.wait_for_load_state()
    assert "草稿已保存" in page.locator(".messages").inner_text()

    doc = report_document(WeeklyReport.objects.get(report_date=date(2023, 5, 20)))
    assert [k.name for k in doc.kpis][:2] == ["出金有效成功率", "入金有效成功率"]
    o1 = doc.objectives[0]
    titles = [i.title for i in o1.items]
    assert "商户降客询" not in titles and "带押过户" not in titles
    chaoyang = next(i for i in o1.items if i.title == "朝阳项目-招募提佣")
    assert [c.title for c in chaoyang.children] == ["带押过户"]
    xiaobei = next(i for i in o1.items if i.title == "小贝帮帮项目")
    assert xiaobei.percent == Decimal("35")
    assert xiaobei.body.endswith("委托代征联调通过")
    ((_o, _i, migration),) = list(doc.migrations())
    added = migration.categories[-1]
    assert (added.name, added.total, added.in_progress_count) == ("新增报表", 3, 1)
    assert [(b.label, b.percent) for b in added.in_progress] == [("结算报表", Decimal("60"))]
    assert page.foreign_requests == []


def test_removed_rows_take_their_contents_and_do_not_upset_moves(page, live_server):
    call_command("load_demo", stdout=StringIO())
    WeeklyReport.objects.update(status="draft")
    login(page, live_server, "lead", "weekly-demo-2023")
    page.goto(f"{live_server.url}/teams/payments/2023-05-20/edit/")
    page.click("[data-open-all]")  # every section's editor, in place

    # A sub-item added under 带押过户 and removed again, then 带押过户 moved down one.
    _item(page, "带押过户").locator("button[data-add='item']").click()
    added = _item(page, "带押过户").locator("xpath=following-sibling::div[1]")
    assert added.get_attribute("data-depth") == "1"
    added.locator("button[data-row='remove']").first.click()
    _item(page, "带押过户").locator("button[data-row='down']").first.click()

    # The item holding the Hive tracker removed, with a broken figure inside it.
    hive = page.locator(".item-row:has(.tracker)").first
    hive.locator(".category input[name$='-total']").first.fill("999")  # would not add up
    hive.locator("button[data-row='remove']").first.click()

    with page.expect_navigation():  # saved by the page's script, then the page reloads
        page.click("button[name=save]")
    page.wait_for_load_state()
    assert "草稿已保存" in page.locator(".messages").inner_text()

    doc = report_document(WeeklyReport.objects.get(report_date=date(2023, 5, 20)))
    titles = [i.title for i in doc.objectives[0].items]
    assert titles[:4] == ["轻存管&定转佣能力建设", "朝阳项目-招募提佣", "小贝帮帮项目", "带押过户"]
    assert list(doc.migrations()) == []
