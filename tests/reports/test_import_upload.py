"""A week written in Markdown, imported from the team page: saved as the team's draft of
the week it states and exported as the importer read it, previewed without saving, and
refused beside the field at fault, with nothing saved, when it cannot be."""

from datetime import date
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from reports import services
from reports.document import limits
from reports.document.importer import DateMissing
from reports.document.renderer import render_markdown
from reports.document.summary import summarize
from reports.files import export_text
from reports.imports import read_markdown
from reports.models import ReportRevision, ReportSection, RevisionAction, WeeklyReport

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "teams"
WEEK_12 = ROOT / "search-ranking" / "week-12.md"  # dated 2024-03-22, week 12
UNDATED = ROOT / "qa-center" / "notes.md"  # names no date
URL = reverse("reports:report_import", args=["payments"])


def _file(path: Path = WEEK_12, data: bytes | None = None) -> SimpleUploadedFile:
    data = path.read_bytes() if data is None else data
    return SimpleUploadedFile(path.name, data, content_type="text/markdown")


def _snapshot() -> tuple[int, int, int]:
    return (
        WeeklyReport.objects.count(),
        ReportSection.objects.count(),
        ReportRevision.objects.count(),
    )


def _expected(team, path: Path = WEEK_12, **given):
    """The week as the importer reads the file for this team, in the page's language."""
    with translation.override("zh-hans"):
        return read_markdown(team, path.read_bytes(), file_name=path.name, **given)


def test_leads_find_the_import_form_on_the_team_page(lead_client, member_client):
    team_page = reverse("reports:team_detail", args=["payments"])

    assert f'action="{URL}"' in lead_client.get(team_page).content.decode()
    assert f'action="{URL}"' not in member_client.get(team_page).content.decode()
    assert lead_client.get(URL).status_code == 200


def test_a_file_is_saved_as_the_weeks_draft_and_the_page_says_what_was_read(
    lead_client, lead, sample_team
):
    expected = _expected(sample_team)
    team_page = reverse("reports:team_detail", args=["payments"])
    assert "2024-03-22" not in lead_client.get(team_page).content.decode()

    response = lead_client.post(URL, {"file": _file()})

    report = sample_team.reports.get(report_date=date(2024, 3, 22))
    assert response.status_code == 302
    assert "2024-03-22" in lead_client.get(team_page).content.decode()
    assert response["Location"] == report.get_absolute_url()
    assert report.week_number == 12 and not report.is_published
    with translation.override("zh-hans"):
        summary = summarize(expected).sentence()
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == f"第12周（2024-03-22）已导入 · {summary}"
    revision = report.revisions.get()
    assert revision.action == RevisionAction.IMPORTED and revision.author == lead


def test_the_saved_week_exports_as_the_importer_read_the_file(lead_client, sample_team):
    expected = render_markdown(_expected(sample_team))

    lead_client.post(URL, {"file": _file()})

    assert export_text(sample_team.reports.get(report_date=date(2024, 3, 22))) == expected


def test_pasted_text_is_imported_like_a_file(lead_client, sample_team):
    path = ROOT / "qa-center" / "2024-03-w2.md"

    response = lead_client.post(URL, {"text": path.read_text(encoding="utf-8")})

    report = sample_team.reports.get(report_date=date(2024, 3, 15))
    assert response["Location"] == report.get_absolute_url()
    assert export_text(report) == render_markdown(_expected(sample_team, path))


def test_a_preview_shows_the_summary_saves_nothing_and_can_be_imported_as_is(
    lead_client, sample_team
):
    before = _snapshot()

    response = lead_client.post(URL, {"file": _file(), "preview": "on"})

    assert response.status_code == 200
    assert _snapshot() == before
    preview = response.context["preview"]
    with translation.override("zh-hans"):
        assert preview["summary"] == summarize(_expected(sample_team)).sentence()
    assert preview["summary"] in response.content.decode()
    assert "Experiment readout" in response.content.decode()
    # The form comes back holding the file's text and name: importing needs no new upload.
    form = response.context["form"]
    assert form.initial["text"] == WEEK_12.read_text(encoding="utf-8")
    assert form.initial["file_name"] == "week-12.md"

    confirmed = lead_client.post(URL, {"text": form.initial["text"], "file_name": "week-12.md"})

    assert confirmed.status_code == 302
    assert sample_team.reports.filter(report_date=date(2024, 3, 22)).exists()


