"""The pages a team member reads: team list, team history, one week and its downloads."""

import io
import json
import re
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from metrics.models import KpiDefinition
from reports.document.renderer import render_markdown
from reports.files import export_text
from reports.selectors import report_document
from tests.factories import SAMPLE_DATE, WeeklyReportFactory, import_sample, sample_document
from tests.reports.test_export_command import DOCUMENTED_KEYS

pytestmark = pytest.mark.django_db

REPORT_URL = "/teams/payments/2023-05-20/"


def _section(html: str, css_class: str) -> str:
    m = re.search(rf'<section class="{css_class}[^"]*".*?</section>', html, re.S)
    assert m, f"no <section class={css_class!r}> on the page"
    return m.group(0)


def _history_cell(html: str, kpi_value: str) -> str:
    """The <td> of the history table that shows ``kpi_value``."""
    m = re.search(rf"<td class=\"([^\"]*)\"[^>]*>\s*{re.escape(kpi_value)}", html)
    assert m, f"no history cell shows {kpi_value}"
    return m.group(1)


# -- team list ----------------------------------------------------------------------------


def test_team_list_shows_latest_week_for_member(lead_client, other_team):
    response = lead_client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "支付平台组" in html
    assert "第21周 · 2023-05-20" in html
    assert 'href="/teams/payments/2023-05-20/"' in html
    assert "信贷组" not in html  # a team the lead does not belong to


def test_team_list_shows_latest_of_several_weeks(lead_client, sample_team):
    WeeklyReportFactory(team=sample_team, report_date=date(2023, 5, 13), week_number=20)

    html = lead_client.get("/").content.decode()

    assert "第21周 · 2023-05-20" in html
    assert "第20周" not in html


# -- team history -------------------------------------------------------------------------


