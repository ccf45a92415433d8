"""Celery tasks: thin wrappers that load by id and call a service.

Every task is idempotent (the services claim their rows before acting), acknowledged
late so a killed worker's task runs again, and time-limited by the settings. Retries back
off exponentially with jitter. In eager mode (no REDIS_URL) a failed delivery is not
retried inline, which would hold up the request; it stays pending, with its error, for
the admin's "send again" action.
"""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval

from reports import bulk_export, kpi_pull, outbox, reminders
from reports.models import Delivery
from reports.notify import DeliveryError
from reports.wiki import WikiError


@shared_task(acks_late=True)
def send_due_reminders() -> int:
    """Run by Celery beat (every 15 minutes by default); the number of reminders sent."""
    return len(reminders.send_due_reminders())


# Every team's history can take minutes; the export resumes if it is cut short anyway.
EXPORT_TIME_LIMIT = 3600


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=None,
    time_limit=EXPORT_TIME_LIMIT,
    soft_time_limit=EXPORT_TIME_LIMIT - 60,
)
def run_export(self, job_id: int) -> bool:
    """Build a bulk export; a redelivered task continues where a killed worker stopped."""
    try:
        finished = bulk_export.export_job_run(job_id)
    except SoftTimeLimitExceeded as exc:
        # The job's lease was let go: the next run continues with the weeks not yet done.
        raise self.retry(countdown=5) from exc
    if not finished and not self.request.is_eager:
        wait = bulk_export.lease_remaining(job_id)
        if wait is not None:  # another worker's lease holds, or its worker died
            raise self.retry(countdown=wait)
    return finished


@shared_task(acks_late=True)
def pull_prometheus_kpis() -> list[str]:
    """Run by Celery beat (hourly by default): KPI values from Prometheus; the weeks changed."""
    return kpi_pull.pull_prometheus_kpis().changed


@shared_task(acks_late=True)
def notify_published(revision_id: int) -> list[int]:
    """Fan a publication out to the team's channels, one delivery task each."""
    ids = outbox.deliveries_for(revision_id)
    for delivery_id in ids:
        deliver.delay(delivery_id)
    return ids


BACKOFF_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


@shared_task(bind=True, acks_late=True, max_retries=Delivery.MAX_ATTEMPTS - 1)
def deliver(self, delivery_id: int) -> str:
    try:
        outcome = outbox.attempt(delivery_id)
    except (DeliveryError, WikiError) as exc:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            return outbox.CLOSED
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    if outcome == outbox.BUSY and not self.request.is_eager:
        # Another worker holds it, or held it and died (this is the task coming back):
        # look again once that claim has lapsed.
        raise self.retry(countdown=outbox.claim_remaining(delivery_id))
    return outcome


def _backoff(retries: int) -> int:
    """Up to 30 s, 1 min, 2 min … an hour: exponential, with full jitter."""
    return get_exponential_backoff_interval(
        factor=BACKOFF_SECONDS, retries=retries, maximum=BACKOFF_MAX_SECONDS, full_jitter=True
    )
