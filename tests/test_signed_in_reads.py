"""The session and the user of every request are read from the database (accounts.sessions,
accounts.auth), with queries written once: what the database says counts at once."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

pytestmark = pytest.mark.django_db

PAGE = "/teams/payments/"


def _signed_out(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_signed_in_reader_reads(member_client):
    assert member_client.get(PAGE).status_code == 200


def test_a_session_past_its_expiry_in_the_database_signs_out(member_client):
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    assert _signed_out(member_client.get(PAGE))


def test_a_deleted_session_signs_out(member_client):
    Session.objects.all().delete()

    assert _signed_out(member_client.get(PAGE))


def test_a_user_switched_off_behind_the_orms_back_is_signed_out(member_client, member):
    type(member).objects.filter(pk=member.pk).update(is_active=False)

    assert _signed_out(member_client.get(PAGE))


def test_a_deleted_user_is_signed_out(member_client, member):
    member.delete()

    assert _signed_out(member_client.get(PAGE))
