"""Warnings on a report: where what the author typed disagrees with what the facts add up to.

Computed from the document every time it is shown or exported, never stored, so a warning
disappears the moment the figures are corrected.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from reports.document import rules
from reports.document.report import ReportDocument
from reports.document.weeks import report_week
from reports.document.wording import fmt_decimal

# Stated migration progress is compared with the weighted progress computed from the
# categories with this much leeway: teams weigh paused work differently, and a warning
# should point at a real discrepancy, not at a rounding convention.
PROGRESS_TOLERANCE = Decimal(1)


@dataclass(frozen=True)
class Warning:  # noqa: A001 - the domain word; never used beside the builtin
    code: str
    message: str


def report_warnings(doc: ReportDocument) -> list[Warning]:
    found: list[Warning] = []
    for _objective, _item, migration in doc.migrations():
        figures = migration.figures()
        stated = migration.stated
        labels = {
            "total": _("total"),
            "developed": _("developed"),
            "not_started": _("not started"),
            "in_production": _("in production"),
        }
        for key, label in labels.items():
            said = getattr(stated, key)
            computed = getattr(figures, key)
            if said is not None and said != computed:
                found.append(
                    Warning(
                        "migration_stated_mismatch",
                        _(
                            "%(tracker)s: the report states %(label)s %(stated)s, "
                            "the categories add up to %(computed)s."
                        )
                        % {
                            "tracker": migration.name,
                            "label": label,
                            "stated": said,
                            "computed": computed,
                        },
                    )
                )
        if (
            stated.progress is not None
            and abs(stated.progress - figures.weighted_progress) > PROGRESS_TOLERANCE
        ):
            found.append(
                Warning(
                    "migration_progress_mismatch",
                    _(
                        "%(tracker)s: the report states migration progress %(stated)s%%, "
                        "the categories give %(computed)s%%."
                    )
                    % {
                        "tracker": migration.name,
                        "stated": fmt_decimal(stated.progress),
                        "computed": fmt_decimal(figures.weighted_progress),
                    },
                )
            )
        for category in migration.categories:
            counted = category.counts().counted
            if counted != category.total:
                found.append(
                    Warning(
                        "category_sum_mismatch",
                        _(
                            "%(tracker)s / %(category)s: the counts add up to %(counted)d, "
                            "not to the stated total %(total)d."
                        )
                        % {
                            "tracker": migration.name,
                            "category": category.name,
                            "counted": counted,
                            "total": category.total,
                        },
                    )
                )
    for kpi in doc.kpis:
        if kpi.misses_target:
            found.append(
                Warning(
                    "kpi_below_target",
                    _("%(name)s is %(value)s%(unit)s, target %(target)s%(unit)s.")
                    % {
                        "name": kpi.name,
                        "value": fmt_decimal(kpi.value),
                        "unit": kpi.unit,
                        "target": fmt_decimal(kpi.target),
                    },
                )
            )
    week = report_week(doc.report_date) if rules.date_allowed(doc.report_date) else None
    for event in doc.events:
        if week is not None and rules.event_before_week(event, week):
            found.append(
                Warning(
                    "event_before_week",
                    _(
                        "This event was over before the week of %(start)s–%(end)s began; "
                        "it belongs to an earlier report."
                    )
                    % {"start": week[0], "end": week[1]},
                )
            )
        minutes = event.duration_minutes
        if minutes is not None and minutes < 0:
            found.append(
                Warning(
                    "event_recovery_before_detection",
                    _("Event on %(date)s: recovery is before detection.")
                    % {"date": event.date.isoformat()},
                )
            )
    found.extend(Warning("import_note", note) for note in doc.import_notes)
    # Rows stored before the rules (or by a door that did not keep them) are read as they
    # are; each value the rules refuse is named here, to be corrected on the edit page.
    found.extend(Warning("invalid_value", p.sentence()) for p in rules.problems(doc))
    return found
