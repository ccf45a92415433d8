"""Celery tasks: thin wrappers that load by id and call a service.

Every task is idempotent (the services claim their rows before acting), acknowledged
late so a killed worker's task runs again, and time-limited by the settings. Retries back
off exponentially with jitter. In eager mode (no REDIS_URL) a failed delivery is not
retried inline, which would hold up the request; it stays pending, with its error, for
the admin's "send again" action.

The tasks keep the names they were registered under in ``reports.tasks``, so the beat
schedule's rows and messages already queued keep working.
"""

from __future__ import annotations

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from notifications import outbox, reminders
from notifications.notify import DeliveryError
from notifications.wiki import WikiError
from reports.models import Delivery


@shared_task(name="reports.tasks.send_due_reminders", acks_late=True)
def send_due_reminders() -> int:
    """Run by Celery beat (every 15 minutes by default); the number of reminders sent."""
    return len(reminders.send_due_reminders())


@shared_task(name="reports.tasks.notify_published", acks_late=True)
def notify_published(revision_id: int) -> list[int]:
    """Fan a publication out to the team's channels, one delivery task each."""
    ids = outbox.deliveries_for(revision_id)
    for delivery_id in ids:
        deliver.delay(delivery_id)
    return ids


BACKOFF_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


@shared_task(name="reports.tasks.relay_deliveries", acks_late=True)
def relay_deliveries() -> list[int]:
    """Run by Celery beat every minute: queue the deliveries that the broker never got
    (it was down when they were written) or whose worker died; the ids queued."""
    ids = outbox.stranded()
    for delivery_id in ids:
        deliver.delay(delivery_id)
    return ids


@shared_task(
    name="reports.tasks.deliver", bind=True, acks_late=True, max_retries=Delivery.MAX_ATTEMPTS - 1
)
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
