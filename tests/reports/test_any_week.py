"""A lead opens any week, not only the one after the latest: this week first, skipped
weeks, a week already written; the team list says how far behind each team is; daily
notes reach any week not yet published.

"This week" is the calendar week (Monday to Sunday) holding today, as the department's
roll-up counts it; a team's report of it is dated on the weekday its reports fall on.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from reports import rollup, services
from reports.document.renderer import title_line
from reports.document.vocabulary import WeekNumbering
from reports.models import DailyNote, Membership, Team, WeeklyReport
from tests.factories import MembershipFactory, TeamFactory, save_week
from tests.forms_data import editor_data

pytestmark = pytest.mark.django_db

NEW_URL = reverse("reports:report_new", args=["payments"])
TEAM_URL = reverse("reports:team_detail", args=["payments"])
NOTES_URL = reverse("reports:daily_notes", args=["payments"])
SAMPLE_DATE = date(2023, 5, 20)  # a Saturday, week 21


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _this(weekday: int) -> date:
    """This calendar week's Monday (0) … Sunday (6)."""
    return _monday(timezone.localdate()) + timedelta(days=weekday)


def _zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


def _opened(client, week: str):
    """The new week page for ``?week=``: (its report date, its number, its document)."""
    response = client.get(NEW_URL, {"week": week})
    assert response.status_code == 200, response.get("Location")
    editor = response.context["editor"]
    return editor.report["report_date"].value(), editor.report["week_number"].value(), response


# -- this week ----------------------------------------------------------------------------


def test_this_week_for_a_team_years_behind_is_this_weeks_saturday(lead_client, sample_team):
    saturday = _this(5)

    day, number, response = _opened(lead_client, "today")

    assert day == saturday
    # Numbered on from week 21 by the team's (sequence) scheme: a skipped week skips its number.
    assert number == 21 + (saturday - SAMPLE_DATE).days // 7
    doc = response.context["doc"]
    assert title_line(doc) == f"第{number}周 {saturday:%Y-%m-%d}"  # the title names the new week
    assert doc.events == []  # the sample's incidents are long over
    assert [p.text for p in doc.plan_review]  # the last week's plan, to review
    # Started from the latest report: its values are last week's, beside the empty fields.
    assert response.context["editor"].previous_kpis["入金有效成功率"].value == Decimal("99.98")
    assert WeeklyReport.objects.count() == 1  # nothing saved until the lead saves


def test_saving_this_week_fills_the_departments_week(lead_client, sample_team):
    today = timezone.localdate()
    assert rollup.week_rollup(Team.objects.all(), today).rows[0].report is None
    response = lead_client.get(NEW_URL, {"week": "today"})

    saved = lead_client.post(f"{NEW_URL}?week=today", editor_data(response.context["editor"]))

    report = WeeklyReport.objects.get(report_date=_this(5))
    assert saved["Location"] == reverse("reports:report_edit", args=["payments", _this(5)])
    assert report.status == "draft"
    assert rollup.week_rollup(Team.objects.all(), today).rows[0].report == report


def test_this_week_keeps_the_weekday_of_the_teams_reports(client):
    team = TeamFactory(slug="ops", name="运维组", week_numbering=WeekNumbering.CALENDAR)
    save_week(team, date(2024, 1, 1), 1)  # a Monday
    client.force_login(MembershipFactory(team=team, role=Membership.Role.LEAD).user)

    response = client.get(reverse("reports:report_new", args=["ops"]), {"week": "today"})

    editor = response.context["editor"]
    monday = _this(0)
    assert editor.report["report_date"].value() == monday
    first_monday = _monday(date(monday.year, 1, 1))  # the calendar count's week 1
    assert editor.report["week_number"].value() == (monday - first_monday).days // 7 + 1


def test_a_team_without_reports_dates_this_week_on_its_due_day(client):
    team = TeamFactory(slug="new-team", name="新组", due_weekday=3)  # Thursday
    client.force_login(MembershipFactory(team=team, role=Membership.Role.LEAD).user)

    response = client.get(reverse("reports:report_new", args=["new-team"]), {"week": "today"})

    editor = response.context["editor"]
    assert editor.report["report_date"].value() == _this(3)
    assert editor.report["week_number"].value() == 1


