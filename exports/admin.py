from django.contrib import admin

from core.admin import RecordAdmin
from reports.models import ExportJob, ExportPart


@admin.register(ExportJob)
class ExportJobAdmin(RecordAdmin):
    list_display = ["label", "requested_by", "status", "done", "total", "created_at"]
    list_filter = ["status"]
    list_select_related = ["requested_by"]


@admin.register(ExportPart)
class ExportPartAdmin(RecordAdmin):
    list_display = ["job", "name"]
    list_select_related = ["job"]
    search_fields = ["name"]

    def has_change_permission(self, request, obj=None):
        return False
