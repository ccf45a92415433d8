"""The pure pipeline: a weekly report as plain data, and everything done with it alone.

    Markdown ──importer──▶ ReportDocument ──reports.rows──▶ database rows
    database rows ──reports.rows──▶ ReportDocument ──renderer──▶ Markdown (page, .md, wiki)
                                                   ──jsonformat──▶ JSON (API, .json)
    JSON ──jsonformat──▶ ReportDocument

Beside the two directions: ``carryover`` (next week's draft from this one), ``changes``
(what moved since last week), ``consistency`` (where typed figures disagree with their
parts), ``weeks`` (a report's week, calendar weeks, week numbers), ``vocabulary`` (the
closed sets of words), ``wording`` (fixed sentences per language) and ``grammar`` (the
structured lines both importer and renderer speak).

Nothing in this package touches the ORM or reads settings: it imports the standard
library, Django's translation utilities and ``metrics``' pure figures only (an
import-linter contract, ``make lint``), so the round trip is tested without a database.
The report's parts are importable from here: ``from reports.document import Item``.
"""

from reports.document.report import (
    DEFAULT_GRADE_GROUPS,
    DEFAULT_GRADES,
    FREE_SECTIONS,
    DailyNote,
    Incidents,
    Item,
    Kpi,
    Migration,
    MigrationCategory,
    Objective,
    PlanLine,
    ProgressBucket,
    ReportDocument,
    Section,
    StabilityEvent,
    StatedMigration,
    notes_by_day,
)
from reports.document.vocabulary import (
    EventKind,
    ItemStatus,
    KpiKind,
    KpiSource,
    Language,
    Marker,
    PlanOutcome,
    ReportStatus,
    SectionKind,
    WeekNumbering,
)

__all__ = [
    "DEFAULT_GRADES",
    "DEFAULT_GRADE_GROUPS",
    "FREE_SECTIONS",
    "DailyNote",
    "EventKind",
    "Incidents",
    "Item",
    "ItemStatus",
    "Kpi",
    "KpiKind",
    "KpiSource",
    "Language",
    "Marker",
    "Migration",
    "MigrationCategory",
    "Objective",
    "PlanLine",
    "PlanOutcome",
    "ProgressBucket",
    "ReportDocument",
    "ReportStatus",
    "Section",
    "SectionKind",
    "StabilityEvent",
    "StatedMigration",
    "WeekNumbering",
    "notes_by_day",
]