def test_a_note_of_this_week_reaches_this_weeks_report(lead_client, member, sample_team):
    services.daily_note_create(
        team=sample_team, author=member, day=timezone.localdate(), text="联调收银台"
    )

    _day, _number, response = _opened(lead_client, "today")

    assert [n.text for n in response.context["doc"].daily_notes] == ["联调收银台"]


def test_the_team_page_offers_this_week_first(lead_client, member_client, sample_team):
    html = lead_client.get(TEAM_URL).content.decode()

    # "Write this week" (its quick update), beside it "Edit everything" (the whole week).
    this_week = html.index(f'href="{NEW_URL}?week=today&amp;quick=1"')
    assert 'class="btn btn-primary btn-sm" href="' + NEW_URL + '?week=today&amp;quick=1"' in html
    assert this_week < html.index(f'href="{NEW_URL}?week=today"')
    assert this_week < html.index(f'href="{NEW_URL}"')  # "Start next week" comes after it
    assert 'name="week"' in html and f'action="{NEW_URL}"' in html  # "Another week…"
    assert 'name="week"' not in member_client.get(TEAM_URL).content.decode()


# -- any week -----------------------------------------------------------------------------


def test_any_day_opens_the_teams_report_date_of_its_week(lead_client, sample_team):
    day, number, response = _opened(lead_client, "2023-06-07")  # a Wednesday, 3 weeks on

    assert day == date(2023, 6, 10)  # that week's Saturday
    assert number == 24  # 22 and 23 skipped
    assert title_line(response.context["doc"]) == "第24周 2023-06-10"


def test_the_number_is_the_teams_for_that_date(lead_client, sample_team):
    sample_team.week_numbering = WeekNumbering.CALENDAR
    sample_team.save(update_fields=["week_numbering"])

    day, number, _response = _opened(lead_client, "2024-03-04")

    assert (day, number) == (date(2024, 3, 9), 10)  # 2024-01-01 was a Monday: week 1


def test_a_skipped_week_starts_from_the_report_before_it(lead_client, sample_team):
    save_week(sample_team, date(2023, 6, 10), 24, kpis={"入金有效成功率": "97.10"})

    day, number, response = _opened(lead_client, "2023-06-01")

    assert (day, number) == (date(2023, 6, 3), 23)
    last = response.context["editor"].previous_kpis["入金有效成功率"]
    assert last.value == Decimal("99.98")  # the week before it, not the latest (97.10)


def test_saving_a_skipped_week_creates_that_week(lead_client, sample_team):
    url = f"{NEW_URL}?week=2023-06-07"
    data = editor_data(lead_client.get(url).context["editor"])

    response = lead_client.post(url, data)

    assert response["Location"] == reverse("reports:report_edit", args=["payments", "2023-06-10"])
    assert WeeklyReport.objects.get(report_date=date(2023, 6, 10)).week_number == 24


def test_next_week_may_be_started_early(lead_client, sample_team):
    day, _number, _response = _opened(lead_client, (_this(0) + timedelta(days=7)).isoformat())

    assert day == _this(5) + timedelta(days=7)


def test_the_week_after_the_latest_is_still_the_default(lead_client, sample_team):
    editor = lead_client.get(NEW_URL).context["editor"]

    assert (editor.report["report_date"].value(), editor.report["week_number"].value()) == (
        date(2023, 5, 27),
        22,
    )


# -- a week that has its report ----------------------------------------------------------


def test_a_week_with_a_draft_opens_its_edit_page(lead_client, sample_team):
    response = lead_client.get(NEW_URL, {"week": "2023-05-15"}, follow=True)

    assert response.redirect_chain[0][0] == reverse(
        "reports:report_edit", args=["payments", "2023-05-20"]
    )
    assert response.status_code == 200
    assert WeeklyReport.objects.count() == 1


def test_a_published_week_opens_its_page(lead_client, sample_report):
    services.report_publish(report=sample_report)

    response = lead_client.get(NEW_URL, {"week": "2023-05-21"})  # the Sunday of its week

    assert response["Location"] == reverse("reports:report_detail", args=["payments", "2023-05-20"])
    assert WeeklyReport.objects.count() == 1


