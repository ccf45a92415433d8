"""The lead's team settings: KPIs and targets, objectives, grades, categories, language."""

from decimal import Decimal

import pytest
from django.urls import reverse

from metrics.models import KpiDefinition, MigrationCategory, MigrationTracker
from reports.models import Objective, Team
from reports.selectors import report_document
from tests.forms_data import find_row, page_data

pytestmark = pytest.mark.django_db

URL = reverse("reports:team_settings", args=["payments"])


def _data(client):
    page = client.get(URL).context["page"]
    return page_data([page.team_form, *page.formsets])


def test_the_lead_sets_a_target_and_renames_a_kpi_for_every_week(lead_client, sample_report):
    data = _data(lead_client)
    row = find_row(data, "kpidef", "name", "入金有效成功率")
    data[f"kpidef-{row}-target"] = "99.95"
    data[f"kpidef-{row}-name"] = "入金成功率"

    response = lead_client.post(URL, data)

    assert response.status_code == 302
    definition = KpiDefinition.objects.get(name="入金成功率")
    assert definition.target == Decimal("99.95")
    kpi = report_document(sample_report).kpis[0]
    assert (kpi.name, kpi.target) == ("入金成功率", Decimal("99.95"))


def test_the_empty_row_adds_an_objective(lead_client, sample_team):
    data = _data(lead_client)
    index = int(data["objdef-TOTAL_FORMS"]) - 1  # the extra row
    data.update(
        {
            f"objdef-{index}-code": "O4",
            f"objdef-{index}-title": "降本",
            f"objdef-{index}-order": "4",
        }
    )

    lead_client.post(URL, data)

    assert Objective.objects.get(team=sample_team, code="O4").title == "降本"


def test_heading_language_and_grades(lead_client, sample_team):
    data = _data(lead_client)
    data["team-heading_language"] = "en"
    data["team-severity_grades"] = "S，A, B"
    data["team-grade_groups"] = "SA"

    lead_client.post(URL, data)

    team = Team.objects.get(pk=sample_team.pk)
    assert (team.heading_language, team.grades, team.groups) == ("en", ("S", "A", "B"), ("SA",))
    assert report_document(team.reports.get()).language == "en"


