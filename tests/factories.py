"""factory_boy factories and the sample week, shared by every test package."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from reports import document as d
from reports.document.importer import parse
from reports.models import Membership, Team, WeeklyReport
from reports.permissions import MANAGERS_GROUP
from reports.services import report_save_document

SAMPLE = Path(__file__).resolve().parent / "fixtures" / "2023-05-20.md"
SAMPLE_DATE = date(2023, 5, 20)
SAMPLE_WEEK = 21
# The teams' time zone, in which the importer reads the events' clock times.
TZ = timezone.get_default_timezone()


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("weekly-test-password")

    @factory.post_generation
    def managers(self, create, extracted, **kwargs):
        """``UserFactory(managers=True)``: a manager reads every team."""
        if create and extracted:
            group, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
            self.groups.add(group)


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class WeeklyReportFactory(DjangoModelFactory):
    """A bare week (no KPIs, objectives or events), for lists and pagination."""

    class Meta:
        model = WeeklyReport

    team = factory.SubFactory(TeamFactory)
    # Weeks before the sample's, so a bare week never collides with the sample week.
    report_date = factory.Sequence(lambda n: SAMPLE_DATE - timedelta(weeks=n + 1))
    week_number = factory.Sequence(lambda n: n + 1)


def sample_document(team: str = "payments") -> d.ReportDocument:
    """The sample week as the importer reads it; a fresh copy on every call, free to edit."""
    return parse(SAMPLE.read_bytes(), team=team, tz=TZ)


def import_sample(
    team: Team, *, document: d.ReportDocument | None = None, author=None
) -> WeeklyReport:
    """Save the sample (or an edited copy of it) into ``team`` the way the importer does."""
    if document is None:
        document = sample_document(team.slug)
    return report_save_document(team=team, document=document, author=author)


def save_week(
    team: Team, report_date: date, week_number: int, *, kpis: dict[str, str] | None = None
) -> WeeklyReport:
    """A small week with only KPI values, for history pages with many rows."""
    values = kpis if kpis is not None else {"入金有效成功率": "99.98", "出金有效成功率": "99.92"}
    document = d.ReportDocument(
        team=team.slug,
        week_number=week_number,
        report_date=report_date,
        kpis=[d.Kpi(name=name, value=Decimal(value)) for name, value in values.items()],
    )
    return report_save_document(team=team, document=document)
