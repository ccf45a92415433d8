from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Weekly reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core import page_cache
        from reports.permissions import reader_grants

        # A team's pages are kept until a row of the team's changes: its reports and
        # their parts (here and in metrics), its settings, its members and users. The
        # rows the portal writes for its own bookkeeping show on no page. A kept page is
        # served to a reader only while their grants in the team are what they were.
        page_cache.watch(
            scope="reports.Team",
            watched_apps=("reports", "metrics", "auth"),
            follow_apps=("reports", "metrics"),
            access=reader_grants,
            ignore=(
                "reports.Delivery",
                "reports.Reminder",
                "reports.ExportJob",
                "reports.ExportPart",
                "reports.SearchEntry",
                "reports.ReportRevision",
            ),
        )
