"""What a section written in a team's own words states, read from its Markdown.

A section of a kind other than the sample's keeps its Markdown as written
(``Section.text``): that is how any team's page comes back byte for byte. What it states
is read from that text, the same way every time: a list section's entries with their
owner, due date, status and progress (``read_list``), a table's header and rows
(``read_table``), one update per person (``read_people``), the KPIs of a metrics section
(``read_kpis``) and the events of an incidents section (``read_events``). A structure is
only taken when writing it again gives the text back (``read_list`` returns None
otherwise), so reading never rearranges what the author wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation

from reports.document import dates as dt
from reports.document import grammar as g
from reports.document.layout import TYPED_KEYS
from reports.document.report import Kpi, StabilityEvent
from reports.document.rules import kpi_value_problem
from reports.document.vocabulary import EventKind, ItemStatus, KpiKind, SectionKind

FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")
LIST_RE = re.compile(
    r"^(?P<indent> *)(?P<marker>(?:[-*+•]|\d{1,3}[.)、]|\d{1,3}）)[ \t]+|\d{1,3}、)"
)
CHECK_RE = re.compile(r"^\[(?P<mark>[ xX✓✔])\]\s+")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def code_lines(lines: list[str]) -> set[int]:
    """Indexes of the lines inside fenced code blocks (fences included)."""
    inside: set[int] = set()
    fence = ""
    for i, line in enumerate(lines):
        m = FENCE_RE.match(line)
        if fence:
            inside.add(i)
            if m and line.strip().startswith(fence):
                fence = ""
        elif m:
            fence = m.group(1)
            inside.add(i)
    return inside


# ---------------------------------------------------------------------------------------
# Lists: items, risks, actions
# ---------------------------------------------------------------------------------------

STATUS_WORDS = {
    ItemStatus.DONE: (
        "已解决",
        "已关闭",
        "已完成",
        "已上线",
        "已修复",
        "完成",
        "关闭",
        "resolved",
        "closed",
        "done",
        "fixed",
        "completed",
    ),
    ItemStatus.IN_PROGRESS: (
        "跟进中",
        "进行中",
        "处理中",
        "推进中",
        "缓解中",
        "已缓解",
        "in progress",
        "ongoing",
        "mitigating",
        "mitigated",
        "tracking",
        "wip",
    ),
    ItemStatus.BLOCKED: ("阻塞", "受阻", "阻塞中", "blocked"),
    ItemStatus.PLANNED: ("待处理", "未开始", "未解决", "待启动", "open", "new", "todo", "pending"),
}
_STATUS_OF = {word: status for status, words in STATUS_WORDS.items() for word in words}
_STATUS_ALT = "|".join(sorted((re.escape(w) for w in _STATUS_OF), key=len, reverse=True))
STATUS_RES = (
    re.compile(rf"(?:状态|status)\s*[:：]\s*(?P<word>{_STATUS_ALT})", re.IGNORECASE),
    re.compile(rf"[【\[（(]\s*(?P<word>{_STATUS_ALT})\s*[】\]）)]", re.IGNORECASE),
    re.compile(rf"(?:[—–]{{1,2}}|--|→)\s*(?P<word>{_STATUS_ALT})(?![A-Za-z])", re.IGNORECASE),
)
OWNER_RES = (
    re.compile(
        r"(?:负责人|责任人|跟进人|owner|assignee)\s*[:：]\s*@?(?P<name>[^\s,，;；)）】\]]{1,30})",
        re.I,
    ),
    re.compile(r"(?<![\w@.])@(?P<name>[A-Za-z][\w.-]{0,29}|[\u4e00-\u9fff]{1,6})"),
)
_DATE_TEXT = (
    r"(?P<date>(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}\s*月\s*\d{1,2}\s*[日号]?"
    r"|\d{1,2}/\d{1,2}|[A-Za-z]{3,9}\.? \d{1,2})"
)
DUE_RE = re.compile(
    r"(?:截止(?:日期|时间)?|期限|预计(?:完成)?|due(?: date)?|deadline|eta|by)\s*[:：]?\s*"
    + _DATE_TEXT,
    re.IGNORECASE,
)


def due_in(text: str, report_date: date | None) -> date | None:
    m = DUE_RE.search(text)
    if not m:
        return None
    reference = report_date.year if report_date else None
    found = dt.dates_in(m["date"])
    if not found:
        return None
    f = found[0]
    if f.year is not None:
        return f.date
    if reference is None:
        return None
    candidate = f.on(reference)
    if candidate is not None and report_date and candidate < report_date - timedelta(days=183):
        candidate = f.on(reference + 1)
    return candidate


def status_in(text: str) -> str:
    text = text.replace("**", "").replace("__", "")
    for pattern in STATUS_RES:
        m = pattern.search(text)
        if m:
            return _STATUS_OF[m["word"].lower()]
    return ItemStatus.NONE


def owner_in(text: str) -> str:
    for pattern in OWNER_RES:
        m = pattern.search(text)
        if m:
            return m["name"]
    return ""


@dataclass
class Entry:
    """One entry of a list section, as written, and what it states."""

    text: str  # the entry's own line, without its marker or task box
    marker: str = "- "  # as written: "- ", "* ", "1. ", "1、"
    indent: int = 0
    check: str | None = None  # the task box ("[ ]" / "[x]") as written, when there is one
    lines: list[str] = field(default_factory=list)  # lines under it, as written
    children: list[Entry] = field(default_factory=list)

    @property
    def done(self) -> bool | None:
        return None if self.check is None else self.check.strip() not in ("", "[ ]")

    def facts(self, report_date: date | None = None) -> dict:
        """Owner, due date, status and progress as the entry's text states them."""
        text = " ".join([self.text, *self.lines])
        status = status_in(text)
        if self.done:
            status = ItemStatus.DONE
        pm = g.ITEM_PERCENT_RE.search(text)
        return {
            "owner": owner_in(text),
            "due": due_in(text, report_date),
            "status": status,
            "percent": Decimal(pm.group(1)) if pm and Decimal(pm.group(1)) <= 100 else None,
        }

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class ListBody:
    intro: str
    entries: list[Entry]
    outro: str


