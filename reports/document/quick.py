"""A quick update of a week: the parts that move every week, changed in place.

The quick-update page (``reports.quick``) shows what moves from one week to the next (KPI
values, incident counts, a tracker's counts, each item's progress and status, the open
risks and actions, last week's plan, a new stability event), each beside last week's.
It sends only what the lead changed; ``apply`` writes those changes into the week's
document as it stands and leaves every other part as it was.

A part is named by a *place*: its kind and its position in the document the page was
opened on (``("kpi", 0)``, ``("item", 1, 0, 2)``: objective 1, its first item, that item's
third child). Positions hold because a save over a week that moved since the page was
opened is refused. Last week's parts are found by their names (a KPI's name, an item's
objective and titles), as carry-over copied them.

``carried`` tells which texts still say what last week's said (an item's progress, a KPI's
value), compared with last week's document, leaving out those the lead confirmed as
unchanged ("No change"): a week keeps their ``stamps`` (``WeeklyReport.confirmed``).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from reports.document import report as d
from reports.document import sections as sx
from reports.document.carryover import with_carried_plan
from reports.document.vocabulary import ItemStatus, KpiSource, Language, SectionKind

Place = tuple

KPI, GRADE, CATEGORY, BUCKET, ITEM, ENTRY, PLAN = (
    "kpi",
    "grade",
    "category",
    "bucket",
    "item",
    "entry",
    "plan",
)
# The sections whose list entries the page updates (their status, owner and due date).
ENTRY_KINDS = (SectionKind.RISKS, SectionKind.ACTIONS)
# What each place's fields may be set to, by the place's kind.
FIELDS = {
    KPI: ("value",),
    GRADE: ("count",),
    CATEGORY: ("total", "offline", "paused", "done", "not_started"),
    BUCKET: ("percent", "count"),
    ITEM: ("body", "status"),
    ENTRY: ("status", "owner", "due"),
    PLAN: ("outcome",),
}


# ---------------------------------------------------------------------------------------
# The parts of a week, by place
# ---------------------------------------------------------------------------------------


def migrations(doc: d.ReportDocument) -> list[d.Migration]:
    return [migration for _objective, _item, migration in doc.migrations()]


def items(doc: d.ReportDocument) -> Iterator[tuple[Place, d.Item, int]]:
    """Every item with its place and depth (0: directly under its objective), in order."""

    def walk(children, path, depth):
        for n, item in enumerate(children):
            yield (*path, n), item, depth
            yield from walk(item.children, (*path, n), depth + 1)

    for o, objective in enumerate(doc.objectives):
        yield from walk(objective.items, (ITEM, o), 0)


def entries(doc: d.ReportDocument) -> Iterator[tuple[Place, d.Section, sx.Entry]]:
    """The top-level entries of the risks and action-items sections written as lists."""
    for s, section in enumerate(doc.sections):
        if section.kind not in ENTRY_KINDS:
            continue
        body = sx.read_list(section.text)
        for e, entry in enumerate(body.entries if body else []):
            yield (ENTRY, s, e), section, entry


def locate(doc: d.ReportDocument, place: Place):
    """The part of ``doc`` at ``place``; None when there is none."""
    kind, *at = place
    try:
        if kind == KPI:
            return doc.kpis[at[0]]
        if kind == GRADE:
            return doc.incidents if at[0] in doc.incidents.grades else None
        if kind == CATEGORY:
            return migrations(doc)[at[0]].categories[at[1]]
        if kind == BUCKET:
            return migrations(doc)[at[0]].categories[at[1]].in_progress[at[2]]
        if kind == ITEM:
            part = doc.objectives[at[0]].items[at[1]]
            for n in at[2:]:
                part = part.children[n]
            return part
        if kind == ENTRY:
            section = doc.sections[at[0]]
            return section if section.kind in ENTRY_KINDS else None
        if kind == PLAN:
            return doc.plan_review[at[0]]
    except (IndexError, TypeError):
        return None
    return None


# ---------------------------------------------------------------------------------------
# Last week's parts, found by name
# ---------------------------------------------------------------------------------------


def _item_names(doc: d.ReportDocument) -> Iterator[tuple[Place, tuple]]:
    """Each item's place and its name: its objective's code and the titles down to it,
    each with how many siblings before it have the same title (two items may share one)."""

    def walk(children, path, names):
        seen: dict[str, int] = {}
        for n, item in enumerate(children):
            count = seen.get(item.title, 0)
            seen[item.title] = count + 1
            name = (*names, (item.title, count))
            yield (*path, n), name
            yield from walk(item.children, (*path, n), name)

    for o, objective in enumerate(doc.objectives):
        yield from walk(objective.items, (ITEM, o), (objective.code,))


def previous_items(doc: d.ReportDocument, previous: d.ReportDocument | None) -> dict[Place, d.Item]:
    """Last week's item of each item of ``doc`` that last week had."""
    if previous is None:
        return {}
    theirs = {name: locate(previous, place) for place, name in _item_names(previous)}
    return {place: theirs[name] for place, name in _item_names(doc) if name in theirs}


