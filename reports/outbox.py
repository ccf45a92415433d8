"""Deliveries of a published week to the team's channels, each sent once.

On publication every enabled channel gets a ``Delivery`` row (unique per channel and
revision, so a repeated task adds none). A worker owns a delivery for a while by a
conditional update before it sends, so two workers never send the same one; a worker
killed mid-send leaves a claim that lapses and the delivery is sent again later. A failed
attempt keeps its error for the admin and is retried by the task with backoff until
``Delivery.MAX_ATTEMPTS`` is reached.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from reports import notify, selectors, wiki
from reports.models import ChannelKind, Delivery, DeliveryStatus, ReportRevision


def deliveries_for(revision_id: int) -> list[int]:
    """Create the deliveries of a publication; the ids of those not yet sent."""
    revision = ReportRevision.objects.select_related("report__team").get(pk=revision_id)
    for channel in revision.report.team.channels.filter(enabled=True):
        Delivery.objects.get_or_create(channel=channel, revision=revision)
    return list(
        Delivery.objects.filter(revision=revision)
        .exclude(status__in=[DeliveryStatus.SENT, DeliveryStatus.FAILED])
        .values_list("pk", flat=True)
    )


def claim(delivery_id: int, now: datetime) -> bool:
    """Own the delivery for ``CLAIM_SECONDS``; False if it is done or being sent."""
    open_ = Q(status=DeliveryStatus.PENDING) | Q(
        status=DeliveryStatus.SENDING, claimed_until__lt=now
    )
    return (
        Delivery.objects.filter(open_, pk=delivery_id).update(
            status=DeliveryStatus.SENDING,
            claimed_until=now + timedelta(seconds=Delivery.CLAIM_SECONDS),
            attempts=F("attempts") + 1,
        )
        == 1
    )


def attempt(delivery_id: int) -> bool:
    """Send one delivery if nobody else is; True when this call sent it.

    Raises ``notify.DeliveryError`` (or ``wiki.WikiError``) when the channel refused;
    the delivery is then pending again, or failed after its last attempt.
    """
    if not claim(delivery_id, timezone.now()):
        return False
    delivery = Delivery.objects.select_related("channel__team", "revision__report__team").get(
        pk=delivery_id
    )
    try:
        _send(delivery)
    except (notify.DeliveryError, wiki.WikiError) as exc:
        failed = delivery.attempts >= Delivery.MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING,
            last_error=str(exc)[:2000],
            claimed_until=None,
        )
        raise
    Delivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    return True


def _send(delivery: Delivery) -> None:
    channel, report = delivery.channel, delivery.revision.report
    if channel.kind == ChannelKind.WIKI:
        wiki.publish(channel, report)
        return
    doc = selectors.report_document(report)
    summary = notify.published_summary(
        report.team.name, doc, notify.absolute_url(report.get_absolute_url())
    )
    notify.send(channel, summary)


def resend(delivery_ids) -> list[int]:
    """Put failed deliveries back in the queue (the admin's action); their ids."""
    ids = list(
        Delivery.objects.filter(pk__in=list(delivery_ids))
        .exclude(status=DeliveryStatus.SENT)
        .values_list("pk", flat=True)
    )
    Delivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, attempts=0, claimed_until=None
    )
    return ids
