"""Configuration from the environment fails loudly and has safe local defaults."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from weekly.env import cache_settings, celery_settings, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("value", ["1", "true", "True", "yes", "on"])
def test_env_bool_reads_true(monkeypatch, value):
    monkeypatch.setenv("WEEKLY_TEST_FLAG", value)
    assert env_bool("WEEKLY_TEST_FLAG", default=False) is True


@pytest.mark.parametrize("value", ["0", "false", "FALSE", "no", "off"])
def test_env_bool_reads_false(monkeypatch, value):
    monkeypatch.setenv("WEEKLY_TEST_FLAG", value)
    assert env_bool("WEEKLY_TEST_FLAG", default=True) is False


@pytest.mark.parametrize("value", ["maybe", "2", "ja"])
def test_env_bool_refuses_other_values(monkeypatch, value):
    monkeypatch.setenv("WEEKLY_TEST_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="WEEKLY_TEST_FLAG"):
        env_bool("WEEKLY_TEST_FLAG", default=False)


def test_unset_or_empty_variables_use_the_default(monkeypatch):
    monkeypatch.delenv("WEEKLY_TEST_UNSET", raising=False)
    monkeypatch.setenv("WEEKLY_TEST_EMPTY", "  ")
    for name in ("WEEKLY_TEST_UNSET", "WEEKLY_TEST_EMPTY"):
        assert env_bool(name, default=True) is True
        assert env_int(name, 7) == 7
        assert env_str(name, "fallback") == "fallback"
        assert env_list(name, ["a"]) == ["a"]


def test_env_int_refuses_non_integers(monkeypatch):
    monkeypatch.setenv("WEEKLY_TEST_NUMBER", "60s")
    with pytest.raises(ImproperlyConfigured, match="WEEKLY_TEST_NUMBER"):
        env_int("WEEKLY_TEST_NUMBER", 0)


def test_env_int_reads_integers(monkeypatch):
    monkeypatch.setenv("WEEKLY_TEST_NUMBER", "-15")
    assert env_int("WEEKLY_TEST_NUMBER", 0) == -15


def test_env_str_without_default_is_required(monkeypatch):
    monkeypatch.delenv("WEEKLY_TEST_REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="WEEKLY_TEST_REQUIRED"):
        env_str("WEEKLY_TEST_REQUIRED")


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("WEEKLY_TEST_HOSTS", " weekly.example.com, ,localhost ,")
    assert env_list("WEEKLY_TEST_HOSTS", []) == ["weekly.example.com", "localhost"]


@pytest.mark.parametrize("redis_url", [None, ""])
def test_celery_is_eager_without_redis(redis_url):
    celery = celery_settings(redis_url)
    assert celery.always_eager is True
    assert celery.broker_url == "memory://"
    assert celery.result_backend is None


def test_celery_uses_redis_when_configured():
    celery = celery_settings("redis://127.0.0.1:6379/1")
    assert celery.always_eager is False
    assert celery.broker_url == celery.result_backend == "redis://127.0.0.1:6379/1"


def test_cache_follows_redis_url():
    assert cache_settings("")["default"]["BACKEND"].endswith("LocMemCache")
    redis = cache_settings("redis://127.0.0.1:6379/1")["default"]
    assert redis["BACKEND"] == "django_redis.cache.RedisCache"
    assert redis["LOCATION"] == "redis://127.0.0.1:6379/1"
    assert redis["KEY_PREFIX"] == "weekly"


@pytest.mark.parametrize(("worker", "prefix"), [("", "weekly"), ("gw1", "weekly-gw1")])
def test_parallel_test_processes_keep_their_cache_keys_apart(worker, prefix):
    """pytest-xdist runs tests in several processes, each with its own database, so
    the same ids mean different rows: each keeps its own keys in the one Redis."""
    environment = {
        **os.environ,
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "PYTEST_XDIST_WORKER": worker,
    }
    code = "from django.conf import settings; print(settings.CACHES['default']['KEY_PREFIX'])"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**environment, "DJANGO_SETTINGS_MODULE": "weekly.settings"},
        capture_output=True, text=True, check=True, cwd=BASE_DIR,
    )  # fmt: skip
    assert result.stdout.strip() == prefix


def test_active_settings_are_consistent_with_redis_url():
    assert settings.CELERY_TASK_ALWAYS_EAGER is not bool(settings.REDIS_URL)
    assert settings.CELERY_TASK_EAGER_PROPAGATES is settings.CELERY_TASK_ALWAYS_EAGER


def import_settings(**environ: str) -> subprocess.CompletedProcess:
    """Import the settings module in a fresh interpreter with the given environment."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "WEEKLY_ENV"}}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-c", "import weekly.settings"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


def test_production_refuses_the_development_secret_key():
    result = import_settings(DEBUG="0", ALLOWED_HOSTS="weekly.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_secret_key():
    result = import_settings(
        WEEKLY_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="weekly.example.com",
    )
    assert result.returncode == 0, result.stderr
