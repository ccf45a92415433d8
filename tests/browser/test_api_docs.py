"""The API's documentation page works in the browser from this server's files alone."""

import pytest

from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_without_any_other_server(page, live_server, artifacts, lead):
    lead.set_password("weekly-test-password-1")
    lead.save()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, live_server, "lead", "weekly-test-password-1")

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector("text=/api/v1/teams/{slug}/reports/{report_date}/kpis/", timeout=15_000)

    page.screenshot(path=artifacts / "api-docs.png")
    assert page.foreign_requests == []
    assert not [e for e in errors if "Content Security Policy" in e]
