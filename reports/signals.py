"""What the reports app announces to the apps built on it (which it never imports), and
what it asks them."""

from dataclasses import dataclass

from django.dispatch import Signal

# A report is being published: sent inside the publishing transaction, with
# ``revision_id`` (the revision recording the publication, reports.ReportRevision).
# Receivers write what must follow from it (an outbox of deliveries) in that transaction,
# so it commits with the publication or not at all, and start work once it commits.
report_published = Signal()

# Who would be told if ``report`` (reports.WeeklyReport) were published now: asked before
# the lead confirms. Each receiver answers with a list of ``Told``, the ones that publishing
# would tell through it; it writes nothing.
publish_audience = Signal()


@dataclass(frozen=True)
class Told:
    """One channel a publication tells, as the lead sees it before publishing."""

    channel: str  # what kind of channel, in the reader's language ("e-mail", "wiki")
    names: tuple[str, ...] = ()  # the people, chats or pages, as far as they may be shown
