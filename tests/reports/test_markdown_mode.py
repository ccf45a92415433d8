"""A week edited as Markdown (/teams/<slug>/<date>/markdown/): read as it is typed without
saving anything, saved as the week's draft (always as this week), one section at a time,
and refused, changing nothing, over a newer version, a published week or another team.

Every refusal is checked to change nothing: the report's Markdown export, its version,
its revisions and the team's weeks are compared before and after.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from reports import services
from reports.document import PlanLine, understood
from reports.document.importer import parse
from reports.document.renderer import join_parts, render_markdown, render_parts
from reports.files import export_text
from reports.models import ReportSection, WeeklyReport
from reports.selectors import report_document
from tests.factories import SAMPLE, TZ
from tests.forms_data import SCRIPTED, by_script

DATE = "2023-05-20"
PAGE = reverse("reports:report_markdown_edit", args=["payments", DATE])
PARSE = reverse("reports:report_markdown_parse", args=["payments", DATE])
EDIT = reverse("reports:report_edit", args=["payments", DATE])
TEAMS = Path(__file__).resolve().parent.parent / "fixtures" / "teams"
PAYMENTS_CORE = TEAMS / "payments-core" / "2024-03-08.md"  # 周报（2024.03.04-2024.03.08）
LINE_NUMBER = re.compile(r"第\s*\d+\s*行|\bline\s+\d+", re.IGNORECASE)
INCIDENTS = "- 事故数AB级0次，CD级1次，M6v专线故障记C级事故1次"  # the sample's, as written again


def _zh(message: str) -> str:
    """A sentence of the interface as the page says it (in Chinese, the default)."""
    with translation.override("zh-hans"):
        return gettext(message)


def _state(report: WeeklyReport) -> tuple:
    """Everything a refused request must leave as it was."""
    report.refresh_from_db()
    return (
        export_text(report),
        report.version,
        report.status,
        list(report.revisions.values_list("number", "markdown")),
        list(WeeklyReport.objects.values_list("report_date", "week_number")),
        ReportSection.objects.count(),
    )


def _opened(client, url: str = PAGE) -> dict[str, str]:
    """What the page's form posts when saved unchanged."""
    form = client.get(url).context["form"]
    return {
        "markdown": form["markdown"].value(),
        "section": form["section"].value(),
        "version": str(form["version"].value()),
    }


# ---------------------------------------------------------------------------------------
# The week cut at its sections (no database)
# ---------------------------------------------------------------------------------------

MANIFEST = {m["path"]: m for m in json.loads((TEAMS / "manifest.json").read_text("utf-8"))}
FILES = [SAMPLE, *(TEAMS / path for path in sorted(MANIFEST))]


def _given_date(path: Path) -> date | None:
    """The date a file that names none is imported with (the manifest's ``needs_date``)."""
    entry = MANIFEST.get(str(path.relative_to(TEAMS))) if TEAMS in path.parents else None
    return date.fromisoformat(entry["date"]) if entry and entry["needs_date"] else None


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_section_put_back_unchanged_gives_the_week_byte_for_byte(path):
    data = path.read_bytes()
    doc = parse(data, tz=TZ, team="t", file_name=path.name, report_date=_given_date(path))
    week = render_markdown(doc)
    parts = understood.Parts(doc)

    assert join_parts([lines for _section, lines in render_parts(doc)]) == week
    for position in range(len(parts.sections)):
        text = parts.text(position)
        whole, offset = parts.week_with(position, text)
        assert whole == week, parts.address(position)
        if text:
            assert whole.split("\n")[offset] == text.split("\n")[0]


# ---------------------------------------------------------------------------------------
# The page and the reading as the lead types
# ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_holds_the_week_in_the_team_s_layout_and_what_it_states(
    lead_client, sample_report
):
    response = lead_client.get(PAGE)

    assert response.status_code == 200
    form = response.context["form"]
    assert form["markdown"].value() == render_markdown(report_document(sample_report))
    assert form["version"].value() == sample_report.version
    html = response.content.decode()
    assert 'data-draft-key="weekly:md:payments:2023-05-20"' in html
    assert f'data-autosave-url="{PAGE}"' in html
    assert html.index("js/markdown-mode.js") < html.index("js/autosave.js")
    outline = response.context["reading"]["outline"]
    assert {
        "heading": outline[1]["heading"],
        "said": outline[1]["said"].split(", ")[0],
    } == {"heading": "【系统运行数据】", "said": "3 个指标"}


