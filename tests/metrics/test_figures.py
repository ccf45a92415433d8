"""Derived figures are computed from the facts in one place (metrics.figures)."""

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from metrics.figures import (
    CategoryCounts,
    delta,
    duration_minutes,
    migration_figures,
    misses_target,
    percent,
)

# The six categories of the sample's Hive tracker, as its counts lines state them.
SAMPLE_CATEGORIES = [
    CategoryCounts(12, offline=4, paused=1, done=2, in_progress=(90, 90, 85, 85, 80)),
    CategoryCounts(36, offline=5, done=22, in_progress=(90,) * 8, not_started=1),
    CategoryCounts(25, offline=16, done=8, in_progress=(90,)),
    CategoryCounts(32, offline=14, done=15, in_progress=(80, 50, 40)),
    CategoryCounts(
        56, offline=14, done=4, in_progress=(95,) + (90,) * 15 + (80,) * 12 + (75,) * 2,
        not_started=8,
    ),
    CategoryCounts(3, offline=1, done=2),
]  # fmt: skip


def test_sample_tracker_figures():
    figures = migration_figures(
        CategoryCounts(
            c.total, c.offline, c.paused, c.done, tuple(map(Decimal, c.in_progress)), c.not_started
        )
        for c in SAMPLE_CATEGORIES
    )
    assert figures.total == 164
    assert figures.not_started == 9  # the report says 8: the reason this product exists
    assert figures.developed == 155
    assert figures.in_production == 107  # offline 54 + done 53, as the report states
    assert figures.in_production_percent == Decimal("65.24")
    assert figures.in_progress == 47
    assert figures.paused == 1
    # (107 × 100 + 3965 progress points of the 47 in progress) / 164
    assert figures.weighted_progress == Decimal("89.42")


def test_empty_tracker_has_no_division_by_zero():
    figures = migration_figures([])
    assert (figures.total, figures.weighted_progress, figures.developed_percent) == (0, 0, 0)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 50),
            st.integers(0, 50),
            st.integers(0, 50),
            st.lists(st.integers(0, 100), max_size=20),
            st.integers(0, 50),
        ),
        max_size=8,
    )
)
def test_weighted_progress_stays_between_done_share_and_100(rows):
    cats = [
        CategoryCounts(
            offline + done + paused + len(progress) + not_started,
            offline=offline,
            paused=paused,
            done=done,
            in_progress=tuple(Decimal(p) for p in progress),
            not_started=not_started,
        )
        for offline, done, paused, progress, not_started in rows
    ]
    figures = migration_figures(cats)
    assert figures.developed + figures.not_started == figures.total
    assert all(c.counted == c.total for c in cats)
    assert 0 <= figures.weighted_progress <= 100
    if figures.total:
        assert figures.weighted_progress >= percent(figures.in_production, figures.total) - Decimal(
            "0.01"
        )


def test_duration_and_missing_ends():
    start = datetime(2023, 5, 15, 7, 38)
    assert duration_minutes(start, start + timedelta(hours=3, minutes=59)) == 239
    assert duration_minutes(None, start) is None
    assert duration_minutes(start, None) is None


def test_target_misses_respect_direction():
    assert misses_target(Decimal("99.92"), Decimal("99.95"))
    assert not misses_target(Decimal("99.98"), Decimal("99.95"))
    assert not misses_target(Decimal("99.98"), None)
    assert misses_target(Decimal(300), Decimal(200), higher_is_better=False)
    assert not misses_target(Decimal(150), Decimal(200), higher_is_better=False)


def test_delta():
    assert delta(Decimal("99.98"), Decimal("99.92")) == Decimal("0.06")
    assert delta(Decimal(1), None) is None
