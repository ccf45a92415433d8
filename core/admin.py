"""Admin building blocks; this app registers no models."""

from django.contrib import admin


class RecordAdmin(admin.ModelAdmin):
    """A record the portal writes itself: read in the admin, never added or edited there."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False