def read_list(text: str) -> ListBody | None:
    """A section's text as a list: the text before it, its entries (nested), the text
    after it. None when the text holds no list, or a list whose writing would differ."""
    lines = text.split("\n")
    fenced = code_lines(lines)
    start = next(
        (i for i, ln in enumerate(lines) if i not in fenced and _list_item(ln, top=True)), None
    )
    if start is None:
        return None
    base = _indent(lines[start])
    entries: list[Entry] = []
    stack: list[Entry] = []
    end = len(lines)
    i = start
    while i < len(lines):
        line = lines[i]
        if i not in fenced and line.strip():
            m = _list_item(line)
            indent = _indent(line)
            if m is not None and indent >= base:
                entry = _entry(line, m)
                while stack and stack[-1].indent >= indent:
                    stack.pop()
                (stack[-1].children if stack else entries).append(entry)
                stack.append(entry)
                i += 1
                continue
            if indent <= base and (not stack or lines[i - 1].strip() == ""):
                end = i  # a paragraph at the list's margin after a blank: the list ended
                break
        if not stack:
            end = i
            break
        owner = stack[-1]
        if line.strip() and i not in fenced:
            # A line belongs to the deepest open entry it is indented under.
            owner = next((e for e in reversed(stack) if e.indent < _indent(line)), stack[0])
            if _indent(line) <= base:
                owner = stack[-1]  # a lazy continuation of the last line
        owner.lines.append(line)
        i += 1
    # Blank lines at the end of the list belong to the gap before the text after it.
    for entry in [*entries[-1:]]:
        last = entry
        while last.children:
            last = last.children[-1]
        while last.lines and not last.lines[-1].strip():
            last.lines.pop()
    body = ListBody(
        intro="\n".join(lines[:start]).strip("\n"),
        entries=entries,
        outro="\n".join(lines[end:]).strip("\n"),
    )
    return body if list_text(body) == text else None


