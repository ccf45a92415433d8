"""The export page follows the worker: its bar fills and the download button appears."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from exports import jobs
from reports.models import ExportJob, Team
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_page_shows_progress_then_the_download(page, live_server, artifacts):
    call_command("load_demo", "--history", "3", stdout=StringIO())
    manager = get_user_model().objects.get(username="manager")
    job = jobs.export_job_create(
        teams=list(Team.objects.all()), label="全部团队", user=manager
    )  # queued: no worker has it yet
    login(page, live_server, "manager", "weekly-demo-2023")

    page.goto(f"{live_server.url}/exports/{job.pk}/")
    assert page.locator("[data-download]").is_hidden()
    assert page.locator("[data-status-text]").inner_text() == "排队中"

    jobs.export_job_run(job.pk)  # the worker, here in the test's process

    page.wait_for_selector("[data-download]:not([hidden])", timeout=10_000)
    assert page.locator("[data-bar]").inner_text() == "100%"
    total = ExportJob.objects.get(pk=job.pk).total
    assert page.locator("[data-count]").inner_text() == f"{total} / {total}"
    with page.expect_download() as download:
        page.click("text=下载 zip")
    assert download.value.suggested_filename.endswith(f"-{job.pk}.zip")
    page.screenshot(path=artifacts / "export-progress.png")
    assert page.foreign_requests == []