def test_team_history_row_shows_kpi_values(lead_client):
    response = lead_client.get("/teams/payments/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "第21周" in html
    for value in ("99.98%", "99.92%", "100%"):
        assert value in html
    assert "kpi-miss" not in html  # no targets set yet


def test_team_history_marks_kpi_below_target(lead_client, sample_team):
    KpiDefinition.objects.filter(team=sample_team, name="入金有效成功率").update(
        target=Decimal("99.99")
    )

    html = lead_client.get("/teams/payments/").content.decode()

    assert "kpi-miss" in _history_cell(html, "99.98%")
    assert "kpi-miss" not in _history_cell(html, "99.92%")
    assert html.count("kpi-miss") == 1
    # One mark: the style sheet draws it (.kpi-miss::after); the page adds words for
    # screen readers only, not a second arrow.
    (cell,) = re.findall(r"<td class=\"[^\"]*kpi-miss[^\"]*\".*?</td>", html, re.S)
    assert "▼" not in cell
    assert '<span class="visually-hidden">未达标</span>' in cell


def test_team_history_has_no_mark_when_target_met(lead_client, sample_team):
    KpiDefinition.objects.filter(team=sample_team, name="入金有效成功率").update(
        target=Decimal("99.98")
    )
    KpiDefinition.objects.filter(team=sample_team, name="支付系统年度可用性").update(
        target=Decimal("99.99")
    )

    html = lead_client.get("/teams/payments/").content.decode()

    assert "kpi-miss" not in html


def test_team_history_paginates_oldest_weeks_on_page_two(lead_client, sample_team):
    for n in range(1, 25):  # 24 earlier weeks plus the sample: 25 reports
        WeeklyReportFactory(
            team=sample_team,
            report_date=SAMPLE_DATE - timedelta(weeks=n),
            week_number=(20 - n) % 52 + 1,  # back through the previous year
        )
    oldest = [SAMPLE_DATE - timedelta(weeks=n) for n in range(20, 25)]
    newest = [SAMPLE_DATE - timedelta(weeks=n) for n in range(20)]

    first = lead_client.get("/teams/payments/").content.decode()
    second = lead_client.get("/teams/payments/?page=2").content.decode()

    assert all(f"/teams/payments/{day.isoformat()}/" in first for day in newest)
    assert not any(f"/teams/payments/{day.isoformat()}/" in first for day in oldest)
    assert all(f"/teams/payments/{day.isoformat()}/" in second for day in oldest)
    assert not any(f"/teams/payments/{day.isoformat()}/" in second for day in newest)
    assert "?page=1" in second


# -- one week -----------------------------------------------------------------------------


def test_report_detail_shows_objectives(lead_client):
    response = lead_client.get(REPORT_URL)

    assert response.status_code == 200
    html = response.content.decode()
    for heading in ("【O1 服务业务】", "【O2 系统升级】", "【O3 安全稳定、降本提效】"):
        assert heading in html


def test_report_detail_shows_migration_categories(lead_client):
    html = lead_client.get(REPORT_URL).content.decode()

    assert "Hive数仓建设总进度：90%" in html
    assert "【TOB商户账单】【进度：测试验证投产中】，总计12个" in html
    for name in ("风控报表", "产品运营报表", "存管报表", "资金部报表", "业务增长报表"):
        assert f"【{name}】" in html


def test_report_detail_shows_events(lead_client):
    html = lead_client.get(REPORT_URL).content.decode()

    assert "5/15 7:38 监控发现AZ+TiDB链路的商户账单生成失败。" in html
    assert "5/15 14:30 监控发现履约以及资金管理平台连接ftp文件超时告警。" in html
    assert "5/18 凌晨 外采风控系统Aerospike集群扩容" in html
    assert "239分钟恢复" in html


def test_report_detail_warns_about_stated_vs_computed(lead_client):
    html = lead_client.get(REPORT_URL).content.decode()

    warnings = _section(html, "warnings")
    assert "Hive数仓建设：周报中未启动为8，按分类合计为9。" in warnings


def test_report_markdown_download(lead_client, sample_report):
    response = lead_client.get("/teams/payments/2023-05-20.md")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="payments-2023-05-20.md"'
    body = response.content.decode("utf-8")
    assert body == render_markdown(report_document(sample_report))
    assert "# 第21周 2023-05-20" in body


def test_report_json_download(lead_client):
    response = lead_client.get("/teams/payments/2023-05-20.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data.keys() >= DOCUMENTED_KEYS
    assert (data["team"], data["week_number"], data["report_date"]) == (
        "payments",
        21,
        "2023-05-20",
    )
    assert [k["name"] for k in data["kpis"]] == [
        "入金有效成功率",
        "出金有效成功率",
        "支付系统年度可用性",
    ]
    assert len(data["events"]) == 3


def _zip_queries(client, weeks: int, team) -> int:
    """The queries of downloading the team's zip when it has ``weeks`` weeks."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(team.reports.count(), weeks):
        doc = sample_document()
        doc.report_date, doc.week_number = date(2023, 5, 20) + timedelta(weeks=n), 21 + n
        import_sample(team, document=doc)
    client.get("/teams/payments/")  # the reader's session and user, read once and kept
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/teams/payments/export.zip")
        with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
            assert len(archive.namelist()) == weeks
    return len(queries)


def test_team_export_zip_reads_its_weeks_in_batches(lead_client, sample_team, sample_report):
    """The same queries for 3 weeks as for 12: the weeks are read together, not one by one
    (it was 101 queries for 10 weeks)."""
    few = _zip_queries(lead_client, 3, sample_team)
    many = _zip_queries(lead_client, 12, sample_team)

    assert few == many < 30


def test_team_export_zip_has_one_file_per_week(lead_client, sample_team, sample_report):
    later = sample_document()
    later.report_date, later.week_number = date(2023, 5, 27), 22
    second = import_sample(sample_team, document=later)

    response = lead_client.get("/teams/payments/export.zip")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert sorted(archive.namelist()) == ["payments-2023-05-20.md", "payments-2023-05-27.md"]
        for report in (sample_report, second):
            name = f"payments-{report.report_date.isoformat()}.md"
            assert archive.read(name).decode("utf-8") == export_text(report)


@pytest.mark.parametrize(
    "url",
    [
        "/teams/payments/2023-05-27/",
        "/teams/payments/2023-05-27.md",
        "/teams/payments/2023-05-27.json",
        "/teams/nosuchteam/",
        "/teams/nosuchteam/2023-05-20/",
    ],
)
def test_missing_team_or_week_is_404(lead_client, url):
    assert lead_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/teams/payments/2023-02-30/", "/teams/payments/2023-02-30.md", "/teams/payments/2023-13-01/"],
)
def test_invalid_date_is_404(lead_client, url):
    assert lead_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/teams/payments/",
        "/teams/payments/?page=2",
        "/teams/payments/export.zip",
        "/teams/payments/2023-05-20/",
        "/teams/payments/2023-05-20.md",
        "/teams/payments/2023-05-20.json",
    ],
)
def test_anonymous_is_sent_to_login(sample_team, url):
    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
