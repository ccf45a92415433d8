from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from notifications import receivers
        from reports.signals import report_published

        report_published.connect(receivers.notify_published, dispatch_uid="notify-published")
