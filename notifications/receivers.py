"""What this app does when the reports app announces something."""

from __future__ import annotations

from notifications import tasks


def notify_published(sender, revision_id: int, **kwargs) -> None:
    """A publication was committed: its channels hear of it from a worker."""
    tasks.notify_published.delay(revision_id)