@pytest.mark.django_db
def test_reading_another_team_s_page_names_its_sections_and_saves_nothing(
    lead_client, sample_report
):
    before = _state(sample_report)

    response = lead_client.post(PARSE, {"markdown": PAYMENTS_CORE.read_text(encoding="utf-8")})

    assert response.status_code == 200
    answer = response.json()
    assert answer["understood"] and answer["errors"] == []
    said = {entry["heading"]: entry["said"] for entry in answer["outline"]}
    assert said["二、核心指标"].startswith("5 个指标")
    assert said["三、稳定性"].startswith("2 个事件")
    assert said["四、风险与问题"].startswith("3 个风险")
    assert said["六、待办与负责人"].startswith("4 个待办")
    # The text names another week: a warning at its title, the week is kept.
    [kept] = [w for w in answer["warnings"] if w["field"] == _zh("Report date")]
    assert kept["section"] == "周报（2024.03.04-2024.03.08）" and kept["line"] == 2
    assert "2024-03-08" in kept["message"] and "2023-05-20" in kept["message"]
    assert _state(sample_report) == before


@pytest.mark.django_db
def test_warnings_name_their_section_and_field_not_a_line(lead_client, sample_report):
    text = render_markdown(report_document(sample_report))

    answer = lead_client.post(PARSE, {"markdown": text}).json()

    hive = [w for w in answer["warnings"] if w["field"] == "Hive数仓建设"]
    assert hive and all(w["section"] == "【O2 系统升级】" for w in hive)
    assert all(
        not LINE_NUMBER.search(json.dumps(w, ensure_ascii=False)) for w in answer["warnings"]
    )
    # The line is there for the page to point at: the tracker's headline.
    assert text.split("\n")[hive[0]["line"] - 1].lstrip().startswith("- Hive数仓建设总进度")


@pytest.mark.django_db
def test_what_cannot_be_read_is_said_beside_the_text_in_the_reader_s_language(
    lead_client, sample_report
):
    before = _state(sample_report)
    text = render_markdown(report_document(sample_report))
    assert INCIDENTS in text
    broken = text.replace(INCIDENTS, "- 事故数很多")

    answer = lead_client.post(PARSE, {"markdown": broken}).json()
    response = lead_client.post(PAGE, {**_opened(lead_client), "markdown": broken})

    assert not answer["understood"]
    [error] = answer["errors"]
    assert error["section"] == "【系统运行数据】" and error["field"] == "事故数很多"
    assert error["message"] == _zh(
        "could not read the incident counts, e.g. “事故数AB级0次，CD级1次”"
    )
    assert not LINE_NUMBER.search(json.dumps(error, ensure_ascii=False))
    assert broken.split("\n")[error["line"] - 1] == "- 事故数很多"
    assert response.status_code == 200
    [message] = response.context["form"].errors["markdown"]
    assert message.startswith("【系统运行数据】 · 事故数很多")
    assert _state(sample_report) == before


@pytest.mark.django_db
def test_an_empty_text_is_not_a_week(lead_client, sample_report):
    before = _state(sample_report)

    answer = lead_client.post(PARSE, {"markdown": "  \n"}).json()
    response = lead_client.post(PAGE, **by_script({**_opened(lead_client), "markdown": ""}))

    assert answer["errors"] and not answer["understood"]
    assert response.status_code == 400
    assert response.json()["errors"]["markdown"]
    assert _state(sample_report) == before


# ---------------------------------------------------------------------------------------
# Saving the whole week
# ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_saving_replaces_the_week_s_draft_with_the_text(lead_client, lead, sample_report):
    data = _opened(lead_client)
    data["markdown"] = (
        data["markdown"]
        .replace("- 入金有效成功率：99.98%", "- 入金有效成功率：99.5%")
        .replace("# 本周收获与反思\n\n暂无", "# 本周收获与反思\n\n多写 Markdown")
    )
    version = sample_report.version

    response = lead_client.post(PAGE, data)

    assert response.status_code == 302 and response["Location"] == EDIT
    sample_report.refresh_from_db()
    assert sample_report.version == version + 1
    assert export_text(sample_report) == data["markdown"]
    doc = report_document(sample_report)
    assert doc.kpis[0].value == Decimal("99.5") and doc.reflections == "多写 Markdown"
    revision = sample_report.revisions.first()
    assert revision.author == lead and revision.markdown == data["markdown"]


