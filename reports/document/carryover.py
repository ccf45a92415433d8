"""Starting a week from the last one: what is carried over, what starts empty.

Pure functions over documents, so the rules can be read and tested without a database.
A number that has to be measured again this week (a KPI value) starts empty, with last
week's value shown beside the field; a state that only changes when someone changes it
(an item's text, a category's counts, the incident tally of the year) is copied.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from datetime import date, timedelta

from reports import document as d
from reports.document import dates as dt
from reports.document import sections as sx
from reports.document.layout import DEFAULT_KEYS
from reports.document.rules import EARLIEST_OPEN_EVENT_DAYS
from reports.document.vocabulary import ItemStatus
from reports.document.vocabulary import SectionKind as K

# A list entry of the plan: "1. ...", "1、...", "- ...", "* ...".
_PLAN_ENTRY = re.compile(r"^\s*(?:\d+[.)]\s+|\d+、\s*|[-*+]\s+)(?P<text>.+?)\s*$")
_NUMBERED = re.compile(r"^\s*(\d+)[.、)]\s+", re.M)


def plan_lines(text: str) -> list[str]:
    """The lines of a plan section, without their list markers."""
    lines = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        m = _PLAN_ENTRY.match(raw)
        if m:
            lines.append(m.group("text"))
        elif raw.startswith((" ", "\t")) and lines:
            lines[-1] = f"{lines[-1]} {raw.strip()}"  # a continuation of the entry above
        else:
            lines.append(raw.strip())
    return lines


def next_document(
    previous: d.ReportDocument, *, report_date: date, week_number: int
) -> d.ReportDocument:
    """This week's draft, started from ``previous`` (last week's report or the team template).

    A week in the team's own words keeps its sections and their words: risks and action
    items still open are carried, the plan starts empty (last week's is reviewed), the
    events listed last week are not listed again, the title and front matter name the new
    week's dates. The KPIs a metrics section in the team's words states keep their values
    (the text says them) until the lead changes them."""
    days = (report_date - previous.report_date).days
    stated = {k.name for s in previous.sections if s.kind == K.KPIS for k in sx.read_kpis(s.text)}
    own_events = any(s.kind == K.EVENTS and s.key not in DEFAULT_KEYS for s in previous.sections)
    plan = previous.next_week or next(
        (s.text for s in previous.sections if s.kind == K.PLAN and s.key not in DEFAULT_KEYS), ""
    )
    doc = d.ReportDocument(
        team=previous.team,
        week_number=week_number,
        report_date=report_date,
        status="draft",
        language=previous.language,
        kpis=[
            replace(k) if k.name in stated else replace(k, value=None, note="")
            for k in previous.kpis
        ],
        kpi_notes=previous.kpi_notes,
        incidents=copy.deepcopy(previous.incidents),
        objectives=[_objective(o) for o in previous.objectives],
        events=[
            copy.deepcopy(e)
            for e in previous.events
            if is_open(e)
            and not own_events
            and e.date >= report_date - timedelta(days=EARLIEST_OPEN_EVENT_DAYS)
        ],  # an incident still open after a year is not carried any further (the rules')
        plan_review=[d.PlanLine(text=line) for line in plan_lines(plan)],
        title=dt.shift_week(
            dt.shift_dates(previous.title, days), previous.week_number, week_number
        ),
        title_level=previous.title_level,
        front_matter=_front_matter(previous.front_matter, days),
        sections=[_section(s, previous.report_date) for s in previous.sections],
    )
    return doc


def _front_matter(text: str, days: int) -> str:
    """The dates of a front matter's ``date:`` and ``title:`` lines moved to the new week."""
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if re.match(r"^(?:date|title)\s*:", line, re.IGNORECASE):
            lines[n] = dt.shift_dates(line, days)
    return "\n".join(lines)


def _section(section: d.Section, last_date: date) -> d.Section:
    """A section of last week as this week starts it (see ``next_document``)."""
    text = section.text
    if section.key in DEFAULT_KEYS:
        text = ""
    elif section.kind in (K.RISKS, K.ACTIONS):
        text = open_entries(text, last_date)
    elif section.kind in (K.PLAN, K.DAILY):
        text = ""
    elif section.kind == K.EVENTS:
        text = "\n".join(line for line in text.split("\n") if not sx.LIST_RE.match(line)).strip(
            "\n"
        )
    elif section.kind == K.PEOPLE:
        text = "\n\n".join(
            line for line in text.split("\n") if sx.HEADING_RE.match(line)
        )  # each person's heading, to write under
    return replace(section, text=text)


def open_entries(text: str, report_date: date | None = None) -> str:
    """A list of risks or action items without the entries that are done (a checked box,
    a status such as 已解决 / resolved); text that is no list is kept as it is."""
    body = sx.read_list(text)
    if body is None:
        return text
    body.entries = [
        e for e in body.entries if not e.done and e.facts(report_date)["status"] != ItemStatus.DONE
    ]
    if not body.entries:
        return "\n\n".join(t for t in (body.intro, body.outro) if t)
    return sx.list_text(body)


def is_open(event: d.StabilityEvent) -> bool:
    """An incident with no recovery time yet; planned changes are done when they happen."""
    return event.kind == d.EventKind.INCIDENT and event.recovered_at is None


def _objective(objective: d.Objective) -> d.Objective:
    return d.Objective(
        code=objective.code,
        title=objective.title,
        items=[_item(i) for i in objective.items],
        notes=objective.notes,
        holds_events=objective.holds_events,
    )


def _item(item: d.Item) -> d.Item:
    return d.Item(
        title=item.title,
        body=item.body,
        detail=item.detail,
        sep=item.sep,
        marker=item.marker,
        label=item.label,
        heading_level=item.heading_level,
        percent=item.percent,
        status=item.status,
        eta=item.eta,
        children=[_item(c) for c in item.children],
        migration=_migration(item.migration) if item.migration else None,
    )


def _migration(migration: d.Migration) -> d.Migration:
    """Counts are copied; the summary figures are left to be computed from them.

    Only the programme's overall percentage, which no count can give, is carried as stated.
    The summary keeps the author's sentence, restated with the computed figures.
    """
    return d.Migration(
        name=migration.name,
        categories=[replace(c, in_progress=list(c.in_progress)) for c in migration.categories],
        stated=d.StatedMigration(overall_percent=migration.stated.overall_percent),
        summary_text=migration.summary_text,
    )


def with_carried_plan(
    next_week: str, review: list[d.PlanLine], before: list[d.PlanLine] = ()
) -> str:
    """``next_week`` with the lines of last week's plan just marked "carried" added.

    Only lines that were not already carried in ``before`` (the review as last saved):
    once added, a line is the lead's to reword or delete, and it is not added again.
    """
    carried_before = {p.text for p in before if p.outcome == d.PlanOutcome.CARRIED}
    missing = [
        p.text
        for p in review
        if p.outcome == d.PlanOutcome.CARRIED
        and p.text not in carried_before
        and p.text not in plan_lines(next_week)
    ]
    if not missing:
        return next_week
    numbers = [int(n) for n in _NUMBERED.findall(next_week)]
    start = max(numbers, default=0) + 1
    added = [f"{start + i}. {text}" for i, text in enumerate(missing)]
    head = next_week.rstrip()
    return "\n".join(([head] if head else []) + added)
