"""The edit page in Chromium: the week as it reads, a section at a time, on a desktop and
on a phone (390 px), with a list of its sections to jump between."""

from decimal import Decimal

import pytest

from reports.models import WeeklyReport
from reports.selectors import report_document
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EDIT = "/teams/payments/2023-05-20/edit/"
REPORT = "/teams/payments/2023-05-20/"
PHONE = 390


@pytest.fixture
def draft(sample_report, lead):
    WeeklyReport.objects.filter(pk=sample_report.pk).update(status="draft")
    return sample_report


def _sign_in(page, live_server):
    login(page, live_server, "lead", "weekly-test-password")


def _saved(report):
    return report_document(WeeklyReport.objects.get(pk=report.pk))


def _save(page):
    # The page leaves once the week is saved (autosave.js may send the form first).
    with page.expect_navigation():
        page.click("button[name=save]")


def _widest(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_report_and_its_editor_fit_a_phone(browser, live_server, draft):
    context = browser.new_context(viewport={"width": PHONE, "height": 844}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, live_server)

    page.goto(live_server.url + REPORT)
    assert page.locator("article.report").is_visible()
    assert _widest(page) <= PHONE

    page.goto(live_server.url + EDIT)
    assert _widest(page) <= PHONE
    # On a phone the sections are a menu at the top, not a list beside the report.
    assert page.locator("#section-jump").is_visible()
    assert not page.locator("#section-list").is_visible()
    page.select_option("#section-jump", label="【O2 系统升级】")
    o2 = page.locator("[data-section][data-title='【O2 系统升级】']")
    assert 0 <= o2.bounding_box()["y"] < 120  # at the top, below the menu

    # Every editor open: still nothing wider than the screen but the KPI table, which
    # scrolls in its own box.
    page.click("[data-open-all]")
    assert page.locator("textarea[name=report-other]").is_visible()
    assert _widest(page) <= PHONE
    table_box = page.locator(".kpi-table-box")
    assert table_box.evaluate("el => el.scrollWidth > el.clientWidth")
    assert table_box.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    context.close()


def test_a_section_opens_in_place_and_the_save_button_saves_it(page, live_server, draft):
    _sign_in(page, live_server)
    page.goto(live_server.url + EDIT)

    # The sections in the team's layout order, as the report page has them.
    names = page.locator("#section-list a").all_inner_texts()
    assert names[:3] == ["第21周 2023/05/20", "上周进展", "【系统运行数据】"]
    assert names.index("【O1 服务业务】") < names.index("【O3 安全稳定、降本提效】")
    assert names[-4:] == ["【其他】", "本周收获与反思", "下周工作及目标", "日报合集"]

    # The list jumps to a section: it is at the top of the screen, its heading focused.
    page.locator("#section-list").get_by_role("link", name="【O3 安全稳定、降本提效】").click()
    o3 = page.locator("[data-section][data-title='【O3 安全稳定、降本提效】']")
    assert 0 <= o3.bounding_box()["y"] < 60
    assert page.evaluate("document.activeElement.textContent") == "【O3 安全稳定、降本提效】"
    assert page.evaluate("location.hash") == "#objective-3"

    # 【其他】 reads as published; its Edit button opens its editor in its place.
    other = page.locator("[data-section][data-title='【其他】']")
    field = other.locator("textarea[name=report-other]")
    assert "GPT Hackathon 复审" in other.locator("[data-view]").inner_text()
    assert not field.is_visible()
    other.get_by_role("button", name="编辑").click()
    assert field.is_visible() and not other.locator("[data-view]").is_visible()
    field.fill("1. GPT Hackathon 复审\n2. 迎检技术准备\n3. **值班表**更新")

    # Done shows it as it will read, formatted by the server.
    other.locator("[data-done]").click()
    assert not field.is_visible()
    other.locator("[data-view] strong").wait_for()
    assert other.locator("[data-view] strong").inner_text() == "值班表"

    _save(page)
    assert _saved(draft).other == "1. GPT Hackathon 复审\n2. 迎检技术准备\n3. **值班表**更新"
    page.goto(live_server.url + REPORT)
    assert page.locator("article.report strong", has_text="值班表").is_visible()
    assert page.foreign_requests == []


def test_items_move_and_indent_from_the_keyboard(page, live_server, draft):
    _sign_in(page, live_server)
    page.goto(live_server.url + EDIT)
    o1 = page.locator(".objective").first
    o1.get_by_role("button", name="编辑").click()

    # 带押过户: up one (above 朝阳项目-招募提佣), then under the item now above it.
    title = page.locator("input[name$='-title'][value='带押过户']")
    title.focus()
    page.keyboard.press("Alt+ArrowUp")
    page.keyboard.press("Alt+ArrowRight")
    # The focus stayed in the item, which now sits one level deeper.
    assert page.evaluate("document.activeElement.value") == "带押过户"
    row = o1.locator(".item-row", has=title)
    assert row.get_attribute("data-depth") == "1"
    # An item with nothing above it at its depth cannot go further: nothing changes.
    first = page.locator("input[name$='-title'][value='轻存管&定转佣能力建设']")
    first.focus()
    page.keyboard.press("Alt+ArrowUp")
    page.keyboard.press("Alt+ArrowRight")
    assert o1.locator(".item-row", has=first).get_attribute("data-depth") == "0"

    _save(page)
    items = _saved(draft).objectives[0].items
    assert [i.title for i in items][:3] == [
        "轻存管&定转佣能力建设",
        "朝阳项目-招募提佣",
        "小贝帮帮项目",
    ]
    assert [c.title for c in items[0].children] == ["带押过户"]

    # The report page lists it under 轻存管&定转佣能力建设.
    page.goto(live_server.url + REPORT)
    nested = page.locator("article.report li:has-text('轻存管&定转佣能力建设') > ul > li")
    assert nested.first.inner_text().startswith("带押过户")


def test_after_a_refused_save_the_list_counts_the_errors_of_each_section(page, live_server, draft):
    _sign_in(page, live_server)
    page.goto(live_server.url + EDIT)
    page.click("[data-open-all]")
    page.locator(".kpi-row").first.locator("input[name$='-value']").fill("150")
    o1 = page.locator(".objective").first
    item = o1.locator(".item-row", has=page.locator("input[value='小贝帮帮项目']"))
    item.locator("details summary").click()
    item.locator("input[name$='-percent']").fill("130")
    _save(page)

    assert page.locator("#form-errors").is_visible()
    assert _saved(draft).kpis[0].value == Decimal("99.98")  # nothing was saved
    flagged = page.locator("#section-list a.has-errors")
    names = flagged.locator(".section-link-name").all_inner_texts()
    assert names == ["【系统运行数据】", "【O1 服务业务】"]
    assert flagged.locator(".badge").all_inner_texts() == ["1", "1"]
    # The sections with errors are open at their fields, the others read as published.
    operations = page.locator("[data-section][data-title='【系统运行数据】']")
    assert "is-open" in operations.get_attribute("class")
    assert "is-open" in o1.get_attribute("class")
    assert operations.get_attribute("data-errors") == "1"
    assert "is-open" not in page.locator(".objective").nth(1).get_attribute("class")
    assert page.locator(".is-invalid:visible").count() == 2

    # The list jumps to them.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    flagged.nth(1).click()
    assert 0 <= o1.bounding_box()["y"] < 60

    # On a phone, the menu names them too.
    page.set_viewport_size({"width": PHONE, "height": 844})
    options = page.locator("#section-jump option").all_inner_texts()
    assert "【系统运行数据】 \u26a0 1" in options and "【O1 服务业务】 \u26a0 1" in options
    assert _widest(page) <= PHONE
