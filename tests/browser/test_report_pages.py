"""A manager opens the demo data in Chromium: team list, history, the report, the download."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from reports.files import export_text
from reports.models import WeeklyReport
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reads_the_sample_week(page, live_server, artifacts):
    call_command("load_demo", stdout=StringIO())
    login(page, live_server, "manager", "weekly-demo-2023")

    # The browser asks for English; the interface stays Chinese until switched.
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.click("text=支付平台组")
    page.wait_for_load_state()
    assert "/teams/payments/" in page.url
    row = page.locator("table.history tbody tr").first
    assert "2023-05-20" in row.inner_text()
    assert "99.98%" in row.inner_text()
    page.screenshot(path=artifacts / "team-history.png", full_page=True)

    row.locator("a").first.click()
    page.wait_for_load_state()
    article = page.locator("article.report")
    text = article.inner_text()
    for expected in [
        "第21周 2023/05/20",
        "【系统运行数据】",
        "入金有效成功率：99.98%",
        "事故数AB级0次，CD级1次，M6v专线故障记C级事故1次",
        "【O1 服务业务】",
        "A. 支付账户2.0升级",
        "【TOB商户账单】【进度：测试验证投产中】，总计12个",
        "5/15 7:38 监控发现AZ+TiDB链路的商户账单生成失败。",
        "本周收获与反思",
        "下周工作及目标",
    ]:
        assert expected in text, expected
    warnings = page.locator("section.warnings").inner_text()
    assert "156" in warnings and "155" in warnings
    assert "8" in warnings and "9" in warnings
    page.screenshot(path=artifacts / "report.png", full_page=True)

    with page.expect_download() as download_info:
        page.click("a[href$='2023-05-20.md']")
    download = download_info.value
    assert download.suggested_filename == "payments-2023-05-20.md"
    report = WeeklyReport.objects.select_related("team").get(team__slug="payments", week_number=21)
    assert Path(download.path()).read_text(encoding="utf-8") == export_text(report)

    # Bootstrap and the project's CSS come from this server: nothing from a CDN.
    assert page.foreign_requests == []


def test_member_of_another_team_gets_not_found(page, live_server):
    call_command("load_demo", stdout=StringIO())
    from django.contrib.auth import get_user_model

    from reports.models import Membership
    from reports.services import team_get_or_create

    other, _ = team_get_or_create(slug="lending", name="信贷组")
    user = get_user_model().objects.create_user("outsider", password="outsider-pass-123")
    Membership.objects.create(team=other, user=user)
    login(page, live_server, "outsider", "outsider-pass-123")
    response = page.goto(f"{live_server.url}/teams/payments/2023-05-20/")
    assert response.status == 404
    assert "支付平台组" not in page.content()


def test_manager_follows_the_trends(page, live_server, artifacts):
    call_command("load_demo", stdout=StringIO())
    login(page, live_server, "manager", "weekly-demo-2023")

    page.click("text=支付平台组")
    page.click("text=趋势")
    page.wait_for_load_state()

    charts = page.locator("figure.chart-figure svg")
    assert charts.count() == 6  # three KPIs, incidents, the Hive tracker, project items
    point = page.locator("svg use:has(title)").filter(has_text="W21 05-20 · 入金有效成功率")
    assert point.locator("title").text_content() == "W21 05-20 · 入金有效成功率: 99.98%"
    point.hover()
    page.screenshot(path=artifacts / "trends.png", full_page=True)
    page.click("text=全部")
    assert "range=all" in page.url
    assert page.foreign_requests == []


def test_manager_reads_the_departments_week(page, live_server, artifacts):
    call_command("load_demo", stdout=StringIO())
    login(page, live_server, "manager", "weekly-demo-2023")

    page.click("text=部门汇总")
    page.wait_for_load_state()
    # The newest week any team wrote: Search ranking's, in its own layout.
    assert "/weeks/2024-04-05/" in page.url
    assert "Search ranking" in page.locator("table.rollup").inner_text()
    page.goto(f"{live_server.url}/weeks/2023-05-20/")

    assert "/weeks/2023-05-20/" in page.url
    assert "2023-05-15 – 2023-05-21" in page.locator("h1").inner_text()
    assert page.locator("table.rollup-events tbody tr").count() == 3
    page.screenshot(path=artifacts / "week-rollup.png", full_page=True)
    page.click("text=上一周")
    assert "/weeks/2023-05-08/" in page.url
    assert "第20周" in page.locator("table.rollup").inner_text()


def test_manager_searches_in_chinese(page, live_server, artifacts):
    call_command("load_demo", stdout=StringIO())
    login(page, live_server, "manager", "weekly-demo-2023")

    page.fill("#nav-search", "对账单")
    page.press("#nav-search", "Enter")
    page.wait_for_load_state()

    results = page.locator(".search-results li")
    assert results.count() == 12  # the sample week and the eleven made-up weeks before it
    assert results.first.locator("mark").inner_text() == "对账单"
    page.screenshot(path=artifacts / "search.png", full_page=False)
    results.first.locator("a").click()
    assert page.url.endswith("/teams/payments/2023-05-20/")
