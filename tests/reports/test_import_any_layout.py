"""Any team's Markdown through ``import_report`` into the database and out again: the
export of a stored week is the pipeline's, the dry run saves nothing, a learned layout
recognises a team's own headings in its later weeks, and a rename reaches every week."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from reports.document.layout import Layout, LayoutSection
from reports.document.renderer import render_markdown
from reports.files import export_text
from reports.layouts import layout_save
from reports.models import ReportSection, Team, TeamSection, WeeklyReport
from reports.rows import team_layout
from tests.factories import UserFactory
from tests.forms_data import editor_data
from tests.reports.test_team_layouts import MANIFEST, ROOT, _import

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _run(*args, **options):
    out, err = StringIO(), StringIO()
    call_command("import_report", *[str(a) for a in args], stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def _team_files(team: str) -> list[Path]:
    return [ROOT / e["path"] for e in MANIFEST if e["team"] == team]


def _snapshot() -> tuple[int, int, int]:
    return (Team.objects.count(), WeeklyReport.objects.count(), ReportSection.objects.count())


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["path"] for e in MANIFEST])
def test_a_stored_week_exports_as_the_file_was_read(entry):
    extra = {"date": date.fromisoformat(entry["date"])} if entry["needs_date"] else {}
    out, err = _run(ROOT / entry["path"], team=entry["team"], **extra)

    report = WeeklyReport.objects.get(team__slug=entry["team"])
    assert err == ""
    assert "imported" in out and "% of lines kept as free text" in out
    assert export_text(report) == render_markdown(_import(entry))
    sent = json.loads(export_text(report, "json"))
    assert [s["heading"] for s in sent["sections"] if s["level"]] == [
        h for _level, h in entry["headings"] if h in {s.heading for s in _import(entry).sections}
    ]
    assert sent["incidents"] is None  # none of these states incident counts


def test_a_team_created_by_an_import_takes_the_reports_language():
    _run(*_team_files("search-ranking"), team="search")

    assert Team.objects.get(slug="search").heading_language == "en"
    assert set(WeeklyReport.objects.values_list("language", flat=True)) == {""}


def test_the_dry_run_prints_what_each_file_holds_and_saves_nothing():
    before = _snapshot()

    out, _err = _run(*_team_files("payments-core"), team="payments-core", dry_run=True)

    assert _snapshot() == before
    kinds = (
        "work items 1, metrics and incidents 1, stability events 1, table 1, "
        "risks and blockers 1, next week's plan 1"
    )
    assert out.count(f"sections: {kinds}") == 4
    assert "3 risks, 4 actions" in out
    assert "nothing was saved" in out.lower()


def test_a_file_without_a_date_is_refused_with_the_ways_to_give_one():
    entry = next(e for e in MANIFEST if e["needs_date"] and e["language"] == "en")
    before = _snapshot()

    with pytest.raises(CommandError):
        _run(ROOT / entry["path"], team=entry["team"])

    assert _snapshot() == before
    _run(ROOT / entry["path"], team=entry["team"], date=date.fromisoformat(entry["date"]))
    assert WeeklyReport.objects.get().report_date.isoformat() == entry["date"]


def test_the_missing_date_is_explained_in_the_files_language():
    entry = next(e for e in MANIFEST if e["needs_date"] and e["language"] == "en")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_report", str(ROOT / entry["path"]), team="oss", stderr=err)

    assert "no date found for this report" in err.getvalue()
    assert "--date YYYY-MM-DD" in err.getvalue()


def test_a_learned_layout_is_shown_first_and_saved_only_when_asked():
    first_three = _team_files("payments-core")[:3]

    out, _err = _run(*first_three, team="payments-core", learn_layout=True)

    assert "## 灰度发布跟踪" in out and "--save-layout" in out
    assert not TeamSection.objects.exists() and not WeeklyReport.objects.exists()

    _run(*first_three, team="payments-core", learn_layout=True, save_layout=True)

    layout = team_layout(Team.objects.get(slug="payments-core"))
    assert [s.heading for s in layout.sections][:4] == [
        "一、本周工作",
        "二、核心指标",
        "三、稳定性",
        "灰度发布跟踪",
    ]


def test_a_learned_layout_recognises_the_custom_headings_of_later_weeks():
    files = _team_files("search-ranking")
    _run(*files[:2], team="search-ranking", learn_layout=True, save_layout=True)

    _run(files[2], team="search-ranking")

    report = WeeklyReport.objects.get()
    keyed = {s.heading or s.key: s.key for s in ReportSection.objects.filter(report=report)}
    layout = team_layout(report.team)
    custom = [layout.by_key(k).heading for k in keyed.values() if k]
    assert "Experiment readout" in custom and "Customer escalations" in custom


def test_a_rename_in_the_layout_applies_to_every_week():
    files = _team_files("payments-core")
    _run(*files, team="payments-core")
    team = Team.objects.get(slug="payments-core")
    _run(*files[:2], team="payments-core", learn_layout=True, save_layout=True)
    layout = team_layout(team)
    renamed = tuple(
        type(s)(s.key, s.kind, "灰度发布看板", s.level, s.aliases)
        if s.heading == "灰度发布跟踪"
        else s
        for s in layout.sections
    )

    layout_save(team=team, layout=type(layout)(renamed))

    for report in team.reports.all():
        text = export_text(report)
        assert "## 灰度发布看板" in text and "灰度发布跟踪" not in text
    assert (
        "灰度发布跟踪"
        in team_layout(team)
        .by_key(next(s.key for s in renamed if s.heading == "灰度发布看板"))
        .aliases
    )


def _member(team, role: str):
    user = UserFactory()
    team.memberships.create(user=user, role=role)
    return user


def _sign_in(client, team, role: str) -> None:
    """``client`` signed in as a new member of ``team`` in ``role``."""
    client.force_login(_member(team, role))


def _week_of(team: str):
    files = _team_files(team)
    _run(*files, team=team)
    return WeeklyReport.objects.filter(team__slug=team).order_by("report_date")


def test_the_page_shows_the_sections_in_the_teams_words_in_order(client):
    report = _week_of("search-ranking").first()
    _sign_in(client, report.team, "member")

    page = client.get(report.get_absolute_url()).content.decode()

    assert "Week 12 (2024-03-18 ~ 2024-03-22)" in page
    places = [page.index(f">{s.heading}<") for s in report.sections.all() if s.heading]
    assert places == sorted(places) and len(places) >= 6
    assert "第12周" not in page


def test_a_section_edited_on_the_edit_page_is_saved_and_the_rest_kept(client):
    report = _week_of("payments-core").first()
    _sign_in(client, report.team, "lead")
    url = reverse("reports:report_edit", args=[report.team.slug, report.report_date])
    editor = client.get(url).context["editor"]
    data = editor_data(editor)
    risks = next(f for f, s in editor.section_forms if s.kind == "risks")
    data[risks["text"].html_name] = "- 新风险：供应商合同到期（负责人：赵六，截止 3/20）"
    before = [(s.heading, s.kind) for s in report.sections.all()]

    response = client.post(url, data)

    assert response.status_code == 302, (
        response.context and response.context["editor"].report.errors
    )
    text = export_text(report)
    assert "- 新风险：供应商合同到期（负责人：赵六，截止 3/20）" in text
    assert [(s.heading, s.kind) for s in report.sections.all()] == before
    assert text.startswith("<!--")  # the comment above the title is kept


def test_a_section_heading_cannot_be_emptied(client):
    report = _week_of("payments-core").first()
    _sign_in(client, report.team, "lead")
    url = reverse("reports:report_edit", args=[report.team.slug, report.report_date])
    editor = client.get(url).context["editor"]
    data = editor_data(editor)
    form = next(f for f, section in editor.section_forms if section.level)
    data[form["heading"].html_name] = ""
    before = export_text(report)

    response = client.post(url, data)

    assert response.status_code == 200
    assert "章节需要标题。" in response.content.decode()
    assert export_text(report) == before


def test_a_section_in_the_teams_words_is_found_by_search(manager_client):
    _week_of("payments-core")

    response = manager_client.get(reverse("reports:search"), {"q": "云闪付分期"})

    found = [(e.day.isoformat(), e.kind, e.title) for e, _parts in response.context["results"]]
    assert ("2024-03-08", "section", "四、风险与问题") in found
    assert all(kind == "section" for _day, kind, _title in found)


def test_the_kpis_of_a_teams_own_metrics_section_are_charted(manager_client):
    reports = list(_week_of("sre-oncall"))

    html = manager_client.get(reverse("reports:team_trends", args=["sre-oncall"])).content
    html = html.decode()

    assert len(reports) == 3
    assert "checkout-api availability" in html and "p99 latency" in html
    day = reports[0].report_date
    assert f"{day:%m-%d} · p99 latency: 180ms" in html


def test_an_event_typed_into_an_incidents_section_is_kept_and_counted(client):
    report = _week_of("payments-core").first()
    _sign_in(client, report.team, "lead")
    url = reverse("reports:report_edit", args=[report.team.slug, report.report_date])
    editor = client.get(url).context["editor"]
    data = editor_data(editor)
    events = next(f for f, s in editor.section_forms if s.kind == "events")
    kpis = next(f for f, s in editor.section_forms if s.kind == "kpis")
    data[events["text"].html_name] += "\n- 3/8 16:00 网关证书告警，已续期"
    data[kpis["text"].html_name] = data[kpis["text"].html_name].replace("99.95%", "99.97%")

    assert client.post(url, data).status_code == 302

    text = export_text(report)
    assert "- 3/8 16:00 网关证书告警，已续期" in text and "99.97%" in text
    assert report.events.count() == 3
    assert Decimal("99.97") in {v.value for v in report.kpi_values.all()}


def test_two_sections_that_swap_headings_do_not_keep_each_others_as_spellings():
    _run(*_team_files("payments-core")[:2], team="pc", learn_layout=True, save_layout=True)
    team = Team.objects.get(slug="pc")
    layout = team_layout(team)
    first, second = layout.sections[:2]
    swapped = (
        type(first)(first.key, first.kind, second.heading, first.level, first.aliases),
        type(second)(second.key, second.kind, first.heading, second.level, second.aliases),
        *layout.sections[2:],
    )

    layout_save(team=team, layout=type(layout)(swapped))

    saved = team_layout(team)
    assert saved.match(first.heading).key == second.key
    assert saved.match(second.heading).key == first.key


def test_the_api_reads_and_writes_the_sections():
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    report = _week_of("search-ranking").first()
    user = _member(report.team, "lead")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    url = f"/api/v1/teams/search-ranking/reports/{report.report_date}/"

    sent = api.get(url).json()
    blockers = next(s for s in sent["sections"] if s["kind"] == "risks")
    assert [e["status"] for e in blockers["entries"]] == ["planned", "planned"]
    assert sent["title"] == "Week 12 (2024-03-18 ~ 2024-03-22)" and sent["incidents"] is None
    blockers["text"] = "- Feature store quota raised — resolved\n- Legal review pending — open"
    response = api.put(url, sent, format="json", HTTP_IF_MATCH=f'"{report.version}"')

    assert response.status_code == 200, response.json()
    back = next(s for s in response.json()["sections"] if s["kind"] == "risks")
    assert [e["status"] for e in back["entries"]] == ["done", "planned"]
    assert "- Feature store quota raised — resolved" in export_text(report)
    assert [s["heading"] for s in response.json()["sections"]] == [
        s["heading"] for s in sent["sections"]
    ]


def test_a_team_leaving_the_samples_layout_keeps_its_weeks_as_they_were(sample_report):
    before = export_text(sample_report)
    layout = Layout((LayoutSection("items", "items", "本周工作", 2, ()),))

    layout_save(team=sample_report.team, layout=layout)

    assert export_text(sample_report) == before
