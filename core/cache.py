"""What a cache call raises when Redis does not answer.

The cache in Redis is django-redis's (weekly.env.cache_settings): it keeps one client per
connection pool, where Django's own backend built a client, and its table of response
callbacks, on every call. django-redis re-raises redis-py's exceptions (and a socket's
timeout) when it is not told to swallow them, so callers that must go on without the
cache catch these.
"""

from redis.exceptions import RedisError

CACHE_ERRORS: tuple[type[BaseException], ...] = (OSError, RedisError)
