"""A published week is locked at every door: a save of another week through the API,
the edit form or an import never changes it, nor do its daily notes move; an import
into it is refused unless told to reopen it (issue 15, class 6)."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reports import document as d
from reports import services
from reports.document.jsonformat import render_json
from reports.files import export_text
from reports.models import DailyNote, ReportRevision, WeeklyReport
from reports.selectors import report_document
from tests.factories import SAMPLE, save_week

pytestmark = pytest.mark.django_db

# The next report, dated three days after the published sample (a team that moved its
# report day): its week, 2023-05-17 … 2023-05-23, shares four days with the sample's,
# 2023-05-14 … 2023-05-20, which is published below.
NEXT_DATE = date(2023, 5, 23)
DAY_IN_PUBLISHED_WEEK = date(2023, 5, 18)
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
NOTES_LOCKED = "这一天所在周的周报已发布；如需修改日报，请先重新打开周报。"


@pytest.fixture
def published(sample_report):
    """The sample week, published, with one note of its own."""
    DailyNote.objects.create(
        team=sample_report.team, day=DAY_IN_PUBLISHED_WEEK, author_name="赵六", text="巡检对账"
    )
    return services.report_publish(report=sample_report)


@pytest.fixture
def draft(published):
    """Week 22, a draft (NEXT_DATE)."""
    return save_week(published.team, NEXT_DATE, 22)


def _state(report: WeeklyReport) -> tuple:
    """What a reader of the week sees, and its record."""
    report.refresh_from_db()
    return (
        export_text(report),
        report.status,
        report.version,
        ReportRevision.objects.filter(report=report).count(),
        DailyNote.objects.count(),
    )


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _json(report) -> dict:
    return json.loads(json.dumps(render_json(report_document(report)), ensure_ascii=False))


def _note_for_the_published_week(data: dict) -> dict:
    data["daily_notes"] = [
        {"day": "2023-05-22", "author": "钱七", "text": "本周的笔记"},
        {"day": DAY_IN_PUBLISHED_WEEK.isoformat(), "author": "钱七", "text": "补到上周的笔记"},
    ]
    return data


# -- the API ----------------------------------------------------------------------------


def test_a_put_to_a_draft_cannot_add_a_note_to_the_published_week(lead, published, draft):
    before, draft_before = _state(published), _state(draft)

    response = _api(lead).put(
        "/api/v1/teams/payments/reports/2023-05-23/",
        _note_for_the_published_week(_json(draft)),
        format="json",
        HTTP_IF_MATCH=f'"{draft.version}"',
    )

    assert response.status_code == 400
    assert response.json() == {"detail": NOTES_LOCKED, "field": "daily_notes[1].day"}
    assert _state(published) == before
    assert _state(draft) == draft_before
    assert not DailyNote.objects.filter(author_name="钱七").exists()


def test_a_post_of_a_new_week_cannot_add_a_note_to_the_published_week(lead, published):
    before, reports = _state(published), WeeklyReport.objects.count()
    data = _json(published)
    data.update(report_date="2023-05-23", week_number=22, status="draft")

    response = _api(lead).post(
        "/api/v1/teams/payments/reports/", _note_for_the_published_week(data), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": NOTES_LOCKED, "field": "daily_notes[1].day"}
    assert _state(published) == before
    assert WeeklyReport.objects.count() == reports


# -- the services every door goes through ---------------------------------------------


def test_a_note_cannot_be_written_or_deleted_in_a_published_week(published):
    before = _state(published)
    note = DailyNote.objects.get()

    with pytest.raises(services.NotesLocked):
        services.daily_note_create(
            team=published.team, author=None, day=DAY_IN_PUBLISHED_WEEK, text="迟到的笔记"
        )
    with pytest.raises(services.NotesLocked):
        services.daily_note_delete(note=note)

    assert _state(published) == before
    assert DailyNote.objects.filter(pk=note.pk).exists()


def test_a_save_of_another_week_cannot_add_a_note_to_the_published_week(published, draft):
    """Whatever a door's own rules let through, the save refuses a note that would
    change a published week, and saves nothing of the document."""
    before, draft_before = _state(published), _state(draft)
    document = report_document(draft)
    document.daily_notes.append(d.DailyNote(day=DAY_IN_PUBLISHED_WEEK, author="钱七", text="补记"))

    with pytest.raises(services.NotesLocked) as excinfo:
        services.report_save_document(team=draft.team, document=document)

    added = len(document.daily_notes) - 1
    assert (excinfo.value.day, excinfo.value.index) == (DAY_IN_PUBLISHED_WEEK, added)
    assert _state(published) == before
    assert _state(draft) == draft_before


def test_a_note_the_published_week_already_has_is_no_change(published, draft):
    """The draft's document carries the notes of its week, some of them shown in the
    published week too: saving it again changes neither."""
    before = _state(published)
    document = report_document(draft)
    assert [n.author for n in document.daily_notes] == ["赵六"]
    document.other = "改了其他"

    services.report_save_document(team=draft.team, document=document)

    assert _state(published) == before
    assert report_document(WeeklyReport.objects.get(pk=draft.pk)).other == "改了其他"


def test_a_published_week_is_not_saved_over_by_any_caller(published):
    before = _state(published)
    document = report_document(published)
    document.other = "未经重新打开的修改"

    with pytest.raises(services.ReportLocked):
        services.report_save_document(team=published.team, document=document)

    assert _state(published) == before


# -- import_report ----------------------------------------------------------------------


def _import(path, *flags):
    out, err = StringIO(), StringIO()
    call_command("import_report", str(path), *flags, team="payments", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def edited_sample(tmp_path):
    path = tmp_path / "2023-05-20.md"
    path.write_text(SAMPLE_TEXT.replace("# 日报合集", "# 其他\n\n导入时补充的一句话\n\n# 日报合集"))
    return path


@pytest.mark.parametrize("flags", [(), ("--publish",)])
def test_an_import_into_a_published_week_is_refused_without_reopen(published, edited_sample, flags):
    before = _state(published)

    with pytest.raises(CommandError):
        _import(edited_sample, *flags)

    assert _state(published) == before
    assert "导入时补充的一句话" not in before[0]


def test_the_refusal_says_how_to_replace_the_week(published, edited_sample):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_report", str(edited_sample), team="payments", stdout=StringIO(), stderr=err
        )

    assert str(edited_sample) in err.getvalue()
    assert "--reopen" in err.getvalue()


def test_reopen_reopens_then_replaces_the_week_with_both_in_its_history(published, edited_sample):
    revisions = published.revisions.count()

    _import(edited_sample, "--reopen")

    report = WeeklyReport.objects.get(pk=published.pk)
    assert report.status == "draft"
    assert "导入时补充的一句话" in export_text(report)
    actions = list(report.revisions.values_list("action", flat=True)[:2])
    assert actions == ["imported", "reopened"]  # newest first
    assert report.revisions.count() == revisions + 2


def test_reopen_with_publish_leaves_the_week_published(published, edited_sample):
    _import(edited_sample, "--reopen", "--publish")

    report = WeeklyReport.objects.get(pk=published.pk)
    assert report.status == "published"
    assert "导入时补充的一句话" in export_text(report)


def test_an_import_of_the_next_week_cannot_add_notes_to_the_published_one(published, tmp_path):
    before = _state(published)
    path = tmp_path / "2023-05-23.md"
    path.write_text(
        SAMPLE_TEXT.replace("第21周 2023-05-20", "第22周 2023-05-23").replace(
            "第21周 2023/05/20", "第22周 2023/05/23"
        )
        + f"\n### {DAY_IN_PUBLISHED_WEEK.isoformat()} 周四\n\n- 孙八：补到上周的笔记\n",
        encoding="utf-8",
    )
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_report", str(path), team="payments", stdout=StringIO(), stderr=err)

    assert _state(published) == before
    assert not WeeklyReport.objects.filter(report_date=NEXT_DATE).exists()
    assert DAY_IN_PUBLISHED_WEEK.isoformat() in err.getvalue()
