"""One set of rules at every door: the API, the edit page, the importer and the rows writer
accept and refuse the same values, each naming the place its way, with nothing half-saved;
rows stored before the rules still show, marked, and are repaired on the edit page."""

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from metrics.models import KpiValue
from reports import rows, services
from reports.document import rules
from reports.document.importer import ReportFormatError, parse
from reports.document.jsonformat import JsonFormatError, document_from_json, render_json
from reports.document.renderer import render_markdown
from reports.models import ItemUpdate, Objective, StabilityEvent, WeeklyReport
from reports.selectors import report_document
from reports.team_settings import TeamSettings
from tests.factories import SAMPLE, TZ, sample_document
from tests.forms_data import editor_data, find_row, page_data

pytestmark = pytest.mark.django_db

REPORT = "/api/v1/teams/payments/reports/2023-05-20/"
EDIT = reverse("reports:report_edit", args=["payments", "2023-05-20"])
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def lead_api(lead):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=lead).key}")
    return client


def _json(report) -> dict:
    return json.loads(json.dumps(render_json(report_document(report)), ensure_ascii=False))


def _first_item(data):
    return data["objectives"][0]["items"][0]


def _second_tracker_on_another_item(data):
    items = [i for o in data["objectives"] for i in o["items"]]
    holder = next(i for i in items if i["migration"])
    next(i for i in items if not i["migration"])["migration"] = holder["migration"]


# Each value the API let through to a server error or into the database before, the field
# the 400 names, and what the sender changed.
REFUSED = {
    "nul in a title": ("objectives[0].items[0].title", lambda d: _first_item(d).update(title="a\x00b")),
    "lone surrogate": ("other", lambda d: d.update(other="半个\ud800字")),
    "kpi twice": ("kpis[3].name", lambda d: d["kpis"].append(dict(d["kpis"][0]))),
    "objective code twice": (
        "objectives[3].code",
        lambda d: d["objectives"].append(dict(d["objectives"][0], items=[])),
    ),
    "one tracker on two items": ("objectives[1].items[2].migration", _second_tracker_on_another_item),
    "an offset no time zone has": (
        "events[0].recovered_at",
        lambda d: d["events"][0].update(recovered_at="2023-05-16T10:00:00+16:00"),
    ),  # PostgreSQL refuses 16 hours and more: a 500 before
    "recovery before detection": (
        "events[0].recovered_at",
        lambda d: d["events"][0].update(
            detected_at="2023-05-15T10:00:00+08:00", recovered_at="2023-05-15T09:00:00+08:00"
        ),
    ),
    "a time before year 1": (
        "events[0].detected_at",
        lambda d: d["events"][0].update(detected_at="0001-01-01T00:00:00+14:00", recovered_at=None),
    ),
    "an event years after the week": ("events[0].date", lambda d: d["events"][0].update(date="2030-01-01")),
    "kpi too big for any column": ("kpis[0].value", lambda d: d["kpis"][0].update(value="1e999999999999")),
    "percentage 150": ("kpis[0].value", lambda d: d["kpis"][0].update(value=150)),
    "percentage below 0": ("kpis[0].value", lambda d: d["kpis"][0].update(value=-5)),
    "percentage just over 100": ("kpis[0].value", lambda d: d["kpis"][0].update(value="100.0001")),
    "a note dated in another week": (
        "daily_notes[0].day",
        lambda d: d.update(daily_notes=[{"day": "2023-05-21", "author": "张三", "text": "下周的事"}]),
    ),
    "items nested too deep": (
        "objectives[0].items[0]" + ".children[0]" * 6,
        lambda d: _first_item(d).update(children=[_nest(7)]),
    ),
    "week 0": ("week_number", lambda d: d.update(week_number=0)),
}  # fmt: skip


def _nest(depth: int) -> dict:
    item = {"title": f"第{depth}层"}
    if depth > 1:
        item["children"] = [_nest(depth - 1)]
    return item


def _snapshot(report) -> tuple:
    report.refresh_from_db()
    return (
        report.version,
        KpiValue.objects.filter(report=report).count(),
        ItemUpdate.objects.filter(report=report).count(),
        StabilityEvent.objects.filter(report=report).count(),
        render_markdown(report_document(report)),
    )


