"""In CI the suite runs against the production services, never silently on SQLite."""

import os

import pytest
from django.conf import settings
from django.db import connection

in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.mark.django_db
def test_ci_runs_on_postgresql():
    if not in_ci:
        assert connection.vendor in ("sqlite", "postgresql")
        return
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_ci_has_redis():
    if not in_ci:
        assert (not os.environ.get("REDIS_URL")) == settings.CELERY_TASK_ALWAYS_EAGER
        return
    import redis

    assert redis.Redis.from_url(os.environ["REDIS_URL"]).ping() is True
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
