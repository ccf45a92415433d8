"""The Celery app for tests/test_worker.py, with exports slowed down to a week every
0.3 s so the test can kill the worker in the middle of one. Nothing else differs."""

import time

from celery.signals import task_prerun

from weekly.celery import app

__all__ = ["app"]
SECONDS_PER_WEEK = 0.3


@task_prerun.connect
def _slow_exports(sender=None, **kwargs):
    from exports import jobs

    if getattr(jobs.report_texts, "slowed", False):
        return
    real = jobs.report_texts

    def slow(*args, **kwargs):
        for report, text in real(*args, **kwargs):
            time.sleep(SECONDS_PER_WEEK)
            yield report, text

    slow.slowed = True
    jobs.report_texts = slow
