"""Every task is acknowledged late, time-limited, retried with backoff, and queued only
when the transaction that asked for it commits."""

import pytest
from django.conf import settings
from django.db import transaction

from exports.tasks import EXPORT_TIME_LIMIT
from notifications import tasks
from reports import services
from reports.models import ChannelKind, Delivery, NotificationChannel
from weekly.celery import app

# The tasks keep the names they were first registered under (reports.tasks.*), whichever
# app holds them now: the beat schedule's rows and queued messages name them so.
app.loader.import_default_modules()  # every app's tasks.py, as a worker starts with
REPORT_TASKS = sorted(name for name in app.tasks if name.startswith("reports."))


def test_the_worker_settings_favour_running_a_task_again_over_losing_it():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert 0 < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT


def test_redis_waits_longer_than_any_task_or_retry_before_handing_it_out_again():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    longest = max([EXPORT_TIME_LIMIT, tasks.BACKOFF_MAX_SECONDS, settings.CELERY_TASK_TIME_LIMIT])
    assert visibility > longest


def test_the_tasks_are_the_ones_described():
    assert REPORT_TASKS == [
        "reports.tasks.deliver",
        "reports.tasks.notify_published",
        "reports.tasks.pull_prometheus_kpis",
        "reports.tasks.relay_deliveries",
        "reports.tasks.relay_exports",
        "reports.tasks.run_export",
        "reports.tasks.send_due_reminders",
    ]


@pytest.mark.parametrize("name", REPORT_TASKS)
def test_each_task_is_acknowledged_late_and_time_limited(name):
    task = app.tasks[name]

    assert task.acks_late is True
    limit = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
    soft = task.soft_time_limit or settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert 0 < soft < limit <= 3600


def test_deliveries_retry_with_growing_jittered_delays():
    assert tasks.deliver.max_retries == Delivery.MAX_ATTEMPTS - 1
    delays = [[tasks._backoff(n) for _ in range(50)] for n in range(8)]

    assert all(0 <= d <= tasks.BACKOFF_SECONDS for d in delays[0])
    assert max(delays[3]) > tasks.BACKOFF_SECONDS  # grows
    assert all(d <= tasks.BACKOFF_MAX_SECONDS for row in delays for d in row)  # capped
    assert len(set(delays[5])) > 5  # jittered, not in lockstep


@pytest.fixture
def queued(monkeypatch):
    """What is handed to the broker, in order: (task name, args)."""
    sent = []
    for task in (tasks.deliver, tasks.notify_published):
        monkeypatch.setattr(
            task, "apply_async", lambda args, name=task.name, **kw: sent.append((name, args))
        )
    return sent


@pytest.mark.django_db
def test_a_publication_writes_its_deliveries_with_it_and_queues_them_once_committed(
    sample_report, queued, django_capture_on_commit_callbacks
):
    channel = NotificationChannel.objects.create(
        team=sample_report.team, kind=ChannelKind.EMAIL, target="ops@example.com"
    )

    with django_capture_on_commit_callbacks(execute=True) as on_commit:
        services.report_publish(report=sample_report)
        # Written in the publishing transaction (the outbox), not yet handed out.
        delivery = Delivery.objects.get(channel=channel)
        assert queued == []

    assert len(on_commit) == 1
    assert queued == [("reports.tasks.deliver", (delivery.pk,))]


@pytest.mark.django_db
def test_a_publication_rolled_back_leaves_no_delivery_and_queues_nothing(sample_report, queued):
    NotificationChannel.objects.create(
        team=sample_report.team, kind=ChannelKind.EMAIL, target="ops@example.com"
    )

    with pytest.raises(RuntimeError), transaction.atomic():
        services.report_publish(report=sample_report)
        raise RuntimeError("a later step failed")

    assert queued == []
    assert Delivery.objects.count() == 0
    sample_report.refresh_from_db()
    assert not sample_report.is_published


@pytest.mark.django_db
@pytest.mark.parametrize("task", ["reports.tasks.relay_deliveries", "reports.tasks.relay_exports"])
def test_the_relays_run_every_minute_on_a_beat_schedule(task):
    from django_celery_beat.models import PeriodicTask

    (scheduled,) = PeriodicTask.objects.filter(task=task)

    assert task in app.tasks
    assert (scheduled.interval.every, scheduled.interval.period) == (1, "minutes")
    assert scheduled.enabled


@pytest.mark.django_db
def test_the_relay_queues_only_what_no_worker_will_get_to(sample_report, queued):
    from datetime import timedelta

    from django.utils import timezone

    from notifications import outbox

    channels = [
        NotificationChannel.objects.create(
            team=sample_report.team, kind=ChannelKind.EMAIL, target=t
        )
        for t in ("a@", "b@", "c@", "d@", "e@", "f@")
    ]
    revision = services.report_publish(report=sample_report).revisions.first()
    Delivery.objects.all().delete()  # written again below, each in its state
    long_ago = timezone.now() - outbox.STRANDED_AFTER - timedelta(seconds=1)
    never_queued = Delivery.objects.create(channel=channels[0], revision=revision)
    just_written = Delivery.objects.create(channel=channels[1], revision=revision)
    worker_died = Delivery.objects.create(
        channel=channels[2], revision=revision, status="sending", claimed_until=long_ago
    )
    Delivery.objects.create(channel=channels[3], revision=revision, status="sent")
    retry_lost = Delivery.objects.create(
        channel=channels[4], revision=revision, attempts=1, claimed_until=long_ago
    )
    retry_waiting = Delivery.objects.create(
        channel=channels[5], revision=revision, attempts=1,
        claimed_until=timezone.now() + timedelta(minutes=30),
    )  # fmt: skip
    Delivery.objects.filter(pk__in=[never_queued.pk, worker_died.pk]).update(created_at=long_ago)

    relayed = sorted(tasks.relay_deliveries())

    assert relayed == sorted([never_queued.pk, worker_died.pk, retry_lost.pk])
    assert just_written.pk not in relayed and retry_waiting.pk not in relayed


def test_a_failed_delivery_waits_for_its_retry_no_longer_than_the_longest_backoff():
    from notifications import outbox

    assert outbox.RETRY_DUE.total_seconds() == tasks.BACKOFF_MAX_SECONDS
