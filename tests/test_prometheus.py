"""KPIs pulled from a real Prometheus (Debian's package, started here on loopback and
scraping itself). CI installs it; elsewhere the tests skip when it is missing."""

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from metrics.models import KpiDefinition
from metrics.prometheus import PrometheusError, instant_value
from reports import kpi_pull, services
from reports.models import WeeklyReport
from reports.selectors import report_document
from tests.factories import import_sample, sample_document

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    if not Path(PROMETHEUS).exists():
        if IN_CI:
            pytest.fail("CI must have Debian's prometheus (.ci/run installs it)")
        pytest.skip("prometheus is not installed (apt-get install prometheus)")
    folder = tmp_path_factory.mktemp("prometheus")
    port = _free_port()
    config = folder / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n"
        f"scrape_configs:\n  - job_name: self\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{port}']\n"
    )
    process = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if instant_value(url, 'up{job="self"}', timezone.now()) is not None:
                break
        except PrometheusError:
            pass
        time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("prometheus did not scrape itself within 60 s")
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_one_number_from_a_query(prometheus):
    now = timezone.now()

    assert instant_value(prometheus, 'up{job="self"} * 100', now) == 100
    assert instant_value(prometheus, "1 + 1", now) == 2
    assert instant_value(prometheus, "0.1234567", now).as_tuple().exponent == -4
    assert instant_value(prometheus, 'up{job="nobody"}', now) is None


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("up{", "parse error"),
        ('up{job="self"} or vector(1)', "2 series"),
        ("up[1m]", "matrix"),
        ("1e30", "too large"),
    ],
)
def test_a_query_that_is_not_one_number_says_why(prometheus, query, error):
    with pytest.raises(PrometheusError, match=error):
        instant_value(prometheus, query, timezone.now())


def test_prometheus_that_does_not_answer():
    with pytest.raises(PrometheusError, match="not reachable"):
        instant_value(f"http://127.0.0.1:{_free_port()}", "1", timezone.now())


@pytest.fixture
def team_this_week(sample_team):
    """The sample team with its last report a week before today: this week is next."""
    doc = sample_document()
    moved = timezone.localdate() - timedelta(days=7) - doc.report_date
    doc.report_date += moved
    doc.week_number = 40
    for event in doc.events:  # the week's events move with it
        event.date += moved
        event.detected_at = event.detected_at and event.detected_at + moved
        event.recovered_at = event.recovered_at and event.recovered_at + moved
    import_sample(sample_team, document=doc)
    KpiDefinition.objects.filter(team=sample_team, name="支付系统年度可用性").update(
        prometheus_query='100 * avg_over_time(up{job="self"}[1m])'
    )
    return sample_team


@pytest.mark.django_db
def test_the_pull_fills_this_weeks_kpi_marked_as_pulled(prometheus, team_this_week):
    result = kpi_pull.pull_prometheus_kpis(base_url=prometheus)

    today = timezone.localdate()
    assert result.changed == [f"payments {today.isoformat()}"]
    week = WeeklyReport.objects.get(team=team_this_week, report_date=today)
    kpis = {k.name: k for k in report_document(week).kpis}
    assert kpis["支付系统年度可用性"].value == 100
    assert kpis["支付系统年度可用性"].source == "prometheus"
    assert kpis["入金有效成功率"].source == ""


@pytest.mark.django_db
def test_pulling_again_changes_nothing(prometheus, team_this_week):
    kpi_pull.pull_prometheus_kpis(base_url=prometheus)
    week = WeeklyReport.objects.get(report_date=timezone.localdate())
    revisions = week.revisions.count()

    assert kpi_pull.pull_prometheus_kpis(base_url=prometheus).changed == []
    assert week.revisions.count() == revisions


@pytest.mark.django_db
def test_a_published_week_is_left_alone(prometheus, team_this_week):
    kpi_pull.pull_prometheus_kpis(base_url=prometheus)
    week = WeeklyReport.objects.get(report_date=timezone.localdate())
    services.report_publish(report=week)
    KpiDefinition.objects.filter(name="支付系统年度可用性").update(prometheus_query="42")

    assert kpi_pull.pull_prometheus_kpis(base_url=prometheus).changed == []
    assert report_document(week).kpis[2].value == 100


@pytest.mark.django_db
def test_a_broken_query_is_reported_and_the_others_still_pulled(prometheus, team_this_week):
    KpiDefinition.objects.filter(name="入金有效成功率").update(prometheus_query="up{")

    result = kpi_pull.pull_prometheus_kpis(base_url=prometheus)

    assert len(result.errors) == 1 and "入金有效成功率" in result.errors[0]
    assert result.changed


@pytest.mark.django_db
def test_without_a_prometheus_url_nothing_is_pulled(team_this_week, settings):
    settings.PROMETHEUS_URL = ""

    assert kpi_pull.pull_prometheus_kpis().changed == []


def test_prometheus_answers_on_loopback_only(prometheus):
    assert prometheus.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(f"{prometheus}/-/ready", timeout=5) as response:
        assert response.status == 200


@pytest.mark.django_db
def test_a_value_the_rules_refuse_is_reported_and_the_others_still_pulled(
    prometheus, team_this_week
):
    KpiDefinition.objects.filter(name="入金有效成功率").update(prometheus_query="vector(150)")

    result = kpi_pull.pull_prometheus_kpis(base_url=prometheus)

    assert len(result.errors) == 1 and "入金有效成功率" in result.errors[0]
    week = WeeklyReport.objects.get(team=team_this_week, report_date=timezone.localdate())
    kpis = {k.name: k for k in report_document(week).kpis}
    assert kpis["支付系统年度可用性"].value == 100  # the same team's other KPI
    assert kpis["入金有效成功率"].value is None