@pytest.mark.django_db
def test_another_team_s_wiki_page_becomes_the_structured_week(lead_client, sample_report):
    data = _opened(lead_client)
    data["markdown"] = PAYMENTS_CORE.read_text(encoding="utf-8")

    response = lead_client.post(PAGE, data)

    assert response.status_code == 302
    assert list(WeeklyReport.objects.values_list("report_date", "week_number")) == [
        (date(2023, 5, 20), 21)
    ]
    sample_report.refresh_from_db()
    doc = report_document(sample_report)
    assert {k.name: k.value for k in doc.kpis} == {
        "支付成功率": Decimal("99.31"),
        "退款成功率": Decimal("99.88"),
        "收银台 p99 耗时": Decimal("412"),
        "可用性": Decimal("99.95"),
        "对账差错": Decimal("2"),
    }
    assert len(doc.events) == 2 and doc.objectives == []
    # The title is moved to this week as carry-over moves it; the page is this week's.
    assert doc.title == "周报（2023.05.16-2023.05.20）"
    editor = lead_client.get(EDIT).context["editor"]
    headings = [section.heading for _form, section in editor.section_forms]
    assert {"二、核心指标", "三、稳定性", "四、风险与问题", "灰度发布跟踪"} <= set(headings)


@pytest.mark.django_db
def test_a_text_naming_another_week_is_saved_as_this_week(lead_client, sample_report):
    data = _opened(lead_client)
    data["markdown"] = (
        data["markdown"]
        .replace("# 第21周 2023-05-20", "# 第22周 2023-05-27")
        .replace("# 第21周 2023/05/20", "# 第22周 2023/05/27")
    )

    answer = lead_client.post(PARSE, data).json()
    response = lead_client.post(PAGE, data)

    [kept] = [w for w in answer["warnings"] if w["field"] == _zh("Report date")]
    assert "2023-05-27" in kept["message"] and kept["line"] == 1
    assert response.status_code == 302
    assert list(WeeklyReport.objects.values_list("report_date", "week_number")) == [
        (date(2023, 5, 20), 21)
    ]
    sample_report.refresh_from_db()
    assert export_text(sample_report) == render_markdown(parse(SAMPLE.read_bytes(), tz=TZ))


@pytest.mark.django_db
def test_a_title_and_front_matter_naming_another_week_are_moved_to_this_one(
    lead_client, sample_report
):
    data = _opened(lead_client)
    data["markdown"] = "---\ndate: 2023-05-27\n---\n\n# 第22周 2023-05-27\n\n## 【其他】\n\n迎检\n"

    response = lead_client.post(PAGE, data)

    assert response.status_code == 302
    doc = report_document(WeeklyReport.objects.get(pk=sample_report.pk))
    assert (doc.front_matter, doc.title, doc.other) == (
        "---\ndate: 2023-05-20\n---",
        "第21周 2023-05-20",
        "迎检",
    )
    assert (doc.report_date, doc.week_number) == (date(2023, 5, 20), 21)


@pytest.mark.django_db
def test_what_the_markdown_does_not_say_is_kept(lead_client, sample_report):
    doc = report_document(sample_report)
    doc.kpis[1].value = None  # not known yet this week: written "出金有效成功率：—"
    doc.plan_review = [PlanLine("迎检技术支持", "carried")]
    doc.events[0].grade = "C"
    sample_report = services.report_update(report=sample_report, document=doc, author=None)
    before = report_document(sample_report)

    response = lead_client.post(PAGE, _opened(lead_client))

    assert response.status_code == 302
    after = report_document(WeeklyReport.objects.get(pk=sample_report.pk))
    assert [(k.name, k.value) for k in after.kpis] == [(k.name, k.value) for k in before.kpis]
    assert after.kpi_notes == before.kpi_notes == ""
    assert after.plan_review == before.plan_review
    assert after.events[0].grade == "C"


# ---------------------------------------------------------------------------------------
# Refusals: nothing changes
# ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_save_over_a_newer_version_saves_nothing(lead_client, second_lead_client, sample_report):
    mine = _opened(lead_client)
    theirs = _opened(second_lead_client)
    theirs["markdown"] = theirs["markdown"].replace("暂无", "小红的反思")
    assert second_lead_client.post(PAGE, theirs).status_code == 302
    mine["markdown"] = mine["markdown"].replace("暂无", "我的反思")
    before = _state(sample_report)

    answer = lead_client.post(PAGE, **by_script(mine))
    page = lead_client.post(PAGE, mine)

    assert answer.status_code == 409
    assert answer.json() == {
        "saved": False,
        "conflict": True,
        "message": _zh("Someone else saved this week meanwhile; nothing was saved."),
    }
    assert page.status_code == 200
    assert "小红的反思" in page.context["conflict"]["theirs"].markdown
    assert page.context["form"]["markdown"].value() == mine["markdown"]
    assert page.context["form"]["version"].value() == str(sample_report.version)
    assert _state(sample_report) == before


