"""One permission helper per object type: other teams' objects are a 404, not a 403.

Managers (members of the "managers" group) and superusers read every team; everyone else
reads the teams they belong to. Writing a team's reports is for its leads (and superusers):
a reader who may see the team but not write gets a 403.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.validators import slug_re
from django.db.models import Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.audit import NotYours
from reports.models import Membership, Team, WeeklyReport

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


class NotYourTeam(NotYours):
    """The team exists but the reader may not see it: a 404 to them, a refusal in the log."""

    refusal = "another team's page"


def _role_subquery(user, team_ref: str) -> Subquery:
    return Subquery(
        Membership.objects.filter(team=OuterRef(team_ref), user=user.pk).values("role")[:1]
    )


def reader_grants(user) -> dict:
    """What ``user`` may do in a team, as annotations on a query of teams (what
    core.page_cache reads with every kept page): their role there ("" if none), and
    whether they manage. Superusers are told apart by the page cache itself."""
    return {
        "reader_role": Coalesce(_role_subquery(user, "pk"), Value("")),
        "reader_manages": Exists(
            get_user_model().groups.through.objects.filter(user=user.pk, group__name=MANAGERS_GROUP)
        ),
    }


def _remember_role(team: Team, user, role: str | None) -> None:
    # Read with the team in the same query; role_in() uses it for this reader only.
    team._reader_role = (user.pk, role)


def _no_such_slug(slug: str) -> bool:
    """A slug no team can have (the API's URLs take any text: ``pay%00ments``), refused
    before the database sees it."""
    return not slug_re.match(slug)


def get_team_for_user(user, slug: str) -> Team:
    if _no_such_slug(slug):
        raise Http404("No such team")
    team = Team.objects.annotate(role=_role_subquery(user, "pk")).filter(slug=slug).first()
    if team is None:
        raise Http404("No such team")
    if team.role is None and not is_manager(user):
        raise NotYourTeam("No such team")
    _remember_role(team, user, team.role)
    return team


def get_report_for_user(user, slug: str, report_date: date) -> WeeklyReport:
    """The report, its team and author, the reader's role and whether they manage, in
    one query."""
    if _no_such_slug(slug):
        raise Http404("No such team")
    report = (
        WeeklyReport.objects.select_related("team", "author")
        .annotate(
            role=_role_subquery(user, "team_id"),
            reader_manages=Exists(
                get_user_model().groups.through.objects.filter(
                    user=user.pk, group__name=MANAGERS_GROUP
                )
            ),
        )
        .filter(team__slug=slug, report_date=report_date)
        .first()
    )
    if report is None or (report.role is None and not (user.is_superuser or report.reader_manages)):
        get_team_for_user(user, slug)  # another team's: NotYourTeam; no such team: 404
        raise Http404("No such report")
    _remember_role(report.team, user, report.role)
    return report


def role_in(user, team: Team) -> str | None:
    """The user's role in the team ("lead", "member"), "lead" for superusers, else None."""
    if user.is_superuser:
        return Membership.Role.LEAD
    remembered = getattr(team, "_reader_role", None)
    if remembered is not None and remembered[0] == user.pk:
        return remembered[1]
    return Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()


def is_lead(user, team: Team) -> bool:
    return role_in(user, team) == Membership.Role.LEAD


def get_team_for_lead(user, slug: str) -> Team:
    team = get_team_for_user(user, slug)
    if not is_lead(user, team):
        raise PermissionDenied("Only the team's leads write its reports")
    return team


def get_report_for_lead(user, slug: str, report_date: date) -> WeeklyReport:
    report = get_report_for_user(user, slug, report_date)
    if not is_lead(user, report.team):
        raise PermissionDenied("Only the team's leads write its reports")
    return report


def is_member(user, team: Team) -> bool:
    """Leads and members of the team write daily notes; managers only read them."""
    return role_in(user, team) is not None


def get_team_for_member(user, slug: str) -> Team:
    team = get_team_for_user(user, slug)
    if not is_member(user, team):
        raise PermissionDenied("Only the team's members write daily notes")
    return team
