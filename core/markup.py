"""Markdown to safe HTML, in exactly one place.

Text typed by people (or imported from a wiki) is rendered with Python-Markdown and then
cleaned by nh3: only ordinary formatting tags survive, and links may point only to http,
https and mailto addresses.

Python-Markdown is quadratic on some inputs (a run of ``[`` or ``![``: every opening
bracket scans the rest of its paragraph for its match; unclosed HTML start tags; a table
test repeated on every line of a long block) and recurses once per nesting level of a
list (``- - - … x`` is a ``RecursionError`` after a few hundred). Its output for ordinary
text is what the reports have always shown, so it stays, with a bound: a conversion that
runs past ``TIME_BUDGET`` or nests too deep for the stack stops, and the text is shown as
it was typed, escaped, in paragraphs. The callers bound the input first (the limits of
``reports.document.limits``), so the budget is a backstop, not the rule.
"""

from __future__ import annotations

import html
import logging
import re
import threading
import time
from collections import OrderedDict

import markdown
import nh3
from markdown.htmlparser import HTMLExtractor
from markdown.preprocessors import HtmlBlockPreprocessor

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


# Seconds one text may take to format. An ordinary week's longest section takes a few
# milliseconds; only a pathological text gets near this, and it is then shown as typed.
TIME_BUDGET = 0.25
# Seconds all the texts of one week may take (``reports.rows.prerender``): a week of many
# pathological texts is not many times a text's budget.
WEEK_BUDGET = 0.5
# What every text of a week gets even once the week's budget is spent: ordinary Markdown
# takes a few milliseconds, so only a pathological text is cut off by it.
TEXT_FLOOR = 0.05

logger = logging.getLogger(__name__)
_local = threading.local()


class _OutOfTime(Exception):
    pass


def _within(converter: markdown.Markdown, step):
    """``step`` of the converter, refused once the conversion is past its deadline. Every
    slow path above runs through such steps, each of them bounded by the text's length."""

    def checked(*args, **kwargs):
        if time.monotonic() > converter.deadline:
            raise _OutOfTime
        return step(*args, **kwargs)

    return checked


class _CheckedExtractor(HTMLExtractor):
    def parse_starttag(self, i: int) -> int:
        if time.monotonic() > self.md.deadline:
            raise _OutOfTime
        return super().parse_starttag(i)


class _HtmlBlocks(HtmlBlockPreprocessor):
    """Python-Markdown's own preprocessor, with its HTML parser checked at every tag (an
    unclosed start tag makes the standard library's parser scan to the end)."""

    def run(self, lines: list[str]) -> list[str]:
        parser = _CheckedExtractor(self.md)
        parser.feed("\n".join(lines))
        parser.close()
        return "".join(parser.cleandoc).split("\n")


def _build() -> markdown.Markdown:
    converter = markdown.Markdown(extensions=["sane_lists", "tables"], output_format="html")
    converter.deadline = float("inf")
    converter.preprocessors.register(_HtmlBlocks(converter), "html_block", 20)
    for pattern in converter.inlinePatterns:
        pattern.handleMatch = _within(converter, pattern.handleMatch)
    for processor in converter.parser.blockprocessors:
        processor.test = _within(converter, processor.test)
        processor.run = _within(converter, processor.run)
    return converter


def _converter() -> markdown.Markdown:
    # Building a converter loads its extensions, which costs more than most conversions:
    # one per thread (a converter holds state while it converts), reset between uses.
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _build()
        _local.converter = converter
    return converter.reset()


def _as_typed(text: str) -> str:
    """The text escaped, in paragraphs: what is shown of a text that could not be formatted."""
    paragraphs = (p.strip("\n") for p in re.split(r"\n[ \t]*\n", text))
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p.strip())


# Texts formatted lately, kept by each process: an autosave formats the week's every text
# again, and all but the one being typed are as they were (a third of an autosave's time
# went to formatting them). Output depends on the text alone. Bounded: texts up to
# KEPT_CHARS long (a long section is a few thousand) whose HTML is at most KEPT_HTML
# long (a short text can format into megabytes: a link reference used a thousand
# times), at most KEPT_TEXTS of them: some 40 MB at worst.
KEPT_TEXTS = 512
KEPT_CHARS = 8_000
KEPT_HTML = 4 * KEPT_CHARS
_kept: OrderedDict[str, str] = OrderedDict()
_kept_lock = threading.Lock()


def markdown_to_html(text: str, *, budget: float = TIME_BUDGET) -> str:
    if not text:
        return ""
    keep = len(text) <= KEPT_CHARS
    if keep:
        with _kept_lock:
            kept = _kept.get(text)
            if kept is not None:
                _kept.move_to_end(text)
                return kept
    rendered = _formatted(text, budget)
    if keep and rendered is not None and len(rendered) <= KEPT_HTML:
        with _kept_lock:
            _kept[text] = rendered
            if len(_kept) > KEPT_TEXTS:
                _kept.popitem(last=False)
    return _as_typed(text) if rendered is None else rendered


def _formatted(text: str, budget: float) -> str | None:
    """The text as safe HTML, or None if it could not be formatted within ``budget``."""
    converter = _converter()
    converter.deadline = time.monotonic() + budget
    try:
        rendered = converter.convert(text)
    except (_OutOfTime, RecursionError) as exc:
        # Stopped halfway, the converter may hold state of this text: build a new one.
        _local.converter = None
        logger.warning(
            "Markdown of %d characters shown as typed: %s", len(text), type(exc).__name__
        )
        return None
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
