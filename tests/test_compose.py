"""The production docker-compose.yml is valid and has the shape the README promises."""

import subprocess
import sys
from pathlib import Path

import yaml

COMPOSE_FILE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


def load_services() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())["services"]


def test_compose_file_matches_the_compose_spec():
    check_jsonschema = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [check_jsonschema, "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_has_the_five_services():
    assert set(load_services()) == {"web", "worker", "beat", "db", "redis"}


def test_db_and_redis_have_healthchecks_that_the_apps_wait_for():
    services = load_services()
    assert "healthcheck" in services["db"]
    assert "healthcheck" in services["redis"]
    for name in ("web", "worker", "beat"):
        depends_on = services[name]["depends_on"]
        assert depends_on["db"]["condition"] == "service_healthy"
        assert depends_on["redis"]["condition"] == "service_healthy"


def test_web_runs_gunicorn_and_worker_and_beat_run_celery():
    services = load_services()
    assert "gunicorn weekly.wsgi" in " ".join(services["web"]["command"])
    assert services["worker"]["command"][:4] == ["celery", "-A", "weekly", "worker"]
    beat = services["beat"]["command"]
    assert beat[:4] == ["celery", "-A", "weekly", "beat"]
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat


def test_apps_run_in_production_mode():
    environment = load_services()["web"]["environment"]
    assert environment["DEBUG"] == "0"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["REDIS_URL"].startswith("redis://")
