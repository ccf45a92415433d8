"""The Celery app for tests/test_worker.py, with exports slowed down to a week every
0.3 s so the test can kill the worker in the middle of one. Nothing else differs."""

import time

from celery.signals import task_prerun

from weekly.celery import app

__all__ = ["app"]
SECONDS_PER_WEEK = 0.3


@task_prerun.connect
def _slow_exports(sender=None, **kwargs):
    from reports import bulk_export

    if getattr(bulk_export.export_text, "slowed", False):
        return
    real = bulk_export.export_text

    def slow(report):
        time.sleep(SECONDS_PER_WEEK)
        return real(report)

    slow.slowed = True
    bulk_export.export_text = slow
