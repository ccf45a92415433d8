"""Any Markdown a team might write: the importer reads it without crashing, and what it
writes reads back to the same bytes (export -> import -> export), every line kept."""

import re
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.document.importer import ReportFormatError, parse
from reports.document.renderer import render_markdown
from tests.factories import TZ

DAY = date(2024, 3, 8)
WORDS = st.sampled_from(
    [
        "本周",
        "下周计划",
        "风险",
        "待办",
        "指标",
        "故障",
        "进展",
        "完成",
        "负责人：李航",
        "截止",
        "3/12",
        "已解决",
        "跟进中",
        "Owner:",
        "Alice",
        "due",
        "2024-03-20",
        "resolved",
        "open",
        "blocked",
        "p99",
        "99.9%",
        "180",
        "ms",
        "@bob",
        "Week",
        "12",
        "2024-03-05",
        "3/5",
        "14:20",
        "**bold**",
        "`code`",
        "[x]",
        "|",
        ":",
        "：",
        "【】",
        "—",
        "(",
        ")",
        "1.",
    ]
)
HEADINGS = st.sampled_from(
    [
        "本周工作",
        "下周计划",
        "风险与问题",
        "待办与负责人",
        "核心指标",
        "稳定性",
        "成员进展",
        "Next week",
        "Risks",
        "Action items",
        "Metrics",
        "Incidents",
        "Notes",
        "灰度发布跟踪",
        "一、本周工作",
        "## 2. Next week",
        "【其他】",
        "张三",
        "Alice",
    ]
)


@st.composite
def lines(draw):
    kind = draw(
        st.sampled_from(
            ["heading", "bullet", "number", "task", "text", "table", "blank", "fence", "nested"]
        )
    )
    text = " ".join(draw(st.lists(WORDS, min_size=1, max_size=6)))
    if kind == "heading":
        return "#" * draw(st.integers(1, 4)) + " " + draw(HEADINGS)
    if kind == "bullet":
        return f"{draw(st.sampled_from(['-', '*', '+']))} {text}"
    if kind == "number":
        return f"{draw(st.integers(1, 9))}{draw(st.sampled_from(['.', '、', ')']))} {text}"
    if kind == "task":
        return f"- [{draw(st.sampled_from([' ', 'x']))}] {text}"
    if kind == "nested":
        return " " * draw(st.sampled_from([2, 4, 8])) + f"- {text}"
    if kind == "table":
        return f"| {text} | {draw(WORDS)} |"
    if kind == "fence":
        return "```"
    return "" if kind == "blank" else text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines(), min_size=1, max_size=40))
def test_any_page_reads_and_writes_back_the_same(body):
    source = "\n".join(body)
    try:
        doc = parse(source, tz=TZ, report_date=DAY)
    except ReportFormatError:
        return  # refused with a line and a reason: fine, nothing is made up
    once = render_markdown(doc)

    assert render_markdown(parse(once, tz=TZ, report_date=DAY)) == once
    kept = {re.sub(r"\s+", "", ln) for ln in once.split("\n")}
    for line in source.split("\n"):
        if line.strip() and not line.strip().startswith("#"):
            assert re.sub(r"\s+", "", line) in kept, line