def previous_kpis(previous: d.ReportDocument | None) -> dict[str, d.Kpi]:
    return {k.name: k for k in previous.kpis} if previous else {}


def previous_categories(
    doc: d.ReportDocument, previous: d.ReportDocument | None
) -> dict[Place, d.MigrationCategory]:
    """Last week's category of each category of ``doc``: the same tracker and name."""
    if previous is None:
        return {}
    theirs = {(m.name, c.name): c for m in migrations(previous) for c in m.categories}
    return {
        (CATEGORY, m, c): theirs[(migration.name, category.name)]
        for m, migration in enumerate(migrations(doc))
        for c, category in enumerate(migration.categories)
        if (migration.name, category.name) in theirs
    }


def subject(text: str) -> str:
    """What an entry is about: its text before the status, owner or due date it states."""
    plain = text.replace("**", "").replace("__", "")  # as sections.status_in reads it
    cut = len(plain)
    for pattern in (*sx.STATUS_RES, *sx.OWNER_RES, sx.DUE_RE):
        m = pattern.search(plain)
        if m:
            cut = min(cut, m.start())
    return re.sub(r"\s+", " ", plain[:cut]).strip(" ，,;；:：（(【[—–-")


def previous_entries(
    doc: d.ReportDocument, previous: d.ReportDocument | None
) -> dict[Place, sx.Entry]:
    """Last week's entry of each risk or action of ``doc``: in the section of the same kind
    and heading, the entry of the same text, else the one about the same thing."""
    if previous is None:
        return {}
    theirs: dict[tuple, list[sx.Entry]] = {}
    for _place, section, entry in entries(previous):
        theirs.setdefault((section.kind, section.heading), []).append(entry)
    found = {}
    for place, section, entry in entries(doc):
        candidates = theirs.get((section.kind, section.heading), [])
        match = next((e for e in candidates if e.text == entry.text), None)
        if match is None:
            about = subject(entry.text)
            match = next((e for e in candidates if about and subject(e.text) == about), None)
        if match is not None:
            found[place] = match
    return found


# ---------------------------------------------------------------------------------------
# Carried from last week
# ---------------------------------------------------------------------------------------


def stamps(doc: d.ReportDocument) -> dict[Place, str]:
    """What "No change" confirms at each KPI and item, as it stands: the KPI's name and
    value, the item's name (objective and titles) and progress text. A stamp holds while
    they do: a text changed since is no longer confirmed."""
    found = {
        (KPI, n): json.dumps([KPI, kpi.name, None if kpi.value is None else str(kpi.value)])
        for n, kpi in enumerate(doc.kpis)
    }
    for place, name in _item_names(doc):
        body = locate(doc, place).body
        found[place] = json.dumps([ITEM, name, body], ensure_ascii=False)
    return found


def carried(doc: d.ReportDocument, previous: d.ReportDocument | None, confirmed=()) -> set[Place]:
    """The places whose text still says what last week's said, unreviewed: a KPI's value
    equal to last week's, an item's progress text equal to last week's, that the lead has
    not confirmed as unchanged (``confirmed``: the week's stamps). Empty texts carry
    nothing."""
    found = _carried(doc, previous)
    if not confirmed or not found:
        return found
    confirmed, stamped = set(confirmed), stamps(doc)
    return {place for place in found if stamped.get(place) not in confirmed}


def _carried(doc: d.ReportDocument, previous: d.ReportDocument | None) -> set[Place]:
    if previous is None:
        return set()
    before = previous_kpis(previous)
    found = {
        (KPI, n)
        for n, kpi in enumerate(doc.kpis)
        if kpi.value is not None and kpi.name in before and before[kpi.name].value == kpi.value
    }
    theirs = previous_items(doc, previous)
    found |= {
        place
        for place, item, _depth in items(doc)
        if item.body.strip() and place in theirs and theirs[place].body == item.body
    }
    return found


