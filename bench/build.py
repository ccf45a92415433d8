"""The benchmark's history: many teams of ten years of weeks, shaped like the sample.

Built with bulk inserts, for measuring: it bypasses the report services (and so their
revisions and search indexing, which it writes itself), and takes minutes, not hours.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from metrics import models as mm
from reports import search
from reports.models import (
    ItemUpdate,
    Objective,
    ObjectiveEntry,
    ProjectItem,
    SearchEntry,
    StabilityEvent,
    Team,
    WeeklyReport,
)

PREFIX = "bench-"
FIRST_WEEK = date(2014, 1, 4)  # a Saturday; 520 weeks end in December 2023
BATCH = 5000
KPIS = [("入金有效成功率", "99.95"), ("出金有效成功率", "99.90"), ("支付系统年度可用性", "99.99")]
OBJECTIVES = [("O1", "服务业务"), ("O2", "系统升级"), ("O3", "安全稳定、降本提效")]
ITEMS = [
    ("O1", "轻存管&定转佣能力建设", "定金收款场景试单顺利，累计定金支付{n}单。"),
    ("O1", "朝阳项目-招募提佣", "招募佣金发放{n}单，成功率99.79%。"),
    ("O1", "新支付能力建设", "银联代收迭代：单笔退款、解约通知接入中，第{n}批。"),
    ("O2", "支付账户2.0升级", "旁路记账数据核对一致，已持续{n}天。"),
    ("O2", "POS收单系统建设", "联机dubbo改造开发进度{p}%。"),
    ("O2", "HIVE标准数仓建设", "交易对账单、账户对账单迁移进行中，批次{n}。"),
    ("O3", "生产前置机停机维护演练", "涉及{n}家银行前置机，问题处理和闭环中。"),
    ("O3", "迎检技术准备", "配合数据提取{n}次。"),
]
CATEGORIES = ["TOB商户账单", "风控报表", "产品运营报表", "存管报表", "资金部报表", "业务增长报表"]
EVENTS = [
    "外采风控系统Aerospike集群扩容，增加2个节点。",
    "AZ+TiDB链路的商户账单生成失败。",
    "履约以及资金管理平台连接ftp文件超时告警。",
    "M6v专线故障，切换备用线路。",
]


@transaction.atomic
def build(teams: int, weeks: int, say: Callable[[str], object] = print) -> None:
    """``teams`` teams of ``weeks`` published weeks each, shaped like the sample."""
    for t in range(teams):
        _team(t, weeks)
        if (t + 1) % 10 == 0:
            say(f"  {t + 1} teams")


def _team(t: int, weeks: int) -> None:
    team = Team.objects.create(
        slug=f"{PREFIX}{t}", name=f"基准团队{t:02d}", week_numbering="calendar"
    )
    definitions = mm.KpiDefinition.objects.bulk_create(
        mm.KpiDefinition(team=team, name=name, unit="%", target=Decimal(target), order=n,
                         kind="availability" if "可用性" in name else "success_rate")
        for n, (name, target) in enumerate(KPIS)
    )  # fmt: skip
    objectives = {
        code: o
        for code, o in zip(
            [c for c, _ in OBJECTIVES],
            Objective.objects.bulk_create(
                Objective(team=team, code=c, title=title, order=n)
                for n, (c, title) in enumerate(OBJECTIVES)
            ),
            strict=True,
        )
    }
    items = ProjectItem.objects.bulk_create(
        ProjectItem(team=team, objective=objectives[code], title=title) for code, title, _ in ITEMS
    )
    tracker = mm.MigrationTracker.objects.create(team=team, name="Hive数仓建设")
    categories = mm.MigrationCategory.objects.bulk_create(
        mm.MigrationCategory(tracker=tracker, name=name, order=n)
        for n, name in enumerate(CATEGORIES)
    )
    reports = WeeklyReport.objects.bulk_create(
        WeeklyReport(team=team, report_date=FIRST_WEEK + timedelta(weeks=w), week_number=w % 52 + 1,
                     status="published", other=f"第{w}周的其他事项：GPT Hackathon 复审")
        for w in range(weeks)
    )  # fmt: skip
    rows: dict[type, list] = {
        k: [] for k in (mm.KpiValue, ObjectiveEntry, StabilityEvent, SearchEntry)
    }
    updates = []
    for w, report in enumerate(reports):
        for n, definition in enumerate(definitions):
            value = Decimal("99.90") + Decimal((w * 7 + t * 3 + n * 5) % 10) / 100
            rows[mm.KpiValue].append(
                mm.KpiValue(
                    definition=definition, report=report, value=value, decimals=2, position=n
                )
            )
        for n, objective in enumerate(objectives.values()):
            rows[ObjectiveEntry].append(
                ObjectiveEntry(report=report, objective=objective, position=n, holds_events=n == 2)
            )
        for n, (item, (_code, title, body)) in enumerate(zip(items, ITEMS, strict=True)):
            text = body.format(n=w + n, p=min(100, w // 5))
            updates.append(
                ItemUpdate(
                    report=report,
                    item=item,
                    position=n,
                    body=text,
                    body_html=f"<p>{text}</p>",
                    percent=Decimal(min(100, w // 5)) if n == 4 else None,
                )
            )
            rows[SearchEntry].append(
                SearchEntry(
                    team=team,
                    report=report,
                    day=report.report_date,
                    kind="item",
                    title=title,
                    text=text,
                    tokens=search.index_text(title, text),
                )
            )
        if w % 3 == 0:
            summary = EVENTS[(w + t) % len(EVENTS)]
            day = report.report_date - timedelta(days=2)
            detected = _aware(day, 7 + w % 10)
            rows[StabilityEvent].append(
                StabilityEvent(
                    report=report,
                    occurred_on=day,
                    summary=summary,
                    detected_at=detected,
                    recovered_at=detected + timedelta(minutes=20 + (w * 13) % 300),
                    detection="监控发现",
                    cause="节点响应慢",
                    handling="重启后恢复",
                    grade="CD"[w % 2],
                )
            )
            rows[SearchEntry].append(
                SearchEntry(
                    team=team,
                    report=report,
                    day=report.report_date,
                    kind="event",
                    title=summary,
                    text="节点响应慢 重启后恢复",
                    tokens=search.index_text(summary, "节点响应慢 重启后恢复"),
                )
            )
        rows[SearchEntry].append(
            SearchEntry(
                team=team,
                report=report,
                day=report.report_date,
                kind="report",
                title=f"第{report.week_number}周",
                text=report.other,
                tokens=search.index_text(report.other),
            )
        )
    for model, objs in rows.items():
        model.objects.bulk_create(objs, batch_size=BATCH)
    updates = ItemUpdate.objects.bulk_create(updates, batch_size=BATCH)
    hive = [u for u in updates if u.item_id == items[5].pk]
    snapshots = mm.MigrationSnapshot.objects.bulk_create(
        (mm.MigrationSnapshot(tracker=tracker, report=u.report, item_update=u, stated_overall_percent=Decimal(90))
         for u in hive), batch_size=BATCH,
    )  # fmt: skip
    cats = []
    for w, snapshot in enumerate(snapshots):
        for n, category in enumerate(categories):
            total = 12 + n * 8
            done = min(total - 2, (w * (n + 1)) // 20)
            cats.append(
                mm.CategorySnapshot(
                    snapshot=snapshot,
                    category=category,
                    position=n,
                    total=total,
                    done=done,
                    not_started=total - done - 1,
                )
            )
    cats = mm.CategorySnapshot.objects.bulk_create(cats, batch_size=BATCH)
    mm.ProgressBucket.objects.bulk_create(
        (mm.ProgressBucket(category=c, position=0, percent=Decimal(80), count=1) for c in cats),
        batch_size=BATCH,
    )
    summaries = mm.IncidentSummary.objects.bulk_create(
        (mm.IncidentSummary(report=r) for r in reports), batch_size=BATCH
    )
    mm.IncidentCount.objects.bulk_create(
        (
            mm.IncidentCount(summary=s, grade="CD"[w % 2], count=w % 3)
            for w, s in enumerate(summaries)
        ),
        batch_size=BATCH,
    )


def _aware(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=timezone.get_default_timezone())
