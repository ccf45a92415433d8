"""Fixtures shared by every test package; app-specific ones live next to their tests.

The standing users follow the house style: ``lead`` belongs to the sample team,
``outsider`` to another team only, ``manager`` reads every team through the group.
"""

import pytest
from django.test import Client

from reports.models import Membership
from tests.factories import MembershipFactory, TeamFactory, UserFactory, import_sample


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    """Each test starts with no rendered page parts or formatted Markdown from an earlier
    test, and with the cache and the broker asked again even if an earlier test took
    them away."""
    from core import cache, markup, page_cache, queue

    page_cache.forget()
    with markup._kept_lock:
        markup._kept.clear()
    cache.resume()
    queue.resume()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 costs half a second per user; tests log in with force_login anyway."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sample_team(db):
    """Team "payments" with the sample week (21, 2023-05-20) saved."""
    team = TeamFactory(slug="payments", name="支付平台组")
    import_sample(team)
    return team


@pytest.fixture
def sample_report(sample_team):
    return sample_team.reports.get()


@pytest.fixture
def lead(sample_team):
    return MembershipFactory(
        team=sample_team, user__username="lead", role=Membership.Role.LEAD
    ).user


@pytest.fixture
def member(sample_team):
    return MembershipFactory(
        team=sample_team, user__username="member", role=Membership.Role.MEMBER
    ).user


@pytest.fixture
def other_team(db):
    return TeamFactory(slug="lending", name="信贷组")


@pytest.fixture
def outsider(other_team):
    return MembershipFactory(
        team=other_team, user__username="outsider", role=Membership.Role.LEAD
    ).user


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", managers=True)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def lead_client(lead):
    return _client_for(lead)


@pytest.fixture
def second_lead_client(sample_team):
    """Another lead of the sample team, signed in (two leads editing one thing)."""
    return _client_for(
        MembershipFactory(
            team=sample_team,
            user__username="lead2",
            user__first_name="小红",
            role=Membership.Role.LEAD,
        ).user
    )


@pytest.fixture
def member_client(member):
    return _client_for(member)


@pytest.fixture
def outsider_client(outsider):
    return _client_for(outsider)


@pytest.fixture
def manager_client(manager):
    return _client_for(manager)


@pytest.fixture(autouse=True)
def _tasks_run_inline(request):
    """Tasks run in the test's process unless a test starts a real worker.

    In CI ``REDIS_URL`` is set, so without this a task queued by a test would wait in
    Redis for a worker that is not there. Tests marked ``real_worker`` keep the broker.
    """
    from weekly.celery import app

    if request.node.get_closest_marker("real_worker"):
        yield
        return
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
