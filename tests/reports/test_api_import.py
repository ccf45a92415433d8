"""POST /api/v1/teams/<slug>/imports/: a week written in Markdown, sent as the body or as a
multipart file, saved as the team's draft (201) or only read (dry_run, 200); refused with
nothing saved when the importer cannot read it (400 naming the line), the week is
published (409), the file is too large (413) or is not Markdown (415)."""

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reports import services
from reports.api import MULTIPART_SLACK
from reports.document import limits
from reports.document.importer import DateMissing
from reports.document.renderer import render_markdown
from reports.document.summary import summarize
from reports.files import export_text
from reports.imports import read_markdown
from reports.models import ReportRevision, ReportSection, RevisionAction, WeeklyReport
from reports.parsers import outline_rows

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "teams"
WEEK_12 = ROOT / "search-ranking" / "week-12.md"  # dated 2024-03-22, week 12
UNDATED = ROOT / "qa-center" / "notes.md"  # names no date
URL = "/api/v1/teams/payments/imports/"
REPORT_URL = "http://testserver/api/v1/teams/payments/reports/2024-03-22/"


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def lead_api(lead):
    return _client(lead)


def _send(client, data: bytes = b"", query: str = "", content_type: str = "text/markdown"):
    return client.post(URL + query, data=data, content_type=content_type)


def _snapshot() -> tuple[int, int, int]:
    return (
        WeeklyReport.objects.count(),
        ReportSection.objects.count(),
        ReportRevision.objects.count(),
    )


def _expected(team, path: Path = WEEK_12, file_name: str = "", **given):
    with translation.override("zh-hans"):
        return read_markdown(team, path.read_bytes(), file_name=file_name, **given)


def _answer(doc) -> dict:
    with translation.override("zh-hans"):
        summary = summarize(doc).sentence()
    return {
        "report_date": doc.report_date.isoformat(),
        "week_number": doc.week_number,
        "url": REPORT_URL,
        "summary": summary,
        "sections": outline_rows(doc),
    }


def test_a_markdown_body_is_saved_as_the_weeks_draft(lead_api, lead, sample_team):
    expected = _expected(sample_team)

    response = _send(lead_api, WEEK_12.read_bytes())

    assert response.status_code == 201
    assert response.json() == _answer(expected)
    assert response["Location"] == REPORT_URL
    assert {"kind": "kpis", "heading": "Metrics", "level": 2} in response.json()["sections"]
    report = sample_team.reports.get(report_date=date(2024, 3, 22))
    assert export_text(report) == render_markdown(expected)
    revision = report.revisions.get()
    assert revision.action == RevisionAction.IMPORTED and revision.author == lead
    assert lead_api.get(REPORT_URL).status_code == 200


def test_a_multipart_file_and_a_plain_text_body_are_read_alike(lead_api, sample_team):
    upload = SimpleUploadedFile("week-12.md", WEEK_12.read_bytes(), content_type="text/markdown")

    as_file = lead_api.post(URL, {"file": upload}, format="multipart")
    as_text = _send(lead_api, WEEK_12.read_bytes(), content_type="text/plain; charset=utf-8")

    assert as_file.status_code == 201 and as_text.status_code == 201
    assert as_file.json() == as_text.json() == _answer(_expected(sample_team))
    assert sample_team.reports.get(report_date=date(2024, 3, 22)).version == 2


def test_a_dry_run_answers_the_same_and_saves_nothing(lead_api, sample_team):
    before = _snapshot()

    response = _send(lead_api, WEEK_12.read_bytes(), "?dry_run=1")

    assert response.status_code == 200
    assert response.json() == _answer(_expected(sample_team))
    assert _snapshot() == before


