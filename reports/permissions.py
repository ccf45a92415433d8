"""One permission helper per object type: other teams' objects are a 404, not a 403.

Managers (members of the "managers" group) and superusers read every team; everyone else
reads the teams they belong to.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from reports.models import Team, WeeklyReport

MANAGERS_GROUP = "managers"


def is_manager(user) -> bool:
    if user.is_superuser:
        return True
    return any(g.name == MANAGERS_GROUP for g in user.groups.all())


def teams_for_user(user) -> QuerySet[Team]:
    teams = Team.objects.all()
    if is_manager(user):
        return teams
    return teams.filter(memberships__user=user)


def get_team_for_user(user, slug: str) -> Team:
    team = teams_for_user(user).filter(slug=slug).first()
    if team is None:
        raise Http404("No such team")
    return team


def get_report_for_user(user, slug: str, report_date: date) -> WeeklyReport:
    team = get_team_for_user(user, slug)
    report = (
        WeeklyReport.objects.select_related("team", "author")
        .filter(team=team, report_date=report_date)
        .first()
    )
    if report is None:
        raise Http404("No such report")
    return report
