"""Writes: an export asked for, built by a worker once the request has committed."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from exports import jobs, tasks
from reports.models import ExportJob, Team


@transaction.atomic
def export_request(*, teams: list[Team], label: str, user) -> ExportJob:
    job = jobs.export_job_create(teams=teams, label=label, user=user)
    transaction.on_commit(partial(tasks.run_export.delay, job.pk))
    return job
