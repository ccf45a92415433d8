"""Nothing typed into a week is lost, in Chromium (static/js/autosave.js).

The lead's draft saves itself a moment after typing stops; a page closed before that is
saved from the copy the browser kept when it is opened again; a save after the sign-in
expired waits for the lead to sign in again, in a dialog on the page, and then goes
through; leaving with unsaved changes asks first; two leads still get the conflict view.
"""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from reports.document.renderer import render_markdown
from reports.models import WeeklyReport
from reports.selectors import report_document
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long pass phrase 42"
DATE = "2023-05-20"


@pytest.fixture
def lead_with_password(lead, sample_report):
    lead.set_password(PASSWORD)
    lead.save()
    return lead


def _edit(page, live_server):
    page.goto(f"{live_server.url}/teams/payments/{DATE}/edit/")
    page.wait_for_selector("[data-autosave-status]", state="attached")
    page.click("[data-open-all]")  # every section's editor, in place


def _saved_text(report: WeeklyReport) -> str:
    report.refresh_from_db()
    return render_markdown(report_document(report))


def test_the_draft_saves_itself_after_typing_stops(
    page, live_server, lead_with_password, sample_report
):
    login(page, live_server, lead_with_password.username, PASSWORD)
    _edit(page, live_server)
    version = sample_report.version

    page.fill("textarea[name=report-reflections]", "复盘：停下打字后自动保存")
    page.locator("[data-autosave-status].text-success").wait_for()

    assert "复盘：停下打字后自动保存" in _saved_text(sample_report)
    assert sample_report.version == version + 1
    assert page.url.endswith(f"/teams/payments/{DATE}/edit/")  # no page load, same page
    assert page.input_value("input[name=report-version]") == str(version + 1)
    assert page.evaluate("Object.keys(localStorage).length") == 0  # confirmed: copy dropped


def test_a_save_after_the_session_cookie_is_dropped_goes_through_after_signing_in(
    page, live_server, lead_with_password, sample_report
):
    login(page, live_server, lead_with_password.username, PASSWORD)
    _edit(page, live_server)
    page.context.clear_cookies(name="sessionid")

    page.fill("textarea[name=report-reflections]", "会话过期前写下的复盘")
    page.click("button[name=save]")

    dialog = page.locator("dialog.autosave-signin")
    dialog.wait_for()
    assert "登录已过期" in page.locator("[data-autosave-status]").inner_text()
    assert "会话过期前写下的复盘" not in _saved_text(sample_report)
    dialog.locator("input[name=password]").fill("wrong password")
    dialog.locator("[data-signin-submit]").click()
    dialog.locator("[data-signin-error]:not(:empty)").wait_for()
    assert dialog.is_visible()  # still waiting, nothing saved, nothing lost
    assert page.input_value("textarea[name=report-reflections]") == "会话过期前写下的复盘"

    dialog.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation(url=f"**/teams/payments/{DATE}/edit/"):
        dialog.locator("[data-signin-submit]").click()
    page.wait_for_load_state()

    assert "会话过期前写下的复盘" in _saved_text(sample_report)
    assert page.input_value("textarea[name=report-reflections]") == "会话过期前写下的复盘"
    assert page.locator("dialog.autosave-signin").count() == 0  # a fresh page


def test_an_autosave_after_the_session_expired_waits_for_the_sign_in(
    page, live_server, lead_with_password, sample_report
):
    login(page, live_server, lead_with_password.username, PASSWORD)
    _edit(page, live_server)
    page.context.clear_cookies()  # the CSRF cookie goes too

    page.fill("textarea[name=report-reflections]", "没有点保存也不会丢")
    dialog = page.locator("dialog.autosave-signin")
    dialog.wait_for()
    dialog.locator("input[name=password]").fill(PASSWORD)
    dialog.locator("input[name=password]").press("Enter")
    page.locator("[data-autosave-status].text-success").wait_for()

    assert "没有点保存也不会丢" in _saved_text(sample_report)
    assert not dialog.is_visible()


def test_a_save_refused_before_signing_in_again_does_not_ask_again(
    page, live_server, lead_with_password, sample_report
):
    """A change made as the dialog opens is sent signed out; its refusal comes back after
    the lead has signed in again. It is sent again, not shown as a second dialog."""
    login(page, live_server, lead_with_password.username, PASSWORD)
    _edit(page, live_server)
    page.context.clear_cookies()

    def slow(route):
        page.wait_for_timeout(1500)  # every autosave answers late
        route.continue_()

    page.route(f"**/teams/payments/{DATE}/autosave/", slow)
    page.fill("textarea[name=report-reflections]", "第一句")
    dialog = page.locator("dialog.autosave-signin")
    dialog.wait_for()
    # Typed again while the dialog is open: that save is sent signed out, and answers late.
    page.evaluate(
        """() => {
            const area = document.querySelector("textarea[name=report-reflections]");
            area.value = "第一句，第二句";
            area.dispatchEvent(new Event("change", {bubbles: true}));
        }"""
    )
    dialog.locator("input[name=password]").fill(PASSWORD)
    dialog.locator("input[name=password]").press("Enter")
    expect(page.locator("[data-autosave-status]")).to_have_class(
        re.compile("text-success"), timeout=15000
    )
    page.wait_for_timeout(2000)  # the late refusal has come back by now

    assert not dialog.is_visible()
    assert "第一句，第二句" in _saved_text(sample_report)


