"""``import_report`` of many files: each file succeeds or fails alone, whatever goes wrong
in it, and the batch says which (issue 15, class 8)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from metrics.models import KpiValue
from reports.document.renderer import render_markdown
from reports.management.commands import import_report
from reports.models import ItemUpdate, ReportRevision, Team, WeeklyReport
from reports.selectors import report_document
from tests.factories import SAMPLE

pytestmark = pytest.mark.django_db

SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
NESTING = 2000


def _week(number: int, day: str) -> str:
    """The sample as another week's file."""
    return SAMPLE_TEXT.replace("第21周 2023-05-20", f"第{number}周 {day}").replace(
        "第21周 2023/05/20", f"第{number}周 {day.replace('-', '/')}"
    )


def _deeply_nested() -> str:
    items = "\n".join("  " * depth + f"- 第{depth}层" for depth in range(NESTING))
    return SAMPLE_TEXT.replace("# 日报合集", f"# 其他\n\n{items}\n\n# 日报合集")


# Files that made the importer or the save raise something other than a format error.
BAD_FILES = {
    "nul": SAMPLE_TEXT.replace("# 日报合集", "# 其他\n\n夹带\x00空字符\n\n# 日报合集").encode(),
    "year-1": _week(1, "0001-01-01").encode(),
    "year-9999": _week(52, "9999-12-31").encode(),
    "nesting": _deeply_nested().encode(),
    "undecodable": SAMPLE_TEXT.encode()[:200] + b"\xff\xfe\x80" + SAMPLE_TEXT.encode()[200:],
}


def _run(*paths, team="newteam", **options):
    out, err = StringIO(), StringIO()
    call_command(
        "import_report", *[str(p) for p in paths], team=team, stdout=out, stderr=err, **options
    )
    return out.getvalue(), err.getvalue()


def _run_failing(*paths, team="newteam"):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_report", *[str(p) for p in paths], team=team, stdout=out, stderr=err)
    return str(excinfo.value), out.getvalue(), err.getvalue()


@pytest.fixture
def next_week(tmp_path):
    path = tmp_path / "2023-05-27.md"
    path.write_text(_week(22, "2023-05-27"), encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_fails_alone_and_the_good_ones_import(tmp_path, next_week, kind):
    bad = tmp_path / f"{kind}.md"
    bad.write_bytes(BAD_FILES[kind])

    error, out, err = _run_failing(SAMPLE, bad, next_week)

    assert "3 个文件中有 1 个无法导入" in error
    [line] = err.strip().splitlines()
    assert line.startswith(f"{bad}: ")
    dates = sorted(r.report_date.isoformat() for r in WeeklyReport.objects.all())
    assert dates == ["2023-05-20", "2023-05-27"]
    for report in WeeklyReport.objects.all():
        assert KpiValue.objects.filter(report=report).count() == 3
        assert ItemUpdate.objects.filter(report=report).count() == 28
    assert "第21周（2023-05-20）已导入" in out
    assert "第22周（2023-05-27）已导入" in out


def test_whatever_the_importer_raises_is_that_files_alone(monkeypatch, tmp_path, next_week):
    """An error no one foresaw in the importer (here a KeyError) is reported beside its
    file, with its kind, and the rest of the batch is saved."""
    real = import_report.read_markdown
    odd = tmp_path / "odd.md"
    odd.write_text(SAMPLE_TEXT, encoding="utf-8")

    def read_markdown(team, data, **kwargs):
        if data == odd.read_bytes():
            raise KeyError("没想到的键")
        return real(team, data, **kwargs)

    monkeypatch.setattr(import_report, "read_markdown", read_markdown)

    error, _out, err = _run_failing(odd, next_week)

    assert "2 个文件中有 1 个" in error
    assert f"{odd}: " in err and "KeyError" in err
    assert [r.week_number for r in WeeklyReport.objects.all()] == [22]


def test_an_import_that_saves_nothing_creates_no_team(tmp_path):
    bad = tmp_path / "year-1.md"
    bad.write_bytes(BAD_FILES["year-1"])
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")

    error, out, _err = _run_failing(bad, empty)

    assert "2 个文件中有 2 个" in error
    assert not Team.objects.filter(slug="newteam").exists()
    assert "newteam" not in out


def test_the_team_is_created_with_its_first_saved_week(tmp_path, next_week):
    bad = tmp_path / "empty.md"
    bad.write_bytes(b"")

    _error, out, _err = _run_failing(bad, next_week)

    team = Team.objects.get(slug="newteam")
    assert "已创建团队 newteam" in out
    assert [r.report_date.isoformat() for r in team.reports.all()] == ["2023-05-27"]


def test_two_files_of_one_week_are_an_error_not_a_silent_win(tmp_path):
    first = tmp_path / "a.md"
    first.write_text(SAMPLE_TEXT.replace("# 日报合集", "# 其他\n\n第一份\n\n# 日报合集"))
    second = tmp_path / "b.md"
    second.write_text(SAMPLE_TEXT.replace("# 日报合集", "# 其他\n\n第二份\n\n# 日报合集"))

    error, out, err = _run_failing(first, second)

    assert "2 个文件中有 1 个" in error
    [line] = err.strip().splitlines()
    assert line.startswith(f"{second}: ") and str(first) in line
    report = WeeklyReport.objects.get()
    written = render_markdown(report_document(report))
    assert "第一份" in written and "第二份" not in written
    assert ReportRevision.objects.filter(report=report).count() == 1
    assert out.count("已导入") == 1


def test_a_clean_batch_still_exits_zero(next_week):
    out, err = _run(SAMPLE, next_week)

    assert WeeklyReport.objects.count() == 2
    assert err == ""


@pytest.mark.parametrize("slug", ["bad slug", "a/b", "pay%00", "中文", "x" * 51])
def test_a_team_is_created_only_with_a_slug_its_pages_can_have(slug):
    with pytest.raises(CommandError, match="--team"):
        call_command("import_report", str(SAMPLE), team=slug)

    assert not Team.objects.exists()
