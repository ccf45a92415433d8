"""Numbers over time: KPI definitions and values, incident counts, migration trackers.

This app knows weeks only through foreign keys to ``reports.WeeklyReport`` and never
imports the reports app, so the dependency runs one way.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from metrics.vocabulary import KpiKind, KpiSource


class KpiDefinition(models.Model):
    team = models.ForeignKey("reports.Team", on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=20, choices=KpiKind.choices(), default=KpiKind.SUCCESS_RATE.value
    )
    unit = models.CharField(_("unit"), max_length=10, blank=True, default="%")
    target = models.DecimalField(
        _("target"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    year_to_date = models.BooleanField(
        _("year to date"),
        default=False,
        help_text=_("The value covers the year so far, like 年度可用性, not just the week."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    # A PromQL expression whose value at the end of a week is the week's value, e.g.
    # 100 * avg_over_time(payment:deposit_success:ratio[7d]); the worker pulls it.
    prometheus_query = models.TextField(
        _("Prometheus query"),
        blank=True,
        help_text=_(
            "PromQL giving the week's value when evaluated at the week's end, e.g. "
            "100 * avg_over_time(deposit_success_ratio[7d]). Empty: typed by hand."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["team", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="unique_kpi_name")]
        verbose_name = _("KPI definition")
        verbose_name_plural = _("KPI definitions")

    def __str__(self) -> str:
        return self.name


class KpiValue(models.Model):
    definition = models.ForeignKey(KpiDefinition, on_delete=models.CASCADE, related_name="values")
    report = models.ForeignKey(
        "reports.WeeklyReport", on_delete=models.CASCADE, related_name="kpi_values"
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    # Digits after the point as the value was typed, so 99.90 is shown as 99.90.
    decimals = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)
    position = models.PositiveIntegerField(default=0)
    # Where the value came from: empty when a person typed it, else "api" or "prometheus".
    source = models.CharField(
        _("source"),
        max_length=20,
        blank=True,
        choices=KpiSource.choices(),
        default=KpiSource.TYPED.value,
    )

    class Meta:
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "report"], name="one_value_a_week")
        ]
        verbose_name = _("KPI value")
        verbose_name_plural = _("KPI values")

    def __str__(self) -> str:
        return f"{self.definition}: {self.value}"


class IncidentSummary(models.Model):
    report = models.OneToOneField(
        "reports.WeeklyReport", on_delete=models.CASCADE, related_name="incident_summary"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("incident summary")
        verbose_name_plural = _("incident summaries")

    def __str__(self) -> str:
        return str(self.report)


class IncidentCount(models.Model):
    summary = models.ForeignKey(IncidentSummary, on_delete=models.CASCADE, related_name="counts")
    grade = models.CharField(_("grade"), max_length=5)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        ordering = ["summary", "grade"]
        constraints = [
            models.UniqueConstraint(fields=["summary", "grade"], name="one_count_per_grade")
        ]
        verbose_name = _("incident count")
        verbose_name_plural = _("incident counts")

    def __str__(self) -> str:
        return f"{self.grade}: {self.count}"


class MigrationTracker(models.Model):
    """A migration programme followed week by week, such as the Hive data-warehouse move."""

    team = models.ForeignKey(
        "reports.Team", on_delete=models.CASCADE, related_name="migration_trackers"
    )
    name = models.CharField(_("name"), max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ["team", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="unique_tracker_name")]
        verbose_name = _("migration tracker")
        verbose_name_plural = _("migration trackers")

    def __str__(self) -> str:
        return self.name


class MigrationCategory(models.Model):
    tracker = models.ForeignKey(
        MigrationTracker, on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["tracker", "order"]
        constraints = [
            models.UniqueConstraint(fields=["tracker", "name"], name="unique_category_name")
        ]
        verbose_name = _("migration category")
        verbose_name_plural = _("migration categories")

    def __str__(self) -> str:
        return self.name


class MigrationSnapshot(models.Model):
    """A tracker as one week's report states it, with the summary figures as typed."""

    tracker = models.ForeignKey(
        MigrationTracker, on_delete=models.CASCADE, related_name="snapshots"
    )
    report = models.ForeignKey(
        "reports.WeeklyReport", on_delete=models.CASCADE, related_name="migration_snapshots"
    )
    item_update = models.ForeignKey(
        "reports.ItemUpdate", on_delete=models.CASCADE, related_name="migration_snapshots"
    )
    stated_overall_percent = models.DecimalField(
        max_digits=7, decimal_places=3, null=True, blank=True
    )
    stated_progress = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    stated_total = models.PositiveIntegerField(null=True, blank=True)
    stated_developed = models.PositiveIntegerField(null=True, blank=True)
    stated_not_started = models.PositiveIntegerField(null=True, blank=True)
    stated_in_production = models.PositiveIntegerField(null=True, blank=True)
    headline_text = models.TextField(blank=True)
    summary_text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tracker", "report"], name="tracker_once_a_week")
        ]
        verbose_name = _("migration snapshot")
        verbose_name_plural = _("migration snapshots")

    def __str__(self) -> str:
        return f"{self.tracker} · {self.report_id}"


class CategorySnapshot(models.Model):
    snapshot = models.ForeignKey(
        MigrationSnapshot, on_delete=models.CASCADE, related_name="categories"
    )
    category = models.ForeignKey(
        MigrationCategory, on_delete=models.CASCADE, related_name="snapshots"
    )
    position = models.PositiveIntegerField(default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    total = models.PositiveIntegerField(_("total"))
    offline = models.PositiveIntegerField(_("can go offline"), default=0)
    paused = models.PositiveIntegerField(_("paused"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    done_names = models.JSONField(_("done (names)"), default=list, blank=True)
    not_started = models.PositiveIntegerField(_("not started"), default=0)
    heading_text = models.TextField(blank=True)
    counts_text = models.TextField(blank=True)

    class Meta:
        ordering = ["snapshot", "position"]
        verbose_name = _("category snapshot")
        verbose_name_plural = _("category snapshots")

    def __str__(self) -> str:
        return f"{self.category} ({self.total})"


class ProgressBucket(models.Model):
    """Reports in progress at one percentage: one named report, or a count of unnamed ones."""

    category = models.ForeignKey(
        CategorySnapshot, on_delete=models.CASCADE, related_name="progress_buckets"
    )
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(_("name"), max_length=200, blank=True)
    percent = models.DecimalField(_("percent"), max_digits=6, decimal_places=2)
    count = models.PositiveIntegerField(_("count"), default=1)

    class Meta:
        ordering = ["category", "position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__gte=0, percent__lte=100), name="bucket_percent_0_100"
            )
        ]
        verbose_name = _("progress bucket")
        verbose_name_plural = _("progress buckets")

    def __str__(self) -> str:
        return f"{self.label or self.count} @ {self.percent}%"
