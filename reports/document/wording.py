"""The fixed wording of a report, per heading language, and the grammar of its structured lines.

The importer and the renderer both read from here, so a sentence the renderer writes is
always one the importer reads back. Chinese ("zh") is the layout of the team's wiki pages;
English ("en") is the same layout with English headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reports.document import KpiKind


@dataclass(frozen=True)
class Wording:
    title: str  # first line; {week} {date}
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
    weekdays: tuple[str, ...]  # Monday first


ZH = Wording(
    title="第{week}周 {date}",
    content_title="第{week}周 {date_slash}",
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
)

EN = Wording(
    title="Week {week} {date}",
    content_title="Week {week} {date_slash}",
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
)

WORDING = {"zh": ZH, "en": EN}


def wording(language: str) -> Wording:
    return WORDING.get(language, ZH)


# ---------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------

NUMBER = r"-?\d+(?:\.\d+)?"


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


# ---------------------------------------------------------------------------------------
# Line grammar shared by importer and renderer
# ---------------------------------------------------------------------------------------

TITLE_RE = re.compile(
    r"^(?:第\s*(?P<zh>\d+)\s*周|Week\s+(?P<en>\d+))\s+"
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?$",
    re.IGNORECASE,
)

WIKI_METADATA_RE = re.compile(
    r"^(?:Created|Created time|Last edited|Last edited time|创建时间|更新时间)\s*[:：]"
)

OBJECTIVE_RE = re.compile(r"^[【\[]\s*(?P<code>O\d+)\s*(?P<title>.*?)\s*[】\]]$")
HEADING_ITEM_RE = re.compile(r"^(?P<label>[A-Z])\s*[.．、]\s*(?P<title>.+)$")

ITEM_SEP_RE = re.compile(r"\s*([，：]|:(?!//))\s*")

ITEM_PERCENT_RE = re.compile(r"(?:进展|进度|progress)\s*[:：]?\s*(\d{1,3}(?:\.\d+)?)\s*%", re.I)
ITEM_ETA_RE = re.compile(r"预计\s*(\d{1,2})\s*/\s*(\d{1,2})")

KPI_RE = re.compile(
    r"^(?P<name>[^:：]+?)\s*[:：]\s*(?P<value>" + NUMBER + r")\s*(?P<unit>%|‰|ms|s|min|次|个)?"
    r"\s*(?P<note>.*)$"
)
GROUP_COUNT_RE = re.compile(
    r"(?:(?P<grades>[A-Z]+)\s*级\s*(?P<count>\d+)\s*次|grade\s+(?P<grades_en>[A-Z]+)\s+(?P<count_en>\d+))"
)
NOTE_GRADE_RE = re.compile(r"(?P<grade>[A-Z])\s*级事故\s*(?P<count>\d+)\s*次")

CATEGORY_HEADING_RE = re.compile(
    r"^[【\[](?P<name>[^】\]]+)[】\]]\s*[【\[](?:进度|Stage)\s*[:：]\s*(?P<stage>[^】\]，,]*?)\s*[】\]]?"
    r"\s*[，,]\s*(?:(?:总计|总数)\s*(?P<total>\d+)\s*个|(?P<total_en>\d+)\s+in total)\s*[。.]?$"
)

HEADLINE_RE = re.compile(
    r"^(?P<name>.+?)\s*(?:总进度\s*[:：]\s*(?P<overall>" + NUMBER + r")\s*%\s*[，,]\s*)?"
    r"迁移进度\s*(?:[（(]\s*总数\s*(?P<total>\d+)\s*个\s*[）)])?\s*[:：]\s*"
    r"(?P<progress>" + NUMBER + r")\s*%\s*。?$"
)
HEADLINE_EN_RE = re.compile(
    r"^(?P<name>.+?)\s+(?:overall progress:\s*(?P<overall>" + NUMBER + r")%,\s*)?"
    r"migration progress\s*(?:\((?P<total>\d+) in total\))?:\s*(?P<progress>" + NUMBER + r")%\.?$"
)

SUMMARY_PATTERNS = {
    "total": (r"总数\s*(\d+)\s*个", r"(\d+) reports to migrate"),
    "developed": (r"完成开发\s*(\d+)\s*个", r"(\d+) developed"),
    "not_started": (r"(\d+)\s*个已排期未启动", r"(\d+) scheduled but not started"),
    "in_production": (r"投产在用的?有?\s*(\d+)\s*个", r"(\d+) in production"),
}

# A day of the daily notes ("### 2023-05-22 周一") and one note ("- 张三：完成对账脚本").
NOTE_DAY_RE = re.compile(r"^(?P<day>\d{4}-\d{2}-\d{2})(?:\s+\S+)?$")
NOTE_RE = re.compile(r"^[-*+]\s+(?P<author>[^：:\n]{1,100}?)\s*[：:]\s*(?P<text>\S.*)$")

# The figures of a summary sentence written in the author's own words, each pattern with
# the figures its groups hold, so a later week can restate the same sentence with its own
# numbers ("迁移账单报表总数164个，已经完成开发156个，占比95%（8个已排期未启动开发）…").
SUMMARY_RESTATE = (
    (re.compile(r"总数\s*(\d+)\s*个"), ("total",)),
    (
        re.compile(r"完成开发\s*(\d+)\s*个\s*[，,]\s*占比\s*(\d+)\s*%"),
        ("developed", "developed_pct"),
    ),
    (re.compile(r"(\d+)\s*个已排期未启动"), ("not_started",)),
    (
        re.compile(r"投产在用的?有?\s*(\d+)\s*个\s*[，,]\s*占比\s*(\d+)\s*%"),
        ("in_production", "in_production_pct"),
    ),
)

# Words that name a category's counts, in the sample's spelling and its variants.
COUNT_FIELDS = {
    "可下线": "offline",
    "暂停中": "paused",
    "暂停": "paused",
    "已完成": "done",
    "完成": "done",
    "处理中": "in_progress",
    "推进中": "in_progress",
    "进行中": "in_progress",
    "未启动": "not_started",
    "offline": "offline",
    "paused": "paused",
    "done": "done",
    "in progress": "in_progress",
    "not started": "not_started",
}
COUNT_TOKEN_RE = re.compile(
    r"^(?P<word>" + "|".join(sorted(COUNT_FIELDS, key=len, reverse=True)) + r")\s*"
    r"(?P<n>\d+)\s*个?\s*(?:[（(](?P<inner>.*)[）)])?$",
    re.I,
)
# A count and the word before it, anywhere in a counts line ("已完成22个" in "…，已完成22个，…").
COUNT_WORD_RE = re.compile(
    r"(?P<word>" + "|".join(sorted(COUNT_FIELDS, key=len, reverse=True)) + r")\s*(?P<n>\d+)",
    re.I,
)
UNNAMED_BUCKET_RE = re.compile(
    r"^(?:进度\s*(?P<p>" + NUMBER + r")\s*%\s*的?\s*(?P<n>\d+)\s*个"
    r"|(?P<n_en>\d+) at (?P<p_en>" + NUMBER + r")%)$"
)
NAMED_BUCKET_RE = re.compile(r"^(?P<label>.+?)\s*(?:进度)?\s*(?P<p>" + NUMBER + r")\s*%$")

EVENT_HEAD_RE = re.compile(
    r"^(?P<m>\d{1,2})\s*/\s*(?P<d>\d{1,2})\s*"
    r"(?:(?P<h>\d{1,2})\s*[:：]\s*(?P<min>\d{2})|(?P<words>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜间|深夜|全天))?"
    r"\s*(?P<rest>.*)$"
)
DETECTION_RE = re.compile(
    r"^(?P<how>监控发现|告警发现|巡检发现|用户反馈|业务反馈|客服反馈|人工发现|"
    r"Detected by monitoring|Reported by users)\s*"
)
CHANGE_WORDS_RE = re.compile(r"扩容|缩容|变更|割接|升级|演练|发布|expansion|planned change", re.I)
CLOCK_RE = re.compile(r"(?<![\d/])(\d{1,2})\s*[:：]\s*(\d{2})(?!\d)")
CAUSE_RE = re.compile(r"(?:原因|Cause)\s*[:：]\s*")
HANDLING_RE = re.compile(r"(?:处置|处理|Handling)\s*[:：]\s*")


def split_top_level(text: str, seps: str = "，,、") -> list[str]:
    """Split at separators that are not inside parentheses."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        if ch in seps and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return [p for p in parts if p]
