"""The department's week: every team side by side, who has not published, all events."""

from datetime import date

import pytest
from django.urls import reverse

from reports import services
from reports.document.weeks import calendar_week
from reports.models import DailyNote
from tests.factories import TeamFactory, WeeklyReportFactory, save_week

pytestmark = pytest.mark.django_db

URL = reverse("reports:week_rollup", args=["2023-05-17"])  # any day of the week


@pytest.fixture
def department(sample_team):
    """The sample team (published), one team with a draft, one with no report that week."""
    services.report_publish(report=sample_team.reports.get())
    lending = TeamFactory(slug="lending", name="信贷组")
    save_week(lending, date(2023, 5, 19), 20, kpis={"放款成功率": "99.5"})
    TeamFactory(slug="risk", name="风控组")
    return sample_team


def test_the_week_runs_monday_to_sunday():
    assert calendar_week(date(2023, 5, 20)) == (date(2023, 5, 15), date(2023, 5, 21))
    assert calendar_week(date(2023, 5, 15)) == (date(2023, 5, 15), date(2023, 5, 21))


def test_every_team_with_its_kpis_and_who_has_not_published(manager_client, department):
    response = manager_client.get(URL)

    week = response.context["week"]
    assert [row.team.name for row in week.rows] == ["信贷组", "支付平台组", "风控组"]
    assert [row.team.slug for row in week.not_published] == ["lending", "risk"]
    html = response.content.decode()
    assert "入金有效成功率 99.98%" in html and "放款成功率 99.5%" in html
    assert "信贷组 (草稿)" in html and "风控组 (没有周报)" in html


def test_all_events_of_the_week_in_one_list(manager_client, department):
    week = manager_client.get(URL).context["week"]

    assert [e.summary[:6] for e in week.events] == ["AZ+TiD", "履约以及资金", "外采风控系统"]
    assert "239 分钟" in manager_client.get(URL).content.decode()


def test_one_markdown_document_for_the_week(manager_client, department):
    response = manager_client.get(reverse("reports:week_rollup_markdown", args=["2023-05-15"]))

    text = response.content.decode()
    assert response["Content-Disposition"] == 'attachment; filename="weekly-2023-05-15.md"'
    assert text.startswith("# 部门周报汇总：2023-05-15 至 2023-05-21\n")
    assert "尚未发布：信贷组" in text and "还没有周报：风控组" in text
    assert "## 支付平台组\n\n### 第21周 2023-05-20" in text
    assert "#### 【系统运行数据】" in text
    assert "## 信贷组" in text


def test_members_see_only_their_teams(member_client, department):
    week = member_client.get(URL).context["week"]

    assert [row.team.slug for row in week.rows] == ["payments"]


def test_the_latest_week_is_the_default(manager_client, department):
    response = manager_client.get(reverse("reports:week_latest"))

    assert response["Location"] == reverse("reports:week_rollup", args=["2023-05-20"])


@pytest.mark.parametrize("teams", [3, 12])
def test_queries_do_not_grow_with_teams(manager_client, django_assert_num_queries, teams):
    for n in range(teams):
        team = TeamFactory(slug=f"team{n}", name=f"团队{n}")
        save_week(team, date(2023, 5, 19), 20)
        WeeklyReportFactory(team=team, report_date=date(2023, 5, 12))

    with django_assert_num_queries(ROLLUP_QUERIES):
        manager_client.get(URL)


# Session and user, the user's groups, teams, reports, KPI values, events.
ROLLUP_QUERIES = 7


@pytest.mark.parametrize("teams", [3, 12])
def test_the_markdown_reads_in_queries_that_do_not_grow_with_teams(
    manager_client, django_assert_num_queries, teams
):
    for n in range(teams):
        team = TeamFactory(slug=f"team{n}", name=f"团队{n}")
        save_week(team, date(2023, 5, 19), 20)
        for day, text in [(date(2023, 5, 12), "上周五旧事"), (date(2023, 5, 16), f"团队{n}的日报")]:
            DailyNote.objects.create(team=team, day=day, author_name=f"成员{n}", text=text)
    url = reverse("reports:week_rollup_markdown", args=["2023-05-15"])

    with django_assert_num_queries(ROLLUP_QUERIES + ROLLUP_MARKDOWN_DOCUMENT_QUERIES):
        text = manager_client.get(url).content.decode()

    # Each team's section holds its own note of the week, and not last week's.
    sections = {part.split("\n", 1)[0]: part for part in text.split("\n## ")[1:]}
    assert sorted(sections) == sorted(f"团队{n}" for n in range(teams))
    for n in range(teams):
        section = sections[f"团队{n}"]
        assert f"成员{n}：团队{n}的日报" in section
        assert section.count("的日报") == 1
        assert "上周五旧事" not in section


# The documents' parts (reports.rows.documents): KPI values, incident summaries (their
# counts too, when there are any; here none), objective entries, item updates, migration
# snapshots and their categories, daily notes (one query for every team), stability events,
# the weeks' sections and the teams' layouts.
ROLLUP_MARKDOWN_DOCUMENT_QUERIES = 10
