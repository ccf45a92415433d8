"""Who may read and write which team.

Members read their own teams, managers all, others get a 404. Writing (new week, edit,
preview, publish, reopen) is for the team's leads: a manager or member who can read the
team gets a 403, everyone else still a 404.

Every URL in ``reports/urls.py`` that names a team or a report is listed here, so a new
view without the permission helper shows up as a failing ownership test.
"""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEAM_VIEWS = ["reports:team_detail", "exports:team_zip", "reports:team_trends"]
REPORT_VIEWS = [
    "reports:report_detail",
    "reports:report_markdown",
    "reports:report_json",
    "reports:report_diff",
    "reports:report_history",
    "reports:report_revision",
]
# Write views, by the method that does something.
WRITE_GET = [
    "reports:report_new",
    "reports:report_import",
    "reports:team_settings",
    "reports:report_edit",
    "reports:report_quick",
    "reports:report_preview",
    "reports:report_markdown_edit",
]
WRITE_POST = ["reports:report_publish", "reports:report_reopen", "reports:team_layout_learn"]
WRITE_POST += ["reports:report_markdown_parse", "reports:report_autosave"]
# POSTs answered 200 that save nothing: a layout learned, a Markdown text read.
READ_BY_POST = ["reports:team_layout_learn", "reports:report_markdown_parse"]
# An autosave of an empty form is refused as the Save button would refuse it: 400 JSON.
EMPTY_REFUSED = ["reports:report_autosave"]
SAMPLE_DATE = "2023-05-20"


def _url(name: str) -> str:
    team_only = name in TEAM_VIEWS or name in (
        "reports:report_new",
        "reports:report_import",
        "reports:team_settings",
        "reports:team_layout_learn",
    )
    args = ["payments"] if team_only else ["payments", SAMPLE_DATE]
    if name == "reports:report_revision":
        args.append(1)  # the sample's import is revision 1
    return reverse(name, args=args)


def _call(client: Client, name: str):
    url = _url(name)
    return client.post(url) if name in WRITE_POST else client.get(url)


OWNED_URLS = pytest.mark.parametrize("name", TEAM_VIEWS + REPORT_VIEWS)
WRITE_URLS = pytest.mark.parametrize("name", WRITE_GET + WRITE_POST)


def test_every_team_url_is_covered():
    from exports.urls import urlpatterns as export_urls
    from reports.urls import urlpatterns as report_urls

    names = {f"reports:{p.name}" for p in report_urls if p.pattern.converters}
    names |= {f"exports:{p.name}" for p in export_urls if p.pattern.converters}
    # Daily notes have their own ownership tests in test_daily_notes.py; the department's
    # week lists only the reader's teams (test_week_rollup.py).
    # Exports belong to the person who asked for them (test_bulk_export.py).
    notes = {
        "exports:export_detail",
        "exports:export_status",
        "exports:export_download",
        "reports:daily_notes",
        "reports:daily_note_delete",
        "reports:week_rollup",
        "reports:week_rollup_markdown",
    }
    assert names == set(TEAM_VIEWS + REPORT_VIEWS + WRITE_GET + WRITE_POST) | notes


@WRITE_URLS
def test_outsider_cannot_write_and_gets_404(outsider_client, sample_team, name):
    assert _call(outsider_client, name).status_code == 404


@WRITE_URLS
def test_manager_reads_but_cannot_write(manager_client, sample_team, name):
    assert _call(manager_client, name).status_code == 403


@WRITE_URLS
def test_member_cannot_write(member_client, name):
    assert _call(member_client, name).status_code == 403


@WRITE_URLS
def test_lead_can_write(lead_client, name):
    # Pages answer 200; publish and reopen redirect to the report they changed.
    # Learning a layout fills the settings form again (200) and saves nothing.
    expected = 302 if name in WRITE_POST and name not in READ_BY_POST else 200
    expected = 400 if name in EMPTY_REFUSED else expected
    assert _call(lead_client, name).status_code == expected


@WRITE_URLS
def test_anonymous_writer_is_sent_to_login(sample_team, name):
    response = _call(Client(), name)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Publishing's GET is its confirmation page, which changes nothing (test_publish_confirm.py).
@pytest.mark.parametrize("name", [n for n in WRITE_POST if n != "reports:report_publish"])
def test_state_changes_need_post(lead_client, name):
    assert lead_client.get(_url(name)).status_code == 405


@OWNED_URLS
def test_outsider_gets_404(outsider_client, sample_team, name):
    assert outsider_client.get(_url(name)).status_code == 404


@OWNED_URLS
def test_manager_gets_200(manager_client, sample_team, name):
    assert manager_client.get(_url(name)).status_code == 200


@OWNED_URLS
def test_lead_gets_200(lead_client, name):
    assert lead_client.get(_url(name)).status_code == 200


@OWNED_URLS
def test_member_gets_200(member_client, name):
    assert member_client.get(_url(name)).status_code == 200


@OWNED_URLS
def test_anonymous_is_redirected_to_login(sample_team, name):
    url = _url(name)

    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_outsider_does_not_see_team_in_list(outsider_client, sample_team):
    html = outsider_client.get(reverse("reports:team_list")).content.decode()

    assert "信贷组" in html
    assert "支付平台组" not in html


def test_manager_sees_every_team_in_list(manager_client, sample_team, other_team):
    html = manager_client.get(reverse("reports:team_list")).content.decode()

    assert "信贷组" in html
    assert "支付平台组" in html
