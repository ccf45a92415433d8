"""``manage.py import_report``: files in, weeks saved; a bad file saves nothing of itself."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.models import KpiValue
from reports import rows
from reports.document.importer import ReportFormatError
from reports.models import ItemUpdate, Objective, StabilityEvent, Team, WeeklyReport
from tests.factories import SAMPLE

pytestmark = pytest.mark.django_db

SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
COUNTS_LINE = "可下线5个，已完成22个，推进中8个（进度90%的8个），未启动1个。"


def _import(*paths, team="newteam"):
    out, err = StringIO(), StringIO()
    call_command("import_report", *[str(p) for p in paths], team=team, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _import_failing(*paths, team="newteam"):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_report", *[str(p) for p in paths], team=team, stdout=out, stderr=err)
    return excinfo.value, err.getvalue()


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def _row_counts(report) -> tuple[int, int, int]:
    return (
        KpiValue.objects.filter(report=report).count(),
        ItemUpdate.objects.filter(report=report).count(),
        StabilityEvent.objects.filter(report=report).count(),
    )


@pytest.fixture
def later_week(tmp_path):
    """The sample moved to week 22 (2023-05-27), in its own file."""
    path = tmp_path / "2023-05-27.md"
    text = SAMPLE_TEXT.replace("第21周 2023-05-20", "第22周 2023-05-27").replace(
        "第21周 2023/05/20", "第22周 2023/05/27"
    )
    path.write_text(text, encoding="utf-8")
    return path


def test_import_creates_team_and_report():
    out, err = _import(SAMPLE)

    team = Team.objects.get(slug="newteam")
    report = WeeklyReport.objects.get(team=team)
    assert (report.week_number, report.report_date.isoformat()) == (21, "2023-05-20")
    assert _row_counts(report) == (3, 28, 3)
    assert "已创建团队 newteam" in out
    assert "第21周（2023-05-20）已导入" in out
    assert err == ""


def test_import_again_updates_in_place():
    _import(SAMPLE)
    report = WeeklyReport.objects.get()
    first_counts = _row_counts(report)

    out, _ = _import(SAMPLE)

    again = WeeklyReport.objects.get()
    assert again.pk == report.pk
    assert again.version == 2
    assert _row_counts(again) == first_counts
    assert KpiValue.objects.count() == first_counts[0]
    assert ItemUpdate.objects.count() == first_counts[1]
    assert StabilityEvent.objects.count() == first_counts[2]
    assert "Created team" not in out


def test_malformed_title_is_rejected_and_good_file_imported(tmp_path):
    bad = tmp_path / "bad-title.md"
    bad.write_text(SAMPLE_TEXT.replace("# 第21周 2023-05-20", "# hello", 1), encoding="utf-8")

    error, err = _import_failing(bad, SAMPLE)

    assert "2 个文件中有 1 个无法导入" in str(error)
    assert str(bad) in err
    assert "第1行" in err
    assert WeeklyReport.objects.filter(team__slug="newteam").count() == 1
    assert WeeklyReport.objects.get().report_date.isoformat() == "2023-05-20"


def test_malformed_counts_line_saves_nothing_of_that_file(tmp_path, later_week):
    bad = tmp_path / "bad-counts.md"
    bad_text = later_week.read_text(encoding="utf-8").replace(COUNTS_LINE, "可下线x个")
    bad.write_text(bad_text, encoding="utf-8")

    error, err = _import_failing(bad, SAMPLE)

    assert "2 个文件中有 1 个" in str(error)
    [message] = err.strip().splitlines()
    assert message.startswith(f"{bad}: ")
    assert f"第{_line_of(bad_text, '可下线x个')}行" in message
    assert "可下线x个" in message
    assert [r.report_date.isoformat() for r in WeeklyReport.objects.all()] == ["2023-05-20"]


def test_non_utf8_file_is_rejected(tmp_path):
    gbk = tmp_path / "gbk.md"
    gbk.write_bytes(SAMPLE_TEXT.encode("gb18030"))

    error, err = _import_failing(gbk)

    assert "1 个文件中有 1 个" in str(error)
    assert str(gbk) in err
    assert "UTF-8" in err
    assert not WeeklyReport.objects.exists()


def test_missing_file_is_rejected(tmp_path):
    error, err = _import_failing(tmp_path / "nope.md", SAMPLE)

    assert "2 个文件中有 1 个" in str(error)
    assert "nope.md" in err
    assert WeeklyReport.objects.count() == 1


def test_publish_marks_week_published():
    call_command("import_report", str(SAMPLE), team="newteam", publish=True, stdout=StringIO())

    report = WeeklyReport.objects.get()
    assert report.status == "published"
    assert report.published_at is not None


def test_team_rows_are_read_once_for_a_group_of_files(tmp_path, later_week):
    """Objectives, items and KPI definitions are looked up once per transaction of files,
    not once a week (an import of ten years reads them a few dozen times, not 520)."""
    third = tmp_path / "2023-06-03.md"
    third.write_text(
        later_week.read_text(encoding="utf-8")
        .replace("第22周 2023-05-27", "第23周 2023-06-03")
        .replace("第22周 2023/05/27", "第23周 2023/06/03"),
        encoding="utf-8",
    )
    with CaptureQueriesContext(connection) as queries:
        _import(SAMPLE, later_week, third)

    def reads_of(table: str) -> int:
        return sum(q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"] for q in queries)

    assert WeeklyReport.objects.count() == 3
    assert reads_of("reports_objective") == 1
    assert reads_of("reports_projectitem") == 1
    assert reads_of("metrics_kpidefinition") == 1
    assert reads_of("metrics_migrationcategory") == 1


def test_a_file_whose_save_fails_leaves_no_rows_behind_for_the_next(monkeypatch, later_week):
    """The first file creates the team's objectives and items, then fails while saving:
    its savepoint rolls them back, and the next file creates them again rather than
    pointing at rows that are gone."""
    real = rows._save_events

    def failing_for_week_22(report, events):
        real(report, events)
        if report.week_number == 22:
            raise ReportFormatError(1, "a save that fails late")

    monkeypatch.setattr(rows, "_save_events", failing_for_week_22)

    error, err = _import_failing(later_week, SAMPLE)

    assert "2 个文件中有 1 个" in str(error)
    assert "a save that fails late" in err
    report = WeeklyReport.objects.get()
    assert report.week_number == 21
    assert _row_counts(report) == (3, 28, 3)
    assert Objective.objects.filter(team=report.team).count() == 3
    assert not ItemUpdate.objects.exclude(item__team=report.team).exists()
