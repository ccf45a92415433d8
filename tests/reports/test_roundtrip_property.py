"""Any document the renderer writes, the importer reads back to the same Markdown and facts."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.document import (
    DailyNote,
    EventKind,
    Incidents,
    Item,
    Kpi,
    KpiKind,
    Marker,
    Migration,
    MigrationCategory,
    Objective,
    ProgressBucket,
    ReportDocument,
    StabilityEvent,
    StatedMigration,
)
from reports.document.importer import parse
from reports.document.renderer import render_markdown
from tests.factories import TZ

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Words a person types in a title or a sentence; the structural marks of the layout
# (separators, brackets, list markers, "进度") are added by the strategies, not drawn here.
WORD_CHARS = "支付账户系统报表数据核对上线银联通道平台监控稳定性能优化迁移阿里云abcdefXYZ"
words = st.text(alphabet=WORD_CHARS, min_size=1, max_size=12)
sentences = st.lists(words, min_size=1, max_size=3).map("，".join)
percents = st.integers(0, 100).map(Decimal)


@st.composite
def items(draw, depth=0):
    marker = draw(st.sampled_from([Marker.BULLET, Marker.NUMBER]))
    children = draw(st.lists(items(depth + 1), max_size=3)) if depth < 2 else []
    has_body = draw(st.booleans())
    return Item(
        title=draw(words),
        sep=draw(st.sampled_from(["，", "："])) if has_body else "",
        body=draw(sentences) if has_body else "",
        detail=draw(st.one_of(st.just(""), sentences)),
        marker=marker,
        children=children,
    )


@st.composite
def categories(draw):
    buckets = draw(
        st.lists(
            st.one_of(
                st.builds(ProgressBucket, percent=percents, label=words, count=st.just(1)),
                st.builds(ProgressBucket, percent=percents, count=st.integers(1, 20)),
            ),
            max_size=4,
        )
    )
    offline, paused, done, not_started = (draw(st.integers(0, 40)) for _ in range(4))
    total = offline + paused + done + not_started + sum(b.count for b in buckets)
    return MigrationCategory(
        name=draw(words),
        stage=draw(words),
        total=total + draw(st.sampled_from([0, 0, 1])),  # now and then a sum that is off
        offline=offline,
        paused=paused,
        done=done,
        done_names=draw(st.lists(words, max_size=3)) if done else [],
        in_progress=buckets,
        not_started=not_started,
    )


@st.composite
def documents(draw):
    report_date = draw(st.dates(date(2020, 1, 10), date(2030, 12, 20)))
    kpi_names = draw(st.lists(words, max_size=4, unique=True))
    objectives = []
    for n in range(1, draw(st.integers(1, 3)) + 1):
        objective_items = draw(st.lists(items(), max_size=4))
        if draw(st.booleans()):
            holder = Item(title=draw(words), marker=Marker.HEADING, label="C", sep="")
            holder.migration = Migration(
                name=draw(words) + "甲乙丙"[n - 1],  # a tracker is in a report once
                categories=draw(st.lists(categories(), min_size=1, max_size=3)),
                stated=StatedMigration(overall_percent=draw(st.one_of(st.none(), percents))),
            )
            objective_items.append(holder)
        objectives.append(Objective(code=f"O{n}", title=draw(words), items=objective_items))
    events = []
    for _ in range(draw(st.integers(0, 3))):
        day = report_date - timedelta(days=draw(st.integers(0, 6)))
        detected = datetime(
            day.year,
            day.month,
            day.day,
            draw(st.integers(0, 23)),
            draw(st.integers(0, 59)),
            tzinfo=SHANGHAI,
        )
        recovered = (
            detected + timedelta(minutes=draw(st.integers(0, 600))) if draw(st.booleans()) else None
        )
        events.append(
            StabilityEvent(
                date=day,
                summary=draw(sentences) + "。",
                detected_at=detected,
                detection=draw(st.sampled_from(["", "监控发现"])),
                cause=draw(st.one_of(st.just(""), sentences)),
                handling=draw(st.one_of(st.just(""), sentences)),
                recovered_at=recovered,
                kind=EventKind.INCIDENT,
            )
        )
    if events:
        objectives[-1].holds_events = True
    return ReportDocument(
        team="t",
        week_number=draw(st.integers(1, 53)),
        report_date=report_date,
        language=draw(st.sampled_from(["zh", "en"])),
        kpis=[
            Kpi(
                name=name,
                value=draw(st.decimals(0, 100, places=2, allow_nan=False)),
                kind=draw(st.sampled_from(KpiKind.values())),
            )
            for name in kpi_names
        ],
        incidents=Incidents(counts={g: draw(st.integers(0, 3)) for g in "ABCD"}) if draw(st.booleans()) else Incidents(),
        objectives=objectives,
        events=events,
        other=draw(st.one_of(st.just(""), sentences)),
        reflections=draw(st.one_of(st.just(""), sentences)),
        next_week=draw(st.one_of(st.just(""), sentences)),
        daily=draw(st.one_of(st.just(""), sentences)),
        daily_notes=[
            DailyNote(
                day=report_date - timedelta(days=draw(st.integers(0, 6))),
                author=draw(st.sampled_from(["张三", "李四", "Wang Fang"])),
                text=draw(sentences),
            )
            for _ in range(draw(st.integers(0, 4)))
        ],
    )  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_render_parse_render_is_identity(doc):
    first = render_markdown(doc)
    again = parse(first, team="t", tz=TZ)
    assert render_markdown(again) == first
    assert (again.week_number, again.report_date, again.language) == (
        doc.week_number,
        doc.report_date,
        doc.language,
    )
    assert [(k.name, k.value) for k in again.kpis] == [
        (k.name, k.value) for k in sorted(doc.kpis, key=lambda k: KpiKind.values().index(k.kind))
    ]
    assert sum(again.incidents.counts.values()) == sum(doc.incidents.counts.values())
    assert [(e.detected_at, e.recovered_at) for e in again.events] == [
        (e.detected_at, e.recovered_at) for e in doc.events
    ]
    before = [m.figures() for _o, _i, m in doc.migrations()]
    after = [m.figures() for _o, _i, m in again.migrations()]
    assert after == before
    assert [o.code for o in again.objectives] == [o.code for o in doc.objectives]
    assert again.daily == doc.daily
    assert sorted((n.day, n.author, n.text) for n in again.daily_notes) == sorted(
        (n.day, n.author, n.text) for n in doc.daily_notes
    )
