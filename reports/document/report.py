"""The weekly report as a document: plain data, no Django.

Markdown -> document (``importer.parse``), document -> rows and rows -> document
(``reports.rows``), document -> Markdown or JSON (``renderer``, ``jsonformat``). Keeping
this type free of Django makes the round trip testable without a database.

Several parts carry a ``*_text`` field holding the author's own wording of a line that was
parsed into numbers (a category's counts, a tracker's summary). The renderer writes that
wording back as long as it still says exactly what the numbers say, and falls back to the
canonical sentence once the numbers change. That is how an imported report is exported
without losing its phrasing (or its typos), while edited figures are never contradicted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from metrics.figures import (
    CategoryCounts,
    MigrationFigures,
    duration_minutes,
    migration_figures,
    misses_target,
)
from reports.document.vocabulary import (
    EventKind,
    ItemStatus,
    KpiKind,
    Language,
    Marker,
    PlanOutcome,
    ReportStatus,
    SectionKind,
)

DEFAULT_GRADES = ("A", "B", "C", "D")
DEFAULT_GRADE_GROUPS = ("AB", "CD")


@dataclass
class Kpi:
    name: str
    value: Decimal | None
    unit: str = "%"
    kind: str = KpiKind.SUCCESS_RATE
    note: str = ""
    target: Decimal | None = None
    higher_is_better: bool = True
    # Where the value came from: "" typed by a person, else the machine that sent it.
    source: str = ""

    @property
    def misses_target(self) -> bool:
        return misses_target(self.value, self.target, higher_is_better=self.higher_is_better)


@dataclass
class Incidents:
    """Incident counts by severity grade for the week, and the free note beside them."""

    counts: dict[str, int] = field(default_factory=dict)
    note: str = ""
    grades: tuple[str, ...] = DEFAULT_GRADES
    groups: tuple[str, ...] = DEFAULT_GRADE_GROUPS

    def grouped(self) -> list[tuple[str, int]]:
        """Counts as the report shows them: "AB级0次，CD级1次"."""
        shown: list[tuple[str, int]] = []
        covered: set[str] = set()
        for group in self.groups:
            shown.append((group, sum(self.counts.get(g, 0) for g in group)))
            covered.update(group)
        for grade in self.grades:
            if grade not in covered:
                shown.append((grade, self.counts.get(grade, 0)))
        return shown

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class ProgressBucket:
    """Reports in progress at one percentage: a named report, or ``count`` unnamed ones."""

    percent: Decimal
    label: str = ""
    count: int = 1


@dataclass
class MigrationCategory:
    name: str
    stage: str = ""
    total: int = 0
    offline: int = 0
    paused: int = 0
    done: int = 0
    done_names: list[str] = field(default_factory=list)
    in_progress: list[ProgressBucket] = field(default_factory=list)
    not_started: int = 0
    # The author's wording of the heading and of the counts line (see module docstring).
    heading_text: str = ""
    counts_text: str = ""

    @property
    def in_progress_count(self) -> int:
        return sum(b.count for b in self.in_progress)

    def counts(self) -> CategoryCounts:
        return CategoryCounts(
            total=self.total,
            offline=self.offline,
            paused=self.paused,
            done=self.done,
            in_progress=tuple(b.percent for b in self.in_progress for _ in range(b.count)),
            not_started=self.not_started,
        )


@dataclass
class StatedMigration:
    """Summary figures as the author typed them; kept as stated, checked against the counts."""

    overall_percent: Decimal | None = None  # the whole programme ("总进度"), not derivable
    progress: Decimal | None = None  # migration progress ("迁移进度")
    total: int | None = None
    developed: int | None = None
    not_started: int | None = None
    in_production: int | None = None


@dataclass
class Migration:
    name: str
    categories: list[MigrationCategory] = field(default_factory=list)
    stated: StatedMigration = field(default_factory=StatedMigration)
    headline_text: str = ""
    summary_text: str = ""

    def figures(self) -> MigrationFigures:
        return migration_figures(c.counts() for c in self.categories)


@dataclass
class Item:
    title: str
    body: str = ""  # this week's progress text (Markdown), on the item's own line
    detail: str = ""  # further paragraphs under the item (Markdown)
    sep: str = "，"  # what stood between title and body: "，" or "："
    marker: str = Marker.BULLET
    label: str = ""  # "A", "B" for lettered sub-projects
    heading_level: int = 3
    percent: Decimal | None = None
    status: str = ItemStatus.NONE
    eta: date | None = None
    children: list[Item] = field(default_factory=list)
    migration: Migration | None = None
    body_html: str = ""
    detail_html: str = ""

    def walk(self) -> Iterator[Item]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Objective:
    code: str  # "O1"
    title: str
    items: list[Item] = field(default_factory=list)
    notes: str = ""  # text under the objective that belongs to no item
    holds_events: bool = False  # the production stability events are listed here
    notes_html: str = ""

    def walk(self) -> Iterator[Item]:
        for item in self.items:
            yield from item.walk()


@dataclass
class StabilityEvent:
    date: date
    summary: str
    detected_at: datetime | None = None  # aware, in the team's time zone
    time_text: str = ""  # a time of day given in words ("凌晨") when no clock time is known
    detection: str = ""  # how it was found ("监控发现")
    cause: str = ""
    handling: str = ""
    recovered_at: datetime | None = None
    kind: str = EventKind.INCIDENT
    grade: str = ""  # the incident's severity grade, when known; not part of the Markdown

    @property
    def duration_minutes(self) -> int | None:
        return duration_minutes(self.detected_at, self.recovered_at)


FREE_SECTIONS = ("other", "reflections", "next_week", "daily")


@dataclass
class DailyNote:
    """A member's short note on one day, shown under 日报合集 grouped by day and person."""

    day: date
    author: str
    text: str


