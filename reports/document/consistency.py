"""Warnings on a report: where what the author typed disagrees with what the facts add up to.

Computed from the document every time it is shown or exported, never stored, so a warning
disappears the moment the figures are corrected.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from reports.document import rules
from reports.document.places import NOWHERE, Place, Places, event_name
from reports.document.report import ReportDocument
from reports.document.weeks import report_week
from reports.document.wording import fmt_decimal

# Stated migration progress is compared with the weighted progress computed from the
# categories with this much leeway: teams weigh paused work differently, and a warning
# should point at a real discrepancy, not at a rounding convention.
PROGRESS_TOLERANCE = Decimal(1)


@dataclass(frozen=True)
class Warning:  # noqa: A001 - the domain word; never used beside the builtin
    """``message`` is the whole sentence (as the JSON and the API give it); the page
    names the section first, in the team's words, and links to it by ``anchor``."""

    code: str
    message: str
    section: str = ""  # the heading of the section it is about, as the page shows it
    anchor: str = ""  # that heading's id on the report's page
    detail: str = ""  # what the page says after the section, when not the message

    @property
    def shown(self) -> str:
        return self.detail or self.message


def report_warnings(doc: ReportDocument) -> list[Warning]:
    places = Places(doc)
    found: list[Warning] = []

    def warn(code: str, message: str, place: Place = NOWHERE, detail: str = "") -> None:
        found.append(Warning(code, message, place.heading, place.anchor, detail))

    for _objective, _item, migration in doc.migrations():
        place = places.of(migration)
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
                warn(
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
                    place,
                )
        if (
            stated.progress is not None
            and abs(stated.progress - figures.weighted_progress) > PROGRESS_TOLERANCE
        ):
            warn(
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
                place,
            )
        for category in migration.categories:
            counted = category.counts().counted
            if counted != category.total:
                warn(
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
                    place,
                )
    for kpi in doc.kpis:
        if kpi.misses_target:
            warn(
                "kpi_below_target",
                _("%(name)s is %(value)s%(unit)s, target %(target)s%(unit)s.")
                % {
                    "name": kpi.name,
                    "value": fmt_decimal(kpi.value),
                    "unit": kpi.unit,
                    "target": fmt_decimal(kpi.target),
                },
                places.of(kpi),
            )
    week = report_week(doc.report_date) if rules.date_allowed(doc.report_date) else None
    for event in doc.events:
        if week is not None and rules.event_before_week(event, week):
            warn(
                "event_before_week",
                _(
                    "%(event)s: it was over before the week of %(start)s–%(end)s began; "
                    "it belongs to an earlier report."
                )
                % {"event": event_name(event), "start": week[0], "end": week[1]},
                places.of(event),
            )
        minutes = event.duration_minutes
        if minutes is not None and minutes < 0:
            warn(
                "event_recovery_before_detection",
                _("%(event)s: recovery is before detection.") % {"event": event_name(event)},
                places.of(event),
            )
    for note in doc.import_notes:
        # The note as stored stays the message; the page shows it without the heading it
        # begins with (shown as the link) or the line number older notes began with.
        place, said = places.split(note)
        warn("import_note", note, place, said)
    # Rows stored before the rules (or by a door that did not keep them) are read as they
    # are; each value the rules refuse is named here, to be corrected on the edit page.
    for problem in rules.problems(doc):
        warn("invalid_value", problem.sentence(), places.of(problem.part, problem.field))
    return found
