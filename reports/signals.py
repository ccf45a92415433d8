"""What the reports app announces to the apps built on it (which it never imports)."""

from django.dispatch import Signal

# A report was published, and the transaction that published it has committed. Sent with
# ``revision_id``: the revision recording the publication (reports.ReportRevision).
report_published = Signal()
