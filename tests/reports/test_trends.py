"""The trends page: KPI, incident, tracker and item charts over a chosen range of weeks."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.figures import migration_figures
from reports.management.commands.load_demo import made_up_week
from reports.selectors import report_document
from reports.services import report_save_document
from tests.factories import SAMPLE_DATE, sample_document

pytestmark = pytest.mark.django_db

URL = reverse("reports:team_trends", args=["payments"])
# The page reads the session, the reader, the team, the weeks, KPI definitions and
# values, incidents, trackers (snapshots, categories, buckets) and item percentages,
# whatever the number of weeks.
TRENDS_QUERIES = 12


@pytest.fixture
def history(sample_team):
    """The sample week and eleven made-up weeks before it, as the demo has them."""
    sample = sample_document()
    for weeks_back in range(11, 0, -1):
        report_save_document(team=sample_team, document=made_up_week(sample, weeks_back))
    return sample_team


def _titles(html: str) -> list[str]:
    return re.findall(r"<title>([^<]*)</title>", html)


def test_kpi_points_show_each_weeks_stored_value(manager_client, history):
    html = manager_client.get(URL).content.decode()

    titles = _titles(html)
    assert "W21 05-20 · 入金有效成功率: 99.98%" in titles
    week20 = report_document(history.reports.get(report_date=SAMPLE_DATE - timedelta(weeks=1)))
    value = week20.kpis[0].value.normalize()
    assert f"W20 05-13 · 入金有效成功率: {value:f}%" in titles


def test_tracker_burn_up_is_computed_from_the_categories(manager_client, history):
    html = manager_client.get(URL).content.decode()

    ((_o, _i, migration),) = list(report_document(history.reports.first()).migrations())
    figures = migration_figures(c.counts() for c in migration.categories)
    titles = _titles(html)
    assert f"W21 05-20 · 已完成开发: {figures.developed}" in titles
    assert f"W21 05-20 · 已投产: {figures.in_production}" in titles
    assert f"W21 05-20 · 加权进度: {figures.weighted_progress.normalize():f}%" in titles


def test_ranges_choose_how_many_weeks(manager_client, history):
    twelve = manager_client.get(URL).context["weeks"]
    quarter = manager_client.get(URL + "?range=quarter").context["weeks"]
    everything = manager_client.get(URL + "?range=all").context["weeks"]
    nonsense = manager_client.get(URL + "?range=forever").context["weeks"]

    assert len(twelve) == len(everything) == len(nonsense) == 12
    assert len(quarter) == 12  # only twelve weeks exist
    assert [w.label for w in twelve][-1] == "W21 05-20"


def test_twelve_weeks_out_of_more(manager_client, history):
    sample = sample_document()
    for weeks_back in range(20, 11, -1):
        report_save_document(team=history, document=made_up_week(sample, weeks_back))

    weeks = manager_client.get(URL).context["weeks"]
    year = manager_client.get(URL + "?range=year").context["weeks"]

    assert len(weeks) == 12 and weeks[0].label == "W10 03-04"
    assert len(year) == 21


@pytest.mark.parametrize("extra_weeks", [0, 8])
def test_queries_do_not_grow_with_weeks(manager_client, history, extra_weeks):
    sample = sample_document()
    for weeks_back in range(11 + extra_weeks, 11, -1):
        report_save_document(team=history, document=made_up_week(sample, weeks_back))
    manager_client.get(URL + "?range=all")  # warm the chart cache

    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(URL + "?range=all")

    assert response.status_code == 200
    assert len(queries) == TRENDS_QUERIES


def test_who_sees_trends(member_client, outsider_client, manager_client, sample_team):
    assert member_client.get(URL).status_code == 200
    assert manager_client.get(URL).status_code == 200
    assert outsider_client.get(URL).status_code == 404


def test_a_team_without_reports(client, other_team, outsider):
    client.force_login(outsider)

    response = client.get(reverse("reports:team_trends", args=["lending"]))

    assert response.status_code == 200
    assert "还没有周报" in response.content.decode()


def test_long_ranges_show_every_few_weeks_and_always_the_latest(
    manager_client, history, monkeypatch
):
    from reports import selectors

    monkeypatch.setattr(selectors, "MAX_TREND_POINTS", 5)

    weeks = manager_client.get(URL + "?range=all").context["weeks"]

    # Twelve weeks in at most five points: every third week, counted back from the latest.
    assert [w.label for w in weeks] == [
        "W12 23-03-18",
        "W15 23-04-08",
        "W18 23-04-29",
        "W21 23-05-20",
    ]


def test_thinned_weeks_add_up_the_incidents_they_skip(history, monkeypatch):
    from metrics.trends import incident_chart
    from reports import selectors

    monkeypatch.setattr(selectors, "MAX_TREND_POINTS", 5)
    everything = selectors.trend_weeks(history, "all")
    monkeypatch.setattr(selectors, "MAX_TREND_POINTS", 104)
    weekly = selectors.trend_weeks(history, "all")

    thinned = incident_chart(everything, history.grades)
    full = incident_chart(weekly, history.grades)

    assert sum(sum(s.values) for s in thinned.series) == sum(sum(s.values) for s in full.series)
    assert sum(len(w.reports) for w in everything) == len(weekly) == 12


def test_items_with_the_same_title_stay_apart(history):
    from reports import selectors
    from reports.models import ItemUpdate

    weeks = selectors.trend_weeks(history, "12w")
    updates = ItemUpdate.objects.filter(item__title="鉴于迎检需要", report_id=weeks[-1].report_id)
    for n, update in enumerate(updates):
        update.percent = 10 * (n + 1)
        update.save()

    lines = selectors.item_percent_lines(weeks)

    twins = sorted(name for name in lines if "鉴于迎检需要" in name)
    assert len(twins) == 2 and twins[0] != twins[1]
