"""A team's numbers over a run of weeks, as charts: KPIs, incidents, migration trackers.

The caller names the weeks (``Week``: a report id and its label, oldest first); metrics knows
weeks only through the report foreign key. Each builder reads what it draws in one or a
few queries, whatever the number of weeks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from metrics.charts import Chart, Series, fmt, number
from metrics.figures import CategoryCounts, migration_figures
from metrics.models import (
    CategorySnapshot,
    IncidentCount,
    KpiDefinition,
    KpiValue,
    MigrationSnapshot,
    ProgressBucket,
)


@dataclass(frozen=True)
class Week:
    report_id: int
    label: str
    # Reports this point stands for when a long range is thinned: the week itself and the
    # skipped weeks before it. Counts (incidents) add them up; levels (KPIs) show the week.
    covers: tuple[int, ...] = ()

    @property
    def reports(self) -> tuple[int, ...]:
        return self.covers or (self.report_id,)


def kpi_charts(team_id: int, weeks: list[Week]) -> list[Chart]:
    """One chart per KPI of the team: its value each week against its target."""
    ids = [w.report_id for w in weeks]
    values: dict[int, dict[int, float | None]] = defaultdict(dict)
    for value in KpiValue.objects.filter(report_id__in=ids, definition__team_id=team_id):
        values[value.definition_id][value.report_id] = number(value.value)
    charts = []
    for definition in KpiDefinition.objects.filter(team_id=team_id):
        target = number(definition.target)
        charts.append(
            Chart(
                title=definition.name,
                x_labels=tuple(w.label for w in weeks),
                series=(
                    Series(
                        definition.name,
                        tuple(values[definition.pk].get(w.report_id) for w in weeks),
                    ),
                ),
                unit=definition.unit,
                target=target,
                target_label=_("target %(value)s") % {"value": fmt(target, definition.unit)}
                if target is not None
                else "",
            )
        )
    return charts


def incident_chart(weeks: list[Week], grades: tuple[str, ...]) -> Chart:
    """Incidents of each week by grade, stacked."""
    counts: dict[tuple[str, int], int] = defaultdict(int)
    ids = [r for w in weeks for r in w.reports]
    rows = IncidentCount.objects.filter(summary__report_id__in=ids).order_by()
    for grade, report_id, count in rows.values_list("grade", "summary__report_id", "count"):
        counts[(grade, report_id)] += count
    known = list(grades) + sorted({g for g, _r in counts if g not in grades})
    return Chart(
        title=_("Incidents by grade"),
        x_labels=tuple(w.label for w in weeks),
        series=tuple(
            Series(
                _("grade %(grade)s") % {"grade": g},
                tuple(float(sum(counts[(g, r)] for r in w.reports)) for w in weeks),
            )
            for g in known
        ),
        unit="",
        kind="stacked",
    )


def tracker_charts(team_id: int, weeks: list[Week]) -> list[Chart]:
    """Each migration tracker as a burn-up: total, developed and in production, with the
    weighted progress against the right-hand axis, all computed from the categories."""
    ids = [w.report_id for w in weeks]
    snapshots = list(
        MigrationSnapshot.objects.filter(report_id__in=ids, tracker__team_id=team_id)
        .select_related("tracker")
        .order_by()
    )
    # Plain rows without the models' default orderings, which would join their parents.
    rows = CategorySnapshot.objects.filter(snapshot_id__in=[s.pk for s in snapshots]).order_by()
    counts = list(
        rows.values_list("pk", "snapshot_id", "total", "offline", "paused", "done", "not_started")
    )
    progress: dict[int, list] = defaultdict(list)
    buckets = ProgressBucket.objects.filter(category_id__in=[c[0] for c in counts]).order_by()
    for category_id, percent, count in buckets.values_list("category_id", "percent", "count"):
        progress[category_id].extend([percent] * count)
    categories: dict[int, list[CategoryCounts]] = defaultdict(list)
    for pk, snapshot_id, total, offline, paused, done, not_started in counts:
        categories[snapshot_id].append(
            CategoryCounts(
                total=total,
                offline=offline,
                paused=paused,
                done=done,
                in_progress=tuple(progress[pk]),
                not_started=not_started,
            )
        )
    by_tracker: dict[str, dict[int, object]] = defaultdict(dict)
    for snapshot in snapshots:
        by_tracker[snapshot.tracker.name][snapshot.report_id] = migration_figures(
            categories[snapshot.pk]
        )
    charts = []
    for name, figures in sorted(by_tracker.items()):

        def line(attr: str, figures=figures) -> tuple[float | None, ...]:
            return tuple(
                number(getattr(figures[w.report_id], attr)) if w.report_id in figures else None
                for w in weeks
            )

        charts.append(
            Chart(
                title=name,
                x_labels=tuple(w.label for w in weeks),
                series=(
                    Series(_("Total"), line("total"), dashed=True),
                    Series(_("Developed"), line("developed")),
                    Series(_("In production"), line("in_production")),
                    Series(_("Weighted progress"), line("weighted_progress"), secondary=True),
                ),
                unit="",
            )
        )
    return charts


def percent_chart(title: str, weeks: list[Week], lines: dict[str, dict[int, float]]) -> Chart:
    """Several named percentages over the weeks (project items' progress, say)."""
    return Chart(
        title=title,
        x_labels=tuple(w.label for w in weeks),
        series=tuple(
            Series(name, tuple(values.get(w.report_id) for w in weeks))
            for name, values in lines.items()
        ),
        unit="%",
    )
