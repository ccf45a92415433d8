"""Writes: an export asked for, built by a worker once the request has committed."""

from __future__ import annotations

from django.db import transaction

from core import queue
from exports import jobs, tasks
from reports.models import ExportJob, Team


@transaction.atomic
def export_request(*, teams: list[Team], label: str, user) -> ExportJob:
    job = jobs.export_job_create(teams=teams, label=label, user=user)
    queue.send_on_commit(tasks.run_export, job.pk)  # else the relay queues it
    return job
