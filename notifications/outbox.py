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

from notifications import audience, notify, wiki
from reports import selectors
from reports.models import ChannelKind, Delivery, DeliveryStatus, ReportRevision


def deliveries_for(revision_id: int) -> list[int]:
    """Create the deliveries of a publication; the ids of those not yet sent."""
    revision = ReportRevision.objects.select_related("report__team").get(pk=revision_id)
    for channel in audience.channels_told(revision.report.team):
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


SENT, BUSY, CLOSED = "sent", "busy", "closed"


def attempt(delivery_id: int) -> str:
    """Send one delivery if nobody else is: SENT when this call sent it, BUSY while
    another worker's claim on it holds, CLOSED when it is sent or has failed for good.

    Raises ``notify.DeliveryError`` when the channel refused or anything else went wrong
    while sending; the delivery is then pending again, or failed after its last attempt.
    """
    now = timezone.now()
    if not claim(delivery_id, now):
        open_claim = Delivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.SENDING, claimed_until__gte=now
        )
        return BUSY if open_claim.exists() else CLOSED
    delivery = Delivery.objects.select_related("channel__team", "revision__report__team").get(
        pk=delivery_id
    )
    report = delivery.revision.report
    if not report.is_published or report.version != delivery.revision.version:
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED,
            claimed_until=None,
            last_error="The report changed after this publication; publishing it again "
            "sends a new message.",
        )
        return CLOSED
    try:
        _send(delivery)
    except Exception as exc:  # noqa: BLE001 - recorded on the delivery, then retried
        failed = delivery.attempts >= Delivery.MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            # When the retry is due at the latest: past it (and the relay's patience), the
            # retry's message was lost and the relay queues the delivery again.
            claimed_until=None if failed else timezone.now() + RETRY_DUE,
        )
        if isinstance(exc, notify.DeliveryError):
            raise
        raise notify.DeliveryError(str(exc)) from exc
    Delivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    return SENT


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


# The longest a failed delivery waits for its retry (``tasks.BACKOFF_MAX_SECONDS``).
RETRY_DUE = timedelta(hours=1)
# A delivery written this long ago and never tried was not queued (or its message was
# lost): the relay queues it. Queuing one twice is harmless: ``claim`` lets one send.
STRANDED_AFTER = timedelta(seconds=60)


def stranded() -> list[int]:
    """Deliveries no worker will get to by itself: pending and never tried a while after
    they were written, pending a retry a while after it was due (its message was lost:
    the broker was down when it was to be queued, or restarted empty), or claimed by a
    worker whose claim lapsed a while ago."""
    now = timezone.now()
    never_tried = Q(status=DeliveryStatus.PENDING, attempts=0, created_at__lt=now - STRANDED_AFTER)
    retry_lost = Q(
        status=DeliveryStatus.PENDING, attempts__gt=0, claimed_until__lt=now - STRANDED_AFTER
    )
    abandoned = Q(status=DeliveryStatus.SENDING, claimed_until__lt=now - STRANDED_AFTER)
    return list(
        Delivery.objects.filter(never_tried | retry_lost | abandoned).values_list("pk", flat=True)
    )


def claim_remaining(delivery_id: int) -> int:
    """Seconds until another worker's claim on the delivery lapses (at least one)."""
    until = Delivery.objects.filter(pk=delivery_id).values_list("claimed_until", flat=True).first()
    if until is None:
        return 1
    return max(1, int((until - timezone.now()).total_seconds()) + 1)


def resend(delivery_ids) -> list[int]:
    """Put failed deliveries back in the queue (the admin's action); their ids."""
    being_sent = Q(status=DeliveryStatus.SENDING, claimed_until__gte=timezone.now())
    ids = list(
        Delivery.objects.filter(pk__in=list(delivery_ids))
        .exclude(status=DeliveryStatus.SENT)
        .exclude(being_sent)
        .values_list("pk", flat=True)
    )
    Delivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, attempts=0, claimed_until=None
    )
    return ids
