from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from metrics.models import (
    CategorySnapshot,
    IncidentCount,
    IncidentSummary,
    KpiDefinition,
    KpiValue,
    MigrationCategory,
    MigrationSnapshot,
    MigrationTracker,
    ProgressBucket,
)


@admin.register(KpiDefinition)
class KpiDefinitionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "team", "kind", "unit", "target", "higher_is_better", "order"]
    list_filter = ["team", "kind"]
    list_select_related = ["team"]


# A week's numbers are written by the report services only (reports/admin.py says why):
# the admin shows them.


@admin.register(KpiValue)
class KpiValueAdmin(ReadOnlyAdmin):
    list_display = ["definition", "report", "value", "note"]
    list_filter = ["definition__team"]
    list_select_related = ["definition", "report__team"]
    raw_id_fields = ["report"]


class IncidentCountInline(ReadOnlyInline):
    model = IncidentCount


@admin.register(IncidentSummary)
class IncidentSummaryAdmin(ReadOnlyAdmin):
    list_display = ["report", "note"]
    list_select_related = ["report__team"]
    inlines = [IncidentCountInline]
    raw_id_fields = ["report"]


@admin.register(IncidentCount)
class IncidentCountAdmin(ReadOnlyAdmin):
    list_display = ["summary", "grade", "count"]
    list_select_related = ["summary__report__team"]


class MigrationCategoryInline(admin.TabularInline):
    model = MigrationCategory
    extra = 0


@admin.register(MigrationTracker)
class MigrationTrackerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "team"]
    list_select_related = ["team"]
    inlines = [MigrationCategoryInline]


@admin.register(MigrationCategory)
class MigrationCategoryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "tracker", "order"]
    list_select_related = ["tracker"]


class CategorySnapshotInline(ReadOnlyInline):
    model = CategorySnapshot
    fields = ["category", "stage", "total", "offline", "paused", "done", "not_started"]


@admin.register(MigrationSnapshot)
class MigrationSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["tracker", "report", "stated_progress", "stated_total"]
    list_select_related = ["tracker", "report__team"]
    inlines = [CategorySnapshotInline]
    raw_id_fields = ["report", "item_update"]


class ProgressBucketInline(ReadOnlyInline):
    model = ProgressBucket


@admin.register(CategorySnapshot)
class CategorySnapshotAdmin(ReadOnlyAdmin):
    list_display = ["category", "snapshot", "total", "offline", "paused", "done", "not_started"]
    list_select_related = ["category", "snapshot__tracker"]
    inlines = [ProgressBucketInline]


@admin.register(ProgressBucket)
class ProgressBucketAdmin(ReadOnlyAdmin):
    list_display = ["category", "label", "percent", "count"]
    list_select_related = ["category__category"]
