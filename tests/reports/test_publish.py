"""Preview, publish and reopen: the lead sees the report as it will read, then locks it."""

from datetime import date

import pytest
from django.urls import reverse

from reports.document.renderer import render_markdown
from reports.models import WeeklyReport
from reports.selectors import report_document, status_changes
from tests.factories import save_week

pytestmark = pytest.mark.django_db

ARGS = ["payments", "2023-05-20"]


def test_preview_shows_the_export_the_warnings_and_the_kpi_changes(lead_client, sample_team):
    save_week(sample_team, date(2023, 5, 13), 20, kpis={"入金有效成功率": "99.95"})

    response = lead_client.get(reverse("reports:report_preview", args=ARGS))

    assert response.status_code == 200
    ctx = response.context
    assert ctx["markdown"] == render_markdown(report_document(ctx["report"]))
    html = response.content.decode()
    assert "# 第21周 2023/05/20" in html  # the Markdown export, as text
    assert "迁移账单报表总数164个，已经完成开发156个" in html
    codes = {w.code for w in ctx["warnings"]}
    assert "migration_stated_mismatch" in codes
    change = next(c for c in ctx["changes"].kpis if c.kpi.name == "入金有效成功率")
    assert str(change.previous) == "99.95" and str(change.change) == "0.03"
    assert "+0.03" in html
    assert "239分钟恢复" in html  # the event duration, computed


def test_publish_locks_and_reopen_is_recorded(lead_client, lead, sample_report):
    lead_client.post(reverse("reports:report_publish", args=ARGS))
    report = WeeklyReport.objects.get(pk=sample_report.pk)
    assert report.status == "published" and report.published_at is not None
    assert lead_client.get(reverse("reports:report_edit", args=ARGS)).status_code == 302

    response = lead_client.post(reverse("reports:report_reopen", args=ARGS))

    assert response["Location"] == reverse("reports:report_edit", args=ARGS)
    assert WeeklyReport.objects.get(pk=sample_report.pk).status == "draft"
    changes = status_changes(sample_report)
    assert [(c.status, c.user) for c in changes] == [("published", lead), ("draft", lead)]
    actions = list(sample_report.revisions.order_by("number").values_list("action", flat=True))
    assert actions[-2:] == ["published", "reopened"]
    preview = lead_client.get(reverse("reports:report_preview", args=ARGS)).content.decode()
    assert "发布记录" in preview and "重新打开" in preview


def test_publishing_twice_changes_nothing(lead_client, sample_report):
    lead_client.post(reverse("reports:report_publish", args=ARGS))
    first = WeeklyReport.objects.get(pk=sample_report.pk).published_at

    lead_client.post(reverse("reports:report_publish", args=ARGS))

    assert WeeklyReport.objects.get(pk=sample_report.pk).published_at == first


def test_the_report_page_offers_the_lead_edit_and_publish(lead_client, member_client):
    url = reverse("reports:report_detail", args=ARGS)

    lead_html = lead_client.get(url).content.decode()
    member_html = member_client.get(url).content.decode()

    assert reverse("reports:report_edit", args=ARGS) in lead_html
    assert reverse("reports:report_publish", args=ARGS) in lead_html
    assert reverse("reports:report_edit", args=ARGS) not in member_html


def test_markdown_preview_is_sanitised(lead_client):
    response = lead_client.post(
        reverse("reports:markdown_preview"),
        {"text": "**加粗** <script>alert(1)</script> [x](javascript:alert(1))"},
    )

    html = response.json()["html"]
    assert "<strong>加粗</strong>" in html
    assert "<script" not in html and "javascript:" not in html


def test_markdown_preview_needs_login_and_post(client, lead_client):
    url = reverse("reports:markdown_preview")

    assert client.post(url, {"text": "x"}).status_code == 302
    assert lead_client.get(url).status_code == 405
