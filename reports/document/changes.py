"""What changed from one week's report to the next, on documents only (no database).

KPIs with their change and whether it went the right way, items that are new, finished or
gone, counts that moved (incidents by grade, each migration category, the trackers'
computed figures), and a line-by-line diff of the two Markdown exports.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from metrics.figures import delta
from reports import document as d
from reports.document.renderer import render_markdown

UP, DOWN, SAME = "up", "down", "same"


@dataclass(frozen=True)
class KpiChange:
    kpi: d.Kpi
    previous: Decimal | None
    change: Decimal | None

    @property
    def direction(self) -> str | None:
        if self.change is None:
            return None
        return UP if self.change > 0 else DOWN if self.change < 0 else SAME

    @property
    def better(self) -> bool | None:
        """Whether the change went the KPI's good way (None when unchanged or unknown)."""
        if self.direction in (None, SAME):
            return None
        return (self.direction == UP) == self.kpi.higher_is_better


@dataclass(frozen=True)
class CountChange:
    label: str
    before: Decimal | int
    after: Decimal | int

    @property
    def change(self):
        return self.after - self.before


@dataclass
class WeekChanges:
    kpis: list[KpiChange] = field(default_factory=list)
    new_items: list[str] = field(default_factory=list)
    finished_items: list[str] = field(default_factory=list)
    gone_items: list[str] = field(default_factory=list)
    counts: list[CountChange] = field(default_factory=list)
    compared: bool = False  # False when there is no earlier week to compare with

    @property
    def anything(self) -> bool:
        moved = any(k.direction not in (None, SAME) for k in self.kpis)
        return moved or bool(
            self.new_items or self.finished_items or self.gone_items or self.counts
        )


def week_changes(doc: d.ReportDocument, previous: d.ReportDocument | None) -> WeekChanges:
    before_kpis = {k.name: k.value for k in previous.kpis} if previous else {}
    changes = WeekChanges(
        kpis=[
            KpiChange(k, before_kpis.get(k.name), delta(k.value, before_kpis.get(k.name)))
            for k in doc.kpis
        ],
        compared=previous is not None,
    )
    if previous is None:
        return changes
    now, then = _items(doc), _items(previous)
    changes.new_items = [path for path in now if path not in then]
    changes.gone_items = [path for path in then if path not in now]
    changes.finished_items = [
        path
        for path, item in now.items()
        if _finished(item) and not (path in then and _finished(then[path]))
    ]
    changes.counts = _counts(doc, previous)
    return changes


def _items(doc: d.ReportDocument) -> dict[str, d.Item]:
    """Items by their place: objective, parents' titles and title ("O1 › 新支付能力建设 › 银联代收")."""
    found: dict[str, d.Item] = {}

    def walk(items: list[d.Item], prefix: str) -> None:
        for item in items:
            path = f"{prefix} › {item.title}"
            found.setdefault(path, item)
            walk(item.children, path)

    for objective in doc.objectives:
        walk(objective.items, objective.code)
    return found


def _finished(item: d.Item) -> bool:
    return item.status == d.ItemStatus.DONE or item.percent == 100


def _labels() -> dict[str, str]:
    return {
        "total": _("Total"),
        "offline": _("Can go offline"),
        "paused": _("Paused"),
        "done": _("Done"),
        "in_progress_count": _("In progress"),
        "not_started": _("Not started"),
        "developed": _("Developed"),
        "in_production": _("In production"),
        "weighted_progress": _("Weighted progress"),
    }


