"""ReportDocument -> Markdown in the team's wiki layout. The one place a report is formatted.

The page template uses the line functions below (``kpi_line``, ``incident_line``,
``category_heading`` ...) so the HTML page and the ``.md`` download say the same thing in
the same words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from metrics.figures import percent
from reports.document import grammar as g
from reports.document import wording as w
from reports.document.grammar import (
    parse_category_heading,
    parse_counts_line,
    parse_headline,
    parse_summary,
    recovery_time,
)
from reports.document.layout import FREE_KEYS, TYPED_KEYS, outline
from reports.document.report import (
    Incidents,
    Item,
    Kpi,
    Migration,
    MigrationCategory,
    Objective,
    ReportDocument,
    Section,
    StabilityEvent,
    notes_by_day,
)
from reports.document.sections import kpi_name_of, read_events, read_kpis, zone_of
from reports.document.vocabulary import KpiKind, Marker, SectionKind

INDENT = 4


# ---------------------------------------------------------------------------------------
# Line functions (shared with the page)
# ---------------------------------------------------------------------------------------


def title_line(doc: ReportDocument) -> str:
    """The report's title: as the team wrote it, else the layout's."""
    return doc.title or w.wording(doc.language).week_title(doc.week_number, doc.report_date)


def content_title_line(doc: ReportDocument) -> str:
    return doc.title or w.wording(doc.language).content_week_title(doc.week_number, doc.report_date)


def kpi_line(kpi: Kpi, language: str) -> str:
    words = w.wording(language)
    value = f"{w.fmt_decimal(kpi.value)}{kpi.unit}" if kpi.value is not None else "—"
    text = f"{kpi.name}{words.colon}{value}"
    if kpi.note:
        text += kpi.note if kpi.note[0] in "（(" else f"{words.comma}{kpi.note}"
    return text


def incident_line(incidents: Incidents, language: str) -> str:
    words = w.wording(language)
    parts = [words.grade_count.format(grade=g, count=n) for g, n in incidents.grouped()]
    text = words.incidents_prefix + words.comma.join(parts)
    if incidents.note:
        text += words.comma + incidents.note
    return text


def objective_heading(objective: Objective, language: str) -> str:
    label = f"{objective.code} {objective.title}".strip()
    return w.wording(language).objective.format(label=label)


def item_heading(item: Item) -> str:
    return f"{item.label}. {item.title}" if item.label else item.title


def item_line(item: Item, language: str) -> str:
    """The item's own line: title, separator and the first line of its progress text."""
    first = item.body.split("\n", 1)[0] if item.body else ""
    text = item.title + (item.sep + first if (first or item.sep) else "")
    if item.percent is not None and not _mentions_percent(item):
        text += w.wording(language).item_percent.format(p=w.fmt_decimal(item.percent))
    return text


def _mentions_percent(item: Item) -> bool:
    for text in (item.body, item.detail):
        for m in g.ITEM_PERCENT_RE.finditer(text or ""):
            if Decimal(m.group(1)) == item.percent:
                return True
    return False


def headline_line(migration: Migration, language: str) -> str:
    stated = migration.stated
    if migration.headline_text:
        stated_facts = (migration.name, stated.overall_percent, stated.total, stated.progress)
        if parse_headline(migration.headline_text) == stated_facts:
            return migration.headline_text
    figures = migration.figures()
    words = w.wording(language)
    template = (
        words.headline if stated.overall_percent is not None else words.headline_progress_only
    )
    return template.format(
        name=migration.name,
        overall=w.fmt_decimal(stated.overall_percent),
        total=stated.total if stated.total is not None else figures.total,
        progress=w.fmt_decimal(
            stated.progress if stated.progress is not None else figures.weighted_progress
        ),
    )


