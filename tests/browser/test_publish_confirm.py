"""The lead presses Publish in Chromium, sees who will be told, confirms, and the week is
published and mailed to exactly those people."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from reports import services
from reports.models import ChannelKind, NotificationChannel, Team, WeeklyReport
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINE_NUMBER = re.compile(r"第\s*\d+\s*行|\bline\s+\d+", re.IGNORECASE)


def test_lead_confirms_publishing_after_seeing_who_is_told(page, live_server, artifacts):
    call_command("load_demo", "--history", "0", stdout=StringIO())
    team = Team.objects.get(slug="payments")
    report = WeeklyReport.objects.get(team=team, week_number=21)
    services.report_reopen(report=report)  # the demo's week is published: a draft again
    get_user_model().objects.filter(username="manager").update(email="manager@example.com")
    NotificationChannel.objects.create(
        team=team, kind=ChannelKind.EMAIL, target="ops@example.com, manager@example.com"
    )
    NotificationChannel.objects.create(
        team=team, kind=ChannelKind.SLACK, target="https://hooks.slack.com/x", enabled=False
    )
    mail.outbox.clear()
    login(page, live_server, "lead", "weekly-demo-2023")

    page.goto(f"{live_server.url}/teams/payments/2023-05-20/preview/")
    page.click(".write-actions a:has-text('发布')")
    page.wait_for_load_state()

    # The confirmation: the week in short, its warnings by section, who will be told.
    assert page.url.endswith("/teams/payments/2023-05-20/publish/")
    assert "入金有效成功率：99.98%" in page.locator("#publish-kpis").inner_text()
    told = page.locator("#told").inner_text()
    assert "ops@example.com" in told and "张经理 <manager@example.com>" in told
    assert "hooks.slack.com" not in told
    warnings = page.locator("section.warnings").inner_text()
    assert "【O2 系统升级】 · Hive数仓建设" in warnings
    assert not LINE_NUMBER.search(warnings)
    assert WeeklyReport.objects.get(pk=report.pk).status == "draft"  # nothing yet
    page.screenshot(path=artifacts / "publish-confirm.png", full_page=True)

    # A warning's section leads to that section of the week.
    page.locator("section.warnings a", has_text="【O2 系统升级】").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/preview/#objective-2")
    assert page.locator("#objective-2").inner_text() == "【O2 系统升级】"
    page.go_back()
    page.wait_for_load_state()

    page.click("#publish-form button[type=submit]")
    page.wait_for_load_state()

    assert page.url.endswith("/teams/payments/2023-05-20/")
    assert "已发布" in page.locator("main").inner_text()
    assert WeeklyReport.objects.get(pk=report.pk).status == "published"
    (message,) = mail.outbox
    assert message.to == ["ops@example.com", "manager@example.com"]
    assert page.foreign_requests == []