@pytest.mark.django_db
def test_a_published_week_is_refused_and_nothing_changes(lead_client, sample_report):
    data = _opened(lead_client)
    data["markdown"] = data["markdown"].replace("暂无", "发布后的修改")
    services.report_publish(report=sample_report)
    before = _state(sample_report)

    answer = lead_client.post(PAGE, **by_script(data))
    page = lead_client.post(PAGE, data)
    opened = lead_client.get(PAGE)

    assert answer.status_code == 423
    assert answer.json()["locked"] is True and answer.json()["saved"] is False
    assert page.status_code == 200
    published = _zh("The report was published meanwhile; nothing was saved. Reopen it to edit.")
    assert answer.json()["message"] == published
    assert list(page.context["form"].non_field_errors()) == [published]
    assert page.context["form"]["markdown"].value() == data["markdown"]
    assert opened.status_code == 302 and opened["Location"] == sample_report.get_absolute_url()
    assert _state(sample_report) == before


@pytest.mark.django_db
@pytest.mark.parametrize("url", [PAGE, PARSE])
def test_members_managers_and_outsiders_are_refused(
    member_client, manager_client, outsider_client, sample_report, url
):
    before = _state(sample_report)
    text = PAYMENTS_CORE.read_text(encoding="utf-8")
    body = {"markdown": text, "version": str(sample_report.version)}

    for client, code in ((member_client, 403), (manager_client, 403), (outsider_client, 404)):
        assert client.get(url).status_code == code
        assert client.post(url, body).status_code == code
        sent = by_script(body) if url == PAGE else {"data": body, **SCRIPTED}
        assert client.post(url, **sent).status_code == code
    assert _state(sample_report) == before


# ---------------------------------------------------------------------------------------
# The page's script saves through the same view (autosave.js)
# ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_save_asked_for_in_json_answers_the_new_version(lead_client, sample_report):
    data = _opened(lead_client)
    data["markdown"] = data["markdown"].replace("暂无", "自动保存")
    version = sample_report.version

    response = lead_client.post(PAGE, **by_script(data))

    assert response.status_code == 200
    answer = response.json()
    sample_report.refresh_from_db()
    assert answer["saved"] is True and answer["version"] == sample_report.version == version + 1
    assert re.fullmatch(r"\d\d:\d\d", answer["saved_at"])
    assert answer["next"] == EDIT
    assert report_document(sample_report).reflections == "自动保存"


@pytest.mark.django_db
def test_a_refused_save_in_json_names_the_field(lead_client, sample_report):
    before = _state(sample_report)
    data = _opened(lead_client)
    data["markdown"] = data["markdown"].replace(INCIDENTS, "- 事故数很多")

    response = lead_client.post(PAGE, **by_script(data))

    assert response.status_code == 400
    answer = response.json()
    assert answer["saved"] is False and answer["non_field_errors"] == []
    [message] = answer["errors"]["markdown"]
    assert message.startswith("【系统运行数据】 · 事故数很多")
    assert _state(sample_report) == before


# ---------------------------------------------------------------------------------------
# One section at a time
# ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_section_is_shown_alone_and_saved_alone(lead_client, sample_report):
    before = export_text(sample_report)
    url = f"{PAGE}?section=reflections"
    data = _opened(lead_client, url)
    assert data == {"markdown": "暂无", "section": "reflections", "version": data["version"]}
    assert "# 本周收获与反思" in lead_client.get(url).content.decode()
    data["markdown"] = "多写 Markdown\n\n- 一条**反思**"

    response = lead_client.post(url, data)

    assert response.status_code == 302
    sample_report.refresh_from_db()
    assert export_text(sample_report) == before.replace(
        "# 本周收获与反思\n\n暂无\n", "# 本周收获与反思\n\n多写 Markdown\n\n- 一条**反思**\n"
    )