def _list_item(line: str, top: bool = False) -> re.Match | None:
    m = LIST_RE.match(line)
    if m is None or (top and len(m["indent"]) > 3):
        return None
    return m


def _entry(line: str, m: re.Match) -> Entry:
    rest = line[m.end() :]
    check = None
    c = CHECK_RE.match(rest)
    if c:
        check = c.group(0)
        rest = rest[c.end() :]
    return Entry(text=rest, marker=m["marker"], indent=len(m["indent"]), check=check)


def entry_lines(entry: Entry) -> list[str]:
    lines = [" " * entry.indent + entry.marker + (entry.check or "") + entry.text]
    lines.extend(entry.lines)
    for child in entry.children:
        lines.extend(entry_lines(child))
    return lines


def list_text(body: ListBody) -> str:
    parts = []
    if body.intro:
        parts.append(body.intro)
    parts.append("\n".join(line for e in body.entries for line in entry_lines(e)))
    if body.outro:
        parts.append(body.outro)
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------

SEPARATOR_CELL = re.compile(r"^\s*:?-{1,}:?\s*$")


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


def split_row(line: str) -> list[str]:
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells = re.split(r"(?<!\\)\|", text)
    return [c.strip() for c in cells]


def read_tables(text: str) -> list[Table]:
    """Every pipe table in the text (a header row, its separator row, its rows)."""
    lines = text.split("\n")
    fenced = code_lines(lines)
    tables = []
    i = 0
    while i < len(lines) - 1:
        head, sep = lines[i], lines[i + 1]
        if (
            i not in fenced
            and "|" in head
            and "|" in sep
            and all(SEPARATOR_CELL.match(c) for c in split_row(sep))
        ):
            table = Table(header=split_row(head), rows=[])
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                table.rows.append(split_row(lines[i]))
                i += 1
            tables.append(table)
            continue
        i += 1
    return tables


# ---------------------------------------------------------------------------------------
# Per-person updates
# ---------------------------------------------------------------------------------------

HEADING_RE = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
PERSON_LINE_RE = re.compile(
    r"^[-*+]\s+(?:\*\*(?P<bold>[^*]{1,40})\*\*\s*[:：]?|(?P<plain>[^:：\s][^:：]{0,20}?)\s*[:：])\s*(?P<text>.*)$"
)


@dataclass
class PersonUpdate:
    name: str
    text: str


def read_people(text: str) -> list[PersonUpdate]:
    """One update per person: under a heading of their name, or ``- **Name**: text``."""
    lines = text.split("\n")
    fenced = code_lines(lines)
    people: list[PersonUpdate] = []
    current: list[str] | None = None
    name = ""
    for i, line in enumerate(lines):
        h = HEADING_RE.match(line) if i not in fenced else None
        if h:
            if current is not None:
                people.append(PersonUpdate(name, "\n".join(current).strip("\n")))
            name, current = h.group(2).strip(), []
            continue
        if current is not None:
            current.append(line)
    if current is not None:
        people.append(PersonUpdate(name, "\n".join(current).strip("\n")))
    if people:
        return people
    for i, line in enumerate(lines):
        m = PERSON_LINE_RE.match(line) if i not in fenced else None
        if m:
            people.append(PersonUpdate((m["bold"] or m["plain"]).strip(), m["text"].strip()))
        elif people and line.strip():
            people[-1].text = (people[-1].text + "\n" + line.strip()).strip()
    return people


# ---------------------------------------------------------------------------------------
# Metrics and incidents written in a team's own words
# ---------------------------------------------------------------------------------------

UNIT = r"(?P<unit>%|‰|[A-Za-z/]{1,6}(?![A-Za-z])|次|个|件|天|小时|分钟|秒|人|条|套|台)"
VALUE_RE = re.compile(r"^\s*(?P<value>-?\d+(?:\.\d+)?)\s*" + UNIT + r"?\s*")
KPI_LINE_RE = re.compile(
    r"^(?P<name>[^:：|]{1,100}?)\s*[:：]\s*(?P<value>-?\d+(?:\.\d+)?)\s*" + UNIT + r"?(?P<note>.*)$"
)
# The column of a metrics table that holds this week's value.
VALUE_COLUMNS = ("本周", "本期", "本月", "当前", "数值", "值", "this week", "this period")
VALUE_COLUMNS += ("current", "value", "actual", "now")


