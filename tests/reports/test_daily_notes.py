"""Members write daily notes; they show under 日报合集 of their week, grouped by day and person."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.files import export_text
from reports.models import DailyNote
from reports.selectors import report_document
from tests.factories import import_sample, sample_document
from tests.forms_data import editor_data

pytestmark = pytest.mark.django_db

NOTES_URL = reverse("reports:daily_notes", args=["payments"])


def _note(team, user, day, text):
    return services.daily_note_create(team=team, author=user, day=day, text=text)


def test_a_member_adds_a_note_for_today(member_client, member, sample_team):
    response = member_client.post(
        NOTES_URL, {"day": timezone.localdate(), "text": "完成对账\n脚本"}
    )

    assert response.status_code == 302
    note = DailyNote.objects.get()
    assert (note.team, note.author, note.text) == (sample_team, member, "完成对账 脚本")
    assert note.author_name == member.get_username()
    assert "完成对账 脚本" in member_client.get(NOTES_URL).content.decode()


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (lambda today: today + timedelta(days=1), "不能是尚未到来的日期"),
        (lambda today: date(1969, 12, 31), "年份应在 1970 到 2099 之间"),
    ],
    ids=["tomorrow", "before-1970"],
)
def test_days_out_of_range_are_refused_beside_the_field(member_client, day, message):
    """Any day up to today whose week is not published is taken, however old (see
    test_any_week.py); a day still to come or outside the years allowed is not."""
    response = member_client.post(NOTES_URL, {"day": day(timezone.localdate()), "text": "补写"})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DailyNote.objects.exists()


def test_an_empty_note_is_refused(member_client):
    response = member_client.post(NOTES_URL, {"day": timezone.localdate(), "text": "  "})

    assert "该字段是必填项。" in response.content.decode()
    assert not DailyNote.objects.exists()


def test_notes_appear_in_their_weeks_report_grouped_by_day_and_person(sample_report, member, lead):
    team = sample_report.team
    _note(team, member, date(2023, 5, 16), "完成对账脚本")
    _note(team, lead, date(2023, 5, 15), "迎检准备")
    _note(team, member, date(2023, 5, 15), "支持数据提取")
    _note(team, member, date(2023, 5, 21), "下一周的事")  # after this report's week

    text = export_text(sample_report)

    assert text.endswith(
        "# 日报合集\n\n"
        "### 2023-05-15 周一\n\n- lead：迎检准备\n- member：支持数据提取\n\n"
        "### 2023-05-16 周二\n\n- member：完成对账脚本\n"
    )


def test_importing_a_report_with_notes_adds_them_once(sample_team):
    doc = sample_document()
    from reports.document import DailyNote as Note

    doc.daily_notes = [Note(date(2023, 5, 15), "王芳", "支持迎检")]

    import_sample(sample_team, document=doc)
    import_sample(sample_team, document=doc)

    note = DailyNote.objects.get()
    assert (note.author, note.author_name, note.text) == (None, "王芳", "支持迎检")


def test_saving_the_edit_page_keeps_the_notes(lead_client, sample_report, member):
    _note(sample_report.team, member, date(2023, 5, 16), "完成对账脚本")
    url = reverse("reports:report_edit", args=["payments", "2023-05-20"])
    data = editor_data(lead_client.get(url).context["editor"])

    lead_client.post(url, data)

    assert [n.text for n in report_document(sample_report).daily_notes] == ["完成对账脚本"]
    assert DailyNote.objects.count() == 1


def test_the_edit_page_offers_the_weeks_notes_to_pull_into_items(
    lead_client, sample_report, member
):
    _note(sample_report.team, member, date(2023, 5, 16), "光大同行试单成功")

    html = lead_client.get(
        reverse("reports:report_edit", args=["payments", "2023-05-20"])
    ).content.decode()

    assert "光大同行试单成功" in html and "data-pull-note" in html


def test_only_the_author_deletes_a_note(member_client, lead_client, member, sample_team):
    note = _note(sample_team, member, timezone.localdate(), "写错了")
    url = reverse("reports:daily_note_delete", args=["payments", note.pk])

    assert lead_client.post(url).status_code == 404
    assert member_client.post(url).status_code == 302
    assert not DailyNote.objects.exists()
    assert note.history.count() == 2  # created, deleted: the history keeps it


def test_who_may_write_notes(outsider_client, manager_client, member_client, lead_client):
    assert outsider_client.get(NOTES_URL).status_code == 404
    assert manager_client.get(NOTES_URL).status_code == 403
    assert member_client.get(NOTES_URL).status_code == 200
    assert lead_client.get(NOTES_URL).status_code == 200


def test_outsiders_cannot_delete_notes(outsider_client, manager_client, member, sample_team):
    note = _note(sample_team, member, timezone.localdate(), "留着")
    url = reverse("reports:daily_note_delete", args=["payments", note.pk])

    assert outsider_client.post(url).status_code == 404
    assert manager_client.post(url).status_code == 403
    assert DailyNote.objects.filter(pk=note.pk).exists()


def test_a_published_week_keeps_its_notes(member_client, member, sample_team):
    from reports.models import WeeklyReport

    today = timezone.localdate()
    week = WeeklyReport.objects.create(
        team=sample_team, report_date=today + timedelta(days=2), week_number=99
    )
    note = _note(sample_team, member, today, "已写入周报")
    services.report_publish(report=week)

    response = member_client.post(NOTES_URL, {"day": today, "text": "发布后补写"})
    assert "这一天所在周的周报已发布" in response.content.decode()
    member_client.post(reverse("reports:daily_note_delete", args=["payments", note.pk]))

    assert list(DailyNote.objects.values_list("text", flat=True)) == ["已写入周报"]


def test_notes_typed_with_line_breaks_before_the_rules_are_put_on_one_line(
    lead_client, sample_report, member
):
    """The note box once stored line breaks; the migration puts such notes on one line,
    after which the week saves from its edit page (before, every save was refused)."""
    from importlib import import_module

    from django.apps import apps

    DailyNote.objects.create(
        team=sample_report.team,
        day=date(2023, 5, 16),
        author=member,
        author_name="member",
        text="第一行\n第二行",
    )
    import_module("reports.migrations.0016_daily_notes_on_one_line").one_line(apps, None)
    url = reverse("reports:report_edit", args=["payments", "2023-05-20"])
    data = editor_data(lead_client.get(url).context["editor"])

    response = lead_client.post(url, data)

    assert response.status_code == 302
    assert [n.text for n in DailyNote.objects.all()] == ["第一行 第二行"]


def test_the_note_box_keeps_a_note_on_one_line(member_client):
    member_client.post(NOTES_URL, {"day": timezone.localdate(), "text": "上午联调\r\n\t下午压测"})

    assert DailyNote.objects.get().text == "上午联调 下午压测"
