"""What this app does when the reports app announces something."""

from __future__ import annotations

from core import queue
from notifications import outbox, tasks


def notify_published(sender, revision_id: int, **kwargs) -> None:
    """A publication is being committed: its deliveries are written in its transaction
    (the outbox), and handed to the workers once it commits; if the broker does not
    take them then, the relay does later (``tasks.relay_deliveries``)."""
    for delivery_id in outbox.deliveries_for(revision_id):
        queue.send_on_commit(tasks.deliver, delivery_id)
