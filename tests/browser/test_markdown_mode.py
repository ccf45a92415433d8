"""A lead pastes last week's wiki page into the week's Markdown mode, in Chromium: the page
says what it read as the text arrives (sections in the team's words, warnings beside the
text), nothing is saved until the lead saves, and the structured editor then shows it."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from reports.files import export_text
from reports.models import WeeklyReport
from reports.selectors import report_document
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures/teams/payments-core/2024-03-08.md"
PAGE = "/teams/payments/2023-05-20/markdown/"


def test_a_pasted_wiki_page_is_read_as_typed_then_saved_as_the_week(page, live_server, artifacts):
    call_command("load_demo", stdout=StringIO())
    WeeklyReport.objects.update(status="draft")
    report = WeeklyReport.objects.select_related("team").get(
        team__slug="payments", report_date="2023-05-20"
    )
    before = export_text(report)
    login(page, live_server, "lead", "weekly-demo-2023")
    page.goto(f"{live_server.url}{PAGE}")
    textarea = page.locator("textarea[name=markdown]")
    assert textarea.input_value() == before
    outline = page.locator("[data-outline]")
    assert "【系统运行数据】" in outline.inner_text()

    # The page saves itself a moment after typing stops (autosave.js): held here, so that
    # what the page reads can be seen before anything is saved.
    page.route(f"**{PAGE}", lambda route: route.abort())

    # A mistake first: the reason appears beside the text, in the reader's language.
    title = "# 周报（2024.03.04-2024.03.08）"
    textarea.fill(FIXTURE.read_text(encoding="utf-8").replace(title, "# 第12周 2024-02-30"))
    problems = page.locator("[data-errors]")
    problems.get_by_text("标题中的日期不存在").wait_for()
    assert page.locator(".markdown-marker.is-error").count() == 1

    # The page as pasted: the sections in the team's words, what each states, warnings.
    textarea.fill(FIXTURE.read_text(encoding="utf-8"))
    outline.get_by_text("二、核心指标").wait_for()
    page.locator("[data-errors] .markdown-problem").wait_for(state="detached")
    text = outline.inner_text()
    for said in ("5 个指标", "2 个事件", "3 个风险", "4 个待办"):
        assert said in text
    warning = page.locator("[data-warnings] li", has_text="2024-03-08")
    assert "周报（2024.03.04-2024.03.08）" in warning.inner_text()
    assert "第2行" not in page.locator("[data-reading]").inner_text()
    page.screenshot(path=artifacts / "markdown-mode-read.png", full_page=True)

    # The warning points at the line of the text it is about.
    warning.locator("button[data-line]").click()
    selected = page.evaluate(
        "() => { const t = document.querySelector('textarea[name=markdown]');"
        " return t.value.slice(t.selectionStart, t.selectionEnd); }"
    )
    assert selected == title
    assert export_text(WeeklyReport.objects.get(pk=report.pk)) == before  # nothing saved yet

    # Saved: the week is the pasted page, and the structured editor shows it.
    page.unroute(f"**{PAGE}")
    page.click("button[name=save]")
    page.wait_for_url(f"{live_server.url}/teams/payments/2023-05-20/edit/")
    headings = page.locator(".section-heading").all_inner_texts()
    for heading in ("二、核心指标", "三、稳定性", "四、风险与问题", "六、待办与负责人"):
        assert heading in headings, heading
    page.screenshot(path=artifacts / "markdown-mode-saved.png", full_page=True)
    doc = report_document(WeeklyReport.objects.get(pk=report.pk))
    assert (doc.report_date.isoformat(), doc.week_number) == ("2023-05-20", 21)
    assert {k.name for k in doc.kpis} >= {"支付成功率", "退款成功率", "可用性"}
    assert page.foreign_requests == []


def test_one_section_is_edited_alone_and_its_kpis_are_read_again(page, live_server, artifacts):
    call_command("load_demo", stdout=StringIO())
    WeeklyReport.objects.update(status="draft")
    login(page, live_server, "lead", "weekly-demo-2023")
    page.goto(f"{live_server.url}{PAGE}")
    page.click("#section-links a:has-text('【系统运行数据】')")
    assert page.locator("#section-heading").inner_text() == "## 【系统运行数据】"
    textarea = page.locator("textarea[name=markdown]")
    text = textarea.input_value()
    assert text.startswith("成功率：") and "# " not in text

    # An unreadable line: the reason beside the text points at the section's own line.
    textarea.fill(text.replace("- 事故数AB级0次", "- 事故数很多，AB级0次"))
    page.locator("[data-errors] .markdown-problem").wait_for()
    page.locator("[data-errors] button[data-line]").click()
    selected = page.evaluate(
        "() => { const t = document.querySelector('textarea[name=markdown]');"
        " return t.value.slice(t.selectionStart, t.selectionEnd); }"
    )
    assert selected.startswith("- 事故数很多")

    # Corrected, the section saves itself a moment later (autosave.js), KPIs read again.
    def saved(response):
        return (
            response.request.method == "POST"
            and response.url.endswith(f"{PAGE}?section=operations")
            and response.status == 200
        )

    with page.expect_response(saved) as answer:
        textarea.fill(text.replace("入金有效成功率：99.98%", "入金有效成功率：99.5%"))
    assert answer.value.json()["saved"] is True
    page.locator("[data-errors] .markdown-problem").wait_for(state="detached")
    report = WeeklyReport.objects.get(team__slug="payments", report_date="2023-05-20")
    kpis = {k.name: str(k.value) for k in report_document(report).kpis}
    assert kpis["入金有效成功率"] == "99.5" and kpis["出金有效成功率"] == "99.92"
    page.screenshot(path=artifacts / "markdown-mode-section.png", full_page=True)

    page.click("button[name=save]")
    page.wait_for_url(f"{live_server.url}/teams/payments/2023-05-20/edit/")
    assert page.foreign_requests == []


def test_this_week_is_started_by_pasting_the_wiki_page(page, live_server, lead, sample_report):
    """From the team page, a week that has no report yet, written by pasting a page."""
    lead.set_password("a long pass phrase 42")
    lead.save()
    login(page, live_server, "lead", "a long pass phrase 42")
    page.goto(f"{live_server.url}/teams/payments/")
    with page.expect_navigation():
        page.locator(".write-this-week").get_by_role("link", name="Markdown").click()
    assert page.url.endswith("/markdown/")
    textarea = page.locator("textarea[name=markdown]")
    assert textarea.input_value().startswith("# 第")  # as the week starts: carried over

    textarea.fill(FIXTURE.read_text(encoding="utf-8"))
    page.locator("[data-outline]").get_by_text("二、核心指标").wait_for()
    with page.expect_navigation():
        page.click("button[name=save]")

    week = WeeklyReport.objects.exclude(pk=sample_report.pk).get()
    doc = report_document(week)
    assert {"支付成功率", "退款成功率"} <= {k.name for k in doc.kpis}
    assert page.url.endswith(f"/teams/payments/{week.report_date.isoformat()}/edit/")
