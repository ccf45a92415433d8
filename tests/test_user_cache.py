"""The user of each request read through the cache (accounts.auth): no query for a user
already read, and every change to the user or the token counts at once."""

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import services
from accounts.auth import CachedModelBackend, _user_key

pytestmark = pytest.mark.django_db

PAGE = "/teams/payments/2023-05-20/"
API = "/api/v1/teams/payments/reports/2023-05-20/"


def _user_reads(queries) -> int:
    return sum('FROM "auth_user"' in q["sql"] for q in queries)


def _token_reads(queries) -> int:
    return sum('FROM "authtoken_token"' in q["sql"] for q in queries)


def test_a_user_read_once_is_not_read_again(member, django_assert_num_queries):
    backend = CachedModelBackend()
    assert backend.get_user(member.pk) == member

    with django_assert_num_queries(0):
        again = backend.get_user(member.pk)

    assert again == member
    assert again.username == member.username


def test_a_switched_off_account_is_signed_out_at_once(member, member_client):
    assert member_client.get(PAGE).status_code == 200

    member.is_active = False
    member.save()

    response = member_client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_changed_password_signs_the_old_session_out(member, member_client):
    assert member_client.get(PAGE).status_code == 200

    member.set_password("a-new-password-2026")
    member.save()

    assert member_client.get(PAGE).status_code == 302


def test_a_deleted_user_is_not_found(member):
    backend = CachedModelBackend()
    backend.get_user(member.pk)
    member_id = member.pk

    member.delete()

    assert backend.get_user(member_id) is None


def test_a_user_switched_off_is_not_let_in_from_an_old_copy(member):
    """A copy kept before the account was switched off (by a change behind the ORM's back,
    say) is still refused: whether the user may sign in is checked on every read."""
    backend = CachedModelBackend()
    stale = get_user_model().objects.get(pk=member.pk)
    stale.is_active = False
    cache.set(_user_key(member.pk), stale)

    assert backend.get_user(member.pk) is None


def test_a_copy_read_while_the_change_was_being_saved_is_forgotten_at_commit(
    member, django_capture_on_commit_callbacks
):
    backend = CachedModelBackend()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        before = get_user_model().objects.get(pk=member.pk)
        member.is_active = False
        member.save()
        # Another process reads the row before this transaction commits, and keeps it.
        cache.set(_user_key(member.pk), before)

    assert backend.get_user(member.pk) is None


def test_without_the_cache_the_database_is_read(member, django_assert_num_queries):
    backend = CachedModelBackend()
    down = RedisConnectionError("Connection refused")
    with (
        mock.patch.object(cache, "get", side_effect=down),
        mock.patch.object(cache, "set", side_effect=down),
        django_assert_num_queries(1),
    ):
        assert backend.get_user(member.pk) == member


def test_nothing_is_kept_when_pages_are_not(settings, member, django_assert_num_queries):
    settings.WEEKLY_PAGE_CACHE = False
    backend = CachedModelBackend()
    backend.get_user(member.pk)

    with django_assert_num_queries(1):
        backend.get_user(member.pk)


# -- API tokens ---------------------------------------------------------------------------


@pytest.fixture
def token_client(sample_report, member):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=member).key}")
    return client


def test_a_token_read_once_is_not_read_again(token_client, django_assert_max_num_queries):
    assert token_client.get(API).status_code == 200

    with django_assert_max_num_queries(100) as queries:
        assert token_client.get(API).status_code == 200

    assert _token_reads(queries.captured_queries) == 0
    assert _user_reads(queries.captured_queries) == 0


def test_a_revoked_token_is_refused_at_once(token_client, member):
    assert token_client.get(API).status_code == 200

    services.api_token_revoke(user=member)

    assert token_client.get(API).status_code == 401


def test_a_renewed_token_replaces_the_old_one_at_once(token_client, member):
    assert token_client.get(API).status_code == 200

    new = services.api_token_renew(user=member)

    assert token_client.get(API).status_code == 401
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert token_client.get(API).status_code == 200


def test_a_switched_off_account_cannot_use_its_token(token_client, member):
    assert token_client.get(API).status_code == 200

    member.is_active = False
    member.save()

    assert token_client.get(API).status_code == 401
