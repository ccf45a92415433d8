"""Markdown (the team's wiki layout) -> ReportDocument.

Reads what wiki exports write: a "Created:" line, the title repeated, ``-`` or ``*``
bullets, full- or half-width colons, CRLF or LF, extra blank lines. Text that fits no
structured field is kept in the nearest section; a file that cannot be understood raises
``ReportFormatError`` naming the line, so the caller saves nothing of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import override

from reports.document import dates as dt
from reports.document import grammar as g
from reports.document import limits, places, rules, sections
from reports.document import wording as w
from reports.document.layout import (
    FREE_KEYS,
    Layout,
    LayoutSection,
    default_layout,
    default_outline,
    guess_kind,
)
from reports.document.report import (
    DailyNote,
    Incidents,
    Item,
    Kpi,
    Migration,
    MigrationCategory,
    Objective,
    ReportDocument,
    Section,
    StabilityEvent,
    StatedMigration,
)
from reports.document.vocabulary import (
    EventKind,
    ItemStatus,
    KpiKind,
    Language,
    Marker,
    WeekNumbering,
)
from reports.document.vocabulary import SectionKind as K
from reports.document.weeks import week_number


class ReportFormatError(ValueError):
    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message
        super().__init__(_("line %(line)d: %(message)s") % {"line": line, "message": message})


@dataclass
class Line:
    number: int
    indent: int
    text: str  # stripped

    @property
    def blank(self) -> bool:
        return not self.text


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReportFormatError(line, _("the file is not UTF-8 text")) from exc


def split_lines(text: str) -> list[Line]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = []
    for number, raw in enumerate(text.split("\n"), start=1):
        raw = raw.expandtabs(4).rstrip()
        # Full-width spaces indent like spaces; inside a line they are the author's.
        stripped = raw.lstrip(" \u3000")
        raw = " " * (len(raw) - len(stripped)) + stripped
        lines.append(Line(number, len(raw) - len(stripped), stripped))
    return lines


# A closing run of #s counts only after a space (CommonMark): "## C#" is about C#.
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")


def heading(line: Line) -> tuple[int, str] | None:
    m = HEADING_RE.match(line.text)
    if not m or line.indent > 3:
        return None
    return len(m.group(1)), m.group(2).strip()


# ---------------------------------------------------------------------------------------
# Parts: the file cut at its headings
# ---------------------------------------------------------------------------------------

# What a part of the file is: the sample's own sections (kpi, objective, other, reflections,
# next_week, daily, last_week), a section of the team's layout or of the common headings
# (section), or text before any heading (loose).
TYPED = {"operations": "kpi", "objectives": "objective", "last_week": "last_week"}
TYPED |= {key: key for key in FREE_KEYS}
# Sections that hold the headings under them: an objective's sub-projects, a person's
# heading in a per-person section, a day of the daily notes.
HOLDERS = ("objective", "daily")
# Kinds whose unnamed sub-headings are more of the same ("## 本周工作" / "### 项目A").
INHERITED = (K.ITEMS, K.PLAN, K.RISKS, K.ACTIONS, K.EVENTS, K.KPIS)


@dataclass
class Part:
    kind: str  # kpi | objective | other | reflections | next_week | daily | last_week | section | loose
    line: Line | None
    objective: Objective | None = None
    lines: list[Line] = field(default_factory=list)
    level: int = 0
    heading: str = ""
    section_kind: str = K.TEXT
    key: str = ""


TITLE_WORDS = re.compile(
    r"周报|周会|汇报|纪要|例会|周记|weekly|\bweek\b|report|minutes|triage|\blog\b|status|"
    r"update|newsletter|digest|retro",
    re.IGNORECASE,
)
DATED_LINE_RE = re.compile(
    r"(?:^|\s|\*\*)(?:汇报|报告|提交|编写|填写)?(?:日期|时间)(?:\*\*)?\s*[:：]\s*(?:\*\*)?"
    r"(?P<date>[^\s*]+)|\b(?:report )?date(?:\*\*)?\s*:\s*(?:\*\*)?(?P<en>[^*]+?)\s*$",
    re.IGNORECASE,
)


class DateMissing(ReportFormatError):
    """The file names no date for its week: the caller can give one."""


def parse(
    source: str | bytes,
    *,
    tz: tzinfo,
    team: str = "",
    grades: tuple[str, ...] | None = None,
    groups: tuple[str, ...] | None = None,
    layout: Layout | None = None,
    file_name: str = "",
    report_date: date | None = None,
    week: int | None = None,
    week_of: Callable[[date], int] | None = None,
) -> ReportDocument:
    """The report a Markdown file states. ``tz``: the team's time zone, in which the
    clock times of its stability events are read (Django's default time zone).

    ``layout``: the team's sections, matched before the common headings. The date comes
    from ``report_date`` (``--date``), else the title, the front matter or ``file_name``;
    the week number from ``week``, else the title, else ``week_of(date)`` (the team's
    numbering; calendar weeks without it)."""
    if len(source) > limits.FILE_LIMIT:  # before anything is read line by line
        raise ReportFormatError(1, limits.file_too_large(len(source)))
    text = decode(source) if isinstance(source, bytes) else source
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ReportFormatError(line, rules.text_problem("\x00"))
    lines = split_lines(text)
    parser = _Parser(
        lines,
        team=team,
        tz=tz,
        layout=layout,
        file_name=file_name,
        report_date=report_date,
        week=week,
        week_of=week_of,
    )
    doc = parser.run()
    for problem in rules.problems(doc, tz=tz):  # the rules every door keeps
        raise ReportFormatError(parser.line_of(problem.part), problem.sentence())
    if grades:
        doc.incidents.grades = grades
    if groups:
        doc.incidents.groups = groups
    return doc


def detect_language(text: str) -> str:
    """Chinese when Chinese characters are at least a fifth of the letters: a Chinese
    report names many systems in English, an English one few people in Chinese."""
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return Language.ZH if cjk * 4 >= latin and cjk else Language.EN


class _Parser:
    def __init__(
        self,
        lines: list[Line],
        *,
        team: str,
        tz: tzinfo,
        layout: Layout | None = None,
        file_name: str = "",
        report_date: date | None = None,
        week: int | None = None,
        week_of: Callable[[date], int] | None = None,
    ):
        self.lines = lines
        self.team = team
        self.tz = tz
        self.layout = layout
        self.file_name = file_name
        self.given_date = report_date
        self.given_week = week
        self.week_of = week_of
        # What the importer had to interpret, and the part of the document it is about:
        # the notes name the part's section once the document is whole.
        self.notes: list[tuple[object, str]] = []
        self.lines_of: dict[int, int] = {}  # id of a part of the document -> its line
        self.title_line = 1
        self.yaml: list[Line] = []

    def at(self, part, line: Line):
        self.lines_of[id(part)] = line.number
        return part

    def line_of(self, part) -> int:
        """The line a part was read from; the title's for the report's own fields."""
        return self.lines_of.get(id(part), self.title_line)

    # -- top level ---------------------------------------------------------------------

    def run(self) -> ReportDocument:
        body = self.lines
        if not any(not ln.blank for ln in body):
            raise ReportFormatError(1, _("the file is empty"))
        front, body = self._front_matter(body)
        self.body = body
        first = next((ln for ln in body if not ln.blank), None)
        doc = self._document(first, front)
        start = body.index(first) + 1 if first is not None and self.title_consumed else 0
        parts = self._parts(body[start:], doc)
        self._fill(doc, parts)
        found = places.Places(doc)
        doc.import_notes = [places.placed(found.of(part), text) for part, text in self.notes]
        return doc

    def _front_matter(self, lines: list[Line]) -> tuple[list[Line], list[Line]]:
        """What stands above the title, kept as written: a YAML block opening the file
        (``---`` … ``---``), HTML comments."""
        first = next((i for i, ln in enumerate(lines) if not ln.blank), None)
        if first is None:
            return [], lines
        end = first
        if lines[first].text == "---" and not lines[first].indent:
            for i in range(first + 1, min(len(lines), first + 200)):
                if lines[i].text in ("---", "...") and not lines[i].indent:
                    if any(dt.FRONT_MATTER_LINE.match(ln.text) for ln in lines[first + 1 : i]):
                        end = i + 1
                        self.yaml = lines[first + 1 : i]
                    break
        while True:  # comments before the title
            nxt = next((i for i in range(end, len(lines)) if not lines[i].blank), None)
            if nxt is None or not lines[nxt].text.startswith("<!--"):
                break
            close = next(
                (i for i in range(nxt, min(len(lines), nxt + 50)) if "-->" in lines[i].text),
                None,
            )
            if close is None:
                break
            end = close + 1
        if end == first:
            return [], lines
        return lines[:end], lines[end:]

    def _document(self, first: Line | None, front: list[Line]) -> ReportDocument:
        """The report's own facts: its title, date, week and language."""
        all_text = "\n".join(ln.text for ln in self.lines)
        self.title_consumed = False
        title = ""
        level = 0
        canonical = None
        h = heading(first) if first is not None else None
        if h is not None and first is not None:
            canonical = self._title(first)
            if canonical is not None or self._is_title(h[1], h[0]):
                title, level = h[1], h[0]
                self.title_consumed = True
                self.title_line = first.number
        if canonical is not None and level == 1 and not front:
            language, number, day = canonical
            doc = ReportDocument(
                team=self.team, week_number=number, report_date=day, language=language
            )
            if self.given_week is not None:
                doc.week_number = self.given_week
            self.report_date = doc.report_date
            return doc
        fields = dt.front_matter_fields([ln.text for ln in self.yaml])
        fields.setdefault("date", self._dated_line(self.body))
        language = detect_language(all_text)
        day = self._report_date(title, fields, language)
        number = self.given_week or (canonical[1] if canonical else None)
        number = number or dt.week_in(title) or _int(fields.get("week"))
        if not number:
            number = self.week_of(day) if self.week_of else _calendar_week(day)
        doc = ReportDocument(team=self.team, week_number=number, report_date=day, language=language)
        doc.title, doc.title_level = title, level
        doc.front_matter = free_text(front)
        self.report_date = day
        return doc

    def _is_title(self, text: str, level: int) -> bool:
        """A first heading is the title unless it names a section."""
        if self._match(text) is not None or g.OBJECTIVE_RE.match(text):
            return False
        if dt.dates_in(text) or dt.week_in(text) or TITLE_WORDS.search(text):
            return True
        return guess_kind(text) is None and level == 1

    def _dated_line(self, body: list[Line]) -> str:
        """A "日期：2024-03-15" / "Date: …" line before the first section."""
        for line in body:
            if heading(line) and line.number != self.title_line:
                break
            m = DATED_LINE_RE.search(line.text)
            if m:
                return m["date"] or m["en"]
        return ""

    def _report_date(self, title: str, fields: dict[str, str], language: str) -> date:
        if self.given_date is not None:
            return self.given_date
        years = [
            d.year
            for d in (
                dt.report_date_in(fields.get("date", "")),
                dt.report_date_in(self.file_name),
            )
            if d is not None
        ]
        years += [y for y in (dt.year_in(fields.get("date", "")), dt.year_in(self.file_name)) if y]
        year = years[0] if years else None
        sources = (title, fields.get("date", ""), fields.get("title", ""), self.file_name)
        # A full date anywhere before a month and day without a year ("3-5 people" in a
        # title is no date when the front matter says 2024-03-08).
        for source in sources:
            day = dt.report_date_in(source)
            if day is not None:
                return day
        for source in sources:
            day = dt.report_date_in(source, year=year)
            if day is not None:
                return day
        # In the reader's language; an English file is answered in English.
        with override("en") if language == Language.EN else nullcontext():
            if any(dt.has_partial_date(t) for t in (title, fields.get("title", ""))):
                message = _(
                    "the title gives a month and day but no year: add the year to the title, "
                    "a “date:” line to the front matter or the date to the file name, or give "
                    "the report's date (--date YYYY-MM-DD on the command line)"
                )
            else:
                message = _(
                    "no date found for this report: write it in the title "
                    "(“# Weekly report 2024-03-08”), in front matter (“date: 2024-03-08”) or "
                    "in the file name (“2024-03-08.md”), or give the report's date "
                    "(--date YYYY-MM-DD on the command line)"
                )
            raise DateMissing(self.title_line, message)

    def _title(self, line: Line) -> tuple[str, int, date] | None:
        h = heading(line)
        if h is None:
            return None
        m = g.TITLE_RE.match(h[1])
        if not m:
            return None
        try:
            day = date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            raise ReportFormatError(line.number, _("the title's date does not exist")) from None
        language = "zh" if m["zh"] else "en"
        return language, int(m["zh"] or m["en"]), day

    def _match(self, text: str) -> LayoutSection | None:
        """The team's section a heading names; the sample's sections in any language."""
        if self.layout is not None:
            found = self.layout.match(text)
            if found is not None:
                return found
        for language in Language.values():
            found = default_layout(language).match(text)
            if found is not None and found.kind != K.OBJECTIVES:
                return found
        return None

    def _parts(self, lines: list[Line], doc: ReportDocument) -> list[Part]:
        parts: list[Part] = []
        current = Part("loose", None)
        header_zone = True
        objectives: dict[str, Objective] = {}
        fenced = sections.code_lines([" " * ln.indent + ln.text for ln in lines])
        for index, line in enumerate(lines):
            h = heading(line) if index not in fenced else None
            if header_zone and not h and g.WIKI_METADATA_RE.match(line.text):
                continue  # the wiki's "Created:" property is not part of the report
            if h is None:
                current.lines.append(line)
                continue
            level, text = h
            title = self._title(line)
            if title is not None and not doc.title:  # the sample's title, written again
                if title[1:] != (doc.week_number, doc.report_date):
                    raise ReportFormatError(
                        line.number, _("this title names a different week than the first one")
                    )
                continue  # the title repeated at the top of the page body
            part = self._part(line, level, text, current, parts, objectives)
            if part is None:
                current.lines.append(line)
                continue
            header_zone = False
            parts.append(current)
            current = part
        parts.append(current)
        return [p for p in parts if p.kind != "loose" or any(not ln.blank for ln in p.lines)]

    def _part(
        self,
        line: Line,
        level: int,
        text: str,
        current: Part,
        parts: list[Part],
        objectives: dict[str, Objective],
    ) -> Part | None:
        """The part a heading starts, or None when it belongs to the part it is in."""
        found = self._match(text)
        if found is not None and found.key and any(p.key == found.key for p in (*parts, current)):
            # A section of the layout headed a second time: the week holds one text per
            # such section, written under its heading, so this is a section of its own.
            found = None
        if current.kind in HOLDERS and level > current.level and found is None:
            return None  # a sub-project of an objective, a day of the daily notes
        if current.kind == "objective" and g.HEADING_ITEM_RE.match(text) and found is None:
            return None  # "## B. POS收单系统建设" under 【O2系统升级】
        if current.section_kind == K.PEOPLE and level > current.level and found is None:
            return None  # one person's heading
        if found is not None:
            kind = TYPED.get(found.key, "section")
            if kind not in ("section", "objective"):
                return Part(kind, line, level=level, heading=text, key=found.key)
            return Part(
                "section", line, level=level, heading=text, section_kind=found.kind, key=found.key
            )
        m = g.OBJECTIVE_RE.match(re.sub(r"\s+", " ", text))
        if m:
            code = m["code"]
            if code in objectives:
                raise ReportFormatError(
                    line.number, _("objective %(code)s appears twice") % {"code": code}
                )
            objective = objectives[code] = self.at(Objective(code=code, title=m["title"]), line)
            return Part("objective", line, objective=objective, level=level, heading=text)
        kind = guess_kind(text)
        if kind is None:
            parent = next((p for p in reversed([*parts, current]) if 0 < p.level < level), None)
            if parent is not None and parent.section_kind in INHERITED:
                kind = parent.section_kind
        return Part("section", line, level=level, heading=text, section_kind=kind or K.TEXT)

    def _fill(self, doc: ReportDocument, parts: list[Part]) -> None:
        """The document's content and its sections, in the order of the file."""
        outline: list[Section] = []
        for part in parts:
            text = ""
            if part.kind == "kpi":
                self._kpis(part.lines, doc)
            elif part.kind == "objective":
                assert part.objective is not None
                self._objective(part, doc)
                doc.objectives.append(part.objective)
                if any(s.kind == K.OBJECTIVES for s in outline):
                    continue
                outline.append(Section(K.OBJECTIVES, "", part.level, "objectives"))
                continue
            elif part.kind == "daily":
                lines, notes = split_daily(part.lines)
                doc.daily = join_paragraphs(doc.daily, free_text(lines))
                doc.daily_notes.extend(notes)
            elif part.kind in ("other", "reflections", "next_week"):
                setattr(
                    doc, part.kind, join_paragraphs(getattr(doc, part.kind), free_text(part.lines))
                )
            else:
                text = free_text(part.lines)
                self._read_section(part, text, doc)
            kind = {"kpi": K.KPIS, "daily": K.DAILY, "last_week": K.GROUP, "next_week": K.PLAN}
            section_kind = kind.get(part.kind, part.section_kind)
            if part.kind == "loose":
                outline.append(Section(K.TEXT, "", 0, "", text))
            else:
                outline.append(Section(section_kind, part.heading, part.level, part.key, text))
        _groups_and_tables(outline)
        # The sample's own layout, in its own words, is the document's default outline.
        doc.sections = [] if outline == default_outline(doc.language) else outline

    def _read_section(self, part: Part, text: str, doc: ReportDocument) -> None:
        """What a section in the team's own words states that the report keeps as figures:
        its KPIs and its events (the rest is read from its text when needed)."""
        if part.section_kind == K.KPIS:
            known = {k.name for k in doc.kpis}
            for kpi in sections.read_kpis(text):
                if kpi.name not in known and not rules.kpi_value_problem(kpi.value, kpi.unit):
                    doc.kpis.append(self.at(kpi, part.line) if part.line else kpi)
        elif part.section_kind == K.EVENTS:
            for event in sections.read_events(text, self.report_date, self.tz):
                doc.events.append(self.at(event, part.line) if part.line else event)

    # -- KPIs and incidents ------------------------------------------------------------

    def _kpis(self, lines: list[Line], doc: ReportDocument) -> None:
        kind = KpiKind.SUCCESS_RATE
        notes: list[Line] = []
        seen: set[str] = set()
        group_labels = {}
        for language in w.WORDING.values():
            for k, label in language.kpi_groups.items():
                group_labels[label.rstrip(":： ")] = k
        for line in lines:
            if line.blank:
                notes.append(line)
                continue
            bullet = BULLET_RE.match(line.text)
            content = bullet["content"] if bullet else line.text
            label = content.rstrip(":： ")
            if not bullet and content != label and label in group_labels:
                kind = group_labels[label]
                continue
            if g.is_incident_line(content):
                self._incidents(line, content, doc)
                continue
            m = g.KPI_RE.match(content)
            if not bullet or not m:
                notes.append(line)
                continue
            name = m["name"].strip()
            if name in seen:
                raise ReportFormatError(
                    line.number, _("KPI “%(name)s” appears twice") % {"name": name}
                )
            seen.add(name)
            value = Decimal(m["value"])
            unit = m["unit"] or ""
            if unit == "%" and not (0 <= value <= 100):
                raise ReportFormatError(
                    line.number,
                    _("“%(name)s” is %(value)s%%; a percentage is between 0 and 100")
                    % {"name": name, "value": m["value"]},
                )
            kpi = Kpi(
                name=name,
                value=value,
                unit=unit,
                kind=kind if kind in KpiKind.values() else guess_kpi_kind(name),
                note=m["note"].strip().lstrip("，,；;").strip(),
            )
            doc.kpis.append(self.at(kpi, line))
        doc.kpi_notes = free_text(notes)

    def _incidents(self, line: Line, content: str, doc: ReportDocument) -> None:
        rest = g.INCIDENTS_PREFIX_RE.sub("", content, count=1)
        groups: list[tuple[str, int]] = []
        while True:
            m = g.GROUP_COUNT_RE.match(rest)
            if not m:
                break
            groups.append((m["grades"] or m["grades_en"], int(m["count"] or m["count_en"])))
            rest = rest[m.end() :].lstrip().lstrip("，,、;；").lstrip()
        if not groups:
            raise ReportFormatError(
                line.number, _("could not read the incident counts, e.g. “事故数AB级0次，CD级1次”")
            )
        note = rest.strip()
        mentioned = {m["grade"]: int(m["count"]) for m in g.NOTE_GRADE_RE.finditer(note)}
        counts: dict[str, int] = {}
        notes: list[str] = []
        for grades, total in groups:
            if len(grades) == 1:
                counts[grades] = total
                continue
            named = {g: mentioned.get(g, 0) for g in grades}
            if sum(named.values()) == total:
                counts.update(named)
            else:
                counts.update({g: 0 for g in grades})
                counts[grades[0]] = total
                if total:
                    notes.append(
                        _(
                            "Incident counts: %(total)d incident(s) of grades %(grades)s could "
                            "not be split by grade; counted as grade %(first)s."
                        )
                        % {"total": total, "grades": grades, "first": grades[0]}
                    )
        doc.incidents = Incidents(
            counts=counts,
            note=note,
            grades=tuple(sorted(set(w_ for w_ in counts) | set(doc.incidents.grades))),
            groups=tuple(g for g, _n in groups if len(g) > 1),
        )
        self.notes.extend((doc.incidents, text) for text in notes)
        self.at(doc.incidents, line)

    # -- objectives, items, migration trackers and events ------------------------------

    def _objective(self, section: Section, doc: ReportDocument) -> None:
        objective = section.objective
        assert objective is not None
        segments: list[tuple[Line | None, list[Line]]] = [(None, [])]
        for line in section.lines:
            h = heading(line)
            if h and g.HEADING_ITEM_RE.match(h[1]):
                segments.append((line, []))
            else:
                segments[-1][1].append(line)
        head_lines = segments[0][1]
        root = build_tree(head_lines)
        objective.notes = paragraphs_text(root.paragraphs)
        objective.items = self._items(root.children, objective, doc)
        for head, seg_lines in segments[1:]:
            assert head is not None
            level, text = heading(head)  # type: ignore[misc]
            m = g.HEADING_ITEM_RE.match(text)
            assert m is not None
            tree = build_tree(seg_lines)
            item = Item(
                title=m["title"].strip(),
                marker=Marker.HEADING,
                label=m["label"],
                heading_level=level,
                body=paragraphs_text(tree.paragraphs),
                sep="",
            )
            self.at(item, head)
            item.children = self._items(tree.children, objective, doc, holder=item, depth=1)
            objective.items.append(item)

    def _items(
        self,
        nodes: list[Node],
        objective: Objective,
        doc: ReportDocument,
        holder: Item | None = None,
        depth: int = 0,
    ) -> list[Item]:
        items: list[Item] = []
        in_events = False
        for node in nodes:
            if depth >= rules.MAX_ITEM_DEPTH:  # before reading deeper: a list may nest far
                raise ReportFormatError(
                    node.lines[0].number,
                    _("Items nest at most %(depth)d deep.") % {"depth": rules.MAX_ITEM_DEPTH},
                )
            first = node.lines[0].text
            if g.is_events_item(first):
                objective.holds_events = True
                in_events = True
                for child in node.children:  # events written as sub-bullets
                    doc.events.append(self._event(child))
                continue
            if in_events and node.marker == Marker.BULLET:
                doc.events.append(self._event(node))
                continue
            in_events = False
            if holder is not None and holder.migration is None and g.is_headline(first):
                holder.migration = self._migration(node)
                continue
            items.append(self._item(node, objective, doc, depth))
        return items

    def _item(self, node: Node, objective: Objective, doc: ReportDocument, depth: int) -> Item:
        first = node.lines[0].text
        title, sep, body = g.split_item(first)
        lazy = [ln.text for ln in node.lines[1:]]
        if lazy:
            body = "\n".join([body, *lazy]) if body else "\n".join(lazy)
        item = Item(
            title=title,
            sep=sep,
            body=body,
            detail=paragraphs_text(node.paragraphs),
            marker=node.marker,
        )
        self.at(item, node.lines[0])
        text = f"{body}\n{item.detail}"
        pm = g.ITEM_PERCENT_RE.search(text)
        if pm and Decimal(pm.group(1)) <= 100:
            item.percent = Decimal(pm.group(1))
        item.status = guess_status(body)
        em = g.ITEM_ETA_RE.search(text)
        if em:
            item.eta = self._month_day(int(em.group(1)), int(em.group(2)), future=True)
        item.children = self._items(node.children, objective, doc, holder=item, depth=depth + 1)
        return item

    def _migration(self, node: Node) -> Migration:
        line = node.lines[0]
        headline = g.parse_headline(line.text)
        assert headline is not None
        name, overall, total, progress = headline
        stated = StatedMigration(overall_percent=overall, progress=progress, total=total)
        migration = Migration(name=name, stated=stated, headline_text=line.text)
        self.at(stated, line)
        summary = strip_bold(paragraphs_text(node.paragraphs))
        if summary:
            figures = g.parse_summary(summary)
            if figures:
                migration.summary_text = summary
                stated.developed = figures.get("developed")
                stated.not_started = figures.get("not_started")
                stated.in_production = figures.get("in_production")
                if stated.total is None:
                    stated.total = figures.get("total")
                elif figures.get("total") not in (None, stated.total):
                    raise ReportFormatError(
                        line.number + 1,
                        _("the summary states another total than the headline"),
                    )
            else:
                raise ReportFormatError(
                    node.paragraph_lines[0].number if node.paragraph_lines else line.number,
                    _("could not read the migration summary"),
                )
        for child in node.children:
            migration.categories.append(self._category(child))
        return migration

    def _category(self, node: Node) -> MigrationCategory:
        head = node.lines[0]
        heading = g.parse_category_heading(head.text)
        if heading is None:
            raise ReportFormatError(
                head.number,
                _(
                    "expected a migration category such as “【风控报表】【进度：业务验收投产中】，总计36个”"
                ),
            )
        name, stage, total = heading
        category = MigrationCategory(name=name, stage=stage, total=total, heading_text=head.text)
        self.at(category, head)
        texts = [ln.text for ln in node.lines[1:]] + [
            ln.text for para in node.paragraphs for ln in para
        ]
        counts_text = " ".join(t for t in texts if t)
        if counts_text:
            lineno = (node.lines[1:] or node.paragraph_lines or [head])[0].number
            try:
                g.parse_counts(counts_text, category)
            except ValueError as exc:
                raise ReportFormatError(lineno, str(exc)) from None
            category.counts_text = counts_text
        return category

    def _event(self, node: Node) -> StabilityEvent:
        head = node.lines[0]
        text = " ".join(ln.text for ln in node.lines)
        for child in node.children:  # "原因：…" written as a sub-bullet, for instance
            text += " " + " ".join(ln.text for n in walk(child) for ln in n.lines)
        extra = paragraphs_text(node.paragraphs)
        if extra:
            text = f"{text} {extra}"
        m = g.EVENT_HEAD_RE.match(text)
        if not m or not (1 <= int(m["m"]) <= 12):
            raise ReportFormatError(
                head.number,
                _("a stability event starts with its date, such as “5/15 7:38 …”"),
            )
        try:
            day = self._month_day(int(m["m"]), int(m["d"]), future=False)
        except ValueError:
            raise ReportFormatError(head.number, _("the event's date does not exist")) from None
        rest = m["rest"]
        cause = handling = ""
        cm = g.CAUSE_RE.search(rest)
        hm = g.HANDLING_RE.search(rest)
        cuts = sorted(x.start() for x in (cm, hm) if x)
        summary = rest[: cuts[0]].strip() if cuts else rest.strip()
        if cm:
            end = hm.start() if hm and hm.start() > cm.start() else len(rest)
            cause = rest[cm.end() : end].strip()
        if hm:
            end = cm.start() if cm and cm.start() > hm.start() else len(rest)
            handling = rest[hm.end() : end].strip()
        detection = ""
        dm = g.DETECTION_RE.match(summary)
        if dm:
            detection = dm["how"]
            summary = summary[dm.end() :].strip()
        event = StabilityEvent(
            date=day,
            summary=summary,
            detection=detection,
            cause=cause,
            handling=handling,
            time_text=m["words"] or "",
        )
        if m["h"]:
            hour, minute = int(m["h"]), int(m["min"])
            if hour > 23 or minute > 59:
                raise ReportFormatError(head.number, _("the event's time does not exist"))
            event.detected_at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)
        if event.detected_at is not None:
            event.recovered_at, afternoon = g.recovery_time(event.detected_at, handling)
            if afternoon:
                self.notes.append(
                    (
                        event,
                        _("%(event)s: recovery time %(time)s read as %(pm)s (after detection).")
                        % {"event": places.event_name(event), **afternoon},
                    )
                )
        if not detection and not cause:
            event.kind = event_kind(summary)
        return self.at(event, head)

    def _month_day(self, month: int, day: int, *, future: bool) -> date:
        """A "5/15" in the report: the year is the report's, or the adjacent one near New Year."""
        year = self.report_date.year
        candidate = date(year, month, day)
        if future and candidate < self.report_date - timedelta(days=183):
            candidate = date(year + 1, month, day)
        if not future and candidate > self.report_date + timedelta(days=183):
            candidate = date(year - 1, month, day)
        return candidate


