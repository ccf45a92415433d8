"""Markdown -> document -> Markdown, without a database: the sample loses no fact."""

import re
from pathlib import Path

import pytest

from reports.document.importer import parse
from reports.document.renderer import render_markdown
from tests.factories import TZ

SAMPLE = Path(__file__).parent.parent / "fixtures" / "2023-05-20.md"


def _normalise(line: str) -> str:
    """A line with white space and bullet style ignored: "- x", "* x", "1. x" all read "x"."""
    text = re.sub(r"\s+", "", line)
    return re.sub(r"^(?:[-*+]|\d+[.、])", "", text)


@pytest.fixture(scope="module")
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def exported(sample_text) -> str:
    return render_markdown(parse(sample_text, team="payments", tz=TZ))


def test_every_line_of_the_sample_appears_in_the_export(sample_text, exported):
    exported_lines = {_normalise(line) for line in exported.splitlines()}
    missing = [
        line
        for line in sample_text.splitlines()
        if line.strip() and not line.startswith("Created:")
        if _normalise(line) not in exported_lines
    ]
    assert missing == []


def test_created_line_is_dropped(exported):
    assert "Created:" not in exported


def test_every_number_of_the_sample_appears_in_the_export(sample_text, exported):
    body = "\n".join(ln for ln in sample_text.splitlines() if not ln.startswith("Created:"))
    numbers = re.findall(r"\d+(?:\.\d+)?", body)
    exported_numbers = re.findall(r"\d+(?:\.\d+)?", exported)
    remaining = list(exported_numbers)
    for number in numbers:
        assert number in remaining, number
        remaining.remove(number)


def test_export_reimport_export_is_byte_identical(exported):
    again = render_markdown(parse(exported, team="payments", tz=TZ))
    assert again.encode("utf-8") == exported.encode("utf-8")


def test_export_keeps_the_sample_section_order(exported):
    headings = [ln for ln in exported.splitlines() if ln.startswith("#")]
    assert headings[:6] == [
        "# 第21周 2023-05-20",
        "# 第21周 2023/05/20",
        "# 上周进展",
        "## 【系统运行数据】",
        "## 【O1 服务业务】",
        "## 【O2 系统升级】",
    ]
    assert headings[-5:] == [
        "## 【O3 安全稳定、降本提效】",
        "## 【其他】",
        "# 本周收获与反思",
        "# 下周工作及目标",
        "# 日报合集",
    ]


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda t: re.sub(r"(?m)^(\s*)- ", r"\1* ", t), id="star-bullets"),
        pytest.param(lambda t: t.replace("：", ":"), id="half-width-colons"),
        pytest.param(lambda t: t.replace("\n\n", "\n\n\n\n"), id="extra-blank-lines"),
        pytest.param(lambda t: "\ufeff" + t, id="byte-order-mark"),
    ],
)
def test_wiki_export_variants_read_as_the_same_report(sample_text, exported, transform):
    variant = parse(transform(sample_text), team="payments", tz=TZ)
    original = parse(sample_text, team="payments", tz=TZ)
    assert [k.value for k in variant.kpis] == [k.value for k in original.kpis]
    assert variant.incidents.counts == original.incidents.counts
    assert [o.code for o in variant.objectives] == ["O1", "O2", "O3"]
    assert len(list(variant.items())) == len(list(original.items()))
    assert len(variant.events) == 3
    migration = next(variant.migrations())[2]
    assert [c.total for c in migration.categories] == [12, 36, 25, 32, 56, 3]
    assert variant.next_week.count("\n") == original.next_week.count("\n")


def test_english_headings_round_trip(sample_text):
    doc = parse(sample_text, team="payments", tz=TZ)
    doc.language = "en"
    english = render_markdown(doc)
    assert english.startswith("# Week 21 2023-05-20\n")
    assert "## [Operations data]" in english
    again = parse(english, team="payments", tz=TZ)
    assert again.language == "en"
    assert render_markdown(again) == english
    assert [k.value for k in again.kpis] == [k.value for k in doc.kpis]
    assert again.incidents.counts == doc.incidents.counts
