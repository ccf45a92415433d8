from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from notifications import audience, receivers
        from reports.signals import publish_audience, report_published

        report_published.connect(receivers.notify_published, dispatch_uid="notify-published")
        publish_audience.connect(audience.publish_audience, dispatch_uid="publish-audience")