def _typed_then_closed(browser, live_server, lead, text: str):
    """A browser context whose page had ``text`` typed into the week and was closed
    before anything reached the server: offline, so neither the pause nor the page's
    last request could, and only the copy this browser keeps can bring the text back."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, lead.username, PASSWORD)
    _edit(page, live_server)
    context.set_offline(True)
    page.fill("textarea[name=report-reflections]", text)
    page.close()
    context.set_offline(False)
    return context


def test_a_page_closed_before_saving_has_the_text_when_opened_again(
    browser, live_server, lead_with_password, sample_report
):
    context = _typed_then_closed(browser, live_server, lead_with_password, "关掉页面前写下的")
    assert "关掉页面前写下的" not in _saved_text(sample_report)

    page = context.new_page()
    _edit(page, live_server)
    expect(page.locator("textarea[name=report-reflections]")).to_have_value("关掉页面前写下的")
    # The copy is dropped once the server confirmed it (the page may reload on the way).
    for _ in range(100):
        page.wait_for_load_state()
        try:
            if page.evaluate("Object.keys(localStorage).length") == 0:
                break
        except PlaywrightError:  # the page reloads once the copy is saved
            pass
        page.wait_for_timeout(100)
    page.wait_for_load_state()

    assert page.evaluate("Object.keys(localStorage).length") == 0
    assert "关掉页面前写下的" in _saved_text(sample_report)
    context.close()


def test_a_restored_copy_stays_saved_while_the_week_opens_again(
    browser, live_server, lead_with_password, sample_report
):
    """The page that saved a kept copy still shows the old text until the week opens
    again; nothing it does meanwhile may save that old text back over the copy."""
    context = _typed_then_closed(browser, live_server, lead_with_password, "恢复后不能被旧内容盖掉")

    # The week's page opens at once; opening it again, once the copy is saved, takes
    # longer than the page's two-second look for changes.
    opened = []

    def slow_second_opening(route):
        opened.append(route.request.url)
        if len(opened) > 1:
            page.wait_for_timeout(4500)
        route.continue_()

    page = context.new_page()
    page.route(f"**/teams/payments/{DATE}/edit/", slow_second_opening)
    page.goto(f"{live_server.url}/teams/payments/{DATE}/edit/")
    expect(page.locator("textarea[name=report-reflections]")).to_have_value(
        "恢复后不能被旧内容盖掉", timeout=15000
    )
    page.wait_for_load_state()

    assert len(opened) == 2
    assert page.evaluate("Object.keys(localStorage).length") == 0
    assert "恢复后不能被旧内容盖掉" in _saved_text(sample_report)
    context.close()


def test_leaving_with_unsaved_changes_asks_first(page, live_server, lead_with_password):
    login(page, live_server, lead_with_password.username, PASSWORD)
    _edit(page, live_server)
    page.context.set_offline(True)  # keep the change unsaved
    page.fill("textarea[name=report-reflections]", "还没保存")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)

    assert asked == ["beforeunload"]
    assert not page.is_closed()
    assert page.input_value("textarea[name=report-reflections]") == "还没保存"


def test_two_leads_still_get_both_versions(
    browser, live_server, lead_with_password, sample_team, sample_report
):
    from tests.factories import MembershipFactory

    other = MembershipFactory(team=sample_team, user__username="lead2", role="lead").user
    other.set_password(PASSWORD)
    other.save()
    mine = browser.new_context().new_page()
    theirs = browser.new_context().new_page()
    login(mine, live_server, lead_with_password.username, PASSWORD)
    login(theirs, live_server, "lead2", PASSWORD)
    _edit(mine, live_server)
    _edit(theirs, live_server)

    theirs.fill("textarea[name=report-reflections]", "另一位组长先写的")
    theirs.locator("[data-autosave-status].text-success").wait_for()
    mine.fill("textarea[name=report-reflections]", "我后写的")
    mine.locator("[data-autosave-status].text-danger").wait_for()
    assert "另一位组长先写的" in _saved_text(sample_report)
    assert "我后写的" not in _saved_text(sample_report)

    mine.locator("[data-autosave-status] button").first.click()
    mine.wait_for_load_state()
    assert mine.locator("#save-conflict").is_visible()
    assert mine.input_value("textarea[name=report-reflections]") == "我后写的"
    assert "我后写的" not in _saved_text(sample_report)
    mine.context.close()
    theirs.context.close()


def test_back_after_saving_shows_the_week_as_saved_and_saves_again(
    page, live_server, lead_with_password, sample_report
):
    """Back after "Save and preview" shows the week as saved (the editor's pages are not
    kept by the browser), and what is typed there is saved like anywhere else."""
    login(page, live_server, lead_with_password.username, PASSWORD)
    _edit(page, live_server)
    page.fill("textarea[name=report-reflections]", "保存前")
    with page.expect_navigation(url="**/preview/"):
        page.click("button[name=preview]")
    page.go_back()
    page.wait_for_selector("[data-autosave-status]", state="attached")
    page.click("[data-open-all]")
    expect(page.locator("textarea[name=report-reflections]")).to_have_value("保存前")

    page.fill("textarea[name=report-reflections]", "返回后又写的")
    page.locator("[data-autosave-status].text-success").wait_for()

    assert "返回后又写的" in _saved_text(sample_report)
