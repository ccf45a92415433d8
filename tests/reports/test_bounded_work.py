"""Bounded work: how much text a week may hold, checked at every door before anything is
rendered; Markdown that cannot take long or crash; a save that formats nothing while it
holds the report's row lock. The time each pathological input takes is a figure of
``make bench`` (bench part ``bounded``), not an assertion here."""

from __future__ import annotations

from collections import OrderedDict
from io import StringIO

import markdown
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import markup
from core.markup import markdown_to_html
from reports import selectors, services
from reports.document import changes, limits
from reports.models import Team, WeeklyReport
from tests.factories import SAMPLE
from tests.forms_data import editor_data

pytestmark = pytest.mark.django_db

EDIT_URL = reverse("reports:report_edit", args=["payments", "2023-05-20"])
PREVIEW_URL = reverse("reports:markdown_preview")
REPORTS_API = "/api/v1/teams/payments/reports/"


def _stored(report: WeeklyReport) -> tuple:
    report.refresh_from_db()
    return report.version, report.other, report.revisions.count(), WeeklyReport.objects.count()


# -- Markdown that cannot take long or crash ----------------------------------------------


def test_a_deep_nesting_is_shown_as_typed_not_a_recursion_error():
    text = "- " * 600 + "最里层"

    html = markdown_to_html(text)

    assert html == f"<p>{text.strip()}</p>"


def test_a_text_past_its_time_budget_is_shown_as_typed_and_escaped():
    text = "第一段 [链接 <b>\n\n第二段 & ![图"

    html = markdown_to_html(text, budget=0)

    assert html == "<p>第一段 [链接 &lt;b&gt;</p>\n<p>第二段 &amp; ![图</p>"


def test_ordinary_markdown_renders_as_it_always_has():
    text = (
        "本周**完成**对账，见 [说明](https://example.com)。\n\n1. 一\n2. 二\n\n|a|b|\n|-|-|\n|1|2|"
    )

    html = markdown_to_html(text)

    assert html == (
        '<p>本周<strong>完成</strong>对账，见 <a href="https://example.com" '
        'rel="noopener noreferrer nofollow">说明</a>。</p>\n<ol>\n<li>一</li>\n<li>二</li>\n'
        "</ol>\n<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n"
        "<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>"
    )


def test_a_text_cut_off_is_not_kept_as_typed_and_formats_when_given_time():
    text = "先 **加粗** 后 [链接](https://example.com)"

    cut_off = markdown_to_html(text, budget=0)
    formatted = markdown_to_html(text)

    assert cut_off.startswith("<p>先 **加粗**")
    assert formatted.startswith("<p>先 <strong>加粗</strong>")


def test_a_text_formatted_again_is_taken_from_those_kept(monkeypatch):
    text = "- 一\n- 二\n\n今天**完成**"
    first = markdown_to_html(text)
    formatted = []
    real = markup._formatted
    monkeypatch.setattr(markup, "_formatted", lambda *a: formatted.append(a) or real(*a))

    again = markdown_to_html(text)
    other = markdown_to_html(text + "。")

    assert again == first
    assert [a[0] for a in formatted] == [text + "。"]
    assert other == first.replace("</strong></p>", "</strong>。</p>")


def test_the_kept_texts_are_bounded_in_number_and_length(monkeypatch):
    monkeypatch.setattr(markup, "KEPT_TEXTS", 3)
    monkeypatch.setattr(markup, "_kept", OrderedDict())
    long = "长" * (markup.KEPT_CHARS + 1)

    for n in range(5):
        markdown_to_html(f"第{n}段")
    markdown_to_html(long)

    assert list(markup._kept) == ["第2段", "第3段", "第4段"]


def test_a_short_text_that_formats_into_much_html_is_not_kept(monkeypatch):
    monkeypatch.setattr(markup, "_kept", OrderedDict())
    reference = "[r]: https://example.com/" + "a" * 2000 + "\n\n"
    text = reference + "[x][r]" * 900

    html = markdown_to_html(text)

    assert len(text) <= markup.KEPT_CHARS < markup.KEPT_HTML < len(html)
    assert list(markup._kept) == []


def test_the_converter_works_again_after_a_text_was_cut_off():
    markdown_to_html("- " * 600 + "x")

    assert markdown_to_html("- a\n- b") == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"


# -- The preview ----------------------------------------------------------------------------


def test_the_preview_refuses_a_text_longer_than_a_field_takes(member_client):
    response = member_client.post(PREVIEW_URL, {"text": "[" * (limits.TEXT_LIMIT + 1)})

    assert response.status_code == 400
    assert response.json()["field"] == "text"
    assert str(limits.TEXT_LIMIT) in response.json()["error"]


