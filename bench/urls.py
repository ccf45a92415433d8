"""The site's URLs and ``/_bench/floor/``: a Django view that returns, from memory, the
bytes of the report page the benchmark measures. It goes through the same middleware,
so its throughput is the framework's floor for a response of that size."""

import os
from functools import cache
from pathlib import Path

from django.http import HttpResponse
from django.urls import path

from weekly.urls import urlpatterns as site_urlpatterns


@cache
def _floor_body() -> bytes:
    # Read once per process, on the first request: the benchmark writes the file after
    # the server is up, from the report page the server itself rendered.
    return Path(os.environ["WEEKLY_BENCH_FLOOR_FILE"]).read_bytes()


def floor(request):
    return HttpResponse(_floor_body(), content_type="text/html; charset=utf-8")


urlpatterns = [path("_bench/floor/", floor), *site_urlpatterns]
