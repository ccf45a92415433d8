"""A report document as JSON and back: the ``.json`` export, the API's documents.

``render_json`` writes every structured field with plain keys, and the derived figures
beside them. ``document_from_json`` reads that layout back (docs/format.md); computed parts
(``misses_target``, ``incidents.grouped`` and ``total``, a tracker's ``computed`` figures,
``warnings``, ``duration_minutes``) are ignored, since the document derives them. Numbers
may be JSON numbers or strings; they are read as decimals from their text, so 99.90 stays
99.90 when sent as a string. Anything malformed raises ``JsonFormatError`` naming the
field, e.g. ``kpis[1].value``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from reports.document import limits, rules
from reports.document import report as d
from reports.document import sections as sx
from reports.document import vocabulary as v
from reports.document.carryover import plan_lines
from reports.document.consistency import report_warnings
from reports.document.layout import (
    FREE_KEYS,
    TYPED_KEYS,
    default_outline,
    outline,
    section_body,
)

# What the database columns hold: a whole number of 32 bits. What else a document may
# hold is ``rules``' to say, as for every other door.
MAX_INTEGER = 2**31 - 1
MAX_ITEM_DEPTH = rules.MAX_ITEM_DEPTH


class JsonFormatError(ValueError):
    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class _Reader:
    def __init__(self, data: Any, path: str = ""):
        self.data = data
        self.path = path

    def _at(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def obj(self, key: str, required: bool = False) -> _Reader:
        value = self.data.get(key) if isinstance(self.data, dict) else None
        if value is None:
            if required:
                raise JsonFormatError(self._at(key), "is required")
            return _Reader({}, self._at(key))
        if not isinstance(value, dict):
            raise JsonFormatError(self._at(key), "must be an object")
        return _Reader(value, self._at(key))

    def items(self, key: str) -> list[_Reader]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise JsonFormatError(self._at(key), "must be a list")
        out = []
        for n, entry in enumerate(value):
            reader = _Reader(entry, f"{self._at(key)}[{n}]")
            if not isinstance(entry, dict):
                raise JsonFormatError(reader.path, "must be an object")
            out.append(reader)
        return out

    def raw(self, key: str) -> Any:
        return self.data.get(key)

    def text(
        self, key: str, default: str = "", required: bool = False, limit: int = limits.TEXT_LIMIT
    ):
        value = self.data.get(key)
        if value is None:
            if required:
                raise JsonFormatError(self._at(key), "is required")
            return default
        if not isinstance(value, str):
            raise JsonFormatError(self._at(key), "must be a string")
        if required and not value.strip():
            raise JsonFormatError(self._at(key), "must not be empty")
        if len(value) > limit:
            raise JsonFormatError(self._at(key), rules.text_problem(value, limit))
        return value

    def line(self, key: str, default: str = "", required: bool = False) -> str:
        """A one-line field, on one line as the layout writes it (``rules.one_line``);
        its length is the rules' to check."""
        return rules.one_line(self.text(key, default, required=required))

    def choice(self, key: str, choices, default: str) -> str:
        value = self.text(key, default)
        if value not in choices:
            raise JsonFormatError(self._at(key), f"must be one of {', '.join(map(repr, choices))}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise JsonFormatError(self._at(key), "must be true or false")
        return value

    def integer(self, key: str, default: int | None = 0, minimum: int = 0) -> int | None:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise JsonFormatError(self._at(key), "must be a whole number")
        if not minimum <= value <= MAX_INTEGER:
            raise JsonFormatError(self._at(key), f"must be between {minimum} and {MAX_INTEGER}")
        return value

    def strings(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise JsonFormatError(self._at(key), "must be a list of strings")
        return [rules.one_line(v) for v in value]

    def decimal(self, key: str, low=None, high=None) -> Decimal | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        try:
            number = parse_decimal(value)
        except ValueError as exc:
            raise JsonFormatError(self._at(key), str(exc)) from None
        if (low is not None and number < low) or (high is not None and number > high):
            raise JsonFormatError(self._at(key), f"must be between {low} and {high}")
        return number

    def day(self, key: str, required: bool = False) -> date | None:
        value = self.text(key, required=required)
        if not value:
            return None
        if not re.fullmatch(rules.DAY_PATTERN, value):
            raise JsonFormatError(self._at(key), "must be a date, YYYY-MM-DD")
        return _parse(self._at(key), date.fromisoformat, value, "must be a date, YYYY-MM-DD")

    def moment(self, key: str, tz: tzinfo) -> datetime | None:
        value = self.text(key)
        if not value:
            return None
        if not _MOMENT.fullmatch(value):  # a date alone, or a week date, is not a time
            raise JsonFormatError(self._at(key), "must be a date and time, ISO 8601")
        moment = _parse(
            self._at(key), datetime.fromisoformat, value, "must be a date and time, ISO 8601"
        )
        return moment if moment.tzinfo else moment.replace(tzinfo=tz)


# The layout's dates and times, as the export writes them (docs/format.md).
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?")


def parse_decimal(value) -> Decimal:
    """A JSON number or numeric string as a decimal with the digits it was written with;
    ValueError when it is not one, or too big or too fine to store."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("must be a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("must be a number") from None
    problem = rules.number_problem(number, places=rules.KPI_PLACES)
    if problem:
        raise ValueError(problem)
    return number


def _parse(path: str, parser: Callable, value: str, message: str):
    try:
        return parser(value)
    except ValueError:
        raise JsonFormatError(path, message) from None


def document_from_json(data: Any, *, team: str, tz: tzinfo) -> d.ReportDocument:
    """The document a JSON object states; ``tz`` reads times given without an offset.
    ``JsonFormatError`` names the first field that is not as documented."""
    if not isinstance(data, dict):
        raise JsonFormatError("(document)", "must be a JSON object")
    top = _Reader(data)
    report_date = top.day("report_date", required=True)
    week_number = top.integer("week_number", default=None, minimum=1)
    if week_number is None:
        raise JsonFormatError("week_number", "is required")
    doc = d.ReportDocument(
        team=team,
        week_number=week_number,
        report_date=report_date,
        status=top.choice("status", v.ReportStatus.values(), v.ReportStatus.DRAFT),
        language=top.choice("language", v.Language.values(), v.Language.ZH),
        kpi_notes=top.text("kpi_notes"),
        other=top.text("other"),
        reflections=top.text("reflections"),
        next_week=top.text("next_week"),
        daily=top.text("daily"),
    )
    doc.kpis = [_kpi(k) for k in top.items("kpis")]
    incidents = top.obj("incidents")
    counts = incidents.obj("counts")
    doc.incidents = d.Incidents(
        counts={g: counts.integer(g) for g in counts.data}, note=incidents.line("note")
    )
    doc.objectives = [_objective(o) for o in top.items("objectives")]
    migrations = top.items("migrations")
    _attach_migrations(doc, migrations)
    doc.events = [_event(e, tz) for e in top.items("events")]
    doc.daily_notes = [
        d.DailyNote(
            day=n.day("day", required=True),
            author=n.line("author", required=True),
            text=n.line("text", required=True),
        )
        for n in top.items("daily_notes")
    ]
    doc.plan_review = [
        d.PlanLine(
            text=p.line("text", required=True),
            outcome=p.choice("outcome", v.PlanOutcome.values(), v.PlanOutcome.UNMARKED),
        )
        for p in top.items("plan_review")
    ]
    doc.title = top.line("title")
    doc.title_level = top.integer("title_level", default=1) or 0
    doc.front_matter = top.text("front_matter")
    sections = top.items("sections")
    doc.sections = [_section(s) for s in sections]
    for sent in sections:  # the free texts of the sample's layout, sent in their section
        key = sent.data.get("key")
        if key in FREE_KEYS and top.data.get(key) is None:
            setattr(doc, key, sent.text("text"))
    if doc.sections == default_outline(doc.language):
        doc.sections = []
    for problem in rules.problems(doc, tz=tz):
        sent = [rules.one_line(str(m.data.get("name") or "")) for m in migrations]
        raise JsonFormatError(_as_sent(problem.path, doc, sent), problem.message)
    return doc


def _as_sent(path: str, doc: d.ReportDocument, sent: list) -> str:
    """``path`` with the tracker counted as the sender listed it in ``migrations[]`` (the
    rules count trackers in the order of the items)."""
    m = re.match(r"migrations\[(\d+)\]", path)
    if m is None:
        return path
    name = list(doc.migrations())[int(m[1])][2].name
    return f"migrations[{sent.index(name)}]{path[m.end() :]}" if name in sent else path


def _section(s: _Reader) -> d.Section:
    """A section: its place and words; the sample's kinds take their facts from the
    report's typed fields (``kpis``, ``objectives`` …), any other states them in
    ``text`` (entries sent without it are written as a list)."""
    text = s.text("text")
    entries = s.items("entries")
    if not text and entries:
        text = "\n".join(f"- {e.line('text', required=True)}" for e in entries)
    return d.Section(
        kind=s.choice("kind", v.SectionKind.values(), v.SectionKind.TEXT),
        heading=s.line("heading"),
        level=s.integer("level", default=2) or 0,
        key=s.line("key"),
        text="" if s.data.get("key") in TYPED_KEYS else text,
    )


def _kpi(k: _Reader) -> d.Kpi:
    return d.Kpi(
        name=k.line("name", required=True),
        value=k.decimal("value"),
        unit=k.line("unit", "%"),
        kind=k.choice("kind", v.KpiKind.values(), v.KpiKind.SUCCESS_RATE),
        note=k.line("note"),
        target=k.decimal("target"),
        higher_is_better=k.boolean("higher_is_better", True),
        source=k.choice("source", v.KpiSource.values(), v.KpiSource.TYPED),
    )


def _objective(o: _Reader) -> d.Objective:
    return d.Objective(
        code=o.line("code", required=True),
        title=o.line("title"),
        notes=o.text("notes"),
        holds_events=o.boolean("holds_events", False),
        items=[_item(i) for i in o.items("items")],
    )


def _item(i: _Reader, depth: int = 0) -> d.Item:
    if depth >= MAX_ITEM_DEPTH:
        raise JsonFormatError(
            i.path, _("Items nest at most %(depth)d deep.") % {"depth": MAX_ITEM_DEPTH}
        )
    item = d.Item(
        title=i.line("title", required=True),
        label=i.line("label"),
        marker=i.choice("marker", v.Marker.values(), v.Marker.BULLET),
        body=i.text("body"),
        detail=i.text("detail"),
        percent=i.decimal("percent"),
        status=i.choice("status", v.ItemStatus.values(), v.ItemStatus.NONE),
        eta=i.day("eta"),
        children=[_item(c, depth + 1) for c in i.items("children")],
    )
    name = i.line("migration")
    if name:
        item.migration = d.Migration(name=name)
    return item


def _attach_migrations(doc: d.ReportDocument, entries: list[_Reader]) -> None:
    by_name = {item.migration.name: item for item in doc.items() if item.migration}
    for entry in entries:
        name = entry.line("name", required=True)
        item = by_name.get(name)
        if item is None:
            raise JsonFormatError(
                f"{entry.path}.name", "names no item's migration (items[].migration)"
            )
        stated = entry.obj("stated")
        item.migration.stated = d.StatedMigration(
            overall_percent=stated.decimal("overall_percent"),
            progress=stated.decimal("progress"),
            total=stated.integer("total", default=None),
            developed=stated.integer("developed", default=None),
            not_started=stated.integer("not_started", default=None),
            in_production=stated.integer("in_production", default=None),
        )
        item.migration.categories = [_category(c) for c in entry.items("categories")]


def _category(c: _Reader) -> d.MigrationCategory:
    return d.MigrationCategory(
        name=c.line("name", required=True),
        stage=c.line("stage"),
        total=c.integer("total"),
        offline=c.integer("offline"),
        paused=c.integer("paused"),
        done=c.integer("done"),
        done_names=c.strings("done_names"),
        not_started=c.integer("not_started"),
        in_progress=[
            d.ProgressBucket(
                percent=b.decimal("percent") or Decimal(0),
                label=b.line("label"),
                count=b.integer("count", default=1, minimum=1),
            )
            for b in c.items("progress")
        ],
    )


def _event(e: _Reader, tz: tzinfo) -> d.StabilityEvent:
    return d.StabilityEvent(
        date=e.day("date", required=True),
        summary=e.text("summary", required=True),
        detected_at=e.moment("detected_at", tz),
        recovered_at=e.moment("recovered_at", tz),
        time_text=e.line("time_text"),
        detection=e.line("detection"),
        cause=e.text("cause"),
        handling=e.text("handling"),
        kind=e.choice("kind", v.EventKind.values(), v.EventKind.INCIDENT),
        grade=e.line("grade"),
    )


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------


def render_json(doc: d.ReportDocument) -> dict:
    """Every structured field with plain keys; the layout is documented in docs/format.md."""
    return {
        "team": doc.team,
        "week_number": doc.week_number,
        "report_date": doc.report_date.isoformat(),
        "status": doc.status,
        "language": doc.language,
        "title": doc.title,
        "title_level": doc.title_level,
        "front_matter": doc.front_matter,
        "sections": [_section_json(doc, s) for s in outline(doc)],
        "kpis": [_kpi_json(k) for k in doc.kpis],
        "incidents": _incidents_json(doc.incidents),
        "kpi_notes": doc.kpi_notes,
        "objectives": [
            {
                "code": o.code,
                "title": o.title,
                "notes": o.notes,
                "holds_events": o.holds_events,
                "items": [_item_json(i) for i in o.items],
            }
            for o in doc.objectives
        ],
        "migrations": [
            _migration_json(objective, item, migration)
            for objective, item, migration in doc.migrations()
        ],
        "events": [_event_json(e) for e in doc.events],
        "other": doc.other,
        "reflections": doc.reflections,
        "next_week": doc.next_week,
        "daily": doc.daily,
        "daily_notes": [
            {"day": n.day.isoformat(), "author": n.author, "text": n.text} for n in doc.daily_notes
        ],
        "plan_review": [{"text": p.text, "outcome": p.outcome} for p in doc.plan_review],
        "warnings": [{"code": x.code, "message": x.message} for x in report_warnings(doc)],
    }


def _kpi_json(k: d.Kpi) -> dict:
    return {
        "name": k.name,
        "kind": k.kind,
        "value": _num(k.value),
        "unit": k.unit,
        "target": _num(k.target),
        "higher_is_better": k.higher_is_better,
        "misses_target": k.misses_target,
        "note": k.note,
        "source": k.source,
    }


def _incidents_json(incidents: d.Incidents) -> dict | None:
    """Incident counts as stated; None when the report states none (no zeros made up)."""
    if not incidents.counts and not incidents.note:
        return None
    return {
        "counts": {g: incidents.counts.get(g, 0) for g in incidents.grades},
        "grouped": dict(incidents.grouped()),
        "total": incidents.total,
        "note": incidents.note,
    }


def _event_json(e: d.StabilityEvent) -> dict:
    return {
        "date": e.date.isoformat(),
        "detected_at": e.detected_at.isoformat() if e.detected_at else None,
        "recovered_at": e.recovered_at.isoformat() if e.recovered_at else None,
        "duration_minutes": e.duration_minutes,
        "time_text": e.time_text,
        "detection": e.detection,
        "summary": e.summary,
        "cause": e.cause,
        "handling": e.handling,
        "kind": e.kind,
        "grade": e.grade,
    }


def _section_json(doc: d.ReportDocument, section: d.Section) -> dict:
    """A section in order with what it states: the sample's kinds from the report's typed
    fields, every other from its Markdown (``reports.document.sections``)."""
    out: dict[str, Any] = {
        "kind": section.kind,
        "heading": section.heading,
        "level": section.level,
        "key": section.key,
    }
    K = v.SectionKind
    out["text"] = section_body(doc, section)
    if section.key == "operations":
        out["kpis"] = [_kpi_json(k) for k in doc.kpis]
        out["incidents"] = _incidents_json(doc.incidents)
    elif section.kind == K.KPIS:
        named = {k.name for k in sx.read_kpis(section.text)}
        out["kpis"] = [_kpi_json(k) for k in doc.kpis if k.name in named]
    elif section.key == "objectives":
        out["objectives"] = [o.code for o in doc.objectives]
    elif section.kind == K.EVENTS:
        out["events"] = [
            _event_json(e) for e in sx.read_events(section.text, doc.report_date, sx.zone_of(doc))
        ]
    elif section.kind in (K.ITEMS, K.RISKS, K.ACTIONS):
        body = sx.read_list(section.text)
        out["entries"] = [_entry_json(e, doc) for e in body.entries] if body else []
        out["tables"] = [_table_json(t) for t in sx.read_tables(section.text)]
    elif section.kind == K.TABLE:
        out["tables"] = [_table_json(t) for t in sx.read_tables(section.text)]
    elif section.kind == K.PEOPLE:
        out["people"] = [{"name": p.name, "text": p.text} for p in sx.read_people(section.text)]
    elif section.kind == K.PLAN:
        out["lines"] = plan_lines(section.text)
    elif section.key == "daily":
        out["notes"] = [
            {"day": n.day.isoformat(), "author": n.author, "text": n.text} for n in doc.daily_notes
        ]
    return out


def _entry_json(entry: sx.Entry, doc: d.ReportDocument) -> dict:
    facts = entry.facts(doc.report_date)
    return {
        "text": entry.text,
        "owner": facts["owner"],
        "due": facts["due"].isoformat() if facts["due"] else None,
        "status": facts["status"],
        "done": entry.done,
        "percent": _num(facts["percent"]),
        "children": [_entry_json(c, doc) for c in entry.children],
    }


def _table_json(table: sx.Table) -> dict:
    return {"header": table.header, "rows": table.rows}


def _item_json(item: d.Item) -> dict:
    return {
        "title": item.title,
        "label": item.label,
        "marker": item.marker,
        "body": item.body,
        "detail": item.detail,
        "percent": _num(item.percent),
        "status": item.status,
        "eta": item.eta.isoformat() if item.eta else None,
        "migration": item.migration.name if item.migration else None,
        "children": [_item_json(c) for c in item.children],
    }


def _migration_json(objective: d.Objective, item: d.Item, migration: d.Migration) -> dict:
    figures = migration.figures()
    stated = migration.stated
    return {
        "name": migration.name,
        "objective": objective.code,
        "item": item.title,
        "stated": {
            "overall_percent": _num(stated.overall_percent),
            "progress": _num(stated.progress),
            "total": stated.total,
            "developed": stated.developed,
            "not_started": stated.not_started,
            "in_production": stated.in_production,
        },
        "computed": {
            "total": figures.total,
            "offline": figures.offline,
            "paused": figures.paused,
            "done": figures.done,
            "in_progress": figures.in_progress,
            "not_started": figures.not_started,
            "developed": figures.developed,
            "developed_percent": _num(figures.developed_percent),
            "in_production": figures.in_production,
            "in_production_percent": _num(figures.in_production_percent),
            "weighted_progress": _num(figures.weighted_progress),
        },
        "categories": [
            {
                "name": c.name,
                "stage": c.stage,
                "total": c.total,
                "offline": c.offline,
                "paused": c.paused,
                "done": c.done,
                "done_names": list(c.done_names),
                "in_progress": c.in_progress_count,
                "not_started": c.not_started,
                "counted": c.counts().counted,
                "progress": [
                    {"label": b.label, "percent": _num(b.percent), "count": b.count}
                    for b in c.in_progress
                ],
            }
            for c in migration.categories
        ],
    }


def _num(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
