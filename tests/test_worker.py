"""A real Celery worker against Redis runs every task end to end.

The worker is another process (``celery -A weekly worker``) on the test's own database
and its own queue. It sends a reminder, delivers a publication to e-mail, a webhook and
a git wiki, and builds a bulk export; killed with SIGKILL in the middle of an export,
the task comes back from Redis to a new worker, which finishes it with every week once.

Needs ``REDIS_URL``; CI always sets it (tests/test_services_in_ci.py checks), so there
it never skips.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from datetime import time as clock
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from exports import jobs
from exports.tasks import run_export
from notifications.tasks import send_due_reminders
from reports import services
from reports.models import (
    Delivery,
    DeliveryStatus,
    ExportJob,
    ExportStatus,
    Membership,
    NotificationChannel,
    Reminder,
    WeeklyReport,
)
from tests.factories import MembershipFactory, import_sample, sample_document
from weekly.celery import app

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("REDIS_URL", "")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

pytestmark = [
    pytest.mark.real_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REDIS_URL and not IN_CI, reason="needs REDIS_URL (CI sets it)"),
]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait(what: str, check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout}s for {what}")


class Worker:
    """``celery worker`` processes started for one test, all stopped at its end."""

    def __init__(self, tmp_path: Path):
        self.queue = f"weekly-test-{uuid.uuid4().hex[:8]}"
        self.mail = tmp_path / "mail"
        self.logs = tmp_path / "worker-logs"
        self.logs.mkdir()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "weekly.settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": REDIS_URL,
            "CELERY_QUEUE": self.queue,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail),
            "WIKI_CHECKOUT_DIR": str(tmp_path / "checkouts"),
            "EXPORT_LEASE_SECONDS": "2",
            "CELERY_VISIBILITY_TIMEOUT": "3",
        }
        self.processes: list[subprocess.Popen] = []

    def start(self, app_module: str = "weekly") -> subprocess.Popen:
        log = open(self.logs / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", app_module, "worker",
                "-P", "solo", "-Q", self.queue, "-n", f"{self.queue}-{len(self.processes)}@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--loglevel", "INFO",
            ],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.kill(process)

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.iterdir()))

    def mails(self) -> list[str]:
        if not self.mail.exists():
            return []
        return [p.read_text(errors="replace") for p in sorted(self.mail.iterdir())]


@pytest.fixture
def worker(tmp_path, settings):
    assert REDIS_URL, "CI must set REDIS_URL"
    assert not app.conf.task_always_eager, "a real worker test must queue its tasks"
    runner = Worker(tmp_path)
    before = app.conf.task_default_queue
    app.conf.task_default_queue = runner.queue
    yield runner
    app.conf.task_default_queue = before
    runner.stop()
    print(runner.log_text()[-4000:])  # shown when the test fails


@pytest.fixture
def team(sample_team):
    MembershipFactory(
        team=sample_team, user__username="lead", user__email="lead@example.com",
        role=Membership.Role.LEAD,
    )  # fmt: skip
    return sample_team


def test_a_reminder_is_sent_by_the_worker(worker, team):
    now = timezone.localtime()
    team.due_weekday, team.due_time = now.weekday(), clock(0, 0)  # due today at midnight
    team.save()
    worker.start()

    send_due_reminders.delay()

    _wait("the reminder", lambda: Reminder.objects.filter(sent_at__isnull=False).exists())
    (message,) = _wait("the mail file", worker.mails)
    assert "lead@example.com" in message
    send_due_reminders.delay()  # a second run, and a second worker, send nothing more
    worker.start()
    time.sleep(2)
    assert Reminder.objects.count() == 1 and len(worker.mails()) == 1


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode": 0}')

    def log_message(self, *args):
        pass


def test_a_publication_is_delivered_by_the_worker(worker, team, tmp_path):
    bare = tmp_path / "wiki.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Hook.received = []
    hook_url = f"http://127.0.0.1:{server.server_port}/wecom"
    for kind, target in (("email", "ops@example.com"), ("wecom", hook_url), ("wiki", str(bare))):
        NotificationChannel.objects.create(team=team, kind=kind, target=target)
    report = team.reports.get()
    worker.start()

    with transaction.atomic():
        services.report_publish(report=report)  # queued when this commits

    _wait(
        "three deliveries",
        lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 3,
    )
    server.shutdown()
    assert any("ops@example.com" in m and "支付平台组" in m for m in worker.mails())
    assert _Hook.received[0]["markdown"]["content"].startswith("### 支付平台组")
    log = subprocess.run(
        ["git", "--git-dir", str(bare), "log", "--format=%s", "main"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert log.splitlines() == ["支付平台组: 第21周 2023-05-20"]


def test_an_export_survives_a_killed_worker(worker, team):
    from reports.management.commands.load_demo import made_up_week

    sample = sample_document()
    for back in range(1, 20):
        import_sample(team, document=made_up_week(sample, back))
    weeks = list(WeeklyReport.objects.filter(team=team).order_by("report_date"))
    job = jobs.export_job_create(teams=[team], label="支付平台组")
    slow = worker.start("tests.slow_worker")

    run_export.delay(job.pk)
    _wait("a few weeks written", lambda: ExportJob.objects.get(pk=job.pk).done >= 3)
    worker.kill(slow)

    killed = ExportJob.objects.get(pk=job.pk)
    assert killed.status == ExportStatus.RUNNING
    assert 3 <= killed.done < len(weeks)
    time.sleep(3.5)  # Redis hands the unacknowledged task out again after 3 s
    worker.start()

    done = _wait(
        "the export to finish",
        lambda: ExportJob.objects.filter(pk=job.pk, status=ExportStatus.DONE).first(),
        timeout=90,
    )
    assert (done.done, done.total) == (len(weeks), len(weeks))
    buffer = io.BytesIO()
    jobs.write_zip(done, buffer)
    archive = zipfile.ZipFile(buffer)
    names = archive.namelist()
    assert names == [f"payments/{w.report_date}.md" for w in weeks]  # each once, in order
    from reports.files import export_text

    assert archive.read(names[-1]).decode() == export_text(weeks[-1])


@pytest.fixture
def broker_behind_proxy(worker):
    """This process's broker connections go through a proxy to the worker's Redis, so the
    test can take the broker away from the web side (tests/redis_proxy.py)."""
    from urllib.parse import urlsplit

    from core import queue
    from tests.redis_proxy import RedisProxy

    real = urlsplit(REDIS_URL)
    proxy = RedisProxy(real.port or 6379, real.hostname or "127.0.0.1")
    before = app.conf.broker_url
    app.conf.broker_url = proxy.url(int(real.path.strip("/") or 0))
    app._after_fork()  # drop the pooled connections, as a forked worker does
    queue.resume()
    yield proxy
    proxy.close()
    app.conf.broker_url = before
    app._after_fork()
    queue.resume()


def _strand(model) -> None:
    """As if the rows were written more than a minute ago (the relay's patience)."""
    from datetime import timedelta

    model.objects.update(created_at=timezone.now() - timedelta(minutes=5))


@pytest.mark.parametrize("outage", ["down", "hung"])
def test_work_asked_for_while_the_broker_is_away_is_done_once_it_is_back(
    worker, broker_behind_proxy, team, outage
):
    from exports import services as export_services
    from exports.tasks import relay_exports
    from notifications.tasks import relay_deliveries

    NotificationChannel.objects.create(team=team, kind="email", target="ops@example.com")
    worker.start()
    getattr(broker_behind_proxy, outage)()

    with transaction.atomic():
        services.report_publish(report=team.reports.get())
    with transaction.atomic():
        job = export_services.export_request(teams=[team], label="支付平台组", user=None)

    # The publication and the request stand, with what is to follow written beside them.
    report = team.reports.get()
    assert report.is_published
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert ExportJob.objects.get(pk=job.pk).status == ExportStatus.QUEUED

    broker_behind_proxy.up()
    _strand(Delivery)
    _strand(ExportJob)
    relay_deliveries.delay()  # as Celery beat does every minute
    relay_exports.delay()

    _wait("the delivery", lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).exists())
    _wait("the export", lambda: ExportJob.objects.filter(status=ExportStatus.DONE).exists())
    relay_deliveries.delay()  # a second round finds nothing left to do
    relay_exports.delay()
    time.sleep(2)
    assert len(worker.mails()) == 1
    assert Delivery.objects.get().attempts == 1
