"""Rebuild the search index from the stored reports and daily notes."""

from django.core.management.base import BaseCommand
from django.db import transaction

from reports import search
from reports.models import DailyNote, SearchEntry, WeeklyReport
from reports.selectors import report_document


class Command(BaseCommand):
    help = "Rebuild the search index (after an upgrade that changes how text is indexed)."

    def handle(self, *args, **options):
        with transaction.atomic():
            SearchEntry.objects.all().delete()
            reports = WeeklyReport.objects.select_related("team")
            for report in reports.iterator():
                search.index_report(report, report_document(report))
            for note in DailyNote.objects.iterator():
                search.index_note(note)
        count = SearchEntry.objects.count()
        self.stdout.write(f"Indexed {reports.count()} reports, {count} entries.")