@pytest.mark.parametrize(
    ("grades", "groups", "message"),
    [
        (" , ", "", "至少写一个等级"),
        ("A,A", "", "每个等级只写一次"),
        ("A,B", "AX", "用到了团队没有的等级：X"),
        ("A,B,C", "AB,BC", "一个等级只能属于一个分组"),
    ],
)
def test_bad_grades_are_refused_beside_the_field(lead_client, sample_team, grades, groups, message):
    data = _data(lead_client)
    data["team-severity_grades"] = grades
    data["team-grade_groups"] = groups

    response = lead_client.post(URL, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Team.objects.get(pk=sample_team.pk).severity_grades == "A,B,C,D"


def test_a_kpi_with_values_cannot_be_removed(lead_client):
    data = _data(lead_client)
    data[f"kpidef-{find_row(data, 'kpidef', 'name', '入金有效成功率')}-DELETE"] = "on"

    response = lead_client.post(URL, data)

    assert "“入金有效成功率”已用于 1 份周报，不能删除。" in response.content.decode()
    assert KpiDefinition.objects.filter(name="入金有效成功率").exists()


def test_an_unused_category_can_be_removed(lead_client, sample_team):
    tracker = MigrationTracker.objects.get(team=sample_team)
    unused = MigrationCategory.objects.create(tracker=tracker, name="废弃分类", order=9)
    data = _data(lead_client)
    data[
        f"tracker{tracker.pk}-{find_row(data, f'tracker{tracker.pk}', 'name', '废弃分类')}-DELETE"
    ] = "on"

    lead_client.post(URL, data)

    assert not MigrationCategory.objects.filter(pk=unused.pk).exists()
    assert MigrationCategory.objects.filter(tracker=tracker).count() == 6


def test_duplicate_names_are_refused_and_nothing_is_saved(lead_client, sample_team):
    data = _data(lead_client)
    data[f"objdef-{find_row(data, 'objdef', 'code', 'O2')}-code"] = "O1"
    data["team-name"] = "改名了"

    response = lead_client.post(URL, data)

    assert "这个名称上面已经用过。" in response.content.decode()
    assert Team.objects.get(pk=sample_team.pk).name == "支付平台组"


def test_swapping_two_names_in_one_save_is_reported_not_crashed(lead_client, sample_team):
    data = _data(lead_client)
    first = find_row(data, "objdef", "code", "O1")
    second = find_row(data, "objdef", "code", "O2")
    data[f"objdef-{first}-code"], data[f"objdef-{second}-code"] = "O2", "O1"

    response = lead_client.post(URL, data)

    assert response.status_code == 200
    assert "没有保存任何内容" in response.content.decode()
    codes = dict(Objective.objects.filter(team=sample_team).values_list("title", "code"))
    assert (codes["服务业务"], codes["系统升级"]) == ("O1", "O2")


def test_only_leads_open_settings(manager_client, member_client, outsider_client, lead_client):
    assert lead_client.get(URL).status_code == 200
    assert manager_client.get(URL).status_code == 403
    assert member_client.get(URL).status_code == 403
    assert outsider_client.get(URL).status_code == 404


def test_renamed_objectives_and_categories_are_searched_by_their_new_names(
    lead_client, sample_team
):
    from reports.search import Query, search

    data = _data(lead_client)
    data[f"objdef-{find_row(data, 'objdef', 'code', 'O2')}-title"] = "系统演进"
    tracker = MigrationTracker.objects.get(team=sample_team)
    prefix = f"tracker{tracker.pk}"
    data[f"{prefix}-{find_row(data, prefix, 'name', '风控报表')}-name"] = "风险报表"

    lead_client.post(URL, data)

    teams = Team.objects.all()
    assert [e.kind for e in search(Query("系统演进"), teams)] == ["report"]
    assert len(search(Query("风险报表"), teams)) == 1
    assert len(search(Query("风控报表"), teams)) == 0


def test_the_lead_sets_when_the_week_is_due(lead_client, sample_team):
    from datetime import time

    data = _data(lead_client)
    data["team-due_weekday"] = "0"
    data["team-due_time"] = "10:30"

    assert lead_client.post(URL, data).status_code == 302

    sample_team.refresh_from_db()
    assert (sample_team.due_weekday, sample_team.due_time) == (0, time(10, 30))


def test_a_due_time_that_is_not_a_time_is_refused_beside_the_field(lead_client, sample_team):
    data = _data(lead_client)
    data["team-due_time"] = "25:99"

    response = lead_client.post(URL, data)

    assert response.status_code == 200
    assert "输入一个有效的时间。" in response.content.decode()
    sample_team.refresh_from_db()
    assert sample_team.due_time.hour == 18


def _kpi_row(data, name: str) -> str:
    return f"kpidef-{find_row(data, 'kpidef', 'name', name)}"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("target", "150", "百分比应在 0 到 100 之间"),
        ("name", "入金\n成功率", "此字段只能写一行"),
    ],
)
def test_settings_follow_the_weeks_rules_and_save_nothing_else(
    lead_client, sample_team, field, value, message
):
    """What the settings store is copied into every week: a target or a name the weeks'
    rules refuse would leave every week unsavable from its edit page."""
    before = list(KpiDefinition.objects.order_by("pk").values_list("name", "target", "unit"))
    data = _data(lead_client)
    data[f"{_kpi_row(data, '入金有效成功率')}-{field}"] = value
    data["team-name"] = "改名了"

    response = lead_client.post(URL, data)

    assert response.status_code == 200 and message in response.content.decode()
    assert (
        list(KpiDefinition.objects.order_by("pk").values_list("name", "target", "unit")) == before
    )
    assert Team.objects.get(pk=sample_team.pk).name == "支付平台组"


def test_a_kpi_becomes_a_percentage_only_while_its_values_fit(lead_client, sample_report):
    definition = KpiDefinition.objects.get(name="入金有效成功率")
    definition.unit = "ms"
    definition.save()
    definition.values.update(value=Decimal("250"))
    data = _data(lead_client)
    data[f"{_kpi_row(data, '入金有效成功率')}-unit"] = "%"

    response = lead_client.post(URL, data)

    assert "1 周含有此指标 0–100 以外的数值。" in response.content.decode()
    assert KpiDefinition.objects.get(pk=definition.pk).unit == "ms"