def summary_line(migration: Migration, language: str) -> str:
    stated = migration.stated
    shown = shown_summary(migration)
    if migration.summary_text and parse_summary(migration.summary_text) == {
        k: v
        for k, v in {
            "total": stated.total,
            "developed": stated.developed,
            "not_started": stated.not_started,
            "in_production": stated.in_production,
        }.items()
        if v is not None
    }:
        return migration.summary_text
    values = {
        **shown,
        "developed_pct": percent(shown["developed"], shown["total"], places=0),
        "in_production_pct": percent(shown["in_production"], shown["total"], places=0),
    }
    if migration.summary_text:
        restated = restate_summary(migration.summary_text, values)
        if restated is not None:
            return restated
    return w.wording(language).summary.format(**values)


def restate_summary(text: str, values: dict) -> str | None:
    """The author's summary sentence with every figure in it replaced by ``values``.

    None when the sentence holds a number this does not know how to restate: better the
    canonical sentence than the author's with one stale figure left in it.
    """
    spans: list[tuple[int, int, str]] = []
    for pattern, keys in g.SUMMARY_RESTATE:
        m = pattern.search(text)
        if m is None:
            return None
        spans += [(m.start(i + 1), m.end(i + 1), str(values[k])) for i, k in enumerate(keys)]
    if len(re.findall(r"\d+", text)) != len(spans):
        return None
    for start, end, figure in sorted(spans, reverse=True):
        text = text[:start] + figure + text[end:]
    return text


def shown_summary(migration: Migration) -> dict[str, int]:
    """The summary figures a reader sees: as stated where stated, else as computed."""
    figures = migration.figures()
    stated = migration.stated
    return {
        "total": stated.total if stated.total is not None else figures.total,
        "developed": stated.developed if stated.developed is not None else figures.developed,
        "not_started": (
            stated.not_started if stated.not_started is not None else figures.not_started
        ),
        "in_production": (
            stated.in_production if stated.in_production is not None else figures.in_production
        ),
    }


def category_heading(category: MigrationCategory, language: str) -> str:
    if category.heading_text:
        facts = (category.name, category.stage, category.total)
        if parse_category_heading(category.heading_text) == facts:
            return category.heading_text
    return w.wording(language).category_heading.format(
        name=category.name, stage=category.stage, total=category.total
    )


def category_counts(category: MigrationCategory, language: str) -> str:
    if category.counts_text:
        parsed = parse_counts_line(category.counts_text, category.name)
        if parsed is not None and _same_counts(parsed, category):
            return category.counts_text
        restated = restate_counts(category.counts_text, category)
        if restated is not None:
            return restated
    words = w.wording(language)
    parts = [words.count_words["offline"].format(n=category.offline)]
    if category.paused:
        parts.append(words.count_words["paused"].format(n=category.paused))
    done = words.count_words["done"].format(n=category.done)
    if category.done_names:
        done += words.list_open + words.comma.join(category.done_names) + words.list_close
    parts.append(done)
    if category.in_progress:
        buckets = []
        for b in category.in_progress:
            p = w.fmt_decimal(b.percent)
            if b.label:
                buckets.append(words.named_bucket.format(label=b.label, percent=p))
            else:
                buckets.append(words.unnamed_bucket.format(count=b.count, percent=p))
        parts.append(
            words.count_words["in_progress"].format(n=category.in_progress_count)
            + words.list_open
            + words.comma.join(buckets)
            + words.list_close
        )
    parts.append(words.count_words["not_started"].format(n=category.not_started))
    return words.comma.join(parts) + words.full_stop


def restate_counts(text: str, category: MigrationCategory) -> str | None:
    """The author's counts line with its top-level counts replaced by the category's.

    Only when what stands in brackets (the names of finished reports, the progress rows)
    is unchanged, and only if the result reads back as exactly the category's counts.
    """
    parsed = parse_counts_line(text, category.name)
    if parsed is None or (parsed.done_names, parsed.in_progress) != (
        category.done_names,
        category.in_progress,
    ):
        return None
    values = {
        "offline": category.offline,
        "paused": category.paused,
        "done": category.done,
        "in_progress": category.in_progress_count,
        "not_started": category.not_started,
    }

    def figure(m: re.Match) -> str:
        before = text[: m.start()]
        if before.count("（") + before.count("(") > before.count("）") + before.count(")"):
            return m.group(0)  # inside brackets: a progress row, not a count
        field = g.COUNT_FIELDS[m["word"].lower()]
        return m.group(0)[: m.start("n") - m.start()] + str(values[field])

    restated = g.COUNT_WORD_RE.sub(figure, text)
    check = parse_counts_line(restated, category.name)
    return restated if check is not None and _same_counts(check, category) else None


