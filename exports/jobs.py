"""Bulk exports: many weeks as one zip, built by a worker that may be killed and restarted.

The job exports each week as an ``ExportPart`` row named ``<team>/<date>.md`` and counts
its progress in the job row. Nothing is written to local disk: the zip is put together
from the parts while it is downloaded, so any web process can serve it and any worker can
continue a job. A worker owns a job through a lease it renews as it goes; a worker killed
mid-export leaves its parts and a lapsing lease, and the task's redelivery (or the
command run again) continues with the weeks not yet exported. Each week is a part once
(unique per job and name), so every week is in the zip exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import BinaryIO

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from exports.archive import zip_stream
from reports.files import report_texts
from reports.models import ExportJob, ExportPart, ExportStatus, Team, WeeklyReport

Progress = Callable[[int, int], None]


def download_name(job: ExportJob) -> str:
    return f"weekly-{job.created_at:%Y%m%d}-{job.pk}.zip"


def export_job_create(*, teams: list[Team], label: str, user=None) -> ExportJob:
    return ExportJob.objects.create(
        requested_by=user, team_ids=sorted(t.pk for t in teams), label=label
    )


def _lease() -> timedelta:
    return timedelta(seconds=settings.EXPORT_LEASE_SECONDS)


def claim(job_id: int) -> bool:
    """Own the job: a queued one, or a running one whose worker stopped renewing it."""
    now = timezone.now()
    free = Q(status=ExportStatus.QUEUED) | Q(status=ExportStatus.RUNNING, lease_until__lt=now)
    return (
        ExportJob.objects.filter(free, pk=job_id).update(
            status=ExportStatus.RUNNING, lease_until=now + _lease()
        )
        == 1
    )


def _names(job: ExportJob) -> dict[int, str]:
    """Each week of the job, by id, with its name in the zip ("<team>/<date>.md"), in the
    zip's order, without reading the weeks."""
    weeks = WeeklyReport.objects.filter(team_id__in=job.team_ids).order_by(
        "team__slug", "report_date"
    )
    return {
        pk: f"{slug}/{day.isoformat()}.md"
        for pk, slug, day in weeks.values_list("pk", "team__slug", "report_date")
    }


def export_job_run(job_id: int, progress: Progress | None = None) -> bool:
    """Export the job's weeks if nobody else is; True when this call finished it.

    The weeks an interrupted run wrote are kept; the others are read a batch at a time."""
    if not claim(job_id):
        return False
    job = ExportJob.objects.get(pk=job_id)
    written = set(job.parts.values_list("name", flat=True))  # from an interrupted run
    names = _names(job)
    todo = [pk for pk, name in names.items() if name not in written]
    total, count = len(names), len(names) - len(todo)
    ExportJob.objects.filter(pk=job_id).update(total=total, done=count)
    try:
        for report, text in report_texts(todo):
            try:
                with transaction.atomic():
                    ExportPart.objects.create(job=job, name=names[report.pk], text=text)
            except IntegrityError:
                pass  # written meanwhile by the worker this one took over from
            count += 1
            ExportJob.objects.filter(pk=job_id).update(
                done=count, lease_until=timezone.now() + _lease()
            )
            if progress:
                progress(count, total)
    except SoftTimeLimitExceeded:
        # Out of time, not broken: let the lease go so the task's next run continues.
        ExportJob.objects.filter(pk=job_id).update(lease_until=timezone.now())
        raise
    except Exception as exc:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportStatus.FAILED, error=str(exc)[:2000], lease_until=None
        )
        raise
    # What the zip holds: a week deleted while the job ran is not in it.
    weeks = job.parts.count()
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportStatus.DONE,
        finished_at=timezone.now(),
        lease_until=None,
        total=weeks,
        done=weeks,
    )
    return True


# An export asked this long ago and not started was not queued (or its message was
# lost): the relay queues it. Queuing one twice is harmless: ``claim`` lets one run it.
STRANDED_AFTER = timedelta(seconds=60)


def stranded() -> list[int]:
    """Exports no worker will get to by itself: queued a while ago and not started, or
    running under a lease that lapsed a while ago."""
    since = timezone.now() - STRANDED_AFTER
    waiting = Q(status=ExportStatus.QUEUED, created_at__lt=since)
    abandoned = Q(status=ExportStatus.RUNNING, lease_until__lt=since)
    return list(ExportJob.objects.filter(waiting | abandoned).values_list("pk", flat=True))


def lease_remaining(job_id: int) -> int | None:
    """Seconds until a running job's lease lapses (at least one); None when the job is
    not running (done, failed, or gone)."""
    job = ExportJob.objects.filter(pk=job_id, status=ExportStatus.RUNNING).first()
    if job is None:
        return None
    if job.lease_until is None:
        return 1
    return max(1, int((job.lease_until - timezone.now()).total_seconds()) + 1)


PAGE = 100


def _parts(job: ExportJob) -> Iterator[tuple[str, str]]:
    """The job's weeks as (name, text), a short query per page, so a slow download
    holds no cursor open."""
    last = ""
    while True:
        page = list(
            job.parts.filter(name__gt=last).order_by("name").values_list("name", "text")[:PAGE]
        )
        if not page:
            return
        yield from page
        last = page[-1][0]


def zip_chunks(job: ExportJob) -> Iterator[bytes]:
    """The job's zip, piece by piece as it is compressed (for a streaming download)."""
    return zip_stream(_parts(job))


def write_zip(job: ExportJob, target: BinaryIO) -> None:
    for chunk in zip_chunks(job):
        target.write(chunk)
