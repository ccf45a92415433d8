"""``manage.py export_report``: one week or all weeks, as Markdown or JSON."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reports.document.jsonformat import render_json
from reports.document.renderer import render_markdown
from reports.files import export_text
from reports.selectors import report_document
from tests.factories import TZ, import_sample, sample_document

pytestmark = pytest.mark.django_db

DOCUMENTED_KEYS = {
    "team",
    "week_number",
    "report_date",
    "status",
    "kpis",
    "incidents",
    "objectives",
    "migrations",
    "events",
    "other",
    "reflections",
    "next_week",
    "daily",
    "daily_notes",
    "plan_review",
    "warnings",
}


def _export(*args: str) -> str:
    out = StringIO()
    call_command("export_report", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def second_report(sample_team):
    later = sample_document()
    later.report_date, later.week_number = date(2023, 5, 27), 22
    return import_sample(sample_team, document=later)


def test_one_week_to_stdout_is_the_renderer_output(sample_report):
    text = _export("--team=payments", "--date=2023-05-20")

    assert text == render_markdown(report_document(sample_report))
    assert text.startswith("# 第21周 2023-05-20\n")


def test_one_week_as_json(sample_report):
    data = json.loads(_export("--team=payments", "--date=2023-05-20", "--format=json"))

    assert data.keys() >= DOCUMENTED_KEYS
    assert data == render_json(report_document(sample_report))
    assert data["report_date"] == "2023-05-20"


def test_one_week_to_file(sample_report, tmp_path):
    out = tmp_path / "nested" / "week.md"

    _export("--team=payments", "--date=2023-05-20", "--out", str(out))

    assert out.read_text(encoding="utf-8") == export_text(sample_report)


def test_all_weeks_to_directory(sample_report, second_report, tmp_path):
    stdout = _export("--team=payments", "--all", "--out", str(tmp_path / "out"))

    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["payments-2023-05-20.md", "payments-2023-05-27.md"]
    for report in (sample_report, second_report):
        written = tmp_path / "out" / f"payments-{report.report_date.isoformat()}.md"
        assert written.read_text(encoding="utf-8") == export_text(report)
    assert "Wrote 2 file(s)" in stdout


def test_all_weeks_as_json_to_directory(sample_report, second_report, tmp_path):
    _export("--team=payments", "--all", "--format=json", "--out", str(tmp_path))

    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["payments-2023-05-20.json", "payments-2023-05-27.json"]
    data = json.loads((tmp_path / "payments-2023-05-27.json").read_text(encoding="utf-8"))
    assert (data["week_number"], data["report_date"]) == (22, "2023-05-27")


def test_unknown_team_is_an_error(sample_team):
    with pytest.raises(CommandError, match="No team 'nosuchteam'"):
        _export("--team=nosuchteam", "--date=2023-05-20")


def test_missing_week_is_an_error(sample_team):
    with pytest.raises(CommandError, match="payments has no report for 2023-05-27"):
        _export("--team=payments", "--date=2023-05-27")


def test_malformed_date_is_an_error(sample_team):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _export("--team=payments", "--date=2023-02-30")


def test_with_charts_writes_the_svgs_beside_the_markdown_and_links_them(sample_report, tmp_path):
    from reports.document.importer import parse

    out = tmp_path / "wiki" / "payments-2023-05-20.md"

    _export("--team=payments", "--date=2023-05-20", "--with-charts", "--out", str(out))

    text = out.read_text(encoding="utf-8")
    svgs = sorted((tmp_path / "wiki" / "payments-2023-05-20-charts").glob("*.svg"))
    assert [p.name for p in svgs] == [
        "chart-1.svg",
        "chart-2.svg",
        "chart-3.svg",
        "chart-4.svg",
        "chart-5.svg",
    ]
    assert "![入金有效成功率](payments-2023-05-20-charts/chart-1.svg)" in text
    assert "W21 05-20 · 入金有效成功率: 99.98%" in svgs[0].read_text(encoding="utf-8")
    # Without the image lines it is the ordinary export, and it still imports.
    plain = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("!["))
    assert plain.replace("\n\n\n", "\n\n") == export_text(sample_report)
    assert parse(text, team="payments", tz=TZ).kpi_notes.count("![") == 5


def test_with_charts_needs_a_place_to_write(sample_report):
    with pytest.raises(CommandError, match="--out"):
        _export("--team=payments", "--date=2023-05-20", "--with-charts")
