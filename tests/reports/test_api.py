"""The REST API: the pages' data and permissions, reports in the JSON export's layout."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from metrics.models import KpiValue
from reports import services
from reports.document.jsonformat import render_json
from reports.models import WeeklyReport
from reports.selectors import report_document
from tests.factories import SAMPLE_DATE, save_week

pytestmark = pytest.mark.django_db

REPORT = "/api/v1/teams/payments/reports/2023-05-20/"


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def lead_api(lead):
    return _client(lead)


def _doc_json(report) -> dict:
    return json.loads(json.dumps(render_json(report_document(report)), ensure_ascii=False))


def _etag(report) -> str:
    """The If-Match of a client that has just read ``report``."""
    report.refresh_from_db(fields=["version"])
    return f'"{report.version}"'


def test_without_credentials_the_api_answers_401(sample_team):
    response = _client().get("/api/v1/teams/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_401(sample_team):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    assert client.get("/api/v1/teams/").status_code == 401


def test_teams_are_those_the_caller_can_read(lead_api, other_team, manager):
    assert [t["slug"] for t in lead_api.get("/api/v1/teams/").json()] == ["payments"]
    assert {t["slug"] for t in _client(manager).get("/api/v1/teams/").json()} == {
        "payments",
        "lending",
    }


def test_another_teams_objects_are_404(outsider, sample_team):
    client = _client(outsider)

    for url in ("/api/v1/teams/payments/", "/api/v1/teams/payments/reports/", REPORT):
        assert client.get(url).status_code == 404, url


def test_a_report_reads_as_the_json_export_with_its_version(lead_api, sample_report):
    response = lead_api.get(REPORT)

    assert response.status_code == 200
    data = response.json()
    assert data["version"] == sample_report.version
    assert response["ETag"] == f'"{sample_report.version}"'
    data.pop("version")
    assert data == _doc_json(sample_report)


def test_a_date_that_is_not_a_date_is_404(lead_api, sample_team):
    response = lead_api.get("/api/v1/teams/payments/reports/2023-02-30/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_the_reports_list_newest_first(lead_api, sample_report):
    page = lead_api.get("/api/v1/teams/payments/reports/").json()
    (row,) = page["results"]

    assert (page["count"], page["next"], page["previous"]) == (1, None, None)
    assert row["report_date"] == "2023-05-20"
    assert row["url"] == f"http://testserver{REPORT}"


def test_the_reports_list_comes_a_year_at_a_time(lead_api, sample_team):
    for n in range(60):
        save_week(sample_team, SAMPLE_DATE - timedelta(weeks=n), 52)

    first = lead_api.get("/api/v1/teams/payments/reports/").json()
    second = lead_api.get(first["next"]).json()
    small = lead_api.get("/api/v1/teams/payments/reports/?page_size=5&page=2").json()

    assert first["count"] == 60
    assert len(first["results"]) == 52 and len(second["results"]) == 8
    assert first["results"][0]["report_date"] == SAMPLE_DATE.isoformat()
    assert second["results"][-1]["report_date"] == (SAMPLE_DATE - timedelta(weeks=59)).isoformat()
    assert second["next"] is None and second["previous"] is not None
    assert [r["report_date"] for r in small["results"]] == [
        (SAMPLE_DATE - timedelta(weeks=n)).isoformat() for n in range(5, 10)
    ]
    assert lead_api.get("/api/v1/teams/payments/reports/?page=9").status_code == 404


def test_a_lead_starts_a_draft_from_a_document(lead, lead_api, sample_report):
    data = _doc_json(sample_report)
    data.update(report_date="2023-05-27", week_number=22, reflections="接口写的复盘")

    response = lead_api.post("/api/v1/teams/payments/reports/", data, format="json")

    assert response.status_code == 201
    assert response["Location"].endswith("/reports/2023-05-27/")
    report = WeeklyReport.objects.get(report_date="2023-05-27")
    assert (report.status, report.author) == ("draft", lead)
    assert report_document(report).reflections == "接口写的复盘"
    assert report.revisions.get().action == "created"


def test_a_document_with_a_mistake_is_refused_naming_the_field(lead_api, sample_team):
    data = {"report_date": "2023-05-27", "week_number": 22, "kpis": [{"name": "x", "value": "9x"}]}

    response = lead_api.post("/api/v1/teams/payments/reports/", data, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "must be a number", "field": "kpis[0].value"}
    assert not WeeklyReport.objects.filter(report_date="2023-05-27").exists()


def test_a_week_that_exists_is_409_on_create(lead_api, sample_report):
    response = lead_api.post(
        "/api/v1/teams/payments/reports/", _doc_json(sample_report), format="json"
    )

    assert response.status_code == 409


@pytest.mark.parametrize("who", ["member", "manager"])
def test_readers_cannot_write(request, sample_report, who):
    client = _client(request.getfixturevalue(who))

    assert client.put(REPORT, _doc_json(sample_report), format="json").status_code == 403
    assert client.post("/api/v1/teams/payments/reports/", {}, format="json").status_code == 403


def test_a_lead_updates_a_draft(lead_api, sample_report):
    data = _doc_json(sample_report)
    data["other"] = "接口修改"

    response = lead_api.put(REPORT, data, format="json", HTTP_IF_MATCH=f'"{sample_report.version}"')

    assert response.status_code == 200
    assert response.json()["version"] == sample_report.version + 1
    assert report_document(WeeklyReport.objects.get()).other == "接口修改"


def test_an_update_from_an_old_version_is_412_and_changes_nothing(lead_api, sample_report):
    services.report_update(
        report=sample_report, document=report_document(sample_report), author=None
    )
    data = _doc_json(sample_report)
    data["other"] = "旧版本上的修改"

    response = lead_api.put(REPORT, data, format="json", HTTP_IF_MATCH=f'"{sample_report.version}"')

    assert response.status_code == 412
    assert report_document(WeeklyReport.objects.get()).other != "旧版本上的修改"


def test_a_published_report_is_409_on_update(lead_api, sample_report):
    services.report_publish(report=sample_report)

    response = lead_api.put(
        REPORT, _doc_json(sample_report), format="json", HTTP_IF_MATCH=_etag(sample_report)
    )

    assert response.status_code == 409


def test_the_date_in_the_body_must_be_the_urls(lead_api, sample_report):
    data = _doc_json(sample_report)
    data["report_date"] = "2023-05-27"

    response = lead_api.put(REPORT, data, format="json", HTTP_IF_MATCH=_etag(sample_report))

    assert response.status_code == 400
    assert response.json()["field"] == "report_date"


KPIS = "/api/v1/teams/payments/reports/2023-05-27/kpis/"
VALUES = {
    "values": [
        {"name": "入金有效成功率", "value": "99.91"},
        {"name": "出金有效成功率", "value": 99.9},
    ]
}


def test_a_monitoring_job_posts_a_weeks_kpis_and_the_week_is_started(lead_api, sample_report):
    response = lead_api.post(KPIS, VALUES, format="json")

    assert response.status_code == 201
    assert response.json()["changed"] is True
    week = WeeklyReport.objects.get(report_date="2023-05-27")
    assert week.week_number == 22
    kpis = {k.name: str(k.value) for k in report_document(week).kpis}
    assert kpis["入金有效成功率"] == "99.91"
    assert kpis["出金有效成功率"] == "99.9"
    assert kpis["支付系统年度可用性"] == "None"  # carried over empty, for the lead to fill


def test_the_same_kpi_post_twice_stores_one_value(lead_api, sample_report):
    lead_api.post(KPIS, VALUES, format="json")
    week = WeeklyReport.objects.get(report_date="2023-05-27")
    revisions = week.revisions.count()

    again = lead_api.post(KPIS, VALUES, format="json", HTTP_IF_MATCH=_etag(week))

    assert again.status_code == 200
    assert again.json()["changed"] is False
    assert week.revisions.count() == revisions
    assert KpiValue.objects.filter(report=week, definition__name="入金有效成功率").count() == 1


def test_an_unknown_kpi_is_refused(lead_api, sample_report):
    response = lead_api.post(KPIS, {"values": [{"name": "不存在", "value": 1}]}, format="json")

    assert response.status_code == 400
    assert "不存在" in response.json()["detail"]
    assert not WeeklyReport.objects.filter(report_date="2023-05-27").exists()


def test_kpis_of_a_published_week_are_409(lead_api, sample_report):
    services.report_publish(report=sample_report)

    response = lead_api.post(
        "/api/v1/teams/payments/reports/2023-05-20/kpis/",
        VALUES,
        format="json",
        HTTP_IF_MATCH=_etag(sample_report),
    )

    assert response.status_code == 409


def test_the_weeks_events(lead_api, sample_report):
    events = lead_api.get(REPORT + "events/").json()

    assert len(events) == len(report_document(sample_report).events)
    assert events[0]["summary"]


def test_the_token_page_makes_shows_once_and_revokes(lead, lead_client):
    url = reverse("accounts:api_token")

    made = lead_client.post(url, {"action": "renew"})
    key = Token.objects.get(user=lead).key
    later = lead_client.get(url)

    assert key in made.content.decode()
    assert key not in later.content.decode()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/teams/").status_code == 200
    lead_client.post(url, {"action": "revoke"})
    assert client.get("/api/v1/teams/").status_code == 401


def test_a_new_token_replaces_the_old(lead, lead_client):
    url = reverse("accounts:api_token")
    lead_client.post(url, {"action": "renew"})
    old = Token.objects.get(user=lead).key

    lead_client.post(url, {"action": "renew"})

    assert Token.objects.get(user=lead).key != old


def test_the_api_docs_page_loads_its_assets_from_this_server(lead_client):
    html = lead_client.get("/api/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "https://" not in html and "//cdn" not in html
    assert "<script>" not in html  # the start-up script is a file: the CSP allows no inline


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "values"),
        ({"values": []}, "values"),
        ({"values": [{"name": "入金有效成功率", "value": "abc"}]}, "values[0].value"),
        ({"values": [{"name": "入金有效成功率", "value": "1e20"}]}, "values[0].value"),
        ({"values": [{"value": 1}]}, "values[0].name"),
    ],
)
def test_a_bad_kpi_post_names_the_field(lead_api, sample_report, body, field):
    response = lead_api.post(KPIS, body, format="json")

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert not WeeklyReport.objects.filter(report_date="2023-05-27").exists()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/teams/payments/"),
        ("delete", REPORT),
        ("get", KPIS),
        ("post", REPORT + "events/"),
    ],
)
def test_another_teams_url_is_404_whatever_the_method(outsider, lead, sample_team, method, url):
    assert getattr(_client(outsider), method)(url).status_code == 404
    assert getattr(_client(lead), method)(url).status_code == 405


def test_values_from_machines_are_marked_on_the_page_and_in_the_form(
    lead_api, lead_client, sample_report
):
    lead_api.post(KPIS, VALUES, format="json")
    week = WeeklyReport.objects.get(report_date="2023-05-27")
    kpis = {k.name: k.source for k in report_document(week).kpis}
    assert kpis == {"入金有效成功率": "api", "出金有效成功率": "api", "支付系统年度可用性": ""}

    page = lead_client.get(week.get_absolute_url()).content.decode()
    form = lead_client.get(reverse("reports:report_edit", args=["payments", "2023-05-27"]))

    assert page.count("kpi-source") == 2
    # The edit page reads as the report (two badges), and its KPI table marks them again.
    html = form.content.decode()
    assert html.count("kpi-source") == 4
    table = html[html.index("kpi-table mb-2") :]
    assert table[: table.index("</table>")].count("kpi-source") == 2


def test_a_value_changed_on_the_page_becomes_typed(lead_api, lead_client, sample_report):
    from tests.forms_data import editor_data, find_row

    lead_api.post(KPIS, VALUES, format="json")
    url = reverse("reports:report_edit", args=["payments", "2023-05-27"])
    data = editor_data(lead_client.get(url).context["editor"])
    data[f"kpi-{find_row(data, 'kpi', 'name', '入金有效成功率')}-value"] = "99.5"

    assert lead_client.post(url, data).status_code == 302

    week = WeeklyReport.objects.get(report_date="2023-05-27")
    kpis = {k.name: (str(k.value), k.source) for k in report_document(week).kpis}
    assert kpis["入金有效成功率"] == ("99.5", "")
    assert kpis["出金有效成功率"] == ("99.9", "api")  # untouched: still the machine's


def _stored(report) -> tuple:
    """What a refused write must leave as it was."""
    week = WeeklyReport.objects.get(pk=report.pk)
    return (
        week.version,
        week.revisions.count(),
        KpiValue.objects.filter(report=week).count(),
        json.dumps(render_json(report_document(week)), ensure_ascii=False),
    )


def test_a_put_without_if_match_is_428_naming_the_header_and_changes_nothing(
    lead_api, sample_report
):
    data = _doc_json(sample_report)
    data["other"] = "没带版本的修改"
    before = _stored(sample_report)

    response = lead_api.put(REPORT, data, format="json")

    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    assert _stored(sample_report) == before


def test_the_428_is_in_the_readers_language(lead_api, sample_report):
    response = lead_api.put(REPORT, _doc_json(sample_report), format="json")

    assert response.status_code == 428
    assert response.json()["detail"].startswith("这份周报已存在：请在 If-Match 请求头中")


def test_kpis_for_a_week_that_has_a_report_need_if_match(lead_api, sample_report):
    before = _stored(sample_report)

    response = lead_api.post(REPORT + "kpis/", VALUES, format="json")

    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    assert _stored(sample_report) == before


def test_kpis_with_the_current_if_match_are_saved(lead_api, sample_report):
    response = lead_api.post(
        REPORT + "kpis/", VALUES, format="json", HTTP_IF_MATCH=_etag(sample_report)
    )

    assert response.status_code == 200
    assert response["ETag"] == f'"{sample_report.version + 1}"'
    kpis = {k.name: str(k.value) for k in report_document(WeeklyReport.objects.get()).kpis}
    assert kpis["入金有效成功率"] == "99.91"


def test_kpis_with_a_stale_if_match_are_412_and_change_nothing(lead_api, sample_report):
    opened = _etag(sample_report)
    services.report_update(
        report=sample_report, document=report_document(sample_report), author=None
    )
    before = _stored(sample_report)

    response = lead_api.post(REPORT + "kpis/", VALUES, format="json", HTTP_IF_MATCH=opened)

    assert response.status_code == 412
    assert _stored(sample_report) == before


def test_an_if_match_for_a_week_with_no_report_is_412_and_starts_nothing(lead_api, sample_report):
    response = lead_api.post(KPIS, VALUES, format="json", HTTP_IF_MATCH='"1"')

    assert response.status_code == 412
    assert not WeeklyReport.objects.filter(report_date="2023-05-27").exists()


@pytest.mark.parametrize("tag", ['W/"1"', "*", '"x"', "1"])
def test_an_if_match_that_is_not_the_version_is_412(lead_api, sample_report, tag):
    data = _doc_json(sample_report)
    data["other"] = "不该保存"

    assert lead_api.put(REPORT, data, format="json", HTTP_IF_MATCH=tag).status_code == 412
    assert report_document(WeeklyReport.objects.get()).other != "不该保存"


def test_a_body_over_the_limit_is_413(lead_api, sample_team):
    from reports.api import MAX_BODY_BYTES

    data = {"report_date": "2023-05-27", "week_number": 22, "other": "x" * MAX_BODY_BYTES}

    response = lead_api.post("/api/v1/teams/payments/reports/", data, format="json")

    assert response.status_code == 413


def test_json_nested_beyond_reason_is_400(lead_api, sample_team):
    body = "[" * 50_000 + "]" * 50_000

    response = lead_api.post(
        "/api/v1/teams/payments/reports/", body, content_type="application/json"
    )

    assert response.status_code == 400


def test_api_refusals_are_in_the_security_log(member, outsider, sample_report, caplog):
    import logging

    caplog.set_level(logging.WARNING, logger="weekly.security")

    _client(member).put(REPORT, {}, format="json")
    _client(outsider).get(REPORT)

    lines = [r.getMessage() for r in caplog.records if r.name == "weekly.security"]
    assert any("user='member'" in line and "forbidden" in line for line in lines)
    assert any("user='outsider'" in line and "another team" in line for line in lines)


def test_a_body_that_is_not_json_is_415(lead_api, sample_team):
    response = lead_api.post(
        "/api/v1/teams/payments/reports/", "a=1", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert response.json()["detail"]


def test_a_kpi_given_twice_is_refused_and_starts_nothing(lead_api, sample_report):
    twice = {
        "values": [
            {"name": "入金有效成功率", "value": "99.1"},
            {"name": "入金有效成功率", "value": "99.2"},
        ]
    }

    response = lead_api.post(
        "/api/v1/teams/payments/reports/2023-05-27/kpis/", twice, format="json"
    )

    assert response.status_code == 400
    assert "入金有效成功率" in response.json()["detail"]
    assert not WeeklyReport.objects.filter(report_date="2023-05-27").exists()


@pytest.mark.parametrize("day", ["20230520", "2023-W20-6", "２０２３-05-20"])
def test_a_report_has_one_address(lead_api, sample_report, day):
    assert lead_api.get(f"/api/v1/teams/payments/reports/{day}/").status_code == 404
    assert lead_api.get("/api/v1/teams/payments/reports/2023-05-20/").status_code == 200
