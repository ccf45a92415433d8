"""The grammar of a report's structured lines, shared by the importer and the renderer.

A line the renderer writes in the words of ``wording`` is one these patterns read back:
the title, objectives and lettered sub-projects, KPI and incident lines, a migration
tracker's headline, summary and category counts, stability events. The small readers
below are used both ways: the importer reads a report with them, and the renderer checks
that an author's own wording still says what the figures say before writing it again.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from reports.document.report import MigrationCategory, ProgressBucket
from reports.document.wording import WORDING, fmt_clock

NUMBER = r"-?\d+(?:\.\d+)?"

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


# ---------------------------------------------------------------------------------------
# Readers used both ways
# ---------------------------------------------------------------------------------------


def split_item(text: str) -> tuple[str, str, str]:
    m = ITEM_SEP_RE.search(text)
    if not m or m.start() == 0:
        return text.strip(), "", ""
    sep = m.group(1)
    return text[: m.start()].strip(), "：" if sep == ":" else sep, text[m.end() :].strip()


# The incident line's prefix in every language ("事故数", "Incidents:"), and a shorter
# spelling seen in reports ("事故"); a Latin word ends at a word boundary.
_INCIDENT_PREFIXES = {words.incidents_prefix.rstrip(":： ") for words in WORDING.values()}
INCIDENTS_PREFIX_RE = re.compile(
    r"^(?:"
    + "|".join(
        re.escape(p) + (r"\b" if p[-1].isascii() and p[-1].isalnum() else "")
        for p in sorted(_INCIDENT_PREFIXES | {"事故"}, key=len, reverse=True)
    )
    + r")\s*[:：]?\s*",
    re.I,
)


def is_incident_line(text: str) -> bool:
    return INCIDENTS_PREFIX_RE.match(text) is not None


# The stability events' list entry without its colon, in every language.
_EVENTS_ITEMS = {words.events_item.rstrip(":： ") for words in WORDING.values()}


def is_events_item(text: str) -> bool:
    return text.rstrip(":： ") in _EVENTS_ITEMS


def parse_headline(text: str) -> tuple[str, Decimal | None, int | None, Decimal] | None:
    """A tracker's headline: name, overall %, stated total and migration progress %."""
    m = HEADLINE_RE.match(text) or HEADLINE_EN_RE.match(text)
    if not m:
        return None
    return (
        m["name"].strip(),
        Decimal(m["overall"]) if m["overall"] else None,
        int(m["total"]) if m["total"] else None,
        Decimal(m["progress"]),
    )


def parse_category_heading(text: str) -> tuple[str, str, int] | None:
    """A migration category's heading: name, stage and total."""
    m = CATEGORY_HEADING_RE.match(text)
    if not m:
        return None
    return m["name"].strip(), m["stage"].strip(), int(m["total"] or m["total_en"])


def is_headline(text: str) -> bool:
    return parse_headline(text) is not None


def recovery_time(detected: datetime, handling: str) -> tuple[datetime | None, dict | None]:
    """The recovery time an event's handling text names ("11:37账单重新生成完毕").

    Reports write clock times without a day or AM/PM: a time before detection is read as
    the afternoon when that fits ("14:30" detected, "4:50" recovered: 16:50), else as the
    next day. The second value describes an afternoon reading so the importer can note it.
    """
    clock = CLOCK_RE.search(handling)
    if not clock:
        return None, None
    hour, minute = int(clock.group(1)), int(clock.group(2))
    if hour > 23 or minute > 59:
        return None, None
    recovered = detected.replace(hour=hour, minute=minute)
    if recovered >= detected:
        return recovered, None
    if hour < 12 and recovered + timedelta(hours=12) >= detected:
        shown = {"time": fmt_clock(hour, minute), "pm": fmt_clock(hour + 12, minute)}
        return recovered + timedelta(hours=12), shown
    return recovered + timedelta(days=1), None


def parse_summary(text: str) -> dict[str, int]:
    figures: dict[str, int] = {}
    for key, patterns in SUMMARY_PATTERNS.items():
        for pattern in patterns:
            m = re.search(pattern, text)
            if m:
                figures[key] = int(m.group(1))
                break
    return figures


def parse_counts(text: str, category: MigrationCategory) -> None:
    """Read "可下线4个，暂停中1个，已完成2个（…），处理中5个（…），未启动0个。" into ``category``."""
    body = text.strip().rstrip("。.").strip()
    seen: set[str] = set()
    for token in split_top_level(body, seps="，,;；"):
        m = COUNT_TOKEN_RE.match(token)
        if not m:
            raise ValueError(
                _("could not read “%(token)s” in the category's counts") % {"token": token}
            )
        name = COUNT_FIELDS[m["word"].lower()]
        if name in seen:
            raise ValueError(_("“%(token)s” is counted twice") % {"token": token})
        seen.add(name)
        n = int(m["n"])
        inner = (m["inner"] or "").strip()
        if name == "done":
            category.done = n
            category.done_names = split_top_level(inner) if inner else []
        elif name == "in_progress":
            category.in_progress = parse_buckets(inner, n)
        else:
            setattr(category, name, n)


def parse_counts_line(text: str, name: str = "") -> MigrationCategory | None:
    """The counts a line states, or None when it is not a counts line."""
    category = MigrationCategory(name=name)
    try:
        parse_counts(text, category)
    except ValueError:
        return None
    return category


def parse_buckets(inner: str, stated: int) -> list[ProgressBucket]:
    buckets: list[ProgressBucket] = []
    for part in split_top_level(inner) if inner else []:
        m = UNNAMED_BUCKET_RE.match(part)
        if m:
            buckets.append(
                ProgressBucket(percent=Decimal(m["p"] or m["p_en"]), count=int(m["n"] or m["n_en"]))
            )
            continue
        m = NAMED_BUCKET_RE.match(part)
        if not m:
            raise ValueError(_("could not read the progress “%(part)s”") % {"part": part})
        buckets.append(ProgressBucket(percent=Decimal(m["p"]), label=m["label"].strip()))
    for bucket in buckets:
        if not (0 <= bucket.percent <= 100):
            raise ValueError(_("a progress percentage is between 0 and 100"))
    counted = sum(b.count for b in buckets)
    if buckets and counted != stated:
        raise ValueError(
            _("%(stated)d in progress, but the breakdown lists %(counted)d")
            % {"stated": stated, "counted": counted}
        )
    if not buckets and stated:
        raise ValueError(
            _("%(stated)d in progress without their progress, e.g. “处理中2个（进度80%%2个）”")
            % {"stated": stated}
        )
    return buckets
