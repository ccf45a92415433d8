"""119 script-injection payloads, stored through the importer and the forms, then every page
that shows them opened in Chromium: no dialog opens, no script runs, and the DOM holds no
event attribute, no dangerous URL and no inline script."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reports import document as d
from reports.document.renderer import render_markdown
from reports.models import DailyNote, Team, WeeklyReport
from reports.selectors import report_document
from reports.services import daily_note_create, report_update
from tests.browser.conftest import login
from tests.factories import sample_document
from tests.forms_data import editor_data, page_data
from tests.security.xss_payloads import DOM_AUDIT, PAYLOADS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEEK = "2023-05-27"
TEAM_NAME = "<img src=x onerror=alert(1)>支付"


def _imported_week(tmp_path) -> None:
    """A week whose every text part carries payloads, written as Markdown and imported."""
    doc = sample_document()
    doc.report_date, doc.week_number = date(2023, 5, 27), 22
    one_line = [p for p in PAYLOADS if "\n" not in p]
    doc.objectives[0].items += [d.Item(title=f"事项{n}", body=p) for n, p in enumerate(one_line)]
    doc.other = "\n\n".join(PAYLOADS)
    doc.kpi_notes = PAYLOADS[0]
    # Only an event of this week: the sample's own are a week earlier.
    doc.events = [d.StabilityEvent(date=date(2023, 5, 24), summary=PAYLOADS[4], cause=PAYLOADS[10])]
    path = tmp_path / "week22.md"
    path.write_text(render_markdown(doc), encoding="utf-8")
    call_command("import_report", str(path), "--team", "payments", stdout=StringIO())


def _through_the_forms(lead) -> None:
    client = Client()
    client.force_login(lead)
    edit = reverse("reports:report_edit", args=["payments", WEEK])
    data = editor_data(client.get(edit).context["editor"])
    data["report-reflections"] = "\n\n".join(PAYLOADS[:60])
    data["report-daily"] = "\n\n".join(PAYLOADS[60:])
    data["obj-0-title"] = PAYLOADS[5][:200]
    data["kpi-0-note"] = PAYLOADS[7]
    assert client.post(edit, data).status_code == 302
    settings_url = reverse("reports:team_settings", args=["payments"])
    page = client.get(settings_url).context["page"]
    data = page_data([page.team_form, *page.formsets])
    data["team-name"] = TEAM_NAME
    assert client.post(settings_url, data).status_code == 302
    daily_note_create(
        team=Team.objects.get(slug="payments"),
        author=lead,
        day=timezone.localdate(),
        text=PAYLOADS[11],
    )


def _someone_saves_meanwhile() -> None:
    report = WeeklyReport.objects.get(team__slug="payments", report_date=WEEK)
    doc = report_document(report)
    doc.other = PAYLOADS[20]
    report_update(report=report, document=doc, author=None, expected_version=report.version)


def test_no_payload_runs_anywhere(page, live_server, artifacts, tmp_path):
    from django.contrib.auth import get_user_model

    call_command("load_demo", "--history", "2", stdout=StringIO())
    _imported_week(tmp_path)
    _through_the_forms(get_user_model().objects.get(username="lead"))
    assert Team.objects.get(slug="payments").name == TEAM_NAME
    assert DailyNote.objects.count() == 1

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login(page, live_server, "lead", "weekly-demo-2023")
    pages = [
        "/",
        "/teams/payments/",
        f"/teams/payments/{WEEK}/",
        f"/teams/payments/{WEEK}/edit/",
        f"/teams/payments/{WEEK}/preview/",
        f"/teams/payments/{WEEK}/diff/",
        f"/teams/payments/{WEEK}/history/",
        f"/teams/payments/{WEEK}/history/2/",  # the forms' save against the import
        "/teams/payments/trends/?range=all",
        f"/weeks/{WEEK}/",
        "/search/?q=alert",
        "/incidents/?since=2023-01-01",
        "/teams/payments/daily/",
        "/teams/payments/settings/",
    ]
    findings = {}
    for path in pages:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.mouse.move(200, 300)  # hover handlers, had any survived
        bad = page.evaluate(DOM_AUDIT)
        if bad:
            findings[path] = bad
    # A save refused because someone saved meanwhile shows both versions of every text.
    page.goto(f"{live_server.url}/teams/payments/{WEEK}/edit/")
    _someone_saves_meanwhile()
    page.click("button[name=save]")
    page.wait_for_selector("#save-conflict")
    page.mouse.move(200, 300)
    bad = page.evaluate(DOM_AUDIT)
    if bad:
        findings["conflict"] = bad
    page.goto(f"{live_server.url}/teams/payments/{WEEK}/")
    page.screenshot(path=artifacts / "xss-report.png", full_page=False)

    assert dialogs == []
    assert findings == {}
    assert page.evaluate("() => document.title").startswith("<img src=x onerror=alert(1)>支付")
