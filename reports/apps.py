from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Weekly reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core import page_cache

        # A team's pages are kept until a row of the team's changes: its reports and
        # their parts (here and in metrics), its settings, its members and users. The
        # rows the portal writes for its own bookkeeping show on no page.
        page_cache.watch(
            scope="reports.Team",
            watched_apps=("reports", "metrics", "auth"),
            follow_apps=("reports", "metrics"),
            ignore=(
                "reports.Delivery",
                "reports.Reminder",
                "reports.ExportJob",
                "reports.ExportPart",
                "reports.SearchEntry",
                "reports.ReportRevision",
            ),
        )
