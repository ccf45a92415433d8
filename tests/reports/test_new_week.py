"""A lead starts the next week from the last one (and a new team from its template)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from metrics.models import KpiDefinition
from reports.models import Objective, WeeklyReport
from reports.selectors import report_document
from tests.forms_data import editor_data, find_row

pytestmark = pytest.mark.django_db

NEW_URL = reverse("reports:report_new", args=["payments"])


def test_the_page_opens_week_22_prefilled_from_week_21(lead_client):
    response = lead_client.get(NEW_URL)

    editor = response.context["editor"]
    assert response.status_code == 200
    assert editor.report["week_number"].value() == 22
    assert editor.report["report_date"].value() == date(2023, 5, 27)
    kpi = next(f for f in editor.kpis.forms if f["name"].value() == "入金有效成功率")
    assert kpi["value"].value() is None
    html = response.content.decode()
    # Last week's value in the KPI table's "上周" column, beside the empty field.
    assert ">上周</th>" in html and 'class="kpi-previous previous">99.98%' in html
    assert "轻存管&amp;定转佣能力建设" in html
    assert "账户、Hive以及POS项目的跟进" in html  # last week's plan as the checklist


def test_nothing_is_saved_until_the_lead_saves(lead_client):
    lead_client.get(NEW_URL)

    assert WeeklyReport.objects.filter(report_date=date(2023, 5, 27)).count() == 0


def test_saving_creates_the_draft_with_the_new_values(lead_client, lead):
    data = editor_data(lead_client.get(NEW_URL).context["editor"])
    data[f"kpi-{find_row(data, 'kpi', 'name', '入金有效成功率')}-value"] = "99.97"
    data[f"kpi-{find_row(data, 'kpi', 'name', '出金有效成功率')}-value"] = "99.93"
    data["plan-3-outcome"] = "carried"

    response = lead_client.post(NEW_URL, data)

    report = WeeklyReport.objects.get(report_date=date(2023, 5, 27))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:report_edit", args=["payments", "2023-05-27"])
    assert (report.week_number, report.status, report.author) == (22, "draft", lead)
    doc = report_document(report)
    assert [k.value for k in doc.kpis][:2] == [Decimal("99.97"), Decimal("99.93")]
    assert doc.next_week == "1. 迎检技术支持"
    assert [p.outcome for p in doc.plan_review] == ["", "", "", "carried"]
    ((_o, _i, migration),) = list(doc.migrations())
    assert migration.figures().total == 164


def test_save_and_preview_goes_to_the_preview(lead_client):
    data = editor_data(lead_client.get(NEW_URL).context["editor"])
    data["preview"] = ""

    response = lead_client.post(NEW_URL, data)

    assert response["Location"] == reverse(
        "reports:report_preview", args=["payments", "2023-05-27"]
    )


def test_an_invalid_week_saves_nothing_and_keeps_the_input(lead_client):
    data = editor_data(lead_client.get(NEW_URL).context["editor"])
    data[f"kpi-{find_row(data, 'kpi', 'name', '入金有效成功率')}-value"] = "101"
    data["report-reflections"] = "本周反思：提前准备迎检材料"

    response = lead_client.post(NEW_URL, data)

    assert response.status_code == 200
    assert WeeklyReport.objects.filter(report_date=date(2023, 5, 27)).count() == 0
    html = response.content.decode()
    assert "百分比应在 0 到 100 之间。" in html
    assert "本周反思：提前准备迎检材料" in html
    assert "未保存任何内容" in html


def test_a_week_someone_else_started_meanwhile_is_not_overwritten(lead_client, sample_team):
    data = editor_data(lead_client.get(NEW_URL).context["editor"])
    WeeklyReport.objects.create(team=sample_team, report_date=date(2023, 5, 27), week_number=22)

    response = lead_client.post(NEW_URL, data)

    assert response.status_code == 200
    assert "已由他人创建" in response.content.decode()
    assert WeeklyReport.objects.get(report_date=date(2023, 5, 27)).version == 1


def test_a_team_without_reports_starts_from_its_template(client, db):
    from reports.models import Membership
    from tests.factories import MembershipFactory, TeamFactory

    team = TeamFactory(slug="lending", name="信贷组")
    KpiDefinition.objects.create(team=team, name="放款成功率", kind="success_rate", unit="%")
    Objective.objects.create(team=team, code="O1", title="服务业务", order=1)
    Objective.objects.create(team=team, code="O2", title="安全稳定", order=2)
    lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    client.force_login(lead)

    editor = client.get(reverse("reports:report_new", args=["lending"])).context["editor"]

    assert [f["name"].value() for f in editor.kpis.forms] == ["放款成功率"]
    assert [f["code"].value() for f in editor.objectives.forms] == ["O1", "O2"]
    assert [f["holds_events"].value() for f in editor.objectives.forms] == [False, True]
    assert editor.report["week_number"].value() == 1
    assert not editor.plan.forms
