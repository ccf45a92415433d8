"""The production settings plus one URL: the floor view the benchmark compares with.
Static files are collected into a folder of the benchmark's own."""

import os

from weekly.settings import *  # noqa: F403

ROOT_URLCONF = "weekly.bench.urls"
STATIC_ROOT = os.environ["WEEKLY_BENCH_STATIC_ROOT"]
