"""Typed readers for configuration taken from environment variables.

Each helper fails loudly with ImproperlyConfigured on a value it cannot parse:
a typo in a deployment file should stop the process at start-up, not silently
fall back to a default. An unset or empty variable means "use the default".
"""

import math
import os
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _raw(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def env_str(name: str, default: str | None = None) -> str:
    """Without a default the variable is required."""
    value = _raw(name)
    if value is not None:
        return value
    if default is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return default


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use 1/0, true/false, yes/no.")


def env_int(name: str, default: int) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


# What Django's own deployment check (security.W009) asks of a key, made a refusal at
# start instead of a warning: 50 characters, none of Django's "django-insecure-" keys.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_BITS = 128
SECRET_KEY_MIN_UNIQUE = 10
# Keys printed in our own files and in tutorials, refused whatever their length.
PUBLISHED_SECRET_KEYS = frozenset(
    {
        "django-insecure-weekly-development-only",
        "collectstatic-only",
        "changeme",
        "change-me",
        "secret",
        "...",
    }
)


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` cannot sign production sessions and tokens, or None when it can.

    "Low entropy" is measured on the key itself: its character frequencies must carry
    ``SECRET_KEY_MIN_BITS`` (a random 50-character key carries about 250), it must use
    ``SECRET_KEY_MIN_UNIQUE`` different characters (a hex key uses 16), and it must not
    be a shorter text repeated. A key from ``secrets.token_urlsafe(50)`` passes all three.
    """
    if key in PUBLISHED_SECRET_KEYS or key.lower().startswith("django-insecure"):
        return "it is a published example or development key"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it has {len(key)} characters; at least {SECRET_KEY_MIN_LENGTH} are needed"
    counts = [key.count(c) for c in set(key)]
    bits = -sum(n * math.log2(n / len(key)) for n in counts)
    repeated = key in (key + key)[1:-1]
    if len(counts) < SECRET_KEY_MIN_UNIQUE or bits < SECRET_KEY_MIN_BITS or repeated:
        return "it is too regular to be random (repeated characters or a repeated pattern)"
    return None


def checked_secret_key(key: str) -> str:
    """``key``, or ImproperlyConfigured saying why production refuses it."""
    problem = secret_key_problem(key)
    if problem is not None:
        raise ImproperlyConfigured(
            f"SECRET_KEY is refused when DEBUG is off: {problem}. Make one with "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    return key


@dataclass(frozen=True)
class CelerySettings:
    broker_url: str
    result_backend: str | None
    always_eager: bool


def celery_settings(redis_url: str | None) -> CelerySettings:
    """Without Redis, tasks run inline so a fresh machine needs no broker."""
    if redis_url:
        return CelerySettings(broker_url=redis_url, result_backend=redis_url, always_eager=False)
    return CelerySettings(broker_url="memory://", result_backend=None, always_eager=True)


def cache_settings(
    redis_url: str | None, key_prefix: str = "weekly", timeout: float = 0.5
) -> dict[str, dict[str, object]]:
    """The cache: Redis when there is one, answering within ``timeout`` seconds or
    failing (a hung Redis must not hold a request: see core.cache)."""
    if redis_url:
        backend = {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": key_prefix,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": timeout, "SOCKET_TIMEOUT": timeout},
        }
    else:
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    return {"default": backend}
