from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from core import queue
from core.admin import RecordAdmin
from notifications import outbox, tasks
from reports.models import Delivery, NotificationChannel, Reminder


@admin.register(NotificationChannel)
class NotificationChannelAdmin(SimpleHistoryAdmin):
    list_display = ["team", "kind", "target", "enabled"]
    list_filter = ["kind", "enabled", "team"]
    list_select_related = ["team"]


@admin.register(Delivery)
class DeliveryAdmin(RecordAdmin):
    """What was sent where, what failed and why; failed deliveries can be sent again."""

    list_display = ["channel", "revision", "status", "attempts", "last_error", "sent_at"]
    list_filter = ["status", "channel__kind", "channel__team"]
    list_select_related = ["channel__team", "revision__report__team"]
    actions = ["send_again"]

    @admin.action(description=_("Send again"))
    def send_again(self, request, queryset):
        ids = outbox.resend(queryset.values_list("pk", flat=True))
        for delivery_id in ids:
            queue.send(tasks.deliver, delivery_id)  # else the relay queues it
        message = ngettext(
            "%(n)d delivery queued again.", "%(n)d deliveries queued again.", len(ids)
        )
        self.message_user(request, message % {"n": len(ids)}, messages.SUCCESS)


@admin.register(Reminder)
class ReminderAdmin(RecordAdmin):
    list_display = ["team", "week_start", "kind", "sent_at", "recipients"]
    list_filter = ["kind", "team"]
    list_select_related = ["team"]
