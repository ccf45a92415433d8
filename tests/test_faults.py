"""Redis taken away and given back: nothing it held outlives what the database says.

A Redis of the test's own, behind a proxy (tests/redis_proxy.py) that cuts it off
(``down``: refused, as a stopped server or a cut network) or holds every request
unanswered (``hung``: a paused or overloaded server), then lets it through again with
everything it held. The pages were kept in it before. While it was away, access was
taken away by every door there is (a group, a membership moved by a queryset update as a
directory sync does, a user switched off behind the ORM's back, a token deleted, a
session signed out) and a week was changed; once it is back, none of what it kept is
served to anyone who may no longer read it, and no page shows the old week.

Needs ``redis-server`` (CI installs it; tests/test_services_in_ci.py checks).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest
import redis
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import cache as shared
from reports import services
from reports.models import Membership
from reports.permissions import MANAGERS_GROUP
from reports.selectors import report_document
from tests.factories import MembershipFactory
from tests.redis_proxy import RedisProxy
from weekly.env import cache_settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REDIS_SERVER = shutil.which("redis-server")

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not REDIS_SERVER and not IN_CI, reason="needs redis-server (CI has it)"),
]

PAGE = "/teams/payments/2023-05-20/"
HISTORY = "/teams/payments/"
API = "/api/v1/teams/payments/reports/2023-05-20/"


@pytest.fixture(scope="module")
def redis_server():
    """A redis-server of this module's own on a free port; its port."""
    assert REDIS_SERVER, "CI must install redis-server"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def proxy(redis_server, settings):
    """The cache in the Redis behind a proxy, with keys of this test's own."""
    proxy = RedisProxy(redis_server)
    settings.CACHES = cache_settings(proxy.url(), key_prefix=f"faults-{uuid.uuid4().hex[:8]}")
    settings.WEEKLY_PAGE_CACHE = True
    shared.resume()
    yield proxy
    proxy.close()
    shared.resume()


def kept_keys(redis_server) -> int:
    return len(redis.Redis(port=redis_server).keys("faults-*pages:kept:*"))


def read_until_kept(client, url: str) -> None:
    for _ in range(3):  # the CSRF cookie, then kept, then served from the cache
        assert client.get(url).status_code == 200


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.parametrize("outage", ["down", "hung"])
def test_access_taken_away_while_redis_was_away_is_not_served_once_it_is_back(
    proxy, redis_server, outage, sample_team, other_team, manager, lead
):
    member = MembershipFactory(team=sample_team, role=Membership.Role.MEMBER).user
    signed_out = MembershipFactory(team=sample_team, role=Membership.Role.MEMBER).user
    with_token = MembershipFactory(team=sample_team, role=Membership.Role.MEMBER).user
    readers = {
        "manager": _client(manager),
        "member": _client(member),
        "lead": _client(lead),
        "signed out": _client(signed_out),
    }
    for client in readers.values():
        read_until_kept(client, PAGE)
        read_until_kept(client, HISTORY)
    api = _token_client(with_token)
    assert api.get(API).status_code == api.get(API).status_code == 200
    held = kept_keys(redis_server)
    assert held >= 9  # two pages for four readers, and the API's answer

    getattr(proxy, outage)()
    manager.groups.remove(Group.objects.get(name=MANAGERS_GROUP))
    Membership.objects.filter(user=member).update(team=other_team)  # as a directory sync
    type(lead).objects.filter(pk=lead.pk).update(is_active=False)  # behind the ORM's back
    Token.objects.filter(user=with_token).delete()
    readers["signed out"].logout()
    proxy.up()
    shared.resume()  # as once the pause after a failure is over

    assert kept_keys(redis_server) == held  # it came back with everything it kept
    for name in ("manager", "member"):
        assert readers[name].get(PAGE).status_code == 404, name
        assert readers[name].get(HISTORY).status_code == 404, name
    for name in ("lead", "signed out"):
        response = readers[name].get(PAGE)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
    assert api.get(API).status_code == 401


@pytest.mark.parametrize("outage", ["down", "hung"])
def test_a_week_changed_while_redis_was_away_shows_once_it_is_back(
    proxy, outage, sample_report, lead, member_client
):
    read_until_kept(member_client, PAGE)
    api = _token_client(lead)
    assert api.get(API).status_code == api.get(API).status_code == 200

    getattr(proxy, outage)()
    doc = report_document(sample_report)
    doc.other = "停电演练改到周四"
    services.report_update(report=sample_report, document=doc, author=lead)
    proxy.up()
    shared.resume()

    assert "停电演练改到周四" in member_client.get(PAGE).content.decode()
    assert api.get(API).json()["other"] == "停电演练改到周四"


@pytest.mark.parametrize("outage", ["down", "hung"])
def test_pages_answer_while_redis_is_away(
    proxy, outage, sample_report, member_client, manager_client
):
    read_until_kept(member_client, PAGE)
    getattr(proxy, outage)()

    page = member_client.get(PAGE)
    tagged = member_client.get(PAGE, headers={"if-none-match": page["ETag"]})
    trends = manager_client.get("/teams/payments/trends/")

    assert page.status_code == 200 and "支付平台组" in page.content.decode()
    assert tagged.status_code == 304  # the generation is the database's: still known
    assert trends.status_code == 200 and "<svg" in trends.content.decode()