@pytest.mark.django_db
def test_a_section_s_kpis_are_read_again_from_it(lead_client, sample_report):
    before = report_document(sample_report)
    url = f"{PAGE}?section=operations"
    data = _opened(lead_client, url)
    assert data["markdown"].startswith("成功率：\n\n- 入金有效成功率：99.98%")
    data["markdown"] = data["markdown"].replace("入金有效成功率：99.98%", "入金有效成功率：99.1%")

    answer = lead_client.post(PARSE, data).json()
    broken = {**data, "markdown": data["markdown"].replace(INCIDENTS, "- 事故数很多")}
    [error] = lead_client.post(PARSE, broken).json()["errors"]
    response = lead_client.post(url, data)

    # The lines the page points at are the section's, not the whole week's.
    assert broken["markdown"].split("\n")[error["line"] - 1] == "- 事故数很多"
    assert response.status_code == 302
    after = report_document(WeeklyReport.objects.get(pk=sample_report.pk))
    assert [(k.name, k.value) for k in after.kpis] == [
        ("入金有效成功率", Decimal("99.1")),
        *[(k.name, k.value) for k in before.kpis[1:]],
    ]
    assert after.objectives == before.objectives and after.events == before.events
    assert answer["understood"]
    assert all(w["line"] is None for w in answer["warnings"])  # none is in this section


@pytest.mark.django_db
def test_a_section_in_the_team_s_own_words_is_edited_alone(lead_client, sample_report):
    data = _opened(lead_client)
    data["markdown"] = PAYMENTS_CORE.read_text(encoding="utf-8")
    assert lead_client.post(PAGE, data).status_code == 302
    sections = lead_client.get(PAGE).context["week"].sections()
    [metrics] = [s for s in sections if s["label"] == "二、核心指标"]
    url = f"{PAGE}?section={metrics['address']}"
    data = _opened(lead_client, url)
    assert data["markdown"].startswith("| 指标 | 本周 | 上周 | 变化 |")
    before = report_document(WeeklyReport.objects.get(pk=sample_report.pk))
    data["markdown"] = data["markdown"].replace("| 支付成功率 | 99.31% |", "| 支付成功率 | 98.5% |")

    answer = lead_client.post(PARSE, data).json()
    response = lead_client.post(url, data)

    assert response.status_code == 302
    after = report_document(WeeklyReport.objects.get(pk=sample_report.pk))
    changed = {k.name: k.value for k in before.kpis} | {"支付成功率": Decimal("98.5")}
    assert {k.name: k.value for k in after.kpis} == changed
    assert [s.text for s in after.sections if s.heading != "二、核心指标"] == [
        s.text for s in before.sections if s.heading != "二、核心指标"
    ]
    [entry] = [e for e in answer["outline"] if e["heading"] == "二、核心指标"]
    assert entry["said"].startswith("5 个指标")


@pytest.mark.django_db
def test_a_section_is_found_by_the_id_its_heading_has_on_the_pages(lead_client, sample_report):
    """The report page and the edit page give each section's heading an id
    ("section-5"; "objective-2" for an objective): a link from there names it so."""
    reflections = _opened(lead_client, f"{PAGE}?section=reflections")

    assert _opened(lead_client, f"{PAGE}?section=section-5") == reflections
    assert _opened(lead_client, f"{PAGE}?section=section-reflections") == reflections
    objectives = _opened(lead_client, f"{PAGE}?section=objective-2")
    assert objectives["section"] == "objectives"
    assert objectives["markdown"].startswith("## 【O1 服务业务】")


@pytest.mark.django_db
def test_a_section_the_week_does_not_have_opens_the_whole_week(lead_client, sample_report):
    response = lead_client.get(f"{PAGE}?section=no-such-section")

    assert response.status_code == 302 and response["Location"] == PAGE


@pytest.mark.django_db
def test_a_section_gone_from_the_week_is_not_saved_as_the_whole_week(lead_client, sample_report):
    before = _state(sample_report)
    data = {**_opened(lead_client, f"{PAGE}?section=reflections"), "section": "gone"}

    answer = lead_client.post(PAGE, **by_script(data))
    page = lead_client.post(PAGE, data)

    assert answer.status_code == 400 and answer.json()["errors"]["section"]
    assert page.status_code == 200 and page.context["form"].errors["section"]
    assert _state(sample_report) == before


# ---------------------------------------------------------------------------------------
# A week with no report yet
# ---------------------------------------------------------------------------------------

NEXT = "2023-05-27"  # the sample team's next week: no report yet
NEXT_PAGE = reverse("reports:report_markdown_edit", args=["payments", NEXT])
NEXT_PARSE = reverse("reports:report_markdown_parse", args=["payments", NEXT])


