"""The words a report is made of, declared once.

Each set is a ``StrEnum`` (``metrics.vocabulary.Vocabulary``): the document compares its
fields with them, the models take their ``choices`` from them, the JSON reader accepts
exactly their values. KPI kinds and sources belong to the numbers, so they are declared in
``metrics`` and named here too.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from metrics.vocabulary import KpiKind, KpiSource, Vocabulary

__all__ = [
    "EventKind",
    "ItemStatus",
    "KpiKind",
    "KpiSource",
    "Language",
    "Marker",
    "PlanOutcome",
    "ReportStatus",
    "SectionKind",
    "Vocabulary",
    "WeekNumbering",
]


class ReportStatus(Vocabulary):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


class Language(Vocabulary):
    """The language of a report's headings and fixed sentences (``wording``)."""

    ZH = "zh", "中文"
    EN = "en", "English"


class ItemStatus(Vocabulary):
    NONE = "", _("—")
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    BLOCKED = "blocked", _("blocked")


class Marker(Vocabulary):
    """How an item is written: a bullet, a numbered entry or a lettered sub-heading."""

    BULLET = "bullet", _("bullet")
    NUMBER = "number", _("numbered")
    HEADING = "heading", _("sub-project heading")


class EventKind(Vocabulary):
    INCIDENT = "incident", _("incident")
    CHANGE = "change", _("planned change")  # a planned change such as a cluster expansion


class PlanOutcome(Vocabulary):
    """What became of a line of last week's plan ("下周工作及目标")."""

    UNMARKED = "", _("not marked")
    DONE = "done", _("done")
    CARRIED = "carried", _("carried over")  # still to do: it moves into this week's plan
    DROPPED = "dropped", _("dropped")


class WeekNumbering(Vocabulary):
    """How a team numbers its weeks (``weeks.week_number``)."""

    SEQUENCE = "sequence", _("Continue from the previous week (+1)")
    CALENDAR = "calendar", _("Calendar: the week with 1 January is week 1, weeks start Monday")
    ISO = "iso", _("ISO 8601 week number")


class SectionKind(Vocabulary):
    """What a section of a report holds (``sections``, ``layout``).

    The sample's layout uses ``group`` (上周进展), ``kpis``, ``objectives``, ``text`` (其他,
    反思), ``plan`` and ``daily``; other teams' layouts use any of them, in their own words.
    """

    GROUP = "group", _("group of sections")
    KPIS = "kpis", _("metrics and incidents")
    OBJECTIVES = "objectives", _("objectives and their items")
    ITEMS = "items", _("work items")
    EVENTS = "events", _("stability events")
    PLAN = "plan", _("next week's plan")
    RISKS = "risks", _("risks and blockers")
    ACTIONS = "actions", _("action items")
    TABLE = "table", _("table")
    PEOPLE = "people", _("per-person updates")
    DAILY = "daily", _("daily notes")
    TEXT = "text", _("free text")
