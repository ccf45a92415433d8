"""Derived figures, computed in exactly one place from the stored facts.

Nothing here imports Django or the reports app: callers hand in plain numbers, so the
same arithmetic serves the importer's warnings, the pages, the JSON export and the charts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class CategoryCounts:
    """The counts one migration category states for a week.

    ``offline`` are old reports that can be switched off ("可下线": the new Hive report
    replaced them and is in use), ``done`` are finished and in production, ``paused`` are
    on hold, ``in_progress`` holds one percentage per report being worked on, and
    ``not_started`` are scheduled but not begun.
    """

    total: int
    offline: int = 0
    paused: int = 0
    done: int = 0
    in_progress: tuple[Decimal, ...] = ()
    not_started: int = 0

    @property
    def in_progress_count(self) -> int:
        return len(self.in_progress)

    @property
    def counted(self) -> int:
        """What the parts add up to; equals ``total`` in a consistent category."""
        return self.offline + self.paused + self.done + self.in_progress_count + self.not_started


@dataclass(frozen=True)
class MigrationFigures:
    total: int
    offline: int
    paused: int
    done: int
    in_progress: int
    not_started: int
    developed: int
    in_production: int
    weighted_progress: Decimal

    @property
    def developed_percent(self) -> Decimal:
        return percent(self.developed, self.total)

    @property
    def in_production_percent(self) -> Decimal:
        return percent(self.in_production, self.total)


def percent(part: int | Decimal, whole: int | Decimal, places: int = 2) -> Decimal:
    if not whole:
        return Decimal(0)
    value = Decimal(part) * HUNDRED / Decimal(whole)
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def migration_figures(categories: Iterable[CategoryCounts]) -> MigrationFigures:
    """Totals of a migration tracker.

    - developed: every report except those not yet started;
    - in production: offline + done (the new report is live and in use);
    - weighted progress: offline and done count as 100 %, each report in progress with its
      own percentage, paused and not started as 0 %, over the total.
    """
    cats = list(categories)
    total = sum(c.total for c in cats)
    offline = sum(c.offline for c in cats)
    paused = sum(c.paused for c in cats)
    done = sum(c.done for c in cats)
    in_progress = sum(c.in_progress_count for c in cats)
    not_started = sum(c.not_started for c in cats)
    in_production = offline + done
    progress_points = Decimal(in_production) * HUNDRED + sum(
        (p for c in cats for p in c.in_progress), Decimal(0)
    )
    weighted = percent(progress_points, Decimal(total) * HUNDRED) if total else Decimal(0)
    return MigrationFigures(
        total=total,
        offline=offline,
        paused=paused,
        done=done,
        in_progress=in_progress,
        not_started=not_started,
        developed=total - not_started,
        in_production=in_production,
        weighted_progress=weighted,
    )


def duration_minutes(start: datetime | None, end: datetime | None) -> int | None:
    """Whole minutes from detection to recovery; None when either end is unknown."""
    if start is None or end is None:
        return None
    return int((end - start).total_seconds() // 60)


def misses_target(
    value: Decimal | None, target: Decimal | None, *, higher_is_better: bool = True
) -> bool:
    """A value misses its target when it is on the wrong side of it; no target, no miss."""
    if value is None or target is None:
        return False
    return value < target if higher_is_better else value > target


def delta(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    if current is None or previous is None:
        return None
    return current - previous