def _counts(doc: d.ReportDocument, previous: d.ReportDocument) -> list[CountChange]:
    moved: list[CountChange] = []
    labels = _labels()
    grades = list(dict.fromkeys(doc.incidents.grades + tuple(previous.incidents.counts)))
    for grade in grades:
        before, after = previous.incidents.counts.get(grade, 0), doc.incidents.counts.get(grade, 0)
        if before != after:
            moved.append(
                CountChange(_("Grade %(grade)s incidents") % {"grade": grade}, before, after)
            )
    earlier = {m.name: m for _o, _i, m in previous.migrations()}
    fields = ("total", "offline", "paused", "done", "in_progress_count", "not_started")
    for _o, _i, migration in doc.migrations():
        old = earlier.get(migration.name)
        if old is None:
            continue
        old_categories = {c.name: c for c in old.categories}
        for category in migration.categories:
            was = old_categories.get(category.name)
            for name in fields:
                a = getattr(was, name) if was else 0
                b = getattr(category, name)
                if a != b:
                    label = f"{migration.name} / {category.name} / {labels[name]}"
                    moved.append(CountChange(label, a, b))
        new_figures, old_figures = migration.figures(), old.figures()
        for name in ("developed", "in_production", "weighted_progress"):
            a, b = getattr(old_figures, name), getattr(new_figures, name)
            if a != b:
                moved.append(CountChange(f"{migration.name} / {labels[name]}", a, b))
    return moved


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed", "skip"
    text: str


def text_diff(
    doc: d.ReportDocument, previous: d.ReportDocument, context: int = 2
) -> list[DiffLine]:
    """The two weeks' Markdown exports compared line by line, unchanged runs folded."""
    return line_diff(render_markdown(previous), render_markdown(doc), context)


# Pairs of lines difflib may compare. It is quadratic in the lines of a repetitive text
# (20,000 equal lines: over a minute), and a revision's counts are taken under the report's
# row lock: past this, the lines both versions begin and end with are set aside, and what
# is left is compared only if it is within the bound, else counted as replaced.
DIFF_PAIRS = 1_000_000


class _BoundedMatcher(difflib.SequenceMatcher):
    """difflib's matcher, exactly as it is within ``DIFF_PAIRS``."""

    def __init__(self, a: list[str], b: list[str]):
        super().__init__(a=a, b=b, autojunk=False)

    def get_opcodes(self) -> list[tuple[str, int, int, int, int]]:
        a, b = self.a, self.b
        if len(a) * len(b) <= DIFF_PAIRS:
            return super().get_opcodes()
        start = 0
        while start < min(len(a), len(b)) and a[start] == b[start]:
            start += 1
        end = 0
        while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
            end += 1
        a_end, b_end = len(a) - end, len(b) - end
        ops = [("equal", 0, start, 0, start)] if start else []
        if (a_end - start) * (b_end - start) <= DIFF_PAIRS:
            middle = difflib.SequenceMatcher(a=a[start:a_end], b=b[start:b_end], autojunk=False)
            ops += [
                (tag, i1 + start, i2 + start, j1 + start, j2 + start)
                for tag, i1, i2, j1, j2 in middle.get_opcodes()
            ]
        elif a_end > start or b_end > start:
            tag = "replace" if a_end > start and b_end > start else "delete"
            tag = "insert" if a_end == start else tag
            ops.append((tag, start, a_end, start, b_end))
        if end:
            ops.append(("equal", a_end, len(a), b_end, len(b)))
        return ops


def line_counts(before: str, after: str) -> tuple[int, int]:
    """How many lines ``after`` adds to ``before``, and how many it removes."""
    added = removed = 0
    a, b = before.splitlines(), after.splitlines()
    for tag, i1, i2, j1, j2 in _BoundedMatcher(a, b).get_opcodes():
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
    return added, removed


def line_diff(before_text: str, after_text: str, context: int = 2) -> list[DiffLine]:
    """Two texts compared line by line, runs of unchanged lines beyond ``context`` folded."""
    before, after = before_text.splitlines(), after_text.splitlines()
    lines: list[DiffLine] = []
    matcher = _BoundedMatcher(before, after)
    for group in matcher.get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("skip", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(DiffLine("same", t) for t in before[i1:i2])
                continue
            lines.extend(DiffLine("removed", t) for t in before[i1:i2])
            lines.extend(DiffLine("added", t) for t in after[j1:j2])
    return lines
