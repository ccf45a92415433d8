"""Sessions read through the cache (accounts.sessions, the engine when Redis is set)."""

from unittest import mock

import pytest
from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError

pytestmark = pytest.mark.django_db

PAGE = "/teams/payments/2023-05-20/"


@pytest.fixture
def cached_sessions(settings):
    settings.SESSION_ENGINE = "accounts.sessions"


@pytest.fixture
def reader(cached_sessions, member, client):
    client.force_login(member)
    return client


def test_a_kept_page_asks_the_database_nothing(reader, django_assert_num_queries):
    """The session, the user (accounts.auth) and the page all come from the cache."""
    for _ in range(2):
        reader.get(PAGE)  # the first sets the CSRF cookie, the second is kept

    with django_assert_num_queries(0):
        response = reader.get(PAGE)

    assert response.status_code == 200
    assert ">member<" in response.content.decode()


def test_an_outage_of_the_cache_signs_nobody_out(reader):
    down = RedisConnectionError("Connection refused")
    calls = ("get", "get_many", "set", "add", "delete", "has_key")
    patches = [mock.patch.object(cache, name, side_effect=down) for name in calls]
    for patch in patches:
        patch.start()
    try:
        response = reader.get(PAGE)
    finally:
        for patch in patches:
            patch.stop()

    assert response.status_code == 200
    assert ">member<" in response.content.decode()


def test_signing_out_ends_the_cached_session(reader):
    reader.get(PAGE)
    reader.post("/accounts/logout/")

    response = reader.get(PAGE)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
