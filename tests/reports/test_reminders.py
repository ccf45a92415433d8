"""The lead is reminded at the due time, the manager the next morning, each once a week."""

import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django_celery_beat.models import PeriodicTask

from notifications import reminders
from reports import services
from reports.models import Membership, Reminder, ReminderKind
from tests.factories import MembershipFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2023, 5, 15).date()  # the sample's week: Mon 15 … Sun 21 May 2023
BEFORE_DUE = datetime(2023, 5, 19, 17, 59, tzinfo=SHANGHAI)
AFTER_DUE = datetime(2023, 5, 19, 18, 0, tzinfo=SHANGHAI)
NEXT_MORNING = datetime(2023, 5, 20, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def team(sample_team, lead):
    """The sample team with its week still a draft, a lead and a named manager."""
    sample_team.manager = UserFactory(username="boss", email="boss@example.com")
    sample_team.save()
    return sample_team


def _sent_to() -> list[list[str]]:
    return [m.to for m in mail.outbox]


@pytest.mark.django_db
def test_the_default_due_time_is_friday_18_00_shanghai(team):
    assert reminders.due_at(team, MONDAY) == AFTER_DUE
    assert reminders.escalate_at(team, MONDAY) == NEXT_MORNING


@pytest.mark.django_db
def test_nothing_is_sent_before_the_due_time(team):
    assert reminders.send_due_reminders(BEFORE_DUE) == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_lead_is_reminded_once_at_the_due_time(team):
    sent = reminders.send_due_reminders(AFTER_DUE)
    again = reminders.send_due_reminders(AFTER_DUE + timedelta(minutes=15))

    assert [r.kind for r in sent] == [ReminderKind.LEAD]
    assert again == []
    assert _sent_to() == [["lead@example.com"]]
    message = mail.outbox[0]
    assert "支付平台组" in message.subject and "周报" in message.subject
    assert "2023-05-19 18:00" in message.body
    assert "http://127.0.0.1:8000/teams/payments/" in message.body
    reminder = Reminder.objects.get()
    assert reminder.recipients == ["lead@example.com"]
    assert reminder.sent_at is not None


@pytest.mark.django_db
def test_a_published_week_needs_no_reminder(team, sample_report):
    services.report_publish(report=sample_report)

    assert reminders.send_due_reminders(NEXT_MORNING + timedelta(hours=1)) == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_manager_is_told_the_next_morning_once(team):
    reminders.send_due_reminders(AFTER_DUE)
    reminders.send_due_reminders(NEXT_MORNING - timedelta(minutes=1))
    reminders.send_due_reminders(NEXT_MORNING)
    reminders.send_due_reminders(NEXT_MORNING + timedelta(hours=3))

    assert _sent_to() == [["lead@example.com"], ["boss@example.com"]]
    assert "支付平台组" in mail.outbox[1].subject


@pytest.mark.django_db
def test_without_a_named_manager_the_managers_group_is_told(team, manager):
    team.manager = None
    team.save()

    reminders.send_due_reminders(NEXT_MORNING)

    assert _sent_to() == [["manager@example.com"]]


@pytest.mark.django_db
def test_a_team_with_another_due_time(team):
    team.due_weekday, team.due_time = 0, time(10, 30)  # Monday 10:30
    team.save()

    assert reminders.send_due_reminders(datetime(2023, 5, 15, 10, 29, tzinfo=SHANGHAI)) == []
    assert len(reminders.send_due_reminders(datetime(2023, 5, 15, 10, 30, tzinfo=SHANGHAI))) == 1


@pytest.mark.django_db
def test_english_teams_are_reminded_in_english(team):
    team.heading_language = "en"
    team.save()

    reminders.send_due_reminders(AFTER_DUE)

    assert mail.outbox[0].subject.startswith("Reminder:")


@pytest.mark.django_db
def test_a_failed_send_is_tried_again_by_the_next_run(team, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(reminders, "send_mail", down)
    assert reminders.send_due_reminders(AFTER_DUE) == []  # logged, not raised
    monkeypatch.undo()

    assert len(reminders.send_due_reminders(AFTER_DUE + timedelta(minutes=15))) == 1
    assert _sent_to() == [["lead@example.com"]]


@pytest.mark.django_db
def test_a_claim_left_by_a_killed_worker_lapses(team):
    Reminder.objects.create(
        team=team, week_start=MONDAY, kind=ReminderKind.LEAD, claimed_at=AFTER_DUE
    )

    soon = AFTER_DUE + timedelta(seconds=Reminder.CLAIM_SECONDS - 1)
    later = AFTER_DUE + timedelta(seconds=Reminder.CLAIM_SECONDS + 1)
    assert reminders.send_due_reminders(soon) == []
    assert len(reminders.send_due_reminders(later)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_reminder(sample_team):
    MembershipFactory(team=sample_team, user__username="lead", role=Membership.Role.LEAD)
    barrier = threading.Barrier(2)
    counts = []

    def run():
        barrier.wait(timeout=10)
        try:
            counts.append(len(reminders.send_due_reminders(AFTER_DUE)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(counts) == [0, 1]
    assert _sent_to() == [["lead@example.com"]]
    assert Reminder.objects.count() == 1


@pytest.mark.django_db
def test_the_check_runs_on_a_beat_schedule_editable_in_the_admin():
    from weekly.celery import app

    task = PeriodicTask.objects.get(name="Send due reminders")

    assert task.task == "reports.tasks.send_due_reminders"
    assert task.task in app.tasks
    assert (task.interval.every, task.interval.period) == (15, "minutes")
    assert task.enabled


@pytest.mark.django_db
def test_a_week_long_gone_is_not_reminded_after_an_outage(team):
    """Beat was down all weekend: on Monday nobody hears about last Friday any more."""
    monday_noon = datetime(2023, 5, 22, 12, 0, tzinfo=SHANGHAI)

    assert reminders.send_due_reminders(monday_noon) == []


@pytest.mark.django_db
def test_a_sunday_due_day_is_escalated_on_monday(team):
    team.due_weekday = 6
    team.save()

    reminders.send_due_reminders(datetime(2023, 5, 21, 18, 0, tzinfo=SHANGHAI))
    reminders.send_due_reminders(datetime(2023, 5, 22, 9, 30, tzinfo=SHANGHAI))

    assert _sent_to() == [["lead@example.com"], ["boss@example.com"]]


@pytest.mark.django_db
def test_the_command_sends_what_is_due_now(team, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setattr(reminders.timezone, "now", lambda: AFTER_DUE)
    out = StringIO()

    call_command("send_reminders", stdout=out)

    assert "2023-05-15 lead" in out.getvalue()
    assert _sent_to() == [["lead@example.com"]]
