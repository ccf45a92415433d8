"""A week typed as Markdown, as the Markdown mode of a week understands it.

The Markdown mode (``reports.markdown_mode``) reads the lead's text the way every door
reads a file (``importer``) and says, as the lead types, what it understood: the sections
found, in the team's own headings, with what each states (``outline_of``), and every
warning the week would carry (``consistency.report_warnings``) or the importer's refusal,
each naming its section and the field it is about (``warnings_of``, ``refusal``). Each
also knows the line of the text it was read from, for the page to point at beside the
text; the page never shows the number.

And the week as the mode edits it: the draft's Markdown cut at its sections, one of them
replaced by other Markdown (``Parts``); the week's date and number kept, whatever the
text names (``this_weeks_titles``, ``keep_week``); and what the Markdown has no place for
kept from the draft (``keep_unwritten``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports.document import dates as dt
from reports.document import grammar as g
from reports.document import wording as w
from reports.document.consistency import report_warnings
from reports.document.importer import Line, ReportFormatError, heading, split_lines
from reports.document.layout import outline, section_body
from reports.document.places import event_name
from reports.document.renderer import join_parts, objective_heading, placed, render_parts
from reports.document.report import (
    Incidents,
    Item,
    Kpi,
    Migration,
    Objective,
    ReportDocument,
    Section,
    StabilityEvent,
)
from reports.document.sections import (
    code_lines,
    kpi_name_of,
    read_events,
    read_kpis,
    read_list,
    read_people,
    read_tables,
    zone_of,
)
from reports.document.vocabulary import ItemStatus
from reports.document.vocabulary import SectionKind as K

# ---------------------------------------------------------------------------------------
# The typed text
# ---------------------------------------------------------------------------------------

SHOWN_LINE = 40  # characters of a typed line that name it


class Typed:
    """The text as the importer cuts it: its lines (numbered from 1, as the importer's
    errors number them) and its headings outside code blocks."""

    def __init__(self, text: str):
        self.lines = split_lines(text)
        fenced = code_lines([" " * ln.indent + ln.text for ln in self.lines])
        self.headings: list[tuple[int, int, str]] = []  # (line, level, text)
        for index, line in enumerate(self.lines):
            found = heading(line) if index not in fenced else None
            if found is not None:
                self.headings.append((line.number, *found))

    def line(self, number: int | None) -> Line | None:
        if number is None or not 1 <= number <= len(self.lines):
            return None
        return self.lines[number - 1]

    def heading_above(self, number: int) -> str:
        """The heading a line is under (the line's own, for a heading)."""
        found = ""
        for at, _level, text in self.headings:
            if at > number:
                break
            found = text
        return found

    def find(self, *needles: str) -> int | None:
        """The first line holding the first of ``needles`` found anywhere."""
        for needle in needles:
            if needle:
                for line in self.lines:
                    if needle in line.text:
                        return line.number
        return None

    def shown(self, number: int) -> str:
        """A line as a reader recognises it: its words, without list marks, shortened."""
        line = self.line(number)
        text = re.sub(r"^(?:[-*+]\s+|\d{1,3}[.、)）]\s*)", "", line.text if line else "").strip()
        return text if len(text) <= SHOWN_LINE else text[:SHOWN_LINE].rstrip() + "…"


@dataclass(frozen=True)
class Remark:
    """A warning or a refusal: what it says, the section and the field it is about (in
    the team's words; "" for the week as a whole), and the line it was typed on."""

    message: str
    section: str = ""
    field: str = ""
    line: int | None = None

    def sentence(self) -> str:
        """The remark as one sentence: where, then what."""
        where = " · ".join(part for part in (self.section, self.field) if part)
        if not where:
            return self.message
        return _("%(where)s: %(message)s") % {"where": where, "message": self.message}


# The place of a value the rules refuse, in the JSON layout's names ("(events[0].date)"),
# is no word of the team's: the page says the place and the message only.
_JSON_PATH = re.compile(r"\s*[(（][a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*[)）](?=\s*[:：])")


def plain(message: str) -> str:
    """A rule's message without the JSON layout's name of the place."""
    return _JSON_PATH.sub("", message, count=1)


def refusal(error: ReportFormatError, typed: Typed) -> Remark:
    """Why the importer refused the text, under the heading of the line at fault."""
    line = typed.line(error.line)
    message = plain(error.message)
    if line is None:
        return Remark(message)
    own_heading = heading(line) is not None
    return Remark(
        message,
        typed.heading_above(line.number),
        "" if own_heading or line.blank else typed.shown(line.number),
        line.number,
    )


# ---------------------------------------------------------------------------------------
# What was understood, section by section
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A section as read: its heading as typed ("" for text before any heading), its
    level and kind, what it states, and the line of its heading."""

    heading: str
    level: int
    kind: str
    said: str
    line: int | None = None


def outline_of(doc: ReportDocument, typed: Typed) -> list[Found]:
    """The week's sections in order; the objectives one by one, each under its heading."""
    lines, objective_lines = _heading_lines(doc, typed)
    where = placed(doc)
    found = []
    for index, section in enumerate(outline(doc)):
        if section.kind == K.OBJECTIVES and section.key == "objectives":
            for objective in doc.objectives:
                holds = objective is where.holder
                found.append(
                    Found(
                        objective_heading(objective, doc.language),
                        section.level,
                        K.OBJECTIVES,
                        _objective_said(objective, len(doc.events) if holds else 0),
                        objective_lines.get(objective.code),
                    )
                )
            continue
        said = _said(doc, section, operations_events=_events_in_operations(doc, where))
        found.append(Found(section.heading, section.level, section.kind, said, lines.get(index)))
    return found


def _heading_lines(doc: ReportDocument, typed: Typed) -> tuple[dict[int, int], dict[str, int]]:
    """The line of each section's heading (by its place in the outline) and of each
    objective's (by its code): the headings of the text matched in order."""
    lines: dict[int, int] = {}
    objectives: dict[str, int] = {}
    heads = typed.headings
    cursor = 0
    for index, section in enumerate(outline(doc)):
        if section.kind == K.OBJECTIVES and section.key == "objectives":
            for objective in doc.objectives:
                for j in range(cursor, len(heads)):
                    m = g.OBJECTIVE_RE.match(re.sub(r"\s+", " ", heads[j][2]))
                    if m and m["code"] == objective.code:
                        objectives[objective.code] = heads[j][0]
                        lines.setdefault(index, heads[j][0])
                        cursor = j + 1
                        break
            continue
        if not section.level:
            continue
        for j in range(cursor, len(heads)):
            if heads[j][1:] == (section.level, section.heading):
                lines[index] = heads[j][0]
                cursor = j + 1
                break
    return lines, objectives


def _events_in_operations(doc: ReportDocument, where) -> int:
    """Events written in the sample's operations data: no section or objective of the
    week lists them (the renderer's rule)."""
    if where.events_section is None and not doc.objectives:
        return len(doc.events)
    return 0


def _count(kind: str, n: int) -> str:
    """ "3 KPIs", "1 item" … in the page's language."""
    texts = {
        "kpi": ngettext("%(n)d KPI", "%(n)d KPIs", n),
        "item": ngettext("%(n)d item", "%(n)d items", n),
        "event": ngettext("%(n)d event", "%(n)d events", n),
        "risk": ngettext("%(n)d risk", "%(n)d risks", n),
        "action": ngettext("%(n)d action", "%(n)d actions", n),
        "tracker": ngettext("%(n)d migration tracker", "%(n)d migration trackers", n),
        "open": ngettext("%(n)d open", "%(n)d open", n),
        "line": ngettext("%(n)d line of text", "%(n)d lines of text", n),
        "row": ngettext("%(n)d table row", "%(n)d table rows", n),
        "person": ngettext("%(n)d person", "%(n)d people", n),
        "note": ngettext("%(n)d daily note", "%(n)d daily notes", n),
    }
    return texts[kind] % {"n": n}


def _objective_said(objective: Objective, events: int) -> str:
    items = sum(1 for _item in objective.walk())
    trackers = sum(1 for item in objective.walk() if item.migration is not None)
    said = [_count("item", items)]
    if trackers:
        said.append(_count("tracker", trackers))
    if events:
        said.append(_count("event", events))
    return ", ".join(said)


def _incidents_said(incidents: Incidents) -> str:
    counts = " ".join(f"{grade}{incidents.counts.get(grade, 0)}" for grade in incidents.grades)
    return _("incidents %(counts)s") % {"counts": counts}


def _said(doc: ReportDocument, section: Section, *, operations_events: int) -> str:
    """What a section states, as the page counts it."""
    kind = section.kind
    if section.key == "operations":
        said = [_count("kpi", len(doc.kpis))]
        if doc.incidents.counts or doc.incidents.note:
            said.append(_incidents_said(doc.incidents))
        if operations_events:
            said.append(_count("event", operations_events))
        return ", ".join(said)
    body = section_body(doc, section)
    if kind == K.KPIS:
        return _count("kpi", len(read_kpis(body)))
    if kind == K.EVENTS:
        return _count("event", len(read_events(body, doc.report_date, zone_of(doc))))
    if kind == K.DAILY and section.key == "daily" and doc.daily_notes:
        lines = _lines(body)
        said = [_count("note", len(doc.daily_notes))]
        return ", ".join(said + ([_count("line", lines)] if lines else []))
    if kind in (K.RISKS, K.ACTIONS, K.ITEMS, K.PLAN):
        listed = read_list(body)
        if listed is not None:
            entries = listed.entries
            noun = {K.RISKS: "risk", K.ACTIONS: "action"}.get(kind, "item")
            said = [_count(noun, len(entries))]
            if kind in (K.RISKS, K.ACTIONS):
                still = [
                    e for e in entries if e.facts(doc.report_date)["status"] != ItemStatus.DONE
                ]
                said.append(_count("open", len(still)))
            return ", ".join(said)
    if kind == K.TABLE:
        rows = sum(len(table.rows) for table in read_tables(body))
        if rows:
            return _count("row", rows)
    if kind == K.PEOPLE:
        people = read_people(body)
        if people:
            return _count("person", len(people))
    lines = _lines(body)
    if kind == K.GROUP and not lines:
        return _("holds the sections under it")
    return _count("line", lines) if lines else _("empty")


def _lines(text: str) -> int:
    return sum(1 for line in text.split("\n") if line.strip())


# ---------------------------------------------------------------------------------------
# The week's warnings, each at the part it is about
# ---------------------------------------------------------------------------------------


def warnings_of(doc: ReportDocument, typed: Typed) -> list[Remark]:
    """The week's warnings (``report_warnings``, in its order and words), each with the
    field it is about and the line that states it when the text shows them."""
    fields = _fields(doc, typed)
    remarks = []
    for warning in report_warnings(doc):
        field, line = fields.get(warning.message, ("", None))
        if warning.code == "import_note":
            field, line = _note_field(doc, typed, warning.message)
        section = warning.section or (typed.heading_above(line) if line else "")
        remarks.append(Remark(_unnamed(warning.shown, field), section, field, line))
    return remarks


def _unnamed(message: str, field: str) -> str:
    """The message without the field it begins with ("Hive数仓建设：…"), which the
    remark names already."""
    m = re.match(re.escape(field) + r"\s*[:：]\s*", message) if field else None
    return message[m.end() :] if m and m.end() < len(message) else message


def _fields(doc: ReportDocument, typed: Typed) -> dict[str, tuple[str, int | None]]:
    """Each warning a part of the week raises on its own, by its message: the part's
    name and the line stating it. The parts are checked alone (a document holding only
    that part), with the rules ``report_warnings`` applies to the whole week."""
    alone = {"team": doc.team, "week_number": doc.week_number, "report_date": doc.report_date}
    found: dict[str, tuple[str, int | None]] = {}

    def note(part_doc: ReportDocument, field: str, line: int | None) -> None:
        for warning in report_warnings(part_doc):
            found.setdefault(warning.message, (field, line))

    for objective, item, migration in doc.migrations():
        for category in migration.categories:
            only = Migration(migration.name, categories=[category])
            line = typed.find(category.heading_text, f"【{category.name}】", category.name)
            field = f"{migration.name} / {category.name}"
            note(_holding(alone, objective, item, only), field, line)
        line = typed.find(migration.headline_text, migration.name)
        note(_holding(alone, objective, item, migration), migration.name, line)
    for kpi in doc.kpis:
        note(ReportDocument(**alone, kpis=[kpi]), kpi.name, _kpi_line(typed, kpi))
    for event in doc.events:
        note(ReportDocument(**alone, events=[event]), event_name(event), _event_line(typed, event))
    return found


def _holding(alone: dict, objective: Objective, item: Item, migration: Migration):
    holder = replace(item, children=[], migration=migration)
    return ReportDocument(**alone, objectives=[replace(objective, items=[holder])])


def _kpi_line(typed: Typed, kpi: Kpi) -> int | None:
    for line in typed.lines:
        if kpi_name_of(line.text) == kpi.name:
            return line.number
    return typed.find(kpi.name)


def _event_line(typed: Typed, event: StabilityEvent) -> int | None:
    start = event.summary.strip()[:12]
    return typed.find(start) if start else None


def _note_field(doc: ReportDocument, typed: Typed, note: str) -> tuple[str, int | None]:
    """The part an importer's note is about: an event it names, else the incident line."""
    for event in doc.events:
        if event_name(event) in note:
            return event_name(event), _event_line(typed, event)
    for line in typed.lines:
        content = re.sub(r"^[-*+]\s+", "", line.text)
        if g.is_incident_line(content):
            return _("Incidents by grade"), line.number
    return "", None


# ---------------------------------------------------------------------------------------
# The week edited one section at a time
# ---------------------------------------------------------------------------------------


class Parts:
    """A week's Markdown cut at its sections (``renderer.render_parts``): one section's
    Markdown to edit alone, and the whole week with it replaced."""

    def __init__(self, doc: ReportDocument):
        self.doc = doc
        self.parts = render_parts(doc)
        self.sections = [section for section, _lines in self.parts[1:] if section is not None]

    def address(self, position: int) -> str:
        """How a page names a section: its key, unless an earlier section has the same
        one; else its place in the outline (from 0)."""
        section = self.sections[position]
        if section.key and all(s.key != section.key for s in self.sections[:position]):
            return section.key
        return str(position)

    def find(self, address: str) -> int | None:
        """The place of the section a page names, if the week has it: by its key or its
        place (``address``), or by the id of its heading on the report's and the edit
        page ("section-3", "section-reflections"; "objective-2" for the objectives)."""
        m = re.fullmatch(r"(section|objective)-(.+)", address)
        if m and m[1] == "objective":
            objectives = [
                n
                for n, s in enumerate(self.sections)
                if s.kind == K.OBJECTIVES and s.key == "objectives"
            ]
            return objectives[0] if objectives and m[2].isdigit() else None
        if m:
            address = str(int(m[2]) - 1) if m[2].isdigit() and int(m[2]) > 0 else m[2]
        for position, section in enumerate(self.sections):
            if section.key and section.key == address:
                return position
        if address.isdigit() and int(address) < len(self.sections):
            return int(address)
        return None

    def heading_line(self, position: int) -> str:
        """The section's own heading line, which the section's text goes under; "" for
        text before any heading and for the objectives (whose headings are their text)."""
        section, lines = self.parts[position + 1]
        if section is None or not section.level or not lines:
            return ""
        if section.kind == K.OBJECTIVES and section.key == "objectives":
            return ""
        return lines[0]

    def text(self, position: int) -> str:
        """The Markdown under the section's heading, as the week writes it."""
        lines = list(self.parts[position + 1][1])
        if self.heading_line(position):
            lines = lines[1:]
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()
        return "\n".join(lines)

    def week_with(self, position: int, text: str) -> tuple[str, int]:
        """The whole week with the section's Markdown replaced by ``text`` (its heading
        kept), and how many lines of it come before ``text``'s first line."""
        head = self.heading_line(position)
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if not text.strip():
            lines = []
        before = [part for _section, part in self.parts[: position + 1]]
        after = [part for _section, part in self.parts[position + 2 :]]
        mine = ([head, ""] if head and lines else [head] if head else []) + lines
        # Where the first line lands: the same parts before it, then a line no text holds.
        marker = "\x00"
        probe = join_parts([*before, [head, "", marker] if head else [marker]])
        offset = probe.split("\n").index(marker)
        return join_parts([*before, mine, *after]), offset


# ---------------------------------------------------------------------------------------
# The week's date and number, whatever the text names
# ---------------------------------------------------------------------------------------


def this_weeks_titles(text: str, day: date, number: int) -> tuple[str, date | None, int | None]:
    """The text with each title in the sample's layout ("# 第22周 2023-05-27") naming
    this week instead, and the date and week the first one named. The importer takes
    such a title's date over any date it is given, so the text must say this week's."""
    pieces = re.split(r"(\r\n|\r|\n)", text)
    lines = pieces[0::2]
    fenced = code_lines(lines)
    named_day: date | None = None
    named_week: int | None = None
    for index, raw in enumerate(lines):
        if index in fenced:
            continue
        stripped = raw.expandtabs(4).lstrip(" \u3000")
        found = heading(Line(index + 1, len(raw) - len(stripped), stripped.rstrip()))
        m = g.TITLE_RE.match(found[1]) if found is not None else None
        if m is None:
            continue
        if named_day is None:
            try:
                named_day = date(int(m["y"]), int(m["m"]), int(m["d"]))
                named_week = int(m["zh"] or m["en"])
            except ValueError:
                continue  # the importer says what is wrong with it
        words = w.wording("zh" if m["zh"] else "en")
        lines[index] = "#" * found[0] + " " + words.week_title(number, day)
    pieces[0::2] = lines
    return "".join(pieces), named_day, named_week


def keep_week(doc: ReportDocument, day: date, number: int, named_day: date | None) -> None:
    """Make ``doc`` this week (``day``, ``number``), whatever the text named
    (``named_day``: the date it was read as, None when it named none): its title and the
    dates of its front matter are moved to this week, as carry-over moves them to the
    next week."""
    if doc.title:
        doc.title = _moved(doc.title, day, number, named_day)
    if doc.front_matter:
        doc.front_matter = "\n".join(
            _moved(line, day, number, named_day) if _FRONT_DATED.match(line) else line
            for line in doc.front_matter.split("\n")
        )
    doc.report_date, doc.week_number = day, number


_FRONT_DATED = re.compile(r"^(?:date|title)\s*:", re.IGNORECASE)


def _moved(text: str, day: date, number: int, named_day: date | None) -> str:
    """A title (or a line of front matter) naming this week: its dates moved by as many
    days as its own date (else the text's) lies from this week's, its week renumbered."""
    own = dt.report_date_in(text) or named_day
    if own is not None and own != day:
        text = dt.shift_dates(text, (day - own).days)
    week = dt.week_in(text)
    if week is not None and week != number:
        text = dt.shift_week(text, week, number)
    return text


# ---------------------------------------------------------------------------------------
# What the Markdown has no place for
# ---------------------------------------------------------------------------------------

# A KPI of the sample's operations data with no value this week, as the renderer writes it.
_BLANK_KPI = re.compile(r"^[-*+]\s+(?P<name>.+?)\s*[:：]\s*—\s*$")


def keep_unwritten(doc: ReportDocument, draft: ReportDocument) -> None:
    """Keep in ``doc``, read from the draft's Markdown as the lead changed it, what the
    draft holds that the Markdown does not say: last week's plan as reviewed, where a KPI
    value came from, an event's grade and kind, an item's status and expected date (each
    while its text is unchanged), and the KPIs the draft has no value for yet (written
    "name：—", which the importer reads as text)."""
    doc.plan_review = list(draft.plan_review)
    sources = {(k.name, k.value): k.source for k in draft.kpis}
    for kpi in doc.kpis:
        kpi.source = kpi.source or sources.get((kpi.name, kpi.value), "")
    _keep_blank_kpis(doc, draft)
    events = {(e.date, e.summary, e.detected_at): e for e in draft.events}
    for event in doc.events:
        before = events.get((event.date, event.summary, event.detected_at))
        if before is not None:
            event.grade, event.kind = before.grade, before.kind
    items = dict(_items(draft))
    for path, item in _items(doc):
        before = items.get(path)
        if before is not None and (before.body, before.detail) == (item.body, item.detail):
            item.status, item.eta = before.status, before.eta


def _keep_blank_kpis(doc: ReportDocument, draft: ReportDocument) -> None:
    read = {k.name for k in doc.kpis}
    blank = {k.name: k for k in draft.kpis if k.value is None and k.name not in read}
    if not blank or not doc.kpi_notes:
        return
    kept, found = [], []
    for line in doc.kpi_notes.split("\n"):
        m = _BLANK_KPI.match(line.strip())
        if m and m["name"] in blank and m["name"] not in found:
            found.append(m["name"])
        else:
            kept.append(line)
    if not found:
        return
    doc.kpi_notes = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")
    order = [k.name for k in draft.kpis]
    for name in found:
        kpi = replace(blank[name], note="")
        earlier = [n for n in order[: order.index(name)] if n in {k.name for k in doc.kpis}]
        at = next(i for i, k in enumerate(doc.kpis) if k.name == earlier[-1]) + 1 if earlier else 0
        doc.kpis.insert(at, kpi)


def _items(doc: ReportDocument):
    """Every item with its path: the objective's code and the titles down to it."""
    for objective in doc.objectives:
        stack = [((objective.code, item.title), item) for item in reversed(objective.items)]
        while stack:
            path, item = stack.pop()
            yield path, item
            stack.extend(((*path, child.title), child) for child in reversed(item.children))


def with_targets(doc: ReportDocument, known: dict[str, Kpi]) -> None:
    """The KPIs' targets as the team defines them (``known``: by name), which the
    Markdown does not state, so that a missed target is warned of before the save."""
    for kpi in doc.kpis:
        definition = known.get(kpi.name)
        if definition is not None:
            kpi.target, kpi.higher_is_better = definition.target, definition.higher_is_better
