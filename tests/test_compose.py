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


def test_compose_file_has_the_services_of_the_production_shape():
    assert set(load_services()) == {"migrate", "web", "proxy", "worker", "beat", "db", "redis"}


def test_web_runs_replicas_behind_the_proxy_and_is_health_checked():
    services = load_services()
    web, proxy = services["web"], services["proxy"]
    assert "ports" not in web  # only through the proxy
    assert web["deploy"]["replicas"] == "${WEB_REPLICAS:-2}"
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert proxy["ports"] == ["8000:80"]
    assert "server web:8000" in (COMPOSE_FILE.parent / "deploy" / "nginx.conf").read_text()


def test_migrations_run_once_before_the_apps_start():
    services = load_services()
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "beat"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"
        assert "migrate" not in " ".join(services[name]["command"])


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
