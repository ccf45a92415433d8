"""A published week reaches the team's channels once, in each tool's own format.

Webhooks are posted to a real HTTP server on this machine that answers like the tool:
``{"errcode": 0}`` for WeCom and DingTalk, ``{"code": 0}`` for Feishu, ``ok`` for Slack.
"""

import base64
import hashlib
import hmac
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from metrics.models import KpiDefinition
from notifications import notify, outbox, tasks
from reports import services
from reports.models import (
    ChannelKind,
    Delivery,
    DeliveryStatus,
    NotificationChannel,
)
from reports.selectors import report_document
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ANSWERS = {
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "feishu": {"code": 0, "msg": "success"},
    "slack": "ok",
}


class Hooks:
    """A webhook server: what it received per path, and what it answers."""

    def __init__(self):
        self.received: list[tuple[str, dict]] = []
        self.answer: dict[str, object] = dict(ANSWERS)
        self.status = 200
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hooks.received.append((self.path, json.loads(body)))
                kind = urlsplit(self.path).path.strip("/")
                answer = hooks.answer.get(kind, "ok")
                payload = answer if isinstance(answer, str) else json.dumps(answer)
                self.send_response(hooks.status)
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, kind: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/{kind}"

    def bodies(self, kind: str) -> list[dict]:
        return [body for path, body in self.received if urlsplit(path).path == f"/{kind}"]


@pytest.fixture
def hooks():
    server = Hooks()
    yield server
    server.server.shutdown()


def _channel(team, kind, target, **extra) -> NotificationChannel:
    return NotificationChannel.objects.create(team=team, kind=kind, target=target, **extra)