def carried_items(doc: d.ReportDocument, previous: d.ReportDocument | None, confirmed=()) -> int:
    """How many items still carry last week's progress text, not confirmed unchanged."""
    return sum(1 for place in carried(doc, previous, confirmed) if place[0] == ITEM)


# ---------------------------------------------------------------------------------------
# Applying the changes
# ---------------------------------------------------------------------------------------


@dataclass
class Changes:
    """What the lead changed: new values by place and field, and the event the page adds.

    ``event_at``: how many events the week had when the page was opened. The page's event
    goes there; saving the page again (its autosave) replaces it rather than adding it
    once more."""

    values: dict[Place, dict[str, object]] = field(default_factory=dict)
    event: d.StabilityEvent | None = None
    event_at: int | None = None

    def set(self, place: Place, name: str, value) -> None:
        self.values.setdefault(tuple(place), {})[name] = value

    def __bool__(self) -> bool:
        return bool(self.values) or self.event is not None


class CannotApply(ValueError):
    """A change that cannot be written where it goes; nothing of the changes is applied."""

    def __init__(self, place: Place, name: str, message: str):
        super().__init__(message)
        self.place, self.name, self.message = place, name, message


def apply(doc: d.ReportDocument, changes: Changes) -> d.ReportDocument:
    """A copy of ``doc`` with ``changes`` written in; ``doc`` itself is left as it was.
    CannotApply if a place is not in ``doc`` or an entry's text cannot say the change."""
    new = copy.deepcopy(doc)
    for place, values in changes.values.items():
        part = locate(new, place)
        kind = place[0]
        unknown = set(values) - set(FIELDS.get(kind, ()))
        if part is None or unknown:
            raise CannotApply(place, "", _("This part of the report is no longer there."))
        if kind == KPI:
            part.value = values["value"]
            part.source = KpiSource.TYPED  # a value set on the page is typed by a person
        elif kind == GRADE:
            part.counts[place[1]] = values["count"]
        elif kind == ITEM:
            if "body" in values:
                part.body, part.body_html = values["body"], ""
            if "status" in values:
                part.status = values["status"]
        elif kind == ENTRY:
            _apply_entry(new, place, values)
        else:  # categories, buckets, plan lines: plain attributes
            for name, value in values.items():
                setattr(part, name, value)
    if any(place[0] == PLAN for place in changes.values):
        # Lines just marked "carried over" join this week's plan, as on the edit page.
        new.next_week = with_carried_plan(new.next_week, new.plan_review, doc.plan_review)
    if changes.event is not None:
        at = len(new.events) if changes.event_at is None else changes.event_at
        if at == len(new.events) - 1:
            new.events[at] = changes.event  # added by an earlier save of the same page
        else:
            new.events.append(changes.event)
    return new


# ---------------------------------------------------------------------------------------
# A risk's or action's status, owner and due date, written into its text
# ---------------------------------------------------------------------------------------

STATUS_WORDS = {
    Language.ZH: {
        ItemStatus.PLANNED: "待处理",
        ItemStatus.IN_PROGRESS: "跟进中",
        ItemStatus.BLOCKED: "阻塞",
        ItemStatus.DONE: "已完成",
    },
    Language.EN: {
        ItemStatus.PLANNED: "open",
        ItemStatus.IN_PROGRESS: "in progress",
        ItemStatus.BLOCKED: "blocked",
        ItemStatus.DONE: "done",
    },
}
# A risk is resolved rather than done.
RESOLVED = {Language.ZH: "已解决", Language.EN: "resolved"}
# Facts added to an entry that does not state them yet, after its text.
ADDED = {
    Language.ZH: {"status": "（状态：{}）", "owner": "（负责人：{}）", "due": "（截止：{}）"},
    Language.EN: {"status": " (status: {})", "owner": " (owner: {})", "due": " (due {})"},
}


def _apply_entry(doc: d.ReportDocument, place: Place, values: dict) -> None:
    _kind, s, e = place
    section = doc.sections[s]
    body = sx.read_list(section.text)
    if body is None or e >= len(body.entries):
        raise CannotApply(place, "", _("This part of the report is no longer there."))
    entry = body.entries[e]
    language = doc.language if doc.language in ADDED else Language.ZH
    if "status" in values:
        _set_status(entry, values["status"], section.kind, language, place, doc.report_date)
    if "owner" in values:
        _set_owner(entry, values["owner"], language, place)
    if "due" in values:
        _set_due(entry, values["due"], language, place, doc.report_date)
    section.text = sx.list_text(body)
    doc.html.pop(f"section-{s}", None)
    again = sx.read_list(section.text)
    if again is None or len(again.entries) != len(body.entries):
        raise CannotApply(place, "", _cannot_say())


