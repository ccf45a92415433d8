from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from notifications.reminders import send_due_reminders


class Command(BaseCommand):
    help = _(
        "Send the reminders that are due now (what Celery beat runs every 15 minutes); "
        "for machines without a worker, e.g. from cron."
    )

    def handle(self, *args, **options):
        for reminder in send_due_reminders():
            self.stdout.write(f"{reminder.team} {reminder.week_start} {reminder.kind}")