def test_this_week_once_written_opens_its_draft(lead_client, sample_team):
    save_week(sample_team, _this(5), 200)

    response = lead_client.get(NEW_URL, {"week": "today"})

    assert response["Location"] == reverse("reports:report_edit", args=["payments", _this(5)])
    assert WeeklyReport.objects.count() == 2


# -- a week refused -----------------------------------------------------------------------


def _after_next_week() -> str:
    return (_this(0) + timedelta(days=14)).isoformat()


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ("2023-02-30", "Enter a valid date."),
        ("not-a-date", "Enter a valid date."),
        ("", "This field is required."),
        ("1969-12-31", "The year must be between %(low)d and %(high)d."),
        (_after_next_week, "Weeks after next week cannot be started yet."),
    ],
    ids=["no-such-day", "no-date", "empty", "before-1970", "after-next-week"],
)
def test_a_refused_week_is_said_beside_the_field_and_nothing_is_created(
    lead_client, sample_team, week, message
):
    week = week() if callable(week) else week
    expected = _zh(message)
    if "%(low)d" in expected:
        expected = expected % {"low": 1970, "high": 2099}

    response = lead_client.get(NEW_URL, {"week": week}, follow=True)
    posted = lead_client.post(f"{NEW_URL}?week={week}", {"report-report_date": week})

    assert response.redirect_chain[-1][0] == f"{TEAM_URL}?week={week}"
    html = response.content.decode()
    assert 'class="form-control form-control-sm is-invalid"' in html
    assert f'<div class="invalid-feedback">{expected}</div>' in html
    assert posted.status_code == 302 and posted["Location"].startswith(TEAM_URL)
    assert WeeklyReport.objects.count() == 1


def test_only_leads_open_a_week(member_client, outsider_client, sample_team):
    assert member_client.get(NEW_URL, {"week": "today"}).status_code == 403
    assert outsider_client.get(NEW_URL, {"week": "today"}).status_code == 404
    assert WeeklyReport.objects.count() == 1


# -- how far behind each team is ----------------------------------------------------------


def test_the_team_list_says_how_many_weeks_each_team_is_behind(manager_client, sample_team):
    save_week(TeamFactory(slug="current", name="A 本周已写"), _this(0), 10)
    save_week(TeamFactory(slug="ahead", name="B 已写下周"), _this(5) + timedelta(days=7), 11)
    save_week(TeamFactory(slug="late", name="C 上周"), _this(6) - timedelta(days=7), 12)
    TeamFactory(slug="none", name="D 新组")

    response = manager_client.get("/")

    behind = {team.slug: team.weeks_behind for team in response.context["teams"]}
    years = (_monday(timezone.localdate()) - _monday(SAMPLE_DATE)).days // 7
    assert behind == {"current": 0, "ahead": 0, "late": 1, "none": None, "payments": years}
    html = response.content.decode()
    assert f'data-weeks="{years}"' in html and 'data-weeks="1"' in html
    none_row = html[html.index("D 新组") :]
    assert _zh("No report yet") in none_row[: none_row.index("</tr>")]


# -- daily notes of any week not yet published ---------------------------------------------


def test_an_old_note_is_taken_for_a_week_not_published(member_client, lead_client, sample_team):
    response = member_client.post(NOTES_URL, {"day": "2023-05-24", "text": "补写：迎检复盘"})

    assert response.status_code == 302
    assert DailyNote.objects.get().day == date(2023, 5, 24)
    _day, _number, page = _opened(lead_client, "2023-05-24")
    assert [n.text for n in page.context["doc"].daily_notes] == ["补写：迎检复盘"]


def test_an_old_note_is_taken_while_its_weeks_report_is_a_draft(member_client, sample_team):
    response = member_client.post(NOTES_URL, {"day": "2023-05-16", "text": "补写：对账脚本"})

    assert response.status_code == 302
    assert DailyNote.objects.get().text == "补写：对账脚本"


def test_an_old_note_is_refused_for_a_published_week(member_client, sample_report):
    services.report_publish(report=sample_report)

    response = member_client.post(NOTES_URL, {"day": "2023-05-16", "text": "补写：对账脚本"})

    assert response.status_code == 200
    assert "这一天所在周的周报已发布" in response.content.decode()
    assert not DailyNote.objects.exists()