def test_a_file_without_a_date_is_refused_beside_the_date_and_nothing_is_saved(
    lead_client, sample_team
):
    before = _snapshot()

    response = lead_client.post(URL, {"file": _file(UNDATED)})

    assert response.status_code == 200
    with pytest.raises(DateMissing) as missing:
        _expected(sample_team, UNDATED)
    assert response.context["form"].errors == {"report_date": [missing.value.message]}
    assert "--date" in missing.value.message  # it names the ways to give a date
    assert _snapshot() == before

    given = lead_client.post(URL, {"file": _file(UNDATED), "report_date": "2024-03-22"})

    assert given.status_code == 302
    report = sample_team.reports.get(report_date=date(2024, 3, 22))
    assert export_text(report) == render_markdown(
        _expected(sample_team, UNDATED, report_date=date(2024, 3, 22))
    )


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b"# Week 12 2024-03-22\n\n\xff\xfe broken", "第3行："),
        (b"# Week 12 2024-03-22\n\n## Done\n\n- a\x00b\n", "第5行："),
        (b"  \n\n", "第1行："),
    ],
    ids=["not-utf-8", "nul-character", "empty"],
)
def test_a_file_the_importer_refuses_is_named_with_its_line_beside_the_file(
    lead_client, sample_team, data, start
):
    before = _snapshot()

    response = lead_client.post(URL, {"file": _file(WEEK_12, data)})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["file"] and errors["file"][0].startswith(start)
    assert _snapshot() == before


def test_a_file_over_the_limit_is_refused_beside_the_file(lead_client, sample_team):
    before = _snapshot()
    data = b"# Week 12 2024-03-22\n\n" + b"x" * limits.FILE_LIMIT

    response = lead_client.post(URL, {"file": _file(WEEK_12, data)})

    errors = response.context["form"].errors
    with translation.override("zh-hans"):
        too_large = limits.file_too_large(len(data))
    assert errors["file"] == [f"第1行：{too_large}"]
    assert _snapshot() == before


def test_a_file_and_pasted_text_together_are_refused(lead_client, sample_team):
    response = lead_client.post(URL, {"file": _file(), "text": "# Week 12 2024-03-22"})

    assert list(response.context["form"].errors) == ["text"]
    assert not sample_team.reports.filter(report_date=date(2024, 3, 22)).exists()


def test_a_published_week_is_refused_and_left_as_it_was(lead_client, lead, sample_team):
    lead_client.post(URL, {"file": _file()})
    report = sample_team.reports.get(report_date=date(2024, 3, 22))
    services.report_publish(report=report, by=lead)
    report.refresh_from_db()
    text, version, before = export_text(report), report.version, _snapshot()
    changed = WEEK_12.read_bytes().replace(b"Ranker **v41**", b"Ranker **v42**")

    response = lead_client.post(URL, {"file": _file(WEEK_12, changed)})

    assert response.status_code == 200
    with translation.override("zh-hans"):
        published = translation.gettext(
            "Week %(week)d (%(date)s) is published; nothing was imported. "
            "Reopen it first to replace it."
        ) % {"week": 12, "date": "2024-03-22"}
    assert response.context["form"].errors == {"file": [published]}
    report.refresh_from_db()
    assert report.is_published and report.version == version
    assert export_text(report) == text
    assert _snapshot() == before


def test_the_date_field_names_the_week_that_is_published(lead_client, lead, sample_report):
    services.report_publish(report=sample_report, by=lead)
    before = _snapshot()

    response = lead_client.post(URL, {"file": _file(UNDATED), "report_date": "2023-05-20"})

    assert list(response.context["form"].errors) == ["report_date"]
    assert _snapshot() == before


def test_members_and_other_teams_cannot_import(member_client, outsider_client, sample_team):
    before = _snapshot()

    assert member_client.post(URL, {"file": _file()}).status_code == 403
    assert outsider_client.post(URL, {"file": _file()}).status_code == 404
    assert member_client.get(URL).status_code == 403
    assert _snapshot() == before


def test_the_week_is_the_urls_teams(outsider_client, outsider, other_team, sample_team):
    """A lead of another team imports into their own team only: the team is the URL's."""
    url = reverse("reports:report_import", args=[other_team.slug])

    assert outsider_client.post(url, {"file": _file()}).status_code == 302

    assert other_team.reports.filter(report_date=date(2024, 3, 22)).exists()
    assert not sample_team.reports.filter(report_date=date(2024, 3, 22)).exists()
