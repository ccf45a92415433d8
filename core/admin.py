"""Admin building blocks; this app registers no models."""

from django.contrib import admin


class AllFieldsReadOnly:
    """For a ModelAdmin or an inline: every field of its model shown, none editable."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


class RecordAdmin(AllFieldsReadOnly, admin.ModelAdmin):
    """A record the portal writes itself: read in the admin, never added or edited there."""

    def has_add_permission(self, request):
        return False


class ReadOnlyAdmin(RecordAdmin):
    """Rows the site changes through its own services (which keep versions, revisions
    and the search index right): shown in the admin, never added, changed or deleted
    there."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(AllFieldsReadOnly, admin.TabularInline):
    """An inline of such rows, for reading beside their parent."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def without_permissions_for(deleted: tuple, models) -> tuple:
    """``ModelAdmin.get_deleted_objects``' answer, not asking for permission to delete
    rows of ``models``: they go with what is deleted, whose own rule decides."""
    to_delete, counts, perms_needed, protected = deleted
    exempt = {str(model._meta.verbose_name) for model in models}
    return to_delete, counts, {p for p in perms_needed if str(p) not in exempt}, protected
