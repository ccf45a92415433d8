"""Every page is fetched in a fixed number of queries, whatever the amount of data.

Each page is measured at a small and a larger size and must take the same, pinned number
of queries: a count that grows with the data is an N+1, a changed pin is a regression to
look at. The counts include the session, the user and the user's groups (the permission
check), which every logged-in page pays.
"""

import copy
from datetime import timedelta

import pytest
from django.test import Client

from reports import document as d
from reports.management.commands.load_demo import made_up_week
from reports.models import Membership
from tests.factories import (
    SAMPLE_DATE,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    WeeklyReportFactory,
    import_sample,
    sample_document,
    save_week,
)

pytestmark = pytest.mark.django_db

TEAM_LIST_QUERIES = 4
# History and report pages read the reader's role with the team or report (edit buttons);
# the report page also loads the week's daily notes, and the week before to say what
# changed. Read by another reader, the part that is the same for everyone comes from the
# cache; read again by the same reader (with the CSRF cookie the first page set), the
# whole page does: the session, the user and one query for the team's generations and
# the reader's grants in it (core.page_cache) are all that is asked. Each of the two
# documents reads its sections and its team's layout.
TEAM_HISTORY_QUERIES = 8
API_REPORT_LIST_QUERIES = 4
REPORT_DETAIL_QUERIES = 29
OTHER_READER_QUERIES = 4
AGAIN_QUERIES = 3


def _renamed(item: d.Item, suffix: str) -> d.Item:
    """A copy of an item (and its tracker) under a new name, so it is saved as a new one."""
    twin = copy.deepcopy(item)
    twin.title += suffix
    for part in twin.walk():
        if part.migration is not None:
            part.migration.name += suffix
            part.migration.categories += [
                copy.deepcopy(c) for c in part.migration.categories
            ]  # twice the categories in the copies
            for i, category in enumerate(part.migration.categories):
                category.name = f"{category.name}{suffix}-{i}"
    return twin


def tripled_sample() -> d.ReportDocument:
    """The sample with three times its items, trackers, categories, events and KPIs."""
    doc = sample_document()
    for objective in doc.objectives:
        objective.items = objective.items + [
            _renamed(item, suffix) for suffix in ("（二）", "（三）") for item in objective.items
        ]
    doc.events = [copy.deepcopy(e) for e in doc.events * 3]
    for n, event in enumerate(doc.events):
        event.summary = f"{event.summary} #{n}"
    doc.kpis += [
        d.Kpi(name=f"{k.name}{suffix}", value=k.value, kind=k.kind)
        for suffix in ("二", "三")
        for k in doc.kpis
    ]
    return doc


def test_tripled_sample_really_is_larger():
    small, large = sample_document(), tripled_sample()

    assert len(list(large.items())) == 3 * len(list(small.items()))
    assert len(large.events) == 3 * len(small.events)
    assert len(large.kpis) == 3 * len(small.kpis)
    small_categories = sum(len(m.categories) for _, _, m in small.migrations())
    large_categories = sum(len(m.categories) for _, _, m in large.migrations())
    assert large_categories >= 3 * small_categories


@pytest.fixture
def reader(db):
    return UserFactory(username="reader")


@pytest.fixture
def reader_client(client, reader):
    client.force_login(reader)
    return client


# -- team list ----------------------------------------------------------------------------


@pytest.mark.parametrize("teams", [2, 10])
def test_team_list_queries(reader, reader_client, django_assert_num_queries, teams):
    for n in range(teams):
        membership = MembershipFactory(user=reader, team__slug=f"team-{n}")
        WeeklyReportFactory(team=membership.team, report_date=SAMPLE_DATE)
    TeamFactory(slug="not-mine")  # not listed, must not cost anything either

    with django_assert_num_queries(TEAM_LIST_QUERIES):
        response = reader_client.get("/")

    assert response.status_code == 200
    assert response.content.decode().count("周 · ") == teams


# -- team history -------------------------------------------------------------------------


@pytest.mark.parametrize("reports", [3, 25])
def test_team_history_queries(reader, reader_client, django_assert_num_queries, reports):
    team = TeamFactory(slug="history")
    MembershipFactory(user=reader, team=team, role=Membership.Role.LEAD)
    for n in range(reports):
        report = save_week(team, SAMPLE_DATE - timedelta(weeks=n), 52 - n)
        report.author = reader
        report.save(update_fields=["author"])

    with django_assert_num_queries(TEAM_HISTORY_QUERIES):
        response = reader_client.get("/teams/history/")
    reader_client.get("/teams/history/")  # now with the CSRF cookie: kept
    with django_assert_num_queries(AGAIN_QUERIES):
        again = reader_client.get("/teams/history/")

    assert response.status_code == 200
    assert response.content.decode().count("99.98%") == min(reports, 20)
    assert again.content.decode().count("99.98%") == min(reports, 20)


@pytest.mark.parametrize("reports", [3, 25])
def test_api_report_list_queries(reader, django_assert_num_queries, reports):
    from rest_framework.test import APIClient

    team = TeamFactory(slug="listed")
    MembershipFactory(user=reader, team=team)
    for n in range(reports):
        save_week(team, SAMPLE_DATE - timedelta(weeks=n), 52 - n)
    api = APIClient()
    api.force_authenticate(reader)

    # The team's generations and the reader's grants (for the kept answers), the team with
    # the reader's role, the count and the page; asked again, the generations and grants,
    # then the kept answer (the client is signed in without a token or session).
    with django_assert_num_queries(API_REPORT_LIST_QUERIES):
        response = api.get("/api/v1/teams/listed/reports/")
    with django_assert_num_queries(1):
        again = api.get("/api/v1/teams/listed/reports/")

    assert len(response.json()["results"]) == reports
    assert again.json() == response.json()


# -- one week -----------------------------------------------------------------------------


@pytest.mark.parametrize("build", [sample_document, tripled_sample], ids=["sample", "tripled"])
def test_report_detail_queries(reader, reader_client, django_assert_num_queries, build):
    team = TeamFactory(slug="payments")
    MembershipFactory(user=reader, team=team)
    document = build()
    # The week before, so the page also compares the two (what changed).
    import_sample(team, document=made_up_week(document, 1), author=reader)
    import_sample(team, document=document, author=reader)
    other = Client()
    other.force_login(MembershipFactory(team=team).user)

    with django_assert_num_queries(REPORT_DETAIL_QUERIES):
        response = reader_client.get("/teams/payments/2023-05-20/")
    reader_client.get("/teams/payments/2023-05-20/")  # now with the CSRF cookie: kept
    with django_assert_num_queries(AGAIN_QUERIES):
        again = reader_client.get("/teams/payments/2023-05-20/")
    with django_assert_num_queries(OTHER_READER_QUERIES):
        third = other.get("/teams/payments/2023-05-20/")

    assert response.status_code == 200
    detected = sum(1 for e in document.events if e.detection)
    assert response.content.decode().count("监控发现") == detected
    assert again.content.decode().count("监控发现") == detected
    assert third.content.decode().count("监控发现") == detected