def _same_counts(parsed: MigrationCategory, category: MigrationCategory) -> bool:
    keys = ("offline", "paused", "done", "done_names", "in_progress", "not_started")
    return all(getattr(parsed, k) == getattr(category, k) for k in keys)


def event_line(event: StabilityEvent) -> str:
    when = w.fmt_month_day(event.date)
    if event.detected_at is not None:
        when += " " + w.fmt_clock(event.detected_at.hour, event.detected_at.minute)
    elif event.time_text:
        when += " " + event.time_text
    return f"{when} {event.detection}{event.summary}".strip()


def event_detail_line(event: StabilityEvent, language: str) -> str:
    words = w.wording(language)
    handling = event.handling
    if event.recovered_at is not None:
        clock = w.fmt_clock(event.recovered_at.hour, event.recovered_at.minute)
        stated = recovery_time(event.detected_at, handling)[0] if event.detected_at else None
        if stated != event.recovered_at:
            recovered = words.recovered.format(time=clock)
            handling = f"{handling}{words.comma}{recovered}" if handling else recovered
    parts = []
    if event.cause:
        parts.append(words.cause + event.cause)
    if handling:
        parts.append(words.handling + handling)
    return " ".join(parts)


# ---------------------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------------------


class _Out:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def block(self, lines: list[str]) -> None:
        if not lines:
            return
        if self.lines and self.lines[-1] != "":
            self.lines.append("")
        self.lines.extend(lines)

    def text(self) -> str:
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


def render_markdown(doc: ReportDocument, charts: Sequence[tuple[str, str]] = ()) -> str:
    """The report in its team's layout and words; ``charts`` (title, relative path of an
    SVG) are linked as images at the end of the metrics section."""
    out = _Out()
    _head(out, doc)
    sections = outline(doc)
    placed = _Placed(doc, sections)
    for section in sections:
        _section(out, doc, section, placed, charts)
    return out.text()


def _head(out: _Out, doc: ReportDocument) -> None:
    """The front matter and the title."""
    if doc.front_matter:
        out.block(doc.front_matter.split("\n"))
    if doc.title:
        out.block(["#" * doc.title_level + " " + doc.title])
    elif doc.title_level:
        words = w.wording(doc.language)
        out.block([f"# {words.week_title(doc.week_number, doc.report_date)}"])
        out.block([f"# {words.content_week_title(doc.week_number, doc.report_date)}"])


def render_parts(doc: ReportDocument) -> list[tuple[Section | None, list[str]]]:
    """The report's Markdown cut where each section starts: the front matter and title
    (``None``), then every section of ``outline(doc)`` with the lines it writes (none for
    a section that writes nothing). ``join_parts`` puts them together again as
    ``render_markdown`` writes them, so one part can be replaced by other Markdown."""
    head = _Out()
    _head(head, doc)
    parts: list[tuple[Section | None, list[str]]] = [(None, head.lines)]
    sections = outline(doc)
    placed = _Placed(doc, sections)
    for section in sections:
        out = _Out()
        _section(out, doc, section, placed, ())
        parts.append((section, out.lines))
    return parts


def join_parts(parts: Sequence[list[str]]) -> str:
    """Parts of a report (``render_parts``' lines) as one Markdown text, a blank line
    between them as between the blocks of ``render_markdown``."""
    out = _Out()
    for lines in parts:
        out.block(lines)
    return out.text()


