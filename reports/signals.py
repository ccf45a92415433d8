"""What the reports app announces to the apps built on it (which it never imports)."""

from django.dispatch import Signal

# A report is being published: sent inside the publishing transaction, with
# ``revision_id`` (the revision recording the publication, reports.ReportRevision).
# Receivers write what must follow from it (an outbox of deliveries) in that transaction,
# so it commits with the publication or not at all, and start work once it commits.
report_published = Signal()