def read_kpis(text: str) -> list[Kpi]:
    """The KPIs a metrics section states: ``- name: value unit`` lines, and the rows of its
    tables (the name in the first column, the value in the column headed 本周 / this week /
    value, else the first numeric one). A name is read once: the first statement counts."""
    kpis: dict[str, Kpi] = {}
    lines = text.split("\n")
    fenced = code_lines(lines)
    for i, line in enumerate(lines):
        if i in fenced:
            continue
        m = LIST_RE.match(line)
        if not m or m["indent"]:
            continue
        km = KPI_LINE_RE.match(line[m.end() :].strip().replace("**", ""))
        if km:
            _add_kpi(kpis, km["name"], km["value"], km["unit"] or "", km["note"])
    for table in read_tables(text):
        column = _value_column(table)
        for row in table.rows:
            if column is None or column >= len(row) or not row[0]:
                continue
            vm = VALUE_RE.match(row[column].replace("**", ""))
            if vm and vm.end() == len(row[column].replace("**", "")):
                _add_kpi(kpis, row[0].replace("**", ""), vm["value"], vm["unit"] or "", "")
    return list(kpis.values())


def kpi_name_of(line: str) -> str | None:
    """The KPI a line of a metrics section names, as ``read_kpis`` reads it: a list
    line's name before its colon, a table row's first cell."""
    stripped = line.strip()
    if stripped.startswith("|"):
        cells = split_row(stripped)
        return _kpi_name(cells[0]) if cells else None
    m = LIST_RE.match(line)
    if not m:
        return None
    km = KPI_LINE_RE.match(line[m.end() :].strip().replace("**", ""))
    return _kpi_name(km["name"]) if km else None


