"""A lead writes week 22 from week 21 in Chromium: carry-over, edits, preview, publish, export."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from reports.files import export_text
from reports.models import WeeklyReport
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_creates_week_22_from_week_21(page, live_server, artifacts):
    call_command("load_demo", stdout=StringIO())
    week21 = export_text(WeeklyReport.objects.select_related("team").get(week_number=21))
    login(page, live_server, "lead", "weekly-demo-2023")

    page.click("text=支付平台组")
    page.click("text=开始写下一周")
    page.wait_for_load_state()
    assert "2023-05-27" in page.locator("h1").inner_text()
    assert page.input_value("input[name=report-week_number]") == "22"
    page.click("[data-open-all]")  # every section's editor, in place

    # This week's KPIs; last week's value is shown beside each empty field.
    kpis = page.locator(".kpi-row")
    assert page.locator(".kpi-table th").nth(2).inner_text() == "上周"
    assert kpis.nth(0).locator(".kpi-previous").inner_text().startswith("99.98%")
    for n, value in enumerate(["99.97", "99.93", "100"]):
        kpis.nth(n).locator("input[name$='-value']").fill(value)

    # Last week's plan as a checklist: one line done, one carried into this week's plan.
    plan = page.locator(".plan-review li")
    plan.nth(0).get_by_label("已完成", exact=True).check()
    plan.nth(3).get_by_label("顺延").check()

    # 风控报表: the one report not started has been done.
    risk = page.locator(".category:has(input[value='风控报表'])")
    risk.locator("input[name$='-done']").fill("23")
    risk.locator("input[name$='-not_started']").fill("0")

    # A new item under O1, added without a page load and moved up one place.
    o1 = page.locator(".objective").first
    o1.locator("button[data-add='item']:not([data-after])").click()
    new_item = o1.locator(".item-row").last
    new_item.locator("input[name$='-title']").fill("统一收银台")
    new_item.locator("textarea[name$='-body']").fill("方案评审通过，进入研发")
    new_item.locator("button[data-row='up']").click()

    # An event of the week, with its detection and recovery times.
    page.click("button[data-add='evt']")
    event = page.locator(".event").last
    event.locator("input[name$='-occurred_on']").fill("2023-05-24")
    event.locator("input[name$='-detected_time']").fill("10:05")
    event.locator("input[name$='-detection']").fill("监控发现")
    event.locator("textarea[name$='-summary']").fill("代付通道响应变慢。")
    event.locator("textarea[name$='-cause']").fill("通道方限流")
    event.locator("textarea[name$='-handling']").fill("切换备用通道")
    event.locator("input[name$='-recovered_at']").fill("2023-05-24T10:35")

    # Markdown fields preview as they are typed.
    page.fill("textarea[name=report-other]", "1. **迎检**材料准备")
    preview = page.locator("[data-preview-for='id_report-other']")
    preview.locator("strong").wait_for()
    assert preview.locator("strong").inner_text() == "迎检"
    page.screenshot(path=artifacts / "week22-edit.png", full_page=False)

    # The page saves through its script (autosave.js), then opens the preview.
    with page.expect_navigation(url="**/2023-05-27/preview/"):
        page.click("button[name=preview]")
    page.wait_for_load_state()
    assert "/2023-05-27/preview/" in page.url
    assert page.locator("#no-warnings").is_visible()
    changes = page.locator("table.kpi-changes").inner_text()
    assert "-0.01" in changes and "+0.01" in changes
    page.screenshot(path=artifacts / "week22-preview.png", full_page=True)

    page.click(".write-actions a:has-text('发布')")  # the confirmation: who will be told
    page.wait_for_load_state()
    page.click("#publish-form button[type=submit]")
    page.wait_for_load_state()
    assert "已发布" in page.locator("main").inner_text()
    page.screenshot(path=artifacts / "week22-published.png", full_page=True)

    with page.expect_download() as download_info:
        page.click("a[href$='2023-05-27.md']")
    week22 = Path(download_info.value.path()).read_text(encoding="utf-8")
    (artifacts / "week22.md").write_text(week22, encoding="utf-8")
    report = WeeklyReport.objects.select_related("team").get(week_number=22)
    assert report.status == "published"
    assert week22 == export_text(report)

    # It reads like the sample: every line is week 21's, except what changed this week.
    new_lines = [line for line in week22.splitlines() if line not in week21.splitlines()]
    assert new_lines == [
        "# 第22周 2023-05-27",
        "# 第22周 2023/05/27",
        "- 入金有效成功率：99.97%",
        "- 出金有效成功率：99.93%",
        "- 统一收银台，方案评审通过，进入研发",
        "- Hive数仓建设总进度：90%，迁移进度（总数164个）：90.03%。",
        "    **迁移账单报表总数164个，已经完成开发156个，占比95%（8个已排期未启动开发），"
        "hive新账单报表已投产在用的有108个，占比66%。**",
        "        可下线5个，已完成23个，推进中8个（进度90%的8个），未启动0个。",
        "    - 5/24 10:05 监控发现代付通道响应变慢。",
        "      原因：通道方限流 处置：切换备用通道，10:35恢复",
        "1. **迎检**材料准备",
        "1. 迎检技术支持",
    ]
    assert page.foreign_requests == []

    # Published means locked: the edit page sends the lead back to the report.
    page.goto(f"{live_server.url}/teams/payments/2023-05-27/edit/")
    assert page.url.endswith("/teams/payments/2023-05-27/")
