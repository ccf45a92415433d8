"""Bulk exports: many weeks as one zip, built by a worker that may be killed and restarted.

The job writes each week as ``<team>/<date>.md`` into a staging folder (each file written
whole, then renamed into place), counts its progress in the job row, and zips the folder
when every week is there. A worker owns a job through a lease it renews as it goes; a
worker killed mid-export leaves its files and a lapsing lease, and the task's redelivery
(or the command run again) continues from the files already written. The zip is built from
the folder, so every week is in it exactly once.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from reports.exports import export_text
from reports.models import ExportJob, ExportStatus, Team, WeeklyReport

Progress = Callable[[int, int], None]


def exports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


def zip_path(job: ExportJob) -> Path:
    return exports_dir() / f"weekly-export-{job.pk}.zip"


def staging_dir(job: ExportJob) -> Path:
    return exports_dir() / f"weekly-export-{job.pk}.parts"


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


def _reports(job: ExportJob):
    return (
        WeeklyReport.objects.filter(team_id__in=job.team_ids)
        .select_related("team")
        .order_by("team__slug", "report_date")
    )


def part_name(report: WeeklyReport) -> str:
    return f"{report.team.slug}/{report.report_date.isoformat()}.md"


def export_job_run(job_id: int, progress: Progress | None = None) -> bool:
    """Build the job's zip if nobody else is; True when this call finished it."""
    if not claim(job_id):
        return False
    job = ExportJob.objects.get(pk=job_id)
    reports = list(_reports(job))
    parts = staging_dir(job)
    parts.mkdir(parents=True, exist_ok=True)
    ExportJob.objects.filter(pk=job_id).update(total=len(reports))
    try:
        for count, report in enumerate(reports, start=1):
            target = parts / part_name(report)
            if not target.exists():  # written whole by an earlier, interrupted run
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_suffix(".tmp")
                partial.write_text(export_text(report), encoding="utf-8")
                os.replace(partial, target)
            ExportJob.objects.filter(pk=job_id).update(
                done=count, lease_until=timezone.now() + _lease()
            )
            if progress:
                progress(count, len(reports))
        _zip(parts, zip_path(job))
    except Exception as exc:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportStatus.FAILED, error=str(exc)[:2000], lease_until=None
        )
        raise
    shutil.rmtree(parts, ignore_errors=True)
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportStatus.DONE, finished_at=timezone.now(), lease_until=None
    )
    return True


def _zip(parts: Path, target: Path) -> None:
    partial = target.with_suffix(".zip.tmp")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in parts.rglob("*.md") if p.is_file()):
            archive.write(path, path.relative_to(parts).as_posix())
    os.replace(partial, target)