def _kpi_name(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip(" *")


def _value_column(table: Table) -> int | None:
    names = [h.casefold().strip("* ") for h in table.header]
    for i, name in enumerate(names):
        if i and any(name == v or name.startswith(v) for v in VALUE_COLUMNS):
            return i
    for i in range(1, len(table.header)):
        if table.rows and all(
            i < len(row) and VALUE_RE.fullmatch(row[i].replace("**", "")) for row in table.rows
        ):
            return i
    return None


def _add_kpi(kpis: dict[str, Kpi], name: str, value: str, unit: str, note: str) -> None:
    name = _kpi_name(name)
    if not name or name in kpis or len(name) > 100:
        return
    try:
        number = Decimal(value)
    except InvalidOperation:
        return
    if kpi_value_problem(number, unit) or len(unit) > 10:
        return  # a figure no door would keep is left in the text
    lowered = name.casefold()
    if "可用" in name or "availability" in lowered or "uptime" in lowered:
        kind = KpiKind.AVAILABILITY
    elif "成功率" in name or "success" in lowered:
        kind = KpiKind.SUCCESS_RATE
    else:
        kind = KpiKind.OTHER
    kpis[name] = Kpi(name=name, value=number, unit=unit, kind=kind, note=note.strip()[:500])


EVENT_START_RE = re.compile(
    r"^(?:\*\*)?(?P<date>(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}\s*月\s*\d{1,2}\s*[日号]?"
    r"|\d{1,2}/\d{1,2}|[A-Za-z]{3,9}\.? \d{1,2})(?:\*\*)?[,，:：]?\s*"
    r"(?:(?P<h>\d{1,2})[:：](?P<min>\d{2})\s*)?(?P<rest>.*)$"
)


def read_events(text: str, report_date: date, tz: tzinfo) -> list[StabilityEvent]:
    """The events an incidents section lists: its top-level entries that start with a
    date (``3/5 14:20 …``, ``2024-03-05 …``, ``Mar 5: …``). Other lines are text."""
    events = []
    lines = text.split("\n")
    fenced = code_lines(lines)
    for i, line in enumerate(lines):
        m = LIST_RE.match(line) if i not in fenced else None
        if not m or len(m["indent"]) > 3:
            continue
        em = EVENT_START_RE.match(line[m.end() :].strip())
        if not em:
            continue
        day = _event_day(em["date"], report_date)
        if day is None:
            continue
        rest = em["rest"].strip()
        cause = handling = ""
        cm = g.CAUSE_RE.search(rest)
        hm = g.HANDLING_RE.search(rest)
        summary = rest
        if cm and (not hm or cm.start() < hm.start()):
            summary, cause = rest[: cm.start()].strip(), rest[cm.end() : hm.start() if hm else None]
            handling = rest[hm.end() :] if hm else ""
        elif hm:
            summary, handling = rest[: hm.start()].strip(), rest[hm.end() :]
            cause = rest[cm.end() :] if cm else ""
        event = StabilityEvent(
            date=day,
            summary=(summary or rest)[:20000],
            cause=cause.strip(),
            handling=handling.strip(),
        )
        if em["h"]:
            hour, minute = int(em["h"]), int(em["min"])
            if hour <= 23 and minute <= 59:
                event.detected_at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
        event.kind = EventKind.CHANGE if g.CHANGE_WORDS_RE.search(summary) else EventKind.INCIDENT
        events.append(event)
    return events


def _event_day(text: str, report_date: date) -> date | None:
    found = dt.dates_in(text)
    if not found:
        return None
    f = found[0]
    if f.year is not None:
        day = f.date
    else:
        day = f.on(report_date.year)
        if day is not None and day > report_date + timedelta(days=183):
            day = f.on(report_date.year - 1)
    if day is None or not (report_date - timedelta(days=366) <= day <= report_date):
        return None
    return day


# ---------------------------------------------------------------------------------------
# Figures stated twice: in a section's text and in the report's KPIs and events
# ---------------------------------------------------------------------------------------


def zone_of(doc) -> tzinfo:
    """The time zone the report's events were read in (UTC when none has a time): the
    zone a section's event lines are read in again, to compare them with the events."""
    for event in doc.events:
        if event.detected_at is not None and event.detected_at.tzinfo is not None:
            return event.detected_at.tzinfo
    return UTC


def reconcile(doc, before=None, *, tz: tzinfo) -> None:
    """Where a metrics or incidents section in the team's words was written anew (its text
    differs from ``before``'s, or there is no ``before``), the report's KPIs and events
    are what that text states: the text is what the lead typed, the figures follow it.
    A KPI no such section names is kept as sent."""
    old = {(s.kind, s.heading, s.level): s.text for s in (before.sections if before else [])}

    def own(kind):
        return [s for s in doc.sections if s.kind == kind and s.key not in TYPED_KEYS]

    def rewritten(kind):
        return any(old.get((s.kind, s.heading, s.level)) != s.text for s in own(kind))

    if own(SectionKind.EVENTS) and rewritten(SectionKind.EVENTS):
        doc.events = [
            e for s in own(SectionKind.EVENTS) for e in read_events(s.text, doc.report_date, tz)
        ]
    if own(SectionKind.KPIS) and rewritten(SectionKind.KPIS):
        stated = [k for s in own(SectionKind.KPIS) for k in read_kpis(s.text)]
        named_before = {
            k.name
            for s in (before.sections if before else [])
            if s.kind == SectionKind.KPIS and s.key not in TYPED_KEYS
            for k in read_kpis(s.text)
        }
        known = {k.name: k for k in doc.kpis}
        seen: set[str] = set()
        kpis = []
        for kpi in stated:
            if kpi.name in seen:
                continue
            seen.add(kpi.name)
            base = known.get(kpi.name)
            kpis.append(
                kpi
                if base is None
                else Kpi(
                    name=kpi.name,
                    value=kpi.value,
                    unit=kpi.unit,
                    kind=base.kind,
                    note=kpi.note,
                    target=base.target,
                    higher_is_better=base.higher_is_better,
                )
            )
        kpis += [k for k in doc.kpis if k.name not in seen and k.name not in named_before]
        doc.kpis = kpis