def test_a_file_without_a_date_is_400_naming_the_line_until_a_date_is_given(lead_api, sample_team):
    before = _snapshot()

    response = _send(lead_api, UNDATED.read_bytes())

    with pytest.raises(DateMissing) as missing:
        _expected(sample_team, UNDATED)
    assert response.status_code == 400
    assert response.json() == {"detail": missing.value.message, "line": missing.value.line}
    assert _snapshot() == before

    given = _send(lead_api, UNDATED.read_bytes(), "?date=2024-03-22")

    assert given.status_code == 201
    report = sample_team.reports.get(report_date=date(2024, 3, 22))
    assert export_text(report) == render_markdown(
        _expected(sample_team, UNDATED, report_date=date(2024, 3, 22))
    )


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"# Week 12 2024-03-22\n\n\xff\xfe broken", 3),
        (b"# Week 12 2024-03-22\n\n## Done\n\n- a\x00b\n", 5),
        (b"  \n", 1),
    ],
    ids=["not-utf-8", "nul-character", "blank"],
)
def test_a_file_the_importer_refuses_is_400_with_its_line(lead_api, sample_team, data, line):
    before = _snapshot()

    response = _send(lead_api, data)

    assert response.status_code == 400
    assert response.json()["line"] == line and response.json()["detail"]
    assert _snapshot() == before


def test_a_published_week_is_409_and_left_as_it_was(lead_api, lead, sample_team):
    _send(lead_api, WEEK_12.read_bytes())
    report = services.report_publish(
        report=sample_team.reports.get(report_date=date(2024, 3, 22)), by=lead
    )
    report.refresh_from_db()
    text, version, before = export_text(report), report.version, _snapshot()
    changed = WEEK_12.read_bytes().replace(b"Ranker **v41**", b"Ranker **v42**")

    response = _send(lead_api, changed)

    assert response.status_code == 409
    report.refresh_from_db()
    assert report.is_published and report.version == version
    assert export_text(report) == text
    assert _snapshot() == before


def test_a_body_or_a_file_over_the_limit_is_413(lead_api, sample_team):
    before = _snapshot()
    data = b"# Week 12 2024-03-22\n\n" + b"x" * limits.FILE_LIMIT
    upload = SimpleUploadedFile("week-12.md", data, content_type="text/markdown")

    larger = data + b"x" * MULTIPART_SLACK  # refused by its length, before it is parsed

    assert _send(lead_api, data).status_code == 413
    assert lead_api.post(URL, {"file": upload}, format="multipart").status_code == 413
    too_large = _send(lead_api, larger)
    assert too_large.status_code == 413
    with translation.override("zh-hans"):
        assert too_large.json() == {"detail": limits.file_too_large(len(larger))}
    assert _snapshot() == before


def test_another_content_type_is_415_and_a_request_without_markdown_400(lead_api, sample_team):
    before = _snapshot()

    assert _send(lead_api, b'{"a": 1}', content_type="application/json").status_code == 415
    missing = lead_api.post(URL, {"other": "x"}, format="multipart")
    assert missing.status_code == 400 and missing.json()["field"] == "file"
    assert _snapshot() == before


@pytest.mark.parametrize("query", ["?week=0", "?date=2024-02-30", "?date=1900-01-06"])
def test_options_that_cannot_be_are_400_naming_them(lead_api, sample_team, query):
    response = _send(lead_api, WEEK_12.read_bytes(), query)

    assert response.status_code == 400
    assert response.json()["field"] == query[1:].split("=")[0]


def test_the_week_number_given_is_the_weeks(lead_api, sample_team):
    response = _send(lead_api, UNDATED.read_bytes(), "?date=2024-03-22&week=7")

    assert response.status_code == 201 and response.json()["week_number"] == 7


def test_members_and_other_teams_cannot_import(member, outsider, sample_team):
    before = _snapshot()

    outsider_api = _client(outsider)

    assert _send(_client(member), WEEK_12.read_bytes()).status_code == 403
    assert _send(outsider_api, WEEK_12.read_bytes()).status_code == 404
    assert outsider_api.get(URL).status_code == 404  # another team's URL, any method
    assert _snapshot() == before
