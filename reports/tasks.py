"""Celery tasks of the reports app: thin wrappers that call a service (notifications.tasks
explains the settings every task shares)."""

from __future__ import annotations

from celery import shared_task

from reports import kpi_pull


@shared_task(acks_late=True)
def pull_prometheus_kpis() -> list[str]:
    """Run by Celery beat (hourly by default): KPI values from Prometheus; the weeks changed."""
    return kpi_pull.pull_prometheus_kpis().changed