def _cannot_say() -> str:
    return _("The entry's text could not say this; edit it on the edit page.")


def _word(status: str, kind: str, language: str, like: str = "") -> str:
    """The word for ``status``, in the script of the word it replaces if there is one."""
    if like:
        language = Language.EN if like.isascii() else Language.ZH
    if status == ItemStatus.DONE and kind == SectionKind.RISKS:
        return RESOLVED[language]
    return STATUS_WORDS[language][status]


def _without_bold(text: str) -> tuple[str, list[int]]:
    """``text`` without ``**`` and ``__`` (as ``sections.status_in`` reads it), and where
    each of its characters was in ``text``."""
    kept, where, i = [], [], 0
    while i < len(text):
        if text.startswith(("**", "__"), i):
            i += 2
            continue
        kept.append(text[i])
        where.append(i)
        i += 1
    return "".join(kept), where


def _status_word_span(text: str) -> tuple[int, int] | None:
    """Where ``text`` states its status word, as ``sections.status_in`` reads it."""
    plain, where = _without_bold(text)
    for pattern in sx.STATUS_RES:
        m = pattern.search(plain)
        if m:
            return where[m.start("word")], where[m.end("word") - 1] + 1
    return None


def _check(entry: sx.Entry, done: bool) -> None:
    if entry.check is not None:
        mark = "x" if done else " "
        entry.check = f"[{mark}]" + entry.check[3:]


def _set_status(
    entry: sx.Entry, status: str, kind: str, language: str, place: Place, day: date
) -> None:
    if status == ItemStatus.NONE or status not in STATUS_WORDS[Language.ZH]:
        if entry.facts(day)["status"] != ItemStatus.NONE:
            raise CannotApply(place, "status", _("Choose the entry's status."))
        return
    _check(entry, status == ItemStatus.DONE)
    span = _status_word_span(entry.text)
    if span is not None:
        start, end = span
        word = _word(status, kind, language, like=entry.text[start:end])
        entry.text = entry.text[:start] + word + entry.text[end:]
    elif entry.facts(day)["status"] != status:
        entry.text += ADDED[language]["status"].format(_word(status, kind, language))
    if entry.facts(day)["status"] != status:
        raise CannotApply(place, "status", _cannot_say())


def _set_owner(entry: sx.Entry, owner: str, language: str, place: Place) -> None:
    owner = owner.strip().lstrip("@")
    if not owner:
        if sx.owner_in(entry.text):
            raise CannotApply(
                place, "owner", _("Name the owner, or edit the text on the edit page.")
            )
        return
    for pattern in sx.OWNER_RES:
        m = pattern.search(entry.text)
        if m:
            entry.text = entry.text[: m.start("name")] + owner + entry.text[m.end("name") :]
            break
    else:
        entry.text += ADDED[language]["owner"].format(owner)
    if sx.owner_in(entry.text) != owner:
        raise CannotApply(place, "owner", _("One name, without spaces or commas."))


def _date_like(day: date, written: str) -> str:
    """``day`` written the way ``written`` writes a date."""
    if "月" in written:
        return f"{day.month}月{day.day}日"
    if re.fullmatch(r"\d{1,2}/\d{1,2}", written):
        return f"{day.month}/{day.day}"
    return day.isoformat()


def _set_due(entry: sx.Entry, due: date | None, language: str, place: Place, day: date) -> None:
    if due is None:
        if sx.due_in(entry.text, day):
            raise CannotApply(
                place, "due", _("Give the due date, or edit the text on the edit page.")
            )
        return
    m = sx.DUE_RE.search(entry.text)
    if m:
        for written in (_date_like(due, m["date"]), due.isoformat()):
            text = entry.text[: m.start("date")] + written + entry.text[m.end("date") :]
            if sx.due_in(text, day) == due:
                entry.text = text
                break
    else:
        entry.text += ADDED[language]["due"].format(due.isoformat())
    if sx.due_in(entry.text, day) != due:
        raise CannotApply(place, "due", _cannot_say())
