"""/healthz says whether the database and Redis answer, without signing in."""

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthy(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured"}
    assert "no-cache" in response["Cache-Control"]


def test_redis_that_does_not_answer_is_503(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["redis"] == "unavailable"


def test_a_database_that_does_not_answer_is_503(client, settings, monkeypatch):
    from core import views

    settings.REDIS_URL = ""

    class Broken:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", Broken())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unavailable",
        "redis": "not configured",
    }


@pytest.mark.skipif(
    not __import__("os").environ.get("REDIS_URL"), reason="needs REDIS_URL (CI sets it)"
)
def test_a_real_redis_is_ok(client, settings):
    import os

    settings.REDIS_URL = os.environ["REDIS_URL"]

    assert client.get("/healthz").json()["redis"] == "ok"


def test_load_balancers_may_call_it_by_address_over_http(client, settings):
    settings.REDIS_URL = ""
    settings.ALLOWED_HOSTS = ["weekly.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")

    assert response.status_code == 200
    assert client.get("/", HTTP_HOST="10.0.0.5:8000").status_code == 400  # pages still check


def test_only_get_and_head(client):
    assert client.post("/healthz").status_code == 405
