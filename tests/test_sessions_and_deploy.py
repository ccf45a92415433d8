"""Sign-ins end after 12 hours or 30 idle minutes; passwords are long; production passes
Django's deployment checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.middleware import SessionLimitsMiddleware

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]


def _age_session(client, **seconds_ago):
    session = client.session
    import time

    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_a_reader_stays_signed_in_while_active(member_client, sample_team):
    _age_session(member_client, **{SessionLimitsMiddleware.SEEN: 25 * 60})

    assert member_client.get("/").status_code == 200


def test_half_an_hour_idle_signs_out(member_client, sample_team):
    _age_session(member_client, **{SessionLimitsMiddleware.SEEN: 31 * 60})

    response = member_client.get("/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_twelve_hours_after_signing_in_signs_out(member_client, sample_team):
    _age_session(
        member_client,
        **{SessionLimitsMiddleware.STARTED: 12 * 3600 + 5, SessionLimitsMiddleware.SEEN: 10},
    )

    response = member_client.get("/")

    assert response.status_code == 302


def test_passwords_have_twelve_characters_and_are_not_common():
    with pytest.raises(ValidationError):
        validate_password("Kx9!short")
    with pytest.raises(ValidationError):
        validate_password("password1234")
    validate_password("weekly-demo-2023")


def _check_deploy(**extra):
    env = {
        **os.environ,
        "DEBUG": "0",
        "WEEKLY_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "weekly.example.com",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
        "SECURE_HSTS_PRELOAD": "1",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checks():
    result = _check_deploy()

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deployment_check_does_catch_a_missing_hsts():
    result = _check_deploy(SECURE_HSTS_SECONDS="0")

    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr
