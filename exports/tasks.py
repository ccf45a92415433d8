"""The bulk export's task: thin, idempotent, acknowledged late (see notifications.tasks).

Its registered name is the one it had in ``reports.tasks``, so queued messages keep
working across the upgrade."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from exports import jobs

# Every team's history can take minutes; the export resumes if it is cut short anyway.
EXPORT_TIME_LIMIT = 3600


@shared_task(name="reports.tasks.relay_exports", acks_late=True)
def relay_exports() -> list[int]:
    """Run by Celery beat every minute: queue the exports that the broker never got (it
    was down when they were asked for) or whose worker died; the ids queued."""
    ids = jobs.stranded()
    for job_id in ids:
        run_export.delay(job_id)
    return ids


@shared_task(
    name="reports.tasks.run_export",
    bind=True,
    acks_late=True,
    max_retries=None,
    time_limit=EXPORT_TIME_LIMIT,
    soft_time_limit=EXPORT_TIME_LIMIT - 60,
)
def run_export(self, job_id: int) -> bool:
    """Build a bulk export; a redelivered task continues where a killed worker stopped."""
    try:
        finished = jobs.export_job_run(job_id)
    except SoftTimeLimitExceeded as exc:
        # The job's lease was let go: the next run continues with the weeks not yet done.
        raise self.retry(countdown=5) from exc
    if not finished and not self.request.is_eager:
        wait = jobs.lease_remaining(job_id)
        if wait is not None:  # another worker's lease holds, or its worker died
            raise self.retry(countdown=wait)
    return finished