@pytest.mark.parametrize("case", list(REFUSED))
def test_the_api_refuses_naming_the_field_and_saves_nothing(lead_api, sample_report, case):
    field, change = REFUSED[case]
    data = _json(sample_report)
    change(data)
    before = _snapshot(sample_report)
    # As sent by any JSON library: a lone surrogate travels as the escape \ud800.
    body = json.dumps(data, ensure_ascii=True)

    response = lead_api.put(
        REPORT, body, content_type="application/json", HTTP_IF_MATCH=f'"{before[0]}"'
    )

    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert _snapshot(sample_report) == before


def test_a_refusal_is_in_the_readers_language(lead_api, sample_report):
    data = _json(sample_report)
    data["kpis"][0]["value"] = 150

    response = lead_api.put(
        REPORT,
        data,
        format="json",
        HTTP_IF_MATCH=f'"{sample_report.version}"',
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.json() == {"detail": "百分比应在 0 到 100 之间。", "field": "kpis[0].value"}


@pytest.mark.parametrize("case", list(REFUSED))
def test_the_json_reader_and_the_rows_writer_refuse_the_same(sample_report, case):
    field, change = REFUSED[case]
    data = json.loads(json.dumps(_json(sample_report)))
    change(data)

    with pytest.raises(JsonFormatError) as refused:
        document_from_json(data, team="payments", tz=TZ)

    assert refused.value.path == field
    # A caller that skips the reader (a script, a service) meets the same rule at the rows.
    doc = report_document(sample_report)
    doc.kpis[0].value = Decimal(150)
    with pytest.raises(rules.Invalid):
        services.report_save_document(team=sample_report.team, document=doc)
    assert report_document(sample_report).kpis[0].value == Decimal("99.98")


def test_the_api_takes_what_the_edit_page_saves(lead_client, lead_api, sample_report):
    """Titles up to the page's 500 characters, a line break pasted into a KPI note: the JSON
    of a week saved on the page goes back through the API, and through Markdown."""
    data = editor_data(lead_client.get(EDIT).context["editor"])
    data[f"item-{find_row(data, 'item', 'depth', '0')}-title"] = "长" * 480
    data[f"kpi-{find_row(data, 'kpi', 'name', '入金有效成功率')}-note"] = "第一行\r\n第二行"
    assert lead_client.post(EDIT, data).status_code == 302
    report = WeeklyReport.objects.get(pk=sample_report.pk)
    saved = report_document(report)
    assert saved.kpis[0].note == "第一行 第二行"

    response = lead_api.put(
        REPORT, _json(report), format="json", HTTP_IF_MATCH=f'"{report.version}"'
    )

    assert response.status_code == 200, response.content
    again = parse(render_markdown(saved), team="payments", tz=TZ)
    assert [(k.name, k.note) for k in again.kpis] == [(k.name, k.note) for k in saved.kpis]
    assert again.incidents.grouped() == saved.incidents.grouped()
    assert again.reflections == saved.reflections


def test_a_line_break_sent_in_a_one_line_field_comes_back_through_markdown(lead_api, sample_report):
    data = _json(sample_report)
    data["kpis"][0]["note"] = "接口写的\n两行说明"
    data["incidents"]["note"] = "C级一次\n另起一行"

    response = lead_api.put(REPORT, data, format="json", HTTP_IF_MATCH=f'"{sample_report.version}"')

    assert response.status_code == 200
    saved = report_document(WeeklyReport.objects.get(pk=sample_report.pk))
    again = parse(render_markdown(saved), team="payments", tz=TZ)
    assert len(again.kpis) == len(saved.kpis) == 3
    assert again.kpis[0].note == "接口写的 两行说明"
    assert again.incidents.grouped() == saved.incidents.grouped() == [("AB", 0), ("CD", 1)]
    assert again.incidents.note == "C级一次 另起一行"
    assert again.reflections == saved.reflections


def test_kpis_for_a_day_no_week_can_have_start_no_draft(lead_api, sample_report):
    count = WeeklyReport.objects.count()
    body = {"values": [{"name": "入金有效成功率", "value": "99.9"}]}

    response = lead_api.post("/api/v1/teams/payments/reports/0001-01-01/kpis/", body, format="json")

    assert response.status_code == 404
    assert WeeklyReport.objects.count() == count


def test_a_kpi_value_out_of_range_starts_no_draft(lead_api, sample_report):
    count = WeeklyReport.objects.count()
    body = {"values": [{"name": "入金有效成功率", "value": "150"}]}

    response = lead_api.post("/api/v1/teams/payments/reports/2023-05-27/kpis/", body, format="json")

    assert response.status_code == 400
    assert response.json()["field"] == "values[0].value"
    assert WeeklyReport.objects.count() == count


@pytest.mark.parametrize(
    "url",
    [
        "/weeks/9999-12-31/",
        "/weeks/0001-01-01/",
        "/teams/payments/0001-01-01/",
        "/teams/payments/0001-01-01/edit/",
        "/api/v1/teams/payments/reports/9999-12-31/",
        "/api/v1/teams/pay%00ments/",
        "/api/v1/teams/pay%00ments/reports/2023-05-20/",
    ],
)
def test_dates_and_slugs_no_page_can_have_are_404(lead_client, sample_report, url):
    assert lead_client.get(url).status_code == 404


# ---------------------------------------------------------------------------------------
# The importer and the edit page keep the same rules
# ---------------------------------------------------------------------------------------

IMPORT_REFUSED = {
    "week 0": SAMPLE_TEXT.replace("第21周", "第0周"),
    "a title longer than the page takes": SAMPLE_TEXT.replace(
        "- 新支付能力建设：", "- " + "长" * 501 + "："
    ),
    "a NUL byte": SAMPLE_TEXT.replace("# 本周收获与反思", "# 本周收获与反思\n\n空\x00字符"),
    "items nested too deep": SAMPLE_TEXT.replace(
        "# 本周收获与反思",
        "\n".join("    " * n + f"- 第{n}层" for n in range(8)) + "\n\n# 本周收获与反思",
        1,
    ).replace("## 【其他】", "## 【O9 深层】\n\n" + "\n".join("    " * n + f"- 第{n}层" for n in range(8)) + "\n\n## 【其他】"),
    "a note dated in another week": SAMPLE_TEXT.rstrip() + "\n\n### 2023-05-22 周一\n\n- 张三：下周的事\n",
}  # fmt: skip


@pytest.mark.parametrize("case", list(IMPORT_REFUSED))
def test_the_importer_refuses_naming_the_line(case):
    with pytest.raises(ReportFormatError) as refused:
        parse(IMPORT_REFUSED[case].encode(), team="payments", tz=TZ)

    assert refused.value.line > 0
    assert refused.value.message


@pytest.mark.parametrize("case", ["week 0", "a note dated in another week"])
def test_an_import_that_breaks_a_rule_saves_nothing(other_team, tmp_path, case):
    path = tmp_path / "2023-05-20.md"
    path.write_text(IMPORT_REFUSED[case], encoding="utf-8")

    with pytest.raises(CommandError):
        call_command("import_report", str(path), "--team", "lending", stderr=io.StringIO())

    assert not WeeklyReport.objects.filter(team=other_team).exists()


def test_the_edit_page_refuses_what_the_api_refuses_beside_the_field(lead_client, sample_report):
    data = editor_data(lead_client.get(EDIT).context["editor"])
    data["report-version"] = str(sample_report.version)
    data[f"kpi-{find_row(data, 'kpi', 'name', '入金有效成功率')}-value"] = "100.0001"
    data["evt-0-occurred_on"] = "2030-01-01"
    before = _snapshot(sample_report)

    response = lead_client.post(EDIT, data, HTTP_ACCEPT_LANGUAGE="zh-hans")

    editor = response.context["editor"]
    kpi_form = next(f for f in editor.kpis.forms if f["name"].value() == "入金有效成功率")
    assert kpi_form.errors["value"] == ["百分比应在 0 到 100 之间。"]
    assert editor.events.forms[0].errors["occurred_on"]
    assert _snapshot(sample_report) == before


@pytest.mark.parametrize("field", ["headline_text", "summary_text", "counts_text"])
def test_a_trackers_kept_lines_stay_one_line_even_when_posted_by_hand(
    lead_client, sample_report, field
):
    """The tracker's lines as the wiki had them are hidden fields, written back to the
    export: a crafted post with a line break must not put a heading into it."""
    data = editor_data(lead_client.get(EDIT).context["editor"])
    data["report-version"] = str(sample_report.version)
    name = next(k for k in data if k.endswith(f"-{field}") and data[k])
    data[name] = data[name] + "\n## 3. 生产事件"
    before = _snapshot(sample_report)

    response = lead_client.post(EDIT, data, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    assert "此字段只能写一行" in response.content.decode()
    assert _snapshot(sample_report) == before


def test_another_teams_row_in_the_settings_is_an_error_beside_it(
    lead_client, sample_team, other_team
):
    theirs = Objective.objects.create(team=other_team, code="X1", title="别组的目标")
    page = TeamSettings(sample_team)
    data = page_data([page.team_form, *page.formsets])
    data["objdef-0-id"] = str(theirs.pk)
    data["objdef-0-title"] = "改名"
    ours = list(Objective.objects.filter(team=sample_team).values_list("code", "title"))

    response = lead_client.post(reverse("reports:team_settings", args=["payments"]), data)

    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    theirs.refresh_from_db()
    assert (theirs.team, theirs.title) == (other_team, "别组的目标")
    assert list(Objective.objects.filter(team=sample_team).values_list("code", "title")) == ours


# ---------------------------------------------------------------------------------------
# Rows stored before the rules
# ---------------------------------------------------------------------------------------


@pytest.fixture
def stored_before_the_rules(sample_report):
    """The sample week with its first event's detection stored as the old API stored
    ``0001-01-01T00:00:00+14:00``: on PostgreSQL a time before year 1, which Python cannot
    hold; on SQLite (which older code could not give such a time) year 1."""
    event = StabilityEvent.objects.filter(report=sample_report).order_by("position").first()
    if connection.vendor == "postgresql":
        moment = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    else:
        moment = datetime(1, 1, 1, 12, tzinfo=UTC)
    StabilityEvent.objects.filter(pk=event.pk).update(detected_at=moment, recovered_at=None)
    return sample_report


PAGES = [
    reverse("reports:report_detail", args=["payments", "2023-05-20"]),
    EDIT,
    reverse("reports:report_markdown", args=["payments", "2023-05-20"]),
    REPORT,
    reverse("reports:week_rollup", args=["2023-05-20"]),
    reverse("reports:incident_log") + "?since=2023-01-01",
    reverse("exports:team_zip", args=["payments"]),
]


@pytest.mark.parametrize("url", PAGES)
def test_a_row_stored_before_the_rules_breaks_no_page(lead_client, stored_before_the_rules, url):
    response = lead_client.get(url)

    assert response.status_code == 200
    if url in PAGES[:2]:  # the report page and its edit page mark the value as invalid
        assert "events[0].detected_at" in response.content.decode()


def test_the_bulk_export_reads_a_row_stored_before_the_rules(stored_before_the_rules, tmp_path):
    call_command("export_weeks", "--team", "payments", "--out", str(tmp_path / "a.zip"))

    names = zipfile.ZipFile(io.BytesIO((tmp_path / "a.zip").read_bytes())).namelist()
    assert names == ["payments/2023-05-20.md"]


def test_the_api_lists_the_invalid_value_among_the_warnings(lead_api, stored_before_the_rules):
    warnings = lead_api.get(REPORT).json()["warnings"]

    assert any(
        w["code"] == "invalid_value" and "events[0].detected_at" in w["message"] for w in warnings
    )


def test_the_edit_page_repairs_a_row_stored_before_the_rules(lead_client, stored_before_the_rules):
    data = editor_data(lead_client.get(EDIT).context["editor"])
    data["report-version"] = str(stored_before_the_rules.version)
    data["evt-0-detected_time"] = "07:38"

    response = lead_client.post(EDIT, data)

    assert response.status_code == 302
    event = StabilityEvent.objects.filter(report=stored_before_the_rules).order_by("position")[0]
    assert event.detected_at.astimezone(TZ).replace(tzinfo=None) == datetime(2023, 5, 15, 7, 38)
    assert not list(rules.problems(report_document(stored_before_the_rules)))


def test_the_rows_writer_refuses_what_the_rules_refuse_before_writing(sample_team):
    doc = sample_document()
    doc.report_date = doc.report_date + timedelta(weeks=1)
    doc.objectives[0].items[0].title = "x\x00y"
    count = WeeklyReport.objects.count()

    with pytest.raises(rules.Invalid) as refused:
        services.report_save_document(
            team=sample_team, document=doc, rows=rows.TeamRows(sample_team)
        )

    assert refused.value.problem.path == "objectives[0].items[0].title"
    assert WeeklyReport.objects.count() == count