# ---------------------------------------------------------------------------------------
# Block tree: list items with their nesting, continuation lines and paragraphs
# ---------------------------------------------------------------------------------------

BULLET_RE = re.compile(r"^(?P<mark>[-*+•])\s+(?P<content>.*)$")
NUMBER_RE = re.compile(r"^(?P<num>\d{1,3})[.、)）](?!\d)\s*(?P<content>.+)$")


@dataclass
class Node:
    marker: str
    indent: int
    lines: list[Line] = field(default_factory=list)  # the item line and lazy continuations
    paragraphs: list[list[Line]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)

    @property
    def paragraph_lines(self) -> list[Line]:
        return [ln for para in self.paragraphs for ln in para]


def walk(node: Node):
    """The node and everything under it, in order; without recursion, however deep."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def list_marker(line: Line) -> tuple[str, str] | None:
    m = BULLET_RE.match(line.text)
    if m:
        return Marker.BULLET, m["content"].strip()
    m = NUMBER_RE.match(line.text)
    if m:
        return Marker.NUMBER, m["content"].strip()
    return None


def build_tree(lines: list[Line]) -> Node:
    root = Node(marker="root", indent=-1)
    stack: list[Node] = []
    last: Node | None = None
    open_paragraph: list[Line] | None = None
    previous_blank = True
    for line in lines:
        if line.blank:
            previous_blank = True
            open_paragraph = None
            continue
        marker = list_marker(line)
        if marker:
            kind, content = marker
            while stack and stack[-1].indent >= line.indent:
                stack.pop()
            parent = stack[-1] if stack else root
            node = Node(kind, line.indent, [Line(line.number, line.indent, content)])
            parent.children.append(node)
            stack.append(node)
            last = node
            open_paragraph = None
        elif open_paragraph is not None:
            open_paragraph.append(line)
        elif not previous_blank and last is not None:
            last.lines.append(line)  # a lazy continuation of the item's own line
        else:
            owner = next((n for n in reversed(stack) if n.indent <= line.indent), None)
            if line.indent == 0 or owner is None:
                owner, stack, last = root, [], None
            open_paragraph = [line]
            owner.paragraphs.append(open_paragraph)
        previous_blank = False
    return root


# ---------------------------------------------------------------------------------------
# Small readers
# ---------------------------------------------------------------------------------------


def split_daily(lines: list[Line]) -> tuple[list[Line], list[DailyNote]]:
    """The 日报合集 section: free text, then the daily notes by day, as the renderer writes
    them. If anything under a day heading is not a note, the whole section stays as typed."""
    free: list[Line] = []
    notes: list[DailyNote] = []
    day: date | None = None
    for line in lines:
        h = heading(line)
        m = g.NOTE_DAY_RE.match(h[1]) if h else None
        if m:
            try:
                day = date.fromisoformat(m["day"])
            except ValueError:
                return lines, []
            continue
        if day is None:
            free.append(line)
            continue
        if line.blank:
            continue
        note = g.NOTE_RE.match(line.text)
        if note is None or line.indent:
            return lines, []
        notes.append(DailyNote(day=day, author=note["author"].strip(), text=note["text"].strip()))
    return free, notes


def free_text(lines: list[Line]) -> str:
    """Markdown kept as typed: relative indentation kept, blank runs folded, ends trimmed."""
    out: list[str] = []
    for line in lines:
        if line.blank:
            if out and out[-1] != "":
                out.append("")
            continue
        out.append(" " * line.indent + line.text)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


def paragraphs_text(paragraphs: list[list[Line]]) -> str:
    return "\n\n".join("\n".join(ln.text for ln in para) for para in paragraphs)


def join_paragraphs(first: str, second: str) -> str:
    return "\n\n".join(t for t in (first, second) if t)


def strip_bold(text: str) -> str:
    text = text.strip()
    if text.startswith("**") and text.endswith("**") and len(text) > 4:
        return text[2:-2].strip()
    return text


def guess_kpi_kind(name: str) -> str:
    if "可用" in name or "availability" in name.lower():
        return KpiKind.AVAILABILITY
    if "成功率" in name or "success" in name.lower():
        return KpiKind.SUCCESS_RATE
    return KpiKind.OTHER


def guess_status(body: str) -> str:
    head = body[:12]
    if re.match(r"^(?:已投产|已上线|已完成|上线完成|完成)", head):
        return ItemStatus.DONE
    if re.search(r"进行中|研发中|推进中|开发中|迭代中", body):
        return ItemStatus.IN_PROGRESS
    if re.search(r"待评审|待启动|计划", head):
        return ItemStatus.PLANNED
    return ItemStatus.NONE


def event_kind(summary: str) -> str:
    """A planned change names what was changed ("集群扩容"); anything else is an incident."""
    return EventKind.CHANGE if g.CHANGE_WORDS_RE.search(summary) else EventKind.INCIDENT


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _calendar_week(day: date) -> int:
    return week_number(day, WeekNumbering.CALENDAR)


def _groups_and_tables(outline: list[Section]) -> None:
    """A heading of the team's words with little under it but deeper headings holds them
    (a group: at most a short paragraph of its own); one with nothing under it but a table
    is a table."""
    for n, section in enumerate(outline):
        if section.key in TYPED or not section.level:
            continue
        following = outline[n + 1] if n + 1 < len(outline) else None
        lines = [ln for ln in section.text.split("\n") if ln.strip()]
        short = len(lines) <= 2 and not any(sections.LIST_RE.match(ln) for ln in lines)
        if short and following is not None and following.level > section.level:
            section.kind = K.GROUP
        elif section.kind == K.TEXT and _only_a_table(section.text):
            section.kind = K.TABLE


def _only_a_table(text: str) -> bool:
    tables = sections.read_tables(text)
    if len(tables) != 1:
        return False
    rows = [ln for ln in text.split("\n") if ln.strip()]
    return len(rows) - (len(tables[0].rows) + 2) <= 1  # a line of caption at most