class _Placed:
    """Where the figures kept outside any one section's text are written: the events
    (in an events section of the team's words, under an objective, or in the metrics),
    and the charts (after the first metrics section)."""

    def __init__(self, doc: ReportDocument, sections: list[Section]):
        events = [s for s in sections if s.kind == SectionKind.EVENTS and s.key not in TYPED_KEYS]
        self.events_section = events[0] if events else None
        # While the events sections in the team's words list exactly the report's events,
        # each is written as it is; once they differ, the first lists them all.
        listed = [e for s in events for e in read_events(s.text, doc.report_date, zone_of(doc))]
        self.events_as_written = listed == doc.events
        self.holder = None if self.events_section else events_holder(doc)
        self.charts_written = False
        # A KPI no section's text names is added to the first metrics section in the
        # team's words (when the sample's operations section is not there to hold it).
        metrics = [s for s in sections if s.kind == SectionKind.KPIS and s.key not in TYPED_KEYS]
        named = {k.name for s in metrics for k in read_kpis(s.text)}
        typed = any(s.key == "operations" for s in sections)
        self.kpis_section = metrics[0] if metrics and not typed else None
        self.missing_kpis = [k for k in doc.kpis if k.name not in named]


def placed(doc: ReportDocument) -> _Placed:
    return _Placed(doc, outline(doc))


def section_text(doc: ReportDocument, section: Section, placed: _Placed | None = None) -> str:
    """A section in the team's words as the report writes it: its Markdown, with the
    KPIs and events the report holds restated where they changed."""
    placed = placed or _Placed(doc, outline(doc))
    if section.kind == SectionKind.KPIS and section.key not in TYPED_KEYS:
        missing = placed.missing_kpis if section is placed.kpis_section else []
        return restate_kpis(section.text, doc.kpis, doc.language, missing)
    if section.kind == SectionKind.EVENTS and section.key not in TYPED_KEYS:
        if placed.events_as_written:
            return section.text
        if section is placed.events_section:
            return restate_events(section.text, doc)
        return _without_events(section.text, doc)
    return section.text


def _section(
    out: _Out,
    doc: ReportDocument,
    section: Section,
    placed: _Placed,
    charts: Sequence[tuple[str, str]],
) -> None:
    words = w.wording(doc.language)
    if section.kind == SectionKind.OBJECTIVES and section.key == "objectives":
        for objective in doc.objectives:
            out.block(["#" * section.level + f" {objective_heading(objective, doc.language)}"])
            _objective(out, objective, doc, holds_events=objective is placed.holder)
        return
    if section.level:
        out.block(["#" * section.level + " " + section.heading])
    if section.key == "operations":
        _operations(out, doc, () if placed.charts_written else charts, placed)
        placed.charts_written = True
    elif section.key in FREE_KEYS:
        out.block(_paragraph_lines(getattr(doc, section.key), 0))
        if section.key == "daily":
            for day, people in notes_by_day(doc.daily_notes):
                out.block([f"### {note_day_heading(day, doc.language)}"])
                out.block(
                    [f"- {author}{words.colon}{text}" for author, texts in people for text in texts]
                )
    else:
        out.block(_paragraph_lines(section_text(doc, section, placed), 0))
        if section.kind == SectionKind.KPIS and not placed.charts_written:
            out.block([f"![{title}]({path})" for title, path in charts])
            placed.charts_written = True


def restate_kpis(text: str, kpis: Sequence[Kpi], language: str, missing: Sequence[Kpi] = ()) -> str:
    """A metrics section in the team's words, saying the KPIs' current values: a value
    that changed is replaced where the text states it; ``missing`` KPIs (named by no
    section) are added as lines of their own."""
    stated = {k.name: k for k in read_kpis(text)}
    current = {k.name: k for k in kpis}
    lines = text.split("\n") if text else []
    for name, kpi in current.items():
        old = stated.get(name)
        if old is None or kpi.value is None or (old.value, old.unit) == (kpi.value, kpi.unit):
            continue
        value = w.fmt_decimal(kpi.value)
        for i, line in enumerate(lines):
            # The line that states this KPI: its name exactly, as read_kpis reads it.
            if kpi_name_of(line) == name and w.fmt_decimal(old.value) in line:
                at = line.index(name.split(" ")[-1]) + len(name.split(" ")[-1])
                rest = line[at:].replace(w.fmt_decimal(old.value), value, 1)
                lines[i] = line[:at] + rest
                break
    if missing:
        if lines:
            lines.append("")
        lines.extend(f"- {kpi_line(k, language)}" for k in missing)
    return "\n".join(lines)


