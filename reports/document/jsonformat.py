"""The JSON export read back into a document, for the API's create and update.

The input is the layout ``renderer.render_json`` writes (docs/format.md); computed parts
(``misses_target``, ``incidents.grouped`` and ``total``, a tracker's ``computed`` figures,
``warnings``, ``duration_minutes``) are ignored, since the document derives them. Numbers
may be JSON numbers or strings; they are read as decimals from their text, so 99.90 stays
99.90 when sent as a string. Anything malformed raises ``JsonFormatError`` naming the
field, e.g. ``kpis[1].value``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from reports import document as d

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
# What the database columns hold: a whole number of 32 bits; items nested as the page
# allows them.
MAX_INTEGER = 2**31 - 1
MAX_ITEM_DEPTH = 6


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

    def text(self, key: str, default: str = "", required: bool = False, limit: int = 100_000):
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
            raise JsonFormatError(self._at(key), f"is longer than {limit} characters")
        return value

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

    def strings(self, key: str, limit: int) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise JsonFormatError(self._at(key), "must be a list of strings")
        if any(len(v) > limit for v in value):
            raise JsonFormatError(self._at(key), f"holds a text longer than {limit} characters")
        return value

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
        return _parse(self._at(key), date.fromisoformat, value, "must be a date, YYYY-MM-DD")

    def moment(self, key: str, tz: ZoneInfo) -> datetime | None:
        value = self.text(key)
        if not value:
            return None
        moment = _parse(
            self._at(key), datetime.fromisoformat, value, "must be a date and time, ISO 8601"
        )
        return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def parse_decimal(value) -> Decimal:
    """A JSON number or numeric string as a decimal with the digits it was written with;
    ValueError when it is not one, or too big or too fine to store."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("must be a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not number.is_finite():
        raise ValueError("must be a finite number")
    if abs(number) >= Decimal("1e10") or -number.as_tuple().exponent > 4:
        raise ValueError("has too many digits (at most 10 before the point and 4 after)")
    return number


def _parse(path: str, parser: Callable, value: str, message: str):
    try:
        return parser(value)
    except ValueError:
        raise JsonFormatError(path, message) from None


def document_from_json(data: Any, *, team: str, tz: ZoneInfo = DEFAULT_TZ) -> d.ReportDocument:
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
        status=top.choice("status", ("draft", "published"), "draft"),
        language=top.choice("language", d.LANGUAGES, "zh"),
        kpi_notes=top.text("kpi_notes"),
        other=top.text("other"),
        reflections=top.text("reflections"),
        next_week=top.text("next_week"),
        daily=top.text("daily"),
    )
    doc.kpis = [_kpi(k) for k in top.items("kpis")]
    incidents = top.obj("incidents")
    counts = incidents.obj("counts")
    if any(len(grade) > 5 for grade in counts.data):
        raise JsonFormatError(counts.path, "grades are at most five characters")
    doc.incidents = d.Incidents(
        counts={g: counts.integer(g) for g in counts.data}, note=incidents.text("note", limit=500)
    )
    doc.objectives = [_objective(o) for o in top.items("objectives")]
    _attach_migrations(doc, top.items("migrations"))
    doc.events = [_event(e, tz) for e in top.items("events")]
    doc.daily_notes = [
        d.DailyNote(
            day=n.day("day", required=True),
            author=n.text("author", required=True, limit=100),
            text=n.text("text", required=True, limit=500),
        )
        for n in top.items("daily_notes")
    ]
    doc.plan_review = [
        d.PlanLine(
            text=p.text("text", required=True),
            outcome=p.choice("outcome", d.PlanOutcome.ALL, d.PlanOutcome.UNMARKED),
        )
        for p in top.items("plan_review")
    ]
    return doc


def _kpi(k: _Reader) -> d.Kpi:
    return d.Kpi(
        name=k.text("name", required=True, limit=100),
        value=k.decimal("value"),
        unit=k.text("unit", "%", limit=10),
        kind=k.choice("kind", d.KpiKind.ALL, d.KpiKind.SUCCESS_RATE),
        note=k.text("note", limit=500),
        target=k.decimal("target"),
        higher_is_better=k.boolean("higher_is_better", True),
        source=k.choice("source", d.KpiSource.ALL, d.KpiSource.TYPED),
    )


def _objective(o: _Reader) -> d.Objective:
    return d.Objective(
        code=o.text("code", required=True, limit=10),
        title=o.text("title", limit=200),
        notes=o.text("notes"),
        holds_events=o.boolean("holds_events", False),
        items=[_item(i) for i in o.items("items")],
    )


def _item(i: _Reader, depth: int = 0) -> d.Item:
    if depth >= MAX_ITEM_DEPTH:
        raise JsonFormatError(i.path, f"items nest at most {MAX_ITEM_DEPTH} deep")
    item = d.Item(
        title=i.text("title", required=True, limit=300),
        label=i.text("label", limit=5),
        marker=i.choice("marker", d.Marker.ALL, d.Marker.BULLET),
        body=i.text("body"),
        detail=i.text("detail"),
        percent=i.decimal("percent", low=0, high=100),
        status=i.choice("status", d.ItemStatus.ALL, d.ItemStatus.NONE),
        eta=i.day("eta"),
        children=[_item(c, depth + 1) for c in i.items("children")],
    )
    name = i.text("migration", limit=200)
    if name:
        item.migration = d.Migration(name=name)
    return item


def _attach_migrations(doc: d.ReportDocument, entries: list[_Reader]) -> None:
    by_name = {item.migration.name: item for item in doc.items() if item.migration}
    for entry in entries:
        name = entry.text("name", required=True)
        item = by_name.get(name)
        if item is None:
            raise JsonFormatError(
                f"{entry.path}.name", "names no item's migration (items[].migration)"
            )
        stated = entry.obj("stated")
        item.migration.stated = d.StatedMigration(
            overall_percent=stated.decimal("overall_percent", low=0, high=100),
            progress=stated.decimal("progress", low=0, high=100),
            total=stated.integer("total", default=None),
            developed=stated.integer("developed", default=None),
            not_started=stated.integer("not_started", default=None),
            in_production=stated.integer("in_production", default=None),
        )
        item.migration.categories = [_category(c) for c in entry.items("categories")]


def _category(c: _Reader) -> d.MigrationCategory:
    return d.MigrationCategory(
        name=c.text("name", required=True, limit=100),
        stage=c.text("stage", limit=50),
        total=c.integer("total"),
        offline=c.integer("offline"),
        paused=c.integer("paused"),
        done=c.integer("done"),
        done_names=c.strings("done_names", limit=200),
        not_started=c.integer("not_started"),
        in_progress=[
            d.ProgressBucket(
                percent=b.decimal("percent", low=0, high=100) or Decimal(0),
                label=b.text("label", limit=100),
                count=b.integer("count", default=1, minimum=1),
            )
            for b in c.items("progress")
        ],
    )


def _event(e: _Reader, tz: ZoneInfo) -> d.StabilityEvent:
    return d.StabilityEvent(
        date=e.day("date", required=True),
        summary=e.text("summary", required=True),
        detected_at=e.moment("detected_at", tz),
        recovered_at=e.moment("recovered_at", tz),
        time_text=e.text("time_text", limit=20),
        detection=e.text("detection", limit=50),
        cause=e.text("cause"),
        handling=e.text("handling"),
        kind=e.choice("kind", d.EventKind.ALL, d.EventKind.INCIDENT),
        grade=e.text("grade", limit=3),
    )
