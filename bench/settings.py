"""The site's settings, plus the benchmark: its command (``manage.py bench``, which
``make bench`` runs with these settings) and one URL, the floor view the load run compares
with. The site's own settings never name this package. Static files are collected into a
folder of the load run's own."""

import os

from weekly.settings import *  # noqa: F403
from weekly.settings import INSTALLED_APPS, STATIC_ROOT

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
STATIC_ROOT = os.environ.get("WEEKLY_BENCH_STATIC_ROOT", STATIC_ROOT)