def restate_events(text: str, doc: ReportDocument) -> str:
    """An incidents section in the team's words listing the report's events again, after
    the section's other text (once what the sections list differs from the events): an
    event the text already lists is written as the author wrote it, with the lines under
    it; a new or changed one in the layout's words."""
    others, blocks = _event_blocks(text, doc)
    lines: list[str] = []
    for event in doc.events:
        found = next((n for n, (listed, _) in enumerate(blocks) if listed == event), None)
        if found is not None:
            lines.extend(blocks.pop(found)[1])
            continue
        lines.append(f"- {event_line(event)}")
        detail = event_detail_line(event, doc.language)
        if detail:
            lines.append(f"  {detail}")
    return "\n".join(t for t in (_without_events(text, doc), "\n".join(lines)) if t)


def _event_blocks(text: str, doc: ReportDocument):
    """The text's event entries, each with the lines under it, and the rest."""
    blocks: list[tuple[StabilityEvent, list[str]]] = []
    others: list[str] = []
    inside: int | None = None
    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        if inside is not None and (not line.strip() or indent > inside):
            if line.strip():
                blocks[-1][1].append(line)
            continue
        inside = None
        events = read_events(line, doc.report_date, zone_of(doc))
        if events:
            inside = indent
            blocks.append((events[0], [line]))
            continue
        others.append(line)
    return others, blocks


def _without_events(text: str, doc: ReportDocument) -> str:
    """The text with its event entries taken out, each with the lines under it (its
    cause and handling written as sub-bullets go with it)."""
    others, _blocks = _event_blocks(text, doc)
    return "\n".join(others).strip("\n")


def note_day_heading(day, language: str) -> str:
    return f"{day.isoformat()} {w.wording(language).weekdays[day.weekday()]}"


def events_holder(doc: ReportDocument) -> Objective | None:
    """The objective under which the stability events are listed."""
    for objective in doc.objectives:
        if objective.holds_events:
            return objective
    if doc.events and doc.objectives:
        return doc.objectives[-1]
    return None


def operation_rows(doc: ReportDocument) -> list[tuple[str, list[tuple[str, str]]]]:
    """The operations-data section: each KPI group's label and its lines, in order, each
    line with where its value came from ("" when typed by a person)."""
    words = w.wording(doc.language)
    groups = []
    for kind in KpiKind:
        lines = [(kpi_line(k, doc.language), k.source) for k in doc.kpis if k.kind == kind]
        if kind == KpiKind.AVAILABILITY and (doc.incidents.counts or doc.incidents.note):
            lines.append((incident_line(doc.incidents, doc.language), ""))
        if lines:
            groups.append((words.kpi_groups[kind], lines))
    return groups


def operation_groups(doc: ReportDocument) -> list[tuple[str, list[str]]]:
    """The operations-data section as the Markdown writes it: labels and lines."""
    return [(label, [line for line, _ in rows]) for label, rows in operation_rows(doc)]


def objective_blocks(objective: Objective) -> list[tuple[str, list[Item]]]:
    """An objective's items as the report lays them out: runs of list items, and the
    lettered sub-projects written as headings ("### A. 支付账户2.0升级")."""
    blocks: list[tuple[str, list[Item]]] = []
    for item in objective.items:
        if item.marker == Marker.HEADING:
            blocks.append(("heading", [item]))
        elif blocks and blocks[-1][0] == "list":
            blocks[-1][1].append(item)
        else:
            blocks.append(("list", [item]))
    return blocks


