"""Production refuses to start with a SECRET_KEY anyone could guess or has read."""

import secrets
import string

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from tests.test_settings import import_settings
from weekly.env import checked_secret_key, secret_key_problem

PRODUCTION = {"WEEKLY_ENV": "production", "ALLOWED_HOSTS": "weekly.example.com"}


@pytest.mark.parametrize(
    "key",
    [
        "abc123",
        "s3cret",
        "x7Kq9-short-but-mixed-Zp2",  # 25 characters
        "collectstatic-only",
        "django-insecure-l&+3q$_b)$msbbet2*s)8p#2vn*xtrcq6e+oimzmjj_%g#h2&4",  # as startproject makes
        "a" * 64,
        "ab" * 40,  # a repeated pattern
        "0123456789" * 6,  # ten characters over and over
        "weekly" * 10,
    ],
)
def test_production_refuses_a_short_regular_or_published_key(key):
    result = import_settings(**PRODUCTION, SECRET_KEY=key)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is refused when DEBUG is off" in result.stderr
    assert key not in result.stderr  # the message never repeats the key


@pytest.mark.parametrize(
    "make",
    [
        lambda: secrets.token_urlsafe(50),
        get_random_secret_key,  # what `startproject` makes, without the prefix
        lambda: secrets.token_hex(32),
        lambda: "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50)),
    ],
    ids=["token_urlsafe", "startproject", "token_hex", "alphanumeric"],
)
def test_random_keys_pass(make):
    key = make()  # made when the test runs: parallel test processes collect the same ids
    assert secret_key_problem(key) is None
    assert checked_secret_key(key) == key


def test_production_starts_with_a_random_key():
    result = import_settings(**PRODUCTION, SECRET_KEY=secrets.token_urlsafe(50))

    assert result.returncode == 0, result.stderr


def test_development_keeps_its_own_key():
    result = import_settings(WEEKLY_ENV="development")

    assert result.returncode == 0, result.stderr


def test_the_refusal_says_why():
    with pytest.raises(ImproperlyConfigured, match="it has 3 characters; at least 50"):
        checked_secret_key("abc")
    with pytest.raises(ImproperlyConfigured, match="too regular"):
        checked_secret_key("ab" * 40)
