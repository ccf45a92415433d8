"""One set of rules for what a week's report may hold, whichever door it comes in by.

The edit page's forms, the API's JSON reader, the Markdown importer and the rows writer
check a document with ``problems`` (the forms also take their fields' limits from here), so
what one door accepts the others accept, and what one refuses the others refuse in the same
words. Each door names the place its own way: the API by the JSON path (``kpis[1].value``,
``Problem.path``), the importer by the line, the edit page beside the field.

The rules are what the database stores and the pages can compute with: years a week can be
counted in, numbers the columns hold, text PostgreSQL takes (no NUL, no lone surrogate),
one-line fields on one line (the Markdown layout writes them on one line, so a line break
would not come back on import), names that pick one row, items nested as deep as the page
shows them, and the dates of a week's events and notes around that week.

Rows stored before these rules are read back as they are: ``consistency`` lists their
problems as warnings, and the edit page saves them corrected.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal

from django.utils.translation import gettext as _

from reports.document import limits
from reports.document import report as d
from reports.document.vocabulary import SectionKind
from reports.document.weeks import WEEK_DAYS, report_week

# Years a report, an event or an estimate may fall in: any week of them can be computed,
# in any time zone, with room to spare.
MIN_YEAR, MAX_YEAR = 1970, 2099
# Teams that number their weeks in sequence go past 53.
MAX_WEEK_NUMBER = 9999
# Counts of incidents, reports in a category, reports at a percentage.
MAX_COUNT = 100_000
# Items nest as deep as the edit page shows them (a top-level item is at depth 0).
MAX_ITEM_DEPTH = 6
# An open incident is carried from week to week, but not for ever.
EARLIEST_OPEN_EVENT_DAYS = 366
# A KPI value or target: what the column stores (ten digits before the point, four after).
KPI_DIGITS, KPI_PLACES = 10, 4
# Decimals a percentage keeps, as its column stores it.
ITEM_PERCENT_PLACES = BUCKET_PERCENT_PLACES = 2
STATED_PERCENT_PLACES = 3

# The longest text of each one-line field, as its column holds it. Long texts (Markdown
# sections, notes, an event's account) and the week as a whole are bounded by ``limits``.
LENGTHS = {
    "kpi.name": 100,
    "kpi.unit": 10,
    "kpi.note": 500,
    "incidents.note": 500,
    "incidents.grade": 5,
    "objective.code": 10,
    "objective.title": 200,
    "item.title": 500,
    "item.label": 5,
    "migration.name": 200,
    "category.name": 200,
    "category.stage": 200,
    "category.done_name": 200,
    # The tracker's lines as the wiki page had them, kept to write them back as they were.
    "migration.headline_text": 1000,
    "migration.summary_text": 1000,
    "category.counts_text": 1000,
    "bucket.label": 200,
    "event.time_text": 20,
    "event.detection": 50,
    "event.grade": 3,
    "daily_note.author": 100,
    "daily_note.text": 500,
    "plan_line.text": 2000,
    "report.title": 500,
    "section.heading": 200,
    "section.key": 40,
}
MAX_HEADING_LEVEL = 6

# What ends a line for the Markdown layout or for a reader of it; a tab is folded too,
# since the importer expands tabs to spaces.
_BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def one_line(text: str) -> str:
    """A one-line field as the layout writes it: line breaks and tabs become one space,
    and the ends are trimmed (as the importer reads a line)."""
    return _BREAKS.sub(" ", text).strip()


@dataclass(frozen=True)
class Problem:
    """A value the rules refuse: where (``path``, in the JSON layout's names), why, and the
    document part and attribute it is about, for the doors that name places their way."""

    path: str
    message: str
    part: object = None
    field: str = ""
    place: str = ""  # the part as a reader knows it: "KPI 入金有效成功率"

    def sentence(self) -> str:
        return _("%(place)s (%(path)s): %(message)s") % {
            "place": self.place or _("The report"),
            "path": self.path,
            "message": self.message,
        }


class Invalid(ValueError):
    """A document that breaks a rule; nothing of it is saved."""

    def __init__(self, problem: Problem):
        super().__init__(f"{problem.path}: {problem.message}")
        self.problem = problem


# ---------------------------------------------------------------------------------------
# Single values
# ---------------------------------------------------------------------------------------


def text_problem(value: str, limit: int | None = None, *, single_line: bool = False) -> str | None:
    if "\x00" in value:
        return _("Text cannot contain a NUL character.")
    if _SURROGATE.search(value):
        return _("Text cannot contain a lone surrogate (half of a character).")
    if single_line and _BREAKS.search(value.strip()):
        return _("This field is one line: remove the line breaks.")
    if limit is not None and len(value) > limit:
        return _("At most %(limit)d characters (this has %(length)d).") % {
            "limit": limit,
            "length": len(value),
        }
    return None


def number_problem(
    value: Decimal | None,
    *,
    places: int,
    digits: int = KPI_DIGITS,
    low: Decimal | int | None = None,
    high: Decimal | int | None = None,
) -> str | None:
    if value is None:
        return None
    if not value.is_finite():
        return _("Enter a finite number.")
    # Compared by their exponents: 1e999999999999 overflows any arithmetic.
    exponent = value.as_tuple().exponent
    if (value and value.adjusted() >= digits) or (isinstance(exponent, int) and -exponent > places):
        return _("At most %(digits)d digits before the point and %(places)d after.") % {
            "digits": digits,
            "places": places,
        }
    if (low is not None and value < low) or (high is not None and value > high):
        return _("Between %(low)s and %(high)s.") % {"low": low, "high": high}
    return None


def percent_problem(value: Decimal | None, places: int) -> str | None:
    if value is not None and value.is_finite() and not 0 <= value <= 100:
        return _("A percentage is between 0 and 100.")
    return number_problem(value, places=places, digits=3)


def kpi_value_problem(value: Decimal | None, unit: str) -> str | None:
    """A KPI's value or target: a number the column holds; a percentage between 0 and 100."""
    if unit == "%":
        problem = percent_problem(value, KPI_PLACES)
        if problem:
            return problem
    return number_problem(value, places=KPI_PLACES)


def count_problem(value: int | None, minimum: int = 0) -> str | None:
    if value is None or minimum <= value <= MAX_COUNT:
        return None
    return _("Between %(low)s and %(high)s.") % {"low": minimum, "high": MAX_COUNT}


def year_problem(day: date | None) -> str | None:
    """A date or time in a year the rules allow; a time also once in UTC, as stored."""
    if day is None:
        return None
    years = [day.year]
    if isinstance(day, datetime) and day.tzinfo is not None:
        try:
            years.append(day.astimezone(UTC).year)
        except OverflowError:
            years.append(0)
    if all(MIN_YEAR <= year <= MAX_YEAR for year in years):
        return None
    return _("The year must be between %(low)d and %(high)d.") % {"low": MIN_YEAR, "high": MAX_YEAR}


# Real time zones lie between UTC-12:00 and UTC+14:00; PostgreSQL refuses an offset
# of 16 hours or more, which Python takes.
MAX_OFFSET = timedelta(hours=14)


def time_problem(moment: datetime | None) -> str | None:
    """A time the rules allow: in a real time zone's offset, in the years allowed."""
    if moment is not None and moment.tzinfo is not None:
        offset = moment.utcoffset()
        if offset is not None and abs(offset) > MAX_OFFSET:
            return _("The time zone offset must be between -14:00 and +14:00.")
    return year_problem(moment)


# A date as the layout writes it and as a report's address carries it (Python's
# fromisoformat also reads 20230520 and 2023-W20-6).
DAY_PATTERN = "[0-9]{4}-[0-9]{2}-[0-9]{2}"


def address_day(text: str) -> date | None:
    """The date a report's address names: YYYY-MM-DD, a real date, in the years allowed
    (9999-12-31 has no week to count); None for any other text."""
    if not re.fullmatch(DAY_PATTERN, text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:  # 2023-02-30
        return None
    return day if date_allowed(day) else None


def date_allowed(day: date) -> bool:
    """A report date a page may be asked for: ``/weeks/9999-12-31/`` is no page."""
    return year_problem(day) is None


def week_number_problem(number: int) -> str | None:
    if 1 <= number <= MAX_WEEK_NUMBER:
        return None
    return _("Between %(low)s and %(high)s.") % {"low": 1, "high": MAX_WEEK_NUMBER}


def event_problems(
    day: date,
    detected: datetime | None,
    recovered: datetime | None,
    week: tuple[date, date],
    tz: tzinfo | None = None,
) -> list[tuple[str, str]]:
    """(attribute, message) of what is wrong with an event's dates in the week ``week``:
    the rule the edit page states beside its fields. ``tz``: the team's, for the day a
    time falls on (else the time's own offset)."""
    end = week[1]
    if day > end:
        return [("date", _("This date is after the report's date %(end)s.") % {"end": end})]
    if day < end - timedelta(days=EARLIEST_OPEN_EVENT_DAYS):
        return [("date", _("An event still open after a year is not carried any further."))]
    problem = time_problem(detected)
    if problem:
        return [("detected_at", problem)]
    if recovered is None:
        return []
    try:
        recovered_day = _local(recovered, tz).date()
    except OverflowError:  # a time at the very end of what Python holds
        recovered_day = date.max
    if not day <= recovered_day <= end + timedelta(days=WEEK_DAYS) or time_problem(recovered):
        message = _("Recovery is between the event's date and a week after the report's date.")
        return [("recovered_at", message)]
    if detected is not None and _local(recovered, tz) < _local(detected, tz):
        return [("recovered_at", _("Recovery cannot be before detection."))]
    return []


def event_before_week(event: d.StabilityEvent, week: tuple[date, date]) -> bool:
    """An event that was over before the week began: a warning, not a refusal, since wiki
    pages list such events and a week imported with one must stay editable."""
    start = week[0]
    recovered = event.recovered_at
    return event.date < start and recovered is not None and recovered.date() < start


def _local(moment: datetime, tz: tzinfo | None) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz) if tz is not None else moment.replace(tzinfo=UTC)
    return moment.astimezone(tz) if tz is not None else moment


# ---------------------------------------------------------------------------------------
# The whole document
# ---------------------------------------------------------------------------------------


def check(doc: d.ReportDocument, *, tz: tzinfo | None = None) -> None:
    """Invalid with the first problem of ``doc``, if it has one."""
    for problem in problems(doc, tz=tz):
        raise Invalid(problem)


def problems(doc: d.ReportDocument, *, tz: tzinfo | None = None) -> Iterator[Problem]:
    """Every value of ``doc`` the rules refuse, in the order of the JSON layout."""
    yield from _report(doc)
    kpi_names: set[str] = set()
    for n, kpi in enumerate(doc.kpis):
        at = _At(f"kpis[{n}]", kpi, _("KPI %(name)s") % {"name": kpi.name})
        yield from at.text("name", kpi.name, "kpi.name", required=True)
        if kpi.name in kpi_names:
            yield at.problem("name", _("This KPI is already listed above."))
        kpi_names.add(kpi.name)
        yield from at.text("unit", kpi.unit, "kpi.unit")
        yield from at.text("note", kpi.note, "kpi.note")
        for name in ("value", "target"):
            message = kpi_value_problem(getattr(kpi, name), kpi.unit)
            if message:
                yield at.problem(name, message)
    yield from _incidents(doc.incidents)
    yield from _objectives(doc)
    yield from _events(doc, tz)
    yield from _notes(doc)
    yield from _sections(doc)
    length = limits.week_length(doc)
    if length > limits.WEEK_LIMIT:
        yield _At("", doc).problem("(document)", limits.week_too_long(length))


class _At:
    """A part of the document and its path, to say what is wrong with its attributes."""

    def __init__(self, path: str, part: object, place: str = ""):
        self.path, self.part, self.place = path, part, place

    def problem(self, name: str, message: str) -> Problem:
        path = f"{self.path}.{name}" if self.path else name
        return Problem(path, message, self.part, name, self.place)

    def text(
        self, name: str, value: str, length: str | None = None, *, required: bool = False
    ) -> Iterator[Problem]:
        """A text attribute; ``length``: a one-line field's key in LENGTHS (a long text,
        Markdown or not, is bounded by ``limits.TEXT_LIMIT``)."""
        if required and not value.strip():
            yield self.problem(name, _("This field is required."))
            return
        limit = LENGTHS[length] if length else limits.TEXT_LIMIT
        message = text_problem(value, limit, single_line=length is not None)
        if message:
            yield self.problem(name, message)


def _report(doc: d.ReportDocument) -> Iterator[Problem]:
    at = _At("", doc)
    message = year_problem(doc.report_date)
    if message:
        yield at.problem("report_date", message)
    message = week_number_problem(doc.week_number)
    if message:
        yield at.problem("week_number", message)
    for name in ("kpi_notes", *d.FREE_SECTIONS):
        yield from at.text(name, getattr(doc, name))
    for n, line in enumerate(doc.plan_review):
        yield from _At(f"plan_review[{n}]", line).text("text", line.text, "plan_line.text")


def _incidents(incidents: d.Incidents) -> Iterator[Problem]:
    at = _At("incidents", incidents, _("Incidents"))
    yield from at.text("note", incidents.note, "incidents.note")
    counts = _At("incidents.counts", incidents, _("Incidents"))
    for grade, count in incidents.counts.items():
        yield from counts.text(grade, grade, "incidents.grade", required=True)
        message = count_problem(count)
        if message:
            yield counts.problem(grade, message)


def _objectives(doc: d.ReportDocument) -> Iterator[Problem]:
    codes: set[str] = set()
    trackers: set[str] = set()
    migrations = {id(m): n for n, (_o, _i, m) in enumerate(doc.migrations())}
    for n, objective in enumerate(doc.objectives):
        at = _At(f"objectives[{n}]", objective, objective.code)
        yield from at.text("code", objective.code, "objective.code", required=True)
        if objective.code in codes:
            yield at.problem("code", _("Another objective already has this code."))
        codes.add(objective.code)
        yield from at.text("title", objective.title, "objective.title")
        yield from at.text("notes", objective.notes)
        for k, item in enumerate(objective.items):
            yield from _item(item, f"{at.path}.items[{k}]", 0, trackers, migrations)


def _item(
    item: d.Item, path: str, depth: int, trackers: set[str], migrations: dict[int, int]
) -> Iterator[Problem]:
    at = _At(path, item, item.title[:40])
    if depth >= MAX_ITEM_DEPTH:
        yield at.problem(
            "children", _("Items nest at most %(depth)d deep.") % {"depth": MAX_ITEM_DEPTH}
        )
        return
    yield from at.text("title", item.title, "item.title", required=True)
    yield from at.text("label", item.label, "item.label")
    yield from at.text("body", item.body)
    yield from at.text("detail", item.detail)
    message = percent_problem(item.percent, ITEM_PERCENT_PLACES)
    if message:
        yield at.problem("percent", message)
    message = year_problem(item.eta)
    if message:
        yield at.problem("eta", message)
    if item.migration is not None:
        migration = item.migration
        yield from at.text("migration", migration.name, "migration.name", required=True)
        if migration.name in trackers:
            yield at.problem("migration", _("This tracker is already in this report."))
        trackers.add(migration.name)
        yield from _migration(migration, f"migrations[{migrations[id(migration)]}]")
    for k, child in enumerate(item.children):
        yield from _item(child, f"{path}.children[{k}]", depth + 1, trackers, migrations)


def _migration(migration: d.Migration, path: str) -> Iterator[Problem]:
    stated = _At(f"{path}.stated", migration.stated, migration.name)
    for name in ("overall_percent", "progress"):
        message = percent_problem(getattr(migration.stated, name), STATED_PERCENT_PLACES)
        if message:
            yield stated.problem(name, message)
    for name in ("total", "developed", "not_started", "in_production"):
        message = count_problem(getattr(migration.stated, name))
        if message:
            yield stated.problem(name, message)
    tracker = _At(path, migration, migration.name)
    for name in ("headline_text", "summary_text"):
        yield from tracker.text(name, getattr(migration, name), f"migration.{name}")
    for c, category in enumerate(migration.categories):
        place = f"{migration.name} / {category.name}"
        at = _At(f"{path}.categories[{c}]", category, place)
        yield from at.text("counts_text", category.counts_text, "category.counts_text")
        yield from at.text("name", category.name, "category.name", required=True)
        yield from at.text("stage", category.stage, "category.stage")
        for name in ("total", "offline", "paused", "done", "not_started"):
            message = count_problem(getattr(category, name))
            if message:
                yield at.problem(name, message)
        for name in category.done_names:
            yield from at.text("done_names", name, "category.done_name")
        for b, bucket in enumerate(category.in_progress):
            bucket_at = _At(f"{at.path}.progress[{b}]", bucket, place)
            yield from bucket_at.text("label", bucket.label, "bucket.label")
            message = percent_problem(bucket.percent, BUCKET_PERCENT_PLACES)
            if message:
                yield bucket_at.problem("percent", message)
            message = count_problem(bucket.count, minimum=1)
            if message:
                yield bucket_at.problem("count", message)


def _events(doc: d.ReportDocument, tz: tzinfo | None) -> Iterator[Problem]:
    week = report_week(doc.report_date) if date_allowed(doc.report_date) else None
    for n, event in enumerate(doc.events):
        place = _("Event on %(date)s") % {"date": event.date.isoformat()}
        at = _At(f"events[{n}]", event, place)
        yield from at.text("summary", event.summary, required=True)
        yield from at.text("cause", event.cause)
        yield from at.text("handling", event.handling)
        yield from at.text("time_text", event.time_text, "event.time_text")
        yield from at.text("detection", event.detection, "event.detection")
        yield from at.text("grade", event.grade, "event.grade")
        if week is not None:
            for name, message in event_problems(
                event.date, event.detected_at, event.recovered_at, week, tz
            ):
                yield at.problem(name, message)


def _notes(doc: d.ReportDocument) -> Iterator[Problem]:
    if not date_allowed(doc.report_date):
        return
    start, end = report_week(doc.report_date)
    for n, note in enumerate(doc.daily_notes):
        at = _At(f"daily_notes[{n}]", note, _("Daily note of %(day)s") % {"day": note.day})
        if not start <= note.day <= end:
            yield at.problem(
                "day",
                _("A note of this report is dated in its week, %(start)s–%(end)s.")
                % {"start": start, "end": end},
            )
        yield from at.text("author", note.author, "daily_note.author", required=True)
        yield from at.text("text", note.text, "daily_note.text", required=True)


def _sections(doc: d.ReportDocument) -> Iterator[Problem]:
    at = _At("", doc)
    yield from at.text("title", doc.title, "report.title")
    yield from at.text("front_matter", doc.front_matter)
    if not 0 <= doc.title_level <= MAX_HEADING_LEVEL:
        yield at.problem("title_level", _("A heading's level is 0 to 6."))
    for n, section in enumerate(doc.sections):
        at = _At(f"sections[{n}]", section, _("Section %(heading)s") % {"heading": section.heading})
        if section.kind not in SectionKind.values():
            yield at.problem("kind", _("Unknown kind of section."))
        if not 0 <= section.level <= MAX_HEADING_LEVEL:
            yield at.problem("level", _("A heading's level is 0 to 6."))
        yield from at.text("heading", section.heading, "section.heading")
        yield from at.text("key", section.key, "section.key")
        yield from at.text("text", section.text)