def _operations(
    out: _Out,
    doc: ReportDocument,
    charts: Sequence[tuple[str, str]] = (),
    placed: _Placed | None = None,
) -> None:
    words = w.wording(doc.language)
    for label, lines in operation_groups(doc):
        out.block([label])
        out.block([f"- {line}" for line in lines])
    out.block(_paragraph_lines(doc.kpi_notes, 0))
    out.block([f"![{title}]({path})" for title, path in charts])
    if doc.events and not doc.objectives and (placed is None or placed.events_section is None):
        out.block([words.events_item])
        out.block(_event_lines(doc, 0))


def _objective(out: _Out, objective: Objective, doc: ReportDocument, holds_events: bool) -> None:
    out.block(_paragraph_lines(objective.notes, 0))
    listed: list[str] = []
    number = 0
    for kind, items in objective_blocks(objective):
        if kind == "heading":
            out.block(listed)
            listed = []
            _heading_item(out, items[0], doc)
            continue
        for item in items:
            if item.marker == Marker.NUMBER:
                number += 1
            listed.extend(_item_lines(item, number, 0, doc))
    if holds_events:
        numbered = any(i.marker == Marker.NUMBER for i in objective.items)
        words = w.wording(doc.language)
        marker = f"{number + 1}. " if numbered else "- "
        listed.append(marker + words.events_item)
        listed.extend(_event_lines(doc, INDENT))
    out.block(listed)


def _heading_item(out: _Out, item: Item, doc: ReportDocument) -> None:
    out.block(["#" * item.heading_level + " " + item_heading(item)])
    out.block(_paragraph_lines(item.body, 0))
    if item.detail:
        out.block(_paragraph_lines(item.detail, 0))
    if item.migration is not None:
        out.block(_migration_lines(item.migration, 0, doc.language))
    out.block(_children_lines(item.children, 0, doc))


def _children_lines(children: list[Item], indent: int, doc: ReportDocument) -> list[str]:
    lines: list[str] = []
    number = 0
    for child in children:
        if child.marker == Marker.NUMBER:
            number += 1
        lines.extend(_item_lines(child, number, indent, doc))
    return lines


def _item_lines(item: Item, number: int, indent: int, doc: ReportDocument) -> list[str]:
    pad = " " * indent
    inner = " " * (indent + INDENT)
    marker = f"{number}. " if item.marker == Marker.NUMBER else "- "
    if item.marker == Marker.HEADING:  # a lettered heading nested in a list: write as bullet
        marker = "- "
    lines = [pad + marker + item_line(item, doc.language)]
    lines.extend(inner + ln for ln in item.body.split("\n")[1:] if ln.strip())
    if item.detail:
        lines.append("")
        lines.extend(_paragraph_lines(item.detail, indent + INDENT))
    if item.migration is not None:
        lines.append("")
        lines.extend(_migration_lines(item.migration, indent + INDENT, doc.language))
    if item.children:
        if item.detail or item.migration is not None:
            lines.append("")
        lines.extend(_children_lines(item.children, indent + INDENT, doc))
    return lines


def _migration_lines(migration: Migration, indent: int, language: str) -> list[str]:
    pad = " " * indent
    inner = " " * (indent + INDENT)
    deeper = " " * (indent + 2 * INDENT)
    lines = [f"{pad}- {headline_line(migration, language)}", ""]
    lines.append(f"{inner}**{summary_line(migration, language)}**")
    for number, category in enumerate(migration.categories, start=1):
        lines.extend(["", f"{inner}{number}. {category_heading(category, language)}"])
        lines.extend(["", f"{deeper}{category_counts(category, language)}"])
    return lines


def _event_lines(doc: ReportDocument, indent: int) -> list[str]:
    pad = " " * indent
    lines = []
    for event in doc.events:
        lines.append(f"{pad}- {event_line(event)}")
        detail = event_detail_line(event, doc.language)
        if detail:
            lines.append(f"{pad}  {detail}")
    return lines


def _paragraph_lines(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return [pad + ln if ln.strip() else "" for ln in text.split("\n")] if text else []
