"""The health check, for load balancers and orchestrators."""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """For load balancers and orchestrators: 200 when the database and Redis answer,
    503 naming what does not. No sign-in, and nothing about the data. Served by
    core.middleware.HealthCheckMiddleware, ahead of the host check and HTTPS redirect."""
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    healthy = all(state in ("ok", "not configured") for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


def _database_ok() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return "unavailable"
    return "ok"


def _redis_ok() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        client.ping()
    except redis.RedisError:
        return "unavailable"
    return "ok"
