from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdmin, ReadOnlyInline, RecordAdmin, without_permissions_for
from metrics import models as mm
from reports.models import (
    DailyNote,
    ItemUpdate,
    Membership,
    NotificationChannel,
    Objective,
    ObjectiveEntry,
    ProjectItem,
    ReportRevision,
    ReportSection,
    SearchEntry,
    StabilityEvent,
    Team,
    TeamSection,
    WeeklyReport,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class ChannelInline(admin.StackedInline):
    model = NotificationChannel
    extra = 0


class LayoutInline(admin.TabularInline):
    """The team's layout; leads edit it on the team's settings page."""

    model = TeamSection
    extra = 0


# A week's data: written only by the report services (the edit page, the API, imports),
# which bump the version, record a revision, keep published weeks locked and the search
# index right. The admin shows these rows and never changes them.
WEEK_PARTS = (
    ReportSection,
    ObjectiveEntry,
    ItemUpdate,
    StabilityEvent,
    mm.KpiValue,
    mm.IncidentSummary,
    mm.IncidentCount,
    mm.MigrationSnapshot,
    mm.CategorySnapshot,
    mm.ProgressBucket,
)


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "heading_language", "week_numbering"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, LayoutInline, ChannelInline]

    def get_deleted_objects(self, objs, request):
        # A team goes with its weeks when none was ever published (WeeklyReportAdmin and
        # ReportRevisionAdmin decide), their parts and its members' notes with them.
        deleted = super().get_deleted_objects(objs, request)
        return without_permissions_for(deleted, (*WEEK_PARTS, DailyNote))


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["team", "user", "role"]
    list_filter = ["role", "team"]
    list_select_related = ["team", "user"]


@admin.register(Objective)
class ObjectiveAdmin(SimpleHistoryAdmin):
    list_display = ["team", "code", "title", "order"]
    list_filter = ["team"]
    list_select_related = ["team"]


@admin.register(ProjectItem)
class ProjectItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "objective", "team", "parent"]
    list_filter = ["team"]
    search_fields = ["title"]
    list_select_related = ["objective", "team", "parent"]


class ReportSectionInline(ReadOnlyInline):
    model = ReportSection


class ObjectiveEntryInline(ReadOnlyInline):
    model = ObjectiveEntry


class StabilityEventInline(ReadOnlyInline):
    model = StabilityEvent


@admin.register(WeeklyReport)
class WeeklyReportAdmin(ReadOnlyAdmin):
    """Read here; written on the site. A week never published may be deleted whole (a
    draft started by mistake), its parts and revisions with it."""

    list_display = ["team", "report_date", "week_number", "status", "author", "updated_at"]
    list_filter = ["status", "team"]
    date_hierarchy = "report_date"
    search_fields = ["team__name", "other", "reflections", "next_week"]
    list_select_related = ["team", "author"]
    inlines = [ReportSectionInline, ObjectiveEntryInline, StabilityEventInline]

    def has_delete_permission(self, request, obj=None):
        # A report that was ever published is on record, with all its revisions.
        if obj is not None and obj.published_at is not None:
            return False
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def get_deleted_objects(self, objs, request):
        return without_permissions_for(super().get_deleted_objects(objs, request), WEEK_PARTS)


@admin.register(ReportRevision)
class ReportRevisionAdmin(RecordAdmin):
    """Revisions are a record: readable here, never changed, and those of a report that
    was ever published never deleted (which also stops deleting the report or its team
    through the admin, since that would delete them)."""

    list_display = ["report", "number", "action", "status", "author", "created_at"]
    list_filter = ["action", "report__team"]
    list_select_related = ["report__team", "author"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.report.published_at is not None:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(TeamSection)
class TeamSectionAdmin(SimpleHistoryAdmin):
    list_display = ["team", "position", "heading", "kind", "level", "key"]
    list_filter = ["team", "kind"]
    list_select_related = ["team"]


@admin.register(ReportSection)
class ReportSectionAdmin(ReadOnlyAdmin):
    list_display = ["report", "position", "kind", "heading", "level", "key"]
    list_filter = ["kind", "report__team"]
    search_fields = ["heading", "text"]
    list_select_related = ["report__team"]


@admin.register(ObjectiveEntry)
class ObjectiveEntryAdmin(ReadOnlyAdmin):
    list_display = ["report", "objective", "position", "holds_events"]
    list_select_related = ["report__team", "objective"]


@admin.register(ItemUpdate)
class ItemUpdateAdmin(ReadOnlyAdmin):
    list_display = ["item", "report", "marker", "percent", "status", "eta"]
    list_filter = ["status", "report__team"]
    search_fields = ["item__title", "body", "detail"]
    list_select_related = ["item", "report__team"]
    raw_id_fields = ["report", "item", "parent"]


@admin.register(StabilityEvent)
class StabilityEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_on", "summary", "kind", "detected_at", "recovered_at", "report"]
    list_filter = ["kind", "report__team"]
    search_fields = ["summary", "cause", "handling"]
    list_select_related = ["report__team"]


@admin.register(DailyNote)
class DailyNoteAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Members write and delete their notes on the site, where a published week locks
    them; here they are read, with their history."""

    list_display = ["day", "team", "author_name", "text"]
    list_filter = ["team"]
    search_fields = ["text", "author_name"]
    date_hierarchy = "day"
    list_select_related = ["team"]


@admin.register(SearchEntry)
class SearchEntryAdmin(RecordAdmin):
    """Derived from the reports on every save: readable here, never edited."""

    list_display = ["day", "team", "kind", "title"]
    list_filter = ["kind", "team"]
    search_fields = ["title", "text"]
    list_select_related = ["team"]

    def has_change_permission(self, request, obj=None):
        return False
