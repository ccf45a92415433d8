"""The fixed wording of a report, per heading language: every word the report writes itself.

The renderer writes these words and the importer recognises them (the headings through
``section_kind``, the structured lines through ``grammar``), so a sentence the renderer
writes is always one the importer reads back. Chinese ("zh") is the layout of the team's
wiki pages; English ("en") is the same layout with English headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reports.document.vocabulary import KpiKind


@dataclass(frozen=True)
class Wording:
    week: str  # {week}: "第21周"
    title: str  # first line; {week} (the week as above) {date}
    content_title: str  # the title repeated at the top of the wiki page body
    last_week: str
    operations: str
    kpi_groups: dict[str, str]
    incidents_prefix: str
    grade_count: str  # {grade} {count}
    objective: str  # {label}: "O1 服务业务"
    events_item: str
    cause: str
    handling: str
    other: str
    reflections: str
    next_week: str
    daily: str
    comma: str
    colon: str
    full_stop: str
    headline: str
    headline_progress_only: str
    summary: str
    category_heading: str
    count_words: dict[str, str]  # field -> "可下线{n}个"
    named_bucket: str
    unnamed_bucket: str
    list_open: str
    list_close: str
    recovered: str
    item_percent: str  # {p}: an item's percent done, when its text does not say it
    weekdays: tuple[str, ...]  # Monday first

    def week_title(self, week: int, day: date) -> str:
        return self.title.format(week=self.week.format(week=week), date=day.isoformat())

    def content_week_title(self, week: int, day: date) -> str:
        return self.content_title.format(
            week=self.week.format(week=week), date_slash=fmt_date_slash(day)
        )


ZH = Wording(
    week="第{week}周",
    title="{week} {date}",
    content_title="{week} {date_slash}",
    last_week="上周进展",
    operations="【系统运行数据】",
    kpi_groups={
        KpiKind.SUCCESS_RATE: "成功率：",
        KpiKind.AVAILABILITY: "可用性：",
        KpiKind.OTHER: "其他指标：",
    },
    incidents_prefix="事故数",
    grade_count="{grade}级{count}次",
    objective="【{label}】",
    events_item="生产稳定性事件：",
    cause="原因：",
    handling="处置：",
    other="【其他】",
    reflections="本周收获与反思",
    next_week="下周工作及目标",
    daily="日报合集",
    weekdays=("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    comma="，",
    colon="：",
    full_stop="。",
    headline="{name}总进度：{overall}%，迁移进度（总数{total}个）：{progress}%。",
    headline_progress_only="{name}迁移进度（总数{total}个）：{progress}%。",
    summary=(
        "迁移报表总数{total}个，已经完成开发{developed}个，占比{developed_pct}%"
        "（{not_started}个已排期未启动开发），新报表已投产在用的有{in_production}个，"
        "占比{in_production_pct}%。"
    ),
    category_heading="【{name}】【进度：{stage}】，总计{total}个",
    count_words={
        "offline": "可下线{n}个",
        "paused": "暂停中{n}个",
        "done": "已完成{n}个",
        "in_progress": "处理中{n}个",
        "not_started": "未启动{n}个",
    },
    named_bucket="{label}进度{percent}%",
    unnamed_bucket="进度{percent}%{count}个",
    list_open="（",
    list_close="）",
    recovered="{time}恢复",
    item_percent="（进度{p}%）",
)

EN = Wording(
    week="Week {week}",
    title="{week} {date}",
    content_title="{week} {date_slash}",
    last_week="Last week",
    operations="[Operations data]",
    kpi_groups={
        KpiKind.SUCCESS_RATE: "Success rates:",
        KpiKind.AVAILABILITY: "Availability:",
        KpiKind.OTHER: "Other metrics:",
    },
    incidents_prefix="Incidents: ",
    grade_count="grade {grade} {count}",
    objective="[{label}]",
    events_item="Production stability events:",
    cause="Cause: ",
    handling="Handling: ",
    other="[Other]",
    reflections="Lessons and reflections",
    next_week="Next week's plan",
    daily="Daily reports",
    weekdays=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    comma=", ",
    colon=": ",
    full_stop=".",
    headline="{name} overall progress: {overall}%, migration progress ({total} in total): {progress}%.",
    headline_progress_only="{name} migration progress ({total} in total): {progress}%.",
    summary=(
        "{total} reports to migrate, {developed} developed ({developed_pct}%; "
        "{not_started} scheduled but not started), {in_production} in production "
        "({in_production_pct}%)."
    ),
    category_heading="[{name}][Stage: {stage}], {total} in total",
    count_words={
        "offline": "offline {n}",
        "paused": "paused {n}",
        "done": "done {n}",
        "in_progress": "in progress {n}",
        "not_started": "not started {n}",
    },
    named_bucket="{label} {percent}%",
    unnamed_bucket="{count} at {percent}%",
    list_open=" (",
    list_close=")",
    recovered="recovered {time}",
    item_percent=" (progress {p}%)",
)

WORDING = {"zh": ZH, "en": EN}


def wording(language: str) -> Wording:
    return WORDING.get(language, ZH)


# ---------------------------------------------------------------------------------------
# Section headings: the one table the renderer writes and the importer reads
# ---------------------------------------------------------------------------------------

# Each fixed section and the field of ``Wording`` that is its heading.
SECTION_FIELDS = {
    "last_week": "last_week",
    "operations": "operations",
    "other": "other",
    "reflections": "reflections",
    "next_week": "next_week",
    "daily": "daily",
}
# Other spellings the importer accepts, beside each language's heading.
SECTION_ALIASES = {"operations": ("系统运行数据",), "other": ("其他",)}


def _section_kinds() -> dict[str, str]:
    kinds = {}
    for section, name in SECTION_FIELDS.items():
        for words in WORDING.values():
            kinds[getattr(words, name)] = section
        for alias in SECTION_ALIASES.get(section, ()):
            kinds[alias] = section
    return kinds


_SECTION_KINDS = _section_kinds()


def section_kind(heading: str) -> str | None:
    """Which fixed section a heading names, in any language ("【其他】", "[Other]", "其他")."""
    return _SECTION_KINDS.get(re.sub(r"\s+", " ", heading))


# ---------------------------------------------------------------------------------------
# Numbers, dates and times as the report writes them
# ---------------------------------------------------------------------------------------


def fmt_decimal(value: Decimal | None) -> str:
    """A stated number as it was typed: 99.98 stays 99.98, 100 stays 100."""
    if value is None:
        return ""
    return format(value, "f")


def fmt_date_slash(value: date) -> str:
    return value.strftime("%Y/%m/%d")


def fmt_month_day(value: date) -> str:
    return f"{value.month}/{value.day}"


def fmt_clock(hour: int, minute: int) -> str:
    return f"{hour}:{minute:02d}"