def test_the_preview_answers_the_longest_pathological_text(member_client):
    response = member_client.post(PREVIEW_URL, {"text": "![" * (limits.TEXT_LIMIT // 2)})

    assert response.status_code == 200
    assert response.json()["html"].startswith("<p>![![![")


# -- The edit form --------------------------------------------------------------------------


def test_the_form_refuses_a_section_over_the_limit_beside_it(lead_client, sample_report):
    before = _stored(sample_report)
    data = editor_data(lead_client.get(EDIT_URL).context["editor"])
    data["report-other"] = "长" * (limits.TEXT_LIMIT + 1)

    response = lead_client.post(EDIT_URL, data)

    assert response.status_code == 200
    assert str(limits.TEXT_LIMIT) in " ".join(response.context["editor"].report.errors["other"])
    assert _stored(sample_report) == before


# -- The API --------------------------------------------------------------------------------


@pytest.fixture
def lead_api(lead):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=lead).key}")
    return client


def _week(**fields) -> dict:
    return {"report_date": "2023-05-27", "week_number": 22, **fields}


def test_the_api_refuses_a_long_text_naming_its_field(lead_api, sample_report):
    before = _stored(sample_report)
    body = _week(objectives=[{"code": "O1", "items": [{"title": "对账", "body": "[" * 20_001}]}])

    response = lead_api.post(REPORTS_API, body, format="json")

    assert response.status_code == 400
    assert response.json()["field"] == "objectives[0].items[0].body"
    assert _stored(sample_report) == before


def test_the_api_refuses_a_week_over_its_total(lead_api, sample_report):
    before = _stored(sample_report)
    sections = {name: "周" * limits.TEXT_LIMIT for name in ("other", "reflections", "next_week")}
    notes = [{"code": f"O{n}", "notes": "记" * limits.TEXT_LIMIT} for n in range(8)]

    response = lead_api.post(REPORTS_API, _week(**sections, objectives=notes), format="json")

    assert response.status_code == 400
    assert response.json()["field"] == "(document)"
    assert str(limits.WEEK_LIMIT) in response.json()["detail"]
    assert _stored(sample_report) == before


# -- Imports ----------------------------------------------------------------------------------


def test_an_import_file_over_the_limit_is_refused_unread(tmp_path):
    huge = tmp_path / "huge.md"
    with huge.open("wb") as file:
        file.write(SAMPLE.read_bytes())
        file.truncate(50_000_000)  # sparse: 50 MB that take no disk
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError):
        call_command("import_report", str(huge), team="newteam", stdout=out, stderr=err)

    assert f"{limits.FILE_LIMIT}" in err.getvalue()
    assert "50000000" in err.getvalue()
    assert WeeklyReport.objects.count() == 0
    assert not Team.objects.filter(slug="newteam").exists()


def test_an_imported_section_over_the_limit_names_its_line(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8").replace(
        "# 本周收获与反思\n", "# 本周收获与反思\n\n" + "收" * (limits.TEXT_LIMIT + 1) + "\n"
    )
    path = tmp_path / "long.md"
    path.write_text(text, encoding="utf-8")
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError):
        call_command("import_report", str(path), team="newteam", stdout=out, stderr=err)

    assert str(limits.TEXT_LIMIT) in err.getvalue()
    assert WeeklyReport.objects.count() == 0


# -- Nothing slow under the row lock ------------------------------------------------------------


def _conversions_and_lock(monkeypatch, save):
    """Run ``save``; return (Markdown conversions before the report's row was locked, those
    after). The real converter runs; its calls are recorded in order with the queries."""
    events: list[str] = []
    convert = markdown.Markdown.convert

    def recorded_convert(self, source):
        events.append("convert")
        return convert(self, source)

    def record_query(execute, sql, params, many, context):
        locks = "FOR UPDATE" in sql if connection.features.has_select_for_update else True
        if locks and 'FROM "reports_weeklyreport"' in sql:
            events.append("lock")
        return execute(sql, params, many, context)

    monkeypatch.setattr(markdown.Markdown, "convert", recorded_convert)
    with connection.execute_wrapper(record_query):
        save()
    assert "lock" in events
    first_lock = events.index("lock")
    return events[:first_lock].count("convert"), events[first_lock:].count("convert")


def test_a_save_formats_its_markdown_before_it_takes_the_row_lock(monkeypatch, sample_report, lead):
    doc = selectors.report_document(sample_report)
    doc.other = "**新的**其他事项"
    doc.objectives[0].items[0].body = "进展：*已投产*"

    before, under_lock = _conversions_and_lock(
        monkeypatch,
        lambda: services.report_update(
            report=sample_report, document=doc, author=lead, expected_version=1
        ),
    )

    assert before >= 2
    assert under_lock == 0
    sample_report.refresh_from_db()
    assert sample_report.other_html == "<p><strong>新的</strong>其他事项</p>"


def test_publishing_formats_nothing_under_the_row_lock(monkeypatch, sample_report, lead):
    _before, under_lock = _conversions_and_lock(
        monkeypatch, lambda: services.report_publish(report=sample_report, by=lead)
    )

    assert under_lock == 0


# -- Line counts of a revision, taken under the lock ----------------------------------------------


def test_line_counts_of_repetitive_texts_are_bounded_and_still_right(monkeypatch):
    monkeypatch.setattr(changes, "DIFF_PAIRS", 100)
    before = "标题\n" + "- 同\n" * 50 + "结尾\n"
    after = "标题\n" + "- 同\n" * 49 + "- 新\n" * 3 + "结尾\n"

    assert changes.line_counts(before, after) == (3, 1)
    assert changes.line_counts("- 同\n" * 50, "- 异\n" * 50) == (50, 50)


def test_a_bounded_diff_covers_both_texts_in_order(monkeypatch):
    monkeypatch.setattr(changes, "DIFF_PAIRS", 10)
    a = ["x"] * 30 + ["a", "b"] + ["y"] * 20
    b = ["x"] * 30 + ["c"] * 15 + ["y"] * 20

    ops = changes._BoundedMatcher(a, b).get_opcodes()

    assert ops[0][1:] == (0, 30, 0, 30) and ops[-1][2] == len(a) and ops[-1][4] == len(b)
    assert all(x[2] == y[1] and x[4] == y[3] for x, y in zip(ops, ops[1:], strict=False))
