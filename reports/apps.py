from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Weekly reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from reports import page_cache
        from weekly import audit, auth, history
        from weekly.middleware import start_session_clock

        user_logged_in.connect(start_session_clock, dispatch_uid="weekly-session-clock")
        audit.connect()
        auth.connect()
        page_cache.connect()
        history.install()
