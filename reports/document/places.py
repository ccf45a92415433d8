"""Where a part of a report is, in the words its page shows: the heading of its section as
the team writes it ("【系统运行数据】", "Risks", "【O3 安全稳定、降本提效】"), and the anchor
of that heading on the report's page.

Warnings and the importer's notes name a place this way, never a line of the Markdown: a
reader of the page has no line numbers. The page's headings take their ids from here
(``section_anchor``, ``objective_anchor``), so a warning's link lands on its section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from reports.document import report as d
from reports.document.layout import FREE_KEYS, outline
from reports.document.renderer import events_holder, objective_heading
from reports.document.vocabulary import SectionKind

# Between the section's heading and what is said about it, in an importer's note.
SEPARATOR = " · "
# How the importer began its notes before they named places ("Line 98: …", "第98行：…"):
# such notes are still stored with weeks imported then.
LINE_PREFIX = re.compile(r"^\s*(?:line\s+\d+\s*[:：]|第\s*\d+\s*行\s*[:：])\s*", re.IGNORECASE)
SUMMARY_SHOWN = 24  # characters of an event's account that name it


@dataclass(frozen=True)
class Place:
    heading: str = ""  # the section's heading as the page shows it; "" when none
    anchor: str = ""  # the id of that heading on the report's page; "" when none


NOWHERE = Place()


def section_anchor(position: int) -> str:
    """The id of the heading of the report's ``position``-th section (from 0)."""
    return f"section-{position + 1}"


def objective_anchor(position: int) -> str:
    """The id of the heading of the report's ``position``-th objective (from 0)."""
    return f"objective-{position + 1}"


def event_name(event: d.StabilityEvent) -> str:
    """An event as a reader finds it on the page: its day and the start of its account."""
    summary = (
        event.summary.strip().splitlines()[0].rstrip("。.;；,，") if event.summary.strip() else ""
    )
    if len(summary) > SUMMARY_SHOWN:
        summary = summary[:SUMMARY_SHOWN].rstrip() + "…"
    if not summary:
        return _("Event on %(date)s") % {"date": event.date.isoformat()}
    return _("Event on %(date)s, “%(summary)s”") % {
        "date": event.date.isoformat(),
        "summary": summary,
    }


def placed(place: Place, text: str) -> str:
    """A note as the importer keeps it: the section's heading, then what it says."""
    return f"{place.heading}{SEPARATOR}{text}" if place.heading else text


class Places:
    """The places of one document's parts."""

    def __init__(self, doc: d.ReportDocument):
        self.doc = doc
        self.sections = outline(doc)
        # Every part under an objective (items, trackers, their figures) -> the objective.
        self._objective_of: dict[int, int] = {}
        for n, objective in enumerate(doc.objectives):
            self._objective_of[id(objective)] = n
            for item in objective.walk():
                parts: list[object] = [item]
                if item.migration is not None:
                    migration = item.migration
                    parts += [migration, migration.stated]
                    for category in migration.categories:
                        parts += [category, *category.in_progress]
                self._objective_of.update((id(p), n) for p in parts)

    def of(self, part: object, field: str = "") -> Place:
        """Where ``part`` (a KPI, an item, an event, a section …) is shown; ``field``
        names the attribute when the part is the report itself ("other", "kpi_notes")."""
        if id(part) in self._objective_of:
            return self.objective(self._objective_of[id(part)])
        if isinstance(part, d.Kpi):
            return self._kpis(part.name)
        if isinstance(part, d.Incidents):
            return self._kpis("")
        if isinstance(part, d.StabilityEvent):
            return self._event(part)
        if isinstance(part, d.DailyNote):
            return self._first(lambda s: s.key == "daily" or s.kind == SectionKind.DAILY)
        if isinstance(part, d.Section):
            return self._first(lambda s: s is part)
        if isinstance(part, d.ReportDocument):
            if field in FREE_KEYS:
                return self._first(lambda s: s.key == field)
            if field == "kpi_notes":
                return self._kpis("")
        return NOWHERE

    def objective(self, position: int) -> Place:
        heading = objective_heading(self.doc.objectives[position], self.doc.language)
        return Place(heading, objective_anchor(position))

    def split(self, note: str) -> tuple[Place, str]:
        """An importer's note: the place it names and what it says there. A note kept
        from before notes named places loses its line number ("第98行：")."""
        note = LINE_PREFIX.sub("", note, count=1)
        candidates = [self._place(n, s) for n, s in enumerate(self.sections)]
        candidates += [self.objective(n) for n in range(len(self.doc.objectives))]
        for place in sorted(candidates, key=lambda p: -len(p.heading)):
            if place.heading and note.startswith(place.heading + SEPARATOR):
                return place, note[len(place.heading) + len(SEPARATOR) :]
        return NOWHERE, note

    # -- finding a section ---------------------------------------------------------------

    def _place(self, position: int, section: d.Section) -> Place:
        if not section.level or not section.heading:
            return NOWHERE  # text before any heading: the page shows no heading for it
        return Place(section.heading, section_anchor(position))

    def _first(self, wanted) -> Place:
        for position, section in enumerate(self.sections):
            if wanted(section):
                return self._place(position, section)
        return NOWHERE

    def _kpis(self, name: str) -> Place:
        """A KPI is in the metrics section whose text names it (a team's own sections),
        else in the sample's operations data, else in the first metrics section."""
        if name:
            place = self._first(lambda s: s.kind == SectionKind.KPIS and name in s.text)
            if place != NOWHERE:
                return place
        place = self._first(lambda s: s.key == "operations")
        return place if place != NOWHERE else self._first(lambda s: s.kind == SectionKind.KPIS)

    def _event(self, event: d.StabilityEvent) -> Place:
        """An event is in the incidents section whose text tells it, else under the
        objective that lists the events, else in the first incidents section."""
        start = event.summary.strip()[:SUMMARY_SHOWN]
        if start:
            place = self._first(lambda s: s.kind == SectionKind.EVENTS and start in s.text)
            if place != NOWHERE:
                return place
        holder = events_holder(self.doc)
        if holder is not None:
            position = next(n for n, o in enumerate(self.doc.objectives) if o is holder)
            return self.objective(position)
        return self._first(lambda s: s.kind == SectionKind.EVENTS)
