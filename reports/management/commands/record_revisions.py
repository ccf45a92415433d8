from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports.models import WeeklyReport
from reports.services import report_record_revision


class Command(BaseCommand):
    help = _(
        "Record a revision of every report whose last revision is not of its current "
        "version (reports saved before revisions were kept, or restored from an old backup)."
    )

    def handle(self, *args, **options):
        recorded = 0
        for report in WeeklyReport.objects.select_related("team").iterator():
            if report_record_revision(report=report) is not None:
                recorded += 1
        message = ngettext("%(n)d revision recorded.", "%(n)d revisions recorded.", recorded)
        self.stdout.write(message % {"n": recorded})
