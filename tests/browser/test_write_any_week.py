"""From the team page in Chromium: this week first, then any other week by its date."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from reports.models import WeeklyReport
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_opens_this_week_and_a_skipped_week(page, live_server, artifacts):
    call_command("load_demo", stdout=StringIO())  # the demo's weeks end in 2023
    today = timezone.localdate()
    saturday = today - timedelta(days=today.weekday()) + timedelta(days=5)
    reports = WeeklyReport.objects.count()
    login(page, live_server, "lead", "weekly-demo-2023")

    page.click("text=支付平台组")
    page.screenshot(path=artifacts / "any-week-team-page.png", full_page=False)
    # "Edit everything" of this week ("Write this week" beside it opens its quick update).
    page.click("a[href$='/new/?week=today']")
    page.wait_for_load_state()
    assert saturday.isoformat() in page.locator("h1").inner_text()

    page.go_back()
    page.fill("input[name=week]", "2099-12-31")
    page.click(".week-choice button[type=submit]")
    page.wait_for_load_state()
    feedback = page.locator(".week-choice .invalid-feedback")
    assert feedback.is_visible() and feedback.inner_text()
    page.screenshot(path=artifacts / "any-week-refused.png", full_page=False)

    page.fill("input[name=week]", "2023-06-07")
    page.click(".week-choice button[type=submit]")
    page.wait_for_load_state()
    assert "2023-06-10" in page.locator("h1").inner_text()
    assert WeeklyReport.objects.count() == reports  # opened, not saved
    assert page.foreign_requests == []