@pytest.mark.django_db
def test_a_week_with_no_report_opens_as_it_starts(lead_client, sample_report):
    response = lead_client.get(NEXT_PAGE)

    assert response.status_code == 200
    text = response.context["form"]["markdown"].value()
    assert text.startswith("# 第22周 2023-05-27")
    assert "朝阳项目-招募提佣" in text  # last week's items, carried over
    assert WeeklyReport.objects.count() == 1  # opening it saves nothing


@pytest.mark.django_db
def test_a_pasted_wiki_page_starts_the_week(lead_client, lead, sample_report):
    data = _opened(lead_client, NEXT_PAGE)
    data["markdown"] = PAYMENTS_CORE.read_text(encoding="utf-8")

    parsed = lead_client.post(NEXT_PARSE, {"markdown": data["markdown"]}, **SCRIPTED).json()
    assert parsed["understood"] and WeeklyReport.objects.count() == 1  # reading saves nothing
    response = lead_client.post(NEXT_PAGE, data)

    report = WeeklyReport.objects.get(report_date=date(2023, 5, 27))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:report_edit", args=["payments", NEXT])
    assert report.week_number == 22 and report.author == lead
    doc = report_document(report)
    assert {"支付成功率", "退款成功率", "对账差错"} <= {k.name for k in doc.kpis}
    assert len(doc.events) == 2


@pytest.mark.django_db
def test_the_first_autosave_starts_the_week_and_the_next_saves_over_it(lead_client, sample_report):
    data = _opened(lead_client, NEXT_PAGE)
    data["markdown"] += "\n本周新写的一句\n"

    first = lead_client.post(NEXT_PAGE, **by_script(data)).json()
    data["version"] = str(first["version"])
    data["markdown"] += "\n又一句\n"
    second = lead_client.post(NEXT_PAGE, **by_script(data)).json()

    report = WeeklyReport.objects.get(report_date=date(2023, 5, 27))
    assert first["saved"] and second["saved"] and second["version"] == report.version
    assert "又一句" in export_text(report)


@pytest.mark.django_db
def test_a_week_someone_started_meanwhile_is_not_overwritten(lead_client, sample_report):
    data = _opened(lead_client, NEXT_PAGE)
    theirs = lead_client.post(NEXT_PAGE, {**data, "markdown": data["markdown"] + "\n他们的\n"})
    assert theirs.status_code == 302
    report = WeeklyReport.objects.get(report_date=date(2023, 5, 27))
    before = _state(report)

    mine = lead_client.post(
        NEXT_PAGE, **by_script({**data, "markdown": data["markdown"] + "\n我的\n"})
    )

    assert mine.status_code == 409
    assert _state(report) == before


@pytest.mark.django_db
def test_another_day_of_the_week_leads_to_its_report_date_and_a_post_saves_nothing(
    lead_client, sample_report
):
    other_day = reverse("reports:report_markdown_edit", args=["payments", "2023-05-24"])

    assert lead_client.get(other_day)["Location"] == NEXT_PAGE
    assert lead_client.post(other_day, {"markdown": "# x", "version": "0"}).status_code == 404
    assert WeeklyReport.objects.count() == 1


@pytest.mark.django_db
def test_the_team_page_and_the_new_week_page_lead_to_it(lead_client, sample_report):
    team_page = lead_client.get(reverse("reports:team_detail", args=["payments"]))
    assert "?week=today&amp;markdown=1" in team_page.content.decode()
    new_week = lead_client.get(
        reverse("reports:report_new", args=["payments"]) + f"?week={NEXT}&markdown=1"
    )
    assert new_week["Location"] == NEXT_PAGE
    editor = lead_client.get(reverse("reports:report_new", args=["payments"]) + f"?week={NEXT}")
    assert NEXT_PAGE in editor.content.decode()


@pytest.mark.django_db
def test_one_section_of_a_week_with_no_report_starts_the_week_with_it(lead_client, sample_report):
    page = NEXT_PAGE + "?section=reflections"
    data = _opened(lead_client, page)
    data["markdown"] = data["markdown"].rstrip("\n") + "\n\n先写了反思\n"

    response = lead_client.post(NEXT_PAGE, data)

    assert response.status_code == 302
    report = WeeklyReport.objects.get(report_date=date(2023, 5, 27))
    doc = report_document(report)
    assert doc.reflections.endswith("先写了反思")
    assert "朝阳项目-招募提佣" in export_text(report)  # the rest as the week starts