def notes_by_day(notes: list[DailyNote]) -> list[tuple[date, list[tuple[str, list[str]]]]]:
    """Notes grouped by day (in date order), then by person (in order of their first note)."""
    days: dict[date, dict[str, list[str]]] = {}
    for note in sorted(notes, key=lambda n: n.day):
        days.setdefault(note.day, {}).setdefault(note.author, []).append(note.text)
    return [(day, list(people.items())) for day, people in days.items()]


@dataclass
class PlanLine:
    text: str
    outcome: str = PlanOutcome.UNMARKED


@dataclass
class Section:
    """One section of a report, in the order and words the team writes it.

    ``heading`` is the heading as written (no ``#``), ``level`` its depth (0: text before
    any heading). ``key`` names the section of the team's layout it answers to ("" for a
    heading the layout does not know). The sections of the sample's kinds (KPIs, objectives,
    daily notes, and the four free sections of the default layout, keyed ``other``,
    ``reflections``, ``next_week`` and ``daily``) keep their content in the document's typed
    fields; every other section keeps its Markdown in ``text``, and what it states (entries,
    a table, people, KPIs, events) is read from that text (``reports.document.sections``).
    """

    kind: str = SectionKind.TEXT
    heading: str = ""
    level: int = 2
    key: str = ""
    text: str = ""


@dataclass
class ReportDocument:
    team: str
    week_number: int
    report_date: date
    status: str = ReportStatus.DRAFT
    language: str = Language.ZH
    # The title as written, when it is not the layout's own ("# 第21周 2023-05-20" followed
    # by the wiki's repeated title); ``title_level`` 0: the file had no title.
    title: str = ""
    title_level: int = 1
    front_matter: str = ""  # a YAML block above the title, kept as written
    # The report's sections in order. Empty: the team's layout, as the sample is written.
    sections: list[Section] = field(default_factory=list)
    kpis: list[Kpi] = field(default_factory=list)
    kpi_notes: str = ""  # text in the operations-data section that is not a KPI
    incidents: Incidents = field(default_factory=Incidents)
    objectives: list[Objective] = field(default_factory=list)
    events: list[StabilityEvent] = field(default_factory=list)
    other: str = ""
    reflections: str = ""
    next_week: str = ""
    daily: str = ""
    # Last week's plan, line by line, with what became of each. Kept with the report and in
    # the JSON export; the Markdown layout of the sample has no place for it.
    plan_review: list[PlanLine] = field(default_factory=list)
    daily_notes: list[DailyNote] = field(default_factory=list)
    # Notes the importer made while interpreting the text (e.g. a time read as afternoon).
    import_notes: list[str] = field(default_factory=list)
    # Stored HTML of the Markdown fields, filled by the selector for pages.
    html: dict[str, str] = field(default_factory=dict)
    # HTML of Markdown texts by their text, made before a save takes its row lock
    # (``reports.rows.prerender``); keyed by the text, so it cannot go stale.
    rendered: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def items(self) -> Iterator[Item]:
        for objective in self.objectives:
            yield from objective.walk()

    def migrations(self) -> Iterator[tuple[Objective, Item, Migration]]:
        for objective in self.objectives:
            for item in objective.walk():
                if item.migration is not None:
                    yield objective, item, item.migration