def _publish(report, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_publish(report=report)


def test_the_summary_names_the_week_kpis_incidents_and_the_link(sample_team, sample_report):
    doc = report_document(sample_report)

    summary = notify.published_summary(sample_team.name, doc, "http://w/x")

    assert summary.title == "支付平台组：第21周 2023-05-20 周报已发布"
    assert any("入金有效成功率" in line for line in summary.lines)
    assert "事故数AB级0次，CD级1次，M6v专线故障记C级事故1次" in summary.lines
    assert "本周生产事故 2 起" in summary.lines
    assert summary.url == "http://w/x"
    assert not any(notify.MISS_MARK in line for line in summary.lines)


def test_a_missed_target_is_marked(sample_team, sample_report):
    KpiDefinition.objects.filter(team=sample_team, name="入金有效成功率").update(
        target=Decimal("99.99")
    )

    summary = notify.published_summary(sample_team.name, report_document(sample_report), "")

    (missed,) = [line for line in summary.lines if notify.MISS_MARK in line]
    assert "入金有效成功率" in missed and "99.99" in missed


def test_publishing_mails_the_email_channel_once(
    sample_team, sample_report, django_capture_on_commit_callbacks
):
    _channel(sample_team, ChannelKind.EMAIL, "ops@example.com, cto@example.com")

    _publish(sample_report, django_capture_on_commit_callbacks)
    tasks.notify_published(sample_report.revisions.first().pk)  # the task again: no resend

    (message,) = mail.outbox
    assert message.to == ["ops@example.com", "cto@example.com"]
    assert message.subject.startswith("支付平台组")
    assert "http://127.0.0.1:8000/teams/payments/2023-05-20/" in message.body
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_each_chat_tool_gets_its_own_format(
    hooks, sample_team, sample_report, django_capture_on_commit_callbacks
):
    for kind in ("wecom", "dingtalk", "feishu", "slack"):
        _channel(sample_team, kind, hooks.url(kind))

    _publish(sample_report, django_capture_on_commit_callbacks)

    (wecom,) = hooks.bodies("wecom")
    assert wecom["msgtype"] == "markdown"
    assert wecom["markdown"]["content"].startswith("### 支付平台组")
    (dingtalk,) = hooks.bodies("dingtalk")
    assert dingtalk["msgtype"] == "markdown"
    assert dingtalk["markdown"]["title"].startswith("支付平台组")
    assert "入金有效成功率" in dingtalk["markdown"]["text"]
    (feishu,) = hooks.bodies("feishu")
    assert feishu["msg_type"] == "text"
    assert "/teams/payments/2023-05-20/" in feishu["content"]["text"]
    (slack,) = hooks.bodies("slack")
    assert slack["text"].startswith("*支付平台组")
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 4


def test_signed_dingtalk_and_feishu_robots(
    hooks, sample_team, sample_report, django_capture_on_commit_callbacks
):
    _channel(sample_team, "dingtalk", hooks.url("dingtalk") + "?access_token=t", secret="SECd")
    _channel(sample_team, "feishu", hooks.url("feishu"), secret="sec-f")

    _publish(sample_report, django_capture_on_commit_callbacks)

    ((path, _body),) = [(p, b) for p, b in hooks.received if p.startswith("/dingtalk")]
    query = parse_qs(urlsplit(path).query)
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(b"SECd", f"{timestamp}\nSECd".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["access_token"] == ["t"]
    assert query["sign"] == [expected]
    (feishu,) = hooks.bodies("feishu")
    key = f"{feishu['timestamp']}\nsec-f".encode()
    assert feishu["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


@pytest.mark.parametrize(
    ("status", "answer", "error"),
    [
        (200, {"errcode": 310000, "errmsg": "keywords not in content"}, "errcode=310000"),
        (500, {"errcode": 0}, "HTTP 500"),
    ],
)
def test_a_refused_message_is_kept_pending_with_its_error(
    hooks, sample_team, sample_report, django_capture_on_commit_callbacks, status, answer, error
):
    hooks.status, hooks.answer["dingtalk"] = status, answer
    _channel(sample_team, "dingtalk", hooks.url("dingtalk"))

    _publish(sample_report, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING  # eager mode leaves retries to later
    assert error in delivery.last_error
    assert delivery.attempts == 1
    # Due for its retry within the longest backoff: if that retry is lost, the relay sends it.
    assert timezone.now() < delivery.claimed_until <= timezone.now() + outbox.RETRY_DUE


def test_after_the_last_attempt_a_delivery_has_failed(hooks, sample_team, sample_report):
    hooks.status = 500
    _channel(sample_team, "slack", hooks.url("slack"))
    services.report_publish(report=sample_report)
    (delivery_id,) = outbox.deliveries_for(sample_report.revisions.first().pk)

    for _ in range(Delivery.MAX_ATTEMPTS):
        with pytest.raises(notify.DeliveryError):
            outbox.attempt(delivery_id)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, Delivery.MAX_ATTEMPTS)
    assert outbox.attempt(delivery_id) == outbox.CLOSED  # failed stays failed until resent


def test_the_admin_sends_failed_deliveries_again(hooks, sample_team, sample_report):
    _channel(sample_team, "slack", hooks.url("slack"))
    services.report_publish(report=sample_report)
    (delivery_id,) = outbox.deliveries_for(sample_report.revisions.first().pk)
    Delivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.FAILED, attempts=6, last_error="HTTP 500"
    )
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    response = client.post(
        reverse("admin:reports_delivery_changelist"),
        {"action": "send_again", "_selected_action": [delivery_id]},
    )

    assert response.status_code == 302
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert len(hooks.bodies("slack")) == 1


def test_a_delivery_being_sent_is_not_sent_twice(sample_team, sample_report):
    _channel(sample_team, "email", "ops@example.com")
    services.report_publish(report=sample_report)
    (delivery_id,) = outbox.deliveries_for(sample_report.revisions.first().pk)
    from django.utils import timezone

    assert outbox.claim(delivery_id, timezone.now()) is True  # another worker has it

    assert outbox.attempt(delivery_id) == outbox.BUSY
    assert mail.outbox == []


def test_a_disabled_channel_gets_nothing(sample_team, sample_report):
    _channel(sample_team, "email", "ops@example.com", enabled=False)

    services.report_publish(report=sample_report)

    assert outbox.deliveries_for(sample_report.revisions.first().pk) == []


def test_a_publication_reopened_before_it_went_out_is_not_announced(sample_team, sample_report):
    _channel(sample_team, "email", "ops@example.com")
    services.report_publish(report=sample_report)
    (delivery_id,) = outbox.deliveries_for(sample_report.revisions.first().pk)
    services.report_reopen(report=sample_report)

    assert outbox.attempt(delivery_id) == outbox.CLOSED

    assert mail.outbox == []
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "changed after this publication" in delivery.last_error


def test_a_misconfigured_channel_is_an_error_on_the_delivery_not_a_stuck_one(
    sample_team, sample_report
):
    _channel(sample_team, "slack", "hooks.slack.invalid/no-scheme")
    services.report_publish(report=sample_report)
    (delivery_id,) = outbox.deliveries_for(sample_report.revisions.first().pk)

    with pytest.raises(notify.DeliveryError):
        outbox.attempt(delivery_id)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error.startswith("ValueError")


def test_send_again_leaves_a_delivery_another_worker_is_sending(sample_team, sample_report):
    from django.utils import timezone

    _channel(sample_team, "email", "ops@example.com")
    services.report_publish(report=sample_report)
    (delivery_id,) = outbox.deliveries_for(sample_report.revisions.first().pk)
    outbox.claim(delivery_id, timezone.now())

    assert outbox.resend([delivery_id]) == []
