"""Reminders: the lead at the due time, the manager the next morning, each once a week.

A team's week is the calendar week (Monday to Sunday, in the site's time zone) its report date
falls in; the report is due on the team's due day and time of that week. When a check
runs after the due time and the week has no published report, the lead is reminded;
after 09:00 the next morning the team's manager is told. Each reminder is a row claimed
with a conditional update before it is sent, so running the check twice, or in two
workers at once, sends it once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications import markup
from notifications.notify import absolute_url
from reports.document import ReportStatus
from reports.document.weeks import calendar_week
from reports.models import Membership, Reminder, ReminderKind, Team, WeeklyReport
from reports.permissions import MANAGERS_GROUP

ESCALATION_TIME = time(9, 0)
log = logging.getLogger(__name__)


def _zone() -> tzinfo:
    return timezone.get_default_timezone()


def week_start(day: date) -> date:
    return calendar_week(day)[0]


def due_at(team: Team, monday: date) -> datetime:
    """When the team's report for the week starting ``monday`` is due, as an aware time."""
    day = monday + timedelta(days=team.due_weekday)
    return datetime.combine(day, team.due_time, tzinfo=_zone())


def escalate_at(team: Team, monday: date) -> datetime:
    """The morning after the due day, 09:00."""
    day = due_at(team, monday).date() + timedelta(days=1)
    return datetime.combine(day, ESCALATION_TIME, tzinfo=_zone())


def week_published(team: Team, monday: date) -> bool:
    return WeeklyReport.objects.filter(
        team=team,
        report_date__range=calendar_week(monday),
        status=ReportStatus.PUBLISHED,
    ).exists()


# How long after its time a reminder may still go out (when beat was down, say): the
# lead's until the manager's is due, the manager's for a day. Older weeks stay quiet.
REMINDER_WINDOW = {
    ReminderKind.LEAD: lambda team, monday: escalate_at(team, monday) - due_at(team, monday),
    ReminderKind.ESCALATION: lambda team, monday: timedelta(days=1),
}


@dataclass(frozen=True)
class Due:
    team: Team
    week_start: date
    kind: str


def due_reminders(now: datetime) -> list[Due]:
    """The reminders whose time has come at ``now`` and that were not sent yet.

    The weeks looked at are the one of ``now`` and the one before (a Sunday due day is
    escalated on Monday); each reminder only within its ``REMINDER_WINDOW``.
    """
    today = now.astimezone(_zone()).date()
    # A Sunday due day escalates on Monday, and may still go out on Tuesday morning.
    weeks = {week_start(today - timedelta(days=back)) for back in range(3)}
    sent = {
        (r.team_id, r.week_start, r.kind)
        for r in Reminder.objects.filter(week_start__in=weeks, sent_at__isnull=False)
    }
    found = []
    for team in Team.objects.all():
        for monday in sorted(weeks):
            for kind, when in (
                (ReminderKind.LEAD, due_at(team, monday)),
                (ReminderKind.ESCALATION, escalate_at(team, monday)),
            ):
                if not when <= now < when + REMINDER_WINDOW[kind](team, monday):
                    continue
                if (team.pk, monday, kind) in sent:
                    continue
                if not week_published(team, monday):
                    found.append(Due(team, monday, kind))
    return found


def claim(due: Due, now: datetime) -> Reminder | None:
    """Own the reminder, or None if it was sent or another worker is sending it."""
    try:
        with transaction.atomic():
            reminder, _created = Reminder.objects.get_or_create(
                team=due.team, week_start=due.week_start, kind=due.kind
            )
    except IntegrityError:  # created by another worker between our get and create
        reminder = Reminder.objects.get(team=due.team, week_start=due.week_start, kind=due.kind)
    lapsed = now - timedelta(seconds=Reminder.CLAIM_SECONDS)
    won = (
        Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=lapsed))
        .update(claimed_at=now)
    )
    return reminder if won == 1 else None


def recipients(due: Due) -> list[str]:
    if due.kind == ReminderKind.LEAD:
        users = get_user_model().objects.filter(
            memberships__team=due.team, memberships__role=Membership.Role.LEAD
        )
    elif due.team.manager_id is not None:
        users = get_user_model().objects.filter(pk=due.team.manager_id)
    else:  # no manager named: whoever reads every team
        users = get_user_model().objects.filter(groups__name=MANAGERS_GROUP)
    return sorted({u.email for u in users.filter(is_active=True) if u.email})


def message(due: Due) -> tuple[str, str]:
    team = due.team
    link = absolute_url(reverse("reports:team_detail", args=[team.slug]))
    values = {
        "team": markup.plain(team.name),  # no link nor header break made of the name
        "week": due.week_start.isoformat(),
        "due": due_at(team, due.week_start).strftime("%Y-%m-%d %H:%M"),
        "link": link,
    }
    with translation.override("zh-hans" if team.heading_language == "zh" else "en"):
        if due.kind == ReminderKind.LEAD:
            subject = _("Reminder: %(team)s's weekly report is due") % values
            body = (
                _(
                    "The weekly report of %(team)s for the week of %(week)s was due at %(due)s "
                    "and is not published yet.\n\nWrite and publish it here: %(link)s"
                )
                % values
            )
        else:
            subject = _("%(team)s's weekly report is late") % values
            body = (
                _(
                    "The weekly report of %(team)s for the week of %(week)s was due at %(due)s "
                    "and is still not published. The team's leads were reminded at the due "
                    "time.\n\n%(link)s"
                )
                % values
            )
    return subject, body


def send_due_reminders(now: datetime | None = None) -> list[Reminder]:
    """Send every reminder that is due; returns those this call sent."""
    now = now or timezone.now()
    sent = []
    for due in due_reminders(now):
        reminder = claim(due, now)
        if reminder is None:
            continue
        to = recipients(due)
        if to:
            subject, body = message(due)
            try:
                send_mail(subject, body, None, to)
            except Exception:  # noqa: BLE001 - logged; the next run tries again
                # Let the next run try again rather than losing the reminder, and go on
                # with the other teams.
                Reminder.objects.filter(pk=reminder.pk).update(claimed_at=None)
                log.exception("reminder for %s not sent", due.team.slug)
                continue
        Reminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now(), recipients=to)
        sent.append(reminder)
    return sent
