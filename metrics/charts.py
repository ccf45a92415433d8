"""Charts as SVG, drawn on the server with matplotlib, for the page and the wiki export alike.

A chart is described by plain data (``Chart``); ``render_svg`` draws it. Text stays text
(``svg.fonttype = none``) so Chinese labels are drawn by the browser's fonts, and every
data point carries a ``<title>`` with its week and value, which browsers show on hover.
``cached_svg`` keys the drawing by the data it draws, so an unchanged chart is drawn once.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from functools import cache

# Bump when the drawing changes, so cached SVGs of the old look are not served.
CHART_STYLE_VERSION = 1
CACHE_SECONDS = 60 * 60 * 24 * 30
MAX_X_LABELS = 8
COLORS = ("#1f6feb", "#2da44e", "#bf8700", "#8250df", "#cf222e", "#0a7f8c", "#6e7781", "#e16f24")
TARGET_COLOR = "#cf222e"

_SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")

RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "weekly",  # the same data gives the same bytes
    "font.family": "sans-serif",
    "font.sans-serif": ["Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "DejaVu Sans"],
    "font.size": 9,
    "text.parse_math": False,  # a "$" in a KPI name or item title is a dollar sign
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    dashed: bool = False
    secondary: bool = False  # drawn against the right-hand axis (a percentage)


@dataclass(frozen=True)
class Chart:
    title: str
    x_labels: tuple[str, ...]  # one per week, e.g. "W21 05-20"
    series: tuple[Series, ...]
    unit: str = ""
    kind: str = "line"  # "line" or "stacked" (bars)
    target: float | None = None
    target_label: str = ""
    secondary_unit: str = "%"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        """Nothing to draw: no values at all, or (bars) nothing but zeros."""
        if self.kind == "stacked":
            return not any(v for s in self.series for v in s.values)
        return not any(v is not None for s in self.series for v in s.values)

    def key(self) -> str:
        data = json.dumps([CHART_STYLE_VERSION, asdict(self)], ensure_ascii=False, default=str)
        return "chart:" + hashlib.sha256(data.encode()).hexdigest()


def number(value) -> float | None:
    return None if value is None else float(value)


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{Decimal(str(value)).normalize():f}"
    return f"{text}{unit}"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: str) -> str:
    """Text as XML can hold it: control characters typed or pasted into a title dropped."""
    return _CONTROL.sub("", text)


@cache
def _matplotlib():
    """matplotlib (with the Agg backend) and its Figure, imported on the first chart: it
    takes a second to import, which commands and web workers that draw none need not pay."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return matplotlib, Figure


def render_svg(chart: Chart) -> str:
    """The chart as an SVG document (a string), with hover titles on every point."""
    chart = replace(
        chart,
        title=_clean(chart.title),
        x_labels=tuple(_clean(x) for x in chart.x_labels),
        series=tuple(replace(s, name=_clean(s.name)) for s in chart.series),
        target_label=_clean(chart.target_label),
        unit=_clean(chart.unit),
    )
    tips: dict[str, str | list[str]] = {}
    matplotlib, figure = _matplotlib()
    with matplotlib.rc_context(RC), _quiet_fonts():
        fig = figure(figsize=(7.6, 2.9), dpi=100, layout="constrained")
        ax = fig.subplots()
        xs = list(range(len(chart.x_labels)))
        if chart.kind == "stacked":
            _stacked(ax, chart, xs, tips)
        else:
            _lines(ax, fig, chart, xs, tips)
        _x_axis(ax, chart, xs)
        ax.set_title(chart.title, loc="left", fontsize=10)
        ax.grid(axis="y", color="#d0d7de", linewidth=0.6)
        named = len(chart.series) > 1 or any(x.name != chart.title for x in chart.series)
        if named or chart.target is not None:
            fig.legend(loc="outside upper right", ncols=4, frameon=False, fontsize=8)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return _with_titles(out.getvalue(), tips)


def _lines(ax, fig, chart: Chart, xs: list[int], tips: dict) -> None:
    right = None
    for n, series in enumerate(chart.series):
        axis = ax
        if series.secondary:
            right = right or ax.twinx()
            axis = right
        points = [(x, v) for x, v in zip(xs, series.values, strict=True) if v is not None]
        if not points:
            continue
        color = COLORS[n % len(COLORS)]
        px, py = zip(*points, strict=True)
        # The line breaks where a week has no value; the dots mark the weeks that have one.
        gaps = [float("nan") if v is None else v for v in series.values]
        axis.plot(
            xs,
            gaps,
            color=color,
            linewidth=1.6,
            linestyle="--" if series.dashed else "-",
            label=series.name,
        )
        dots = axis.scatter(px, py, s=14, color=color, zorder=3)
        gid = f"points-{n}"
        dots.set_gid(gid)
        unit = chart.secondary_unit if series.secondary else chart.unit
        tips[gid] = [f"{chart.x_labels[x]} · {series.name}: {fmt(v, unit)}" for x, v in points]
    if chart.target is not None:
        ax.axhline(
            chart.target,
            color=TARGET_COLOR,
            linestyle=(0, (4, 3)),
            linewidth=1,
            label=chart.target_label,
        )
    if right is not None:
        right.set_ylabel(chart.secondary_unit)
        right.spines["right"].set_visible(True)
        right.set_ylim(0, 100)


def _stacked(ax, chart: Chart, xs: list[int], tips: dict) -> None:
    bottom = [0.0] * len(xs)
    for n, series in enumerate(chart.series):
        heights = [v or 0.0 for v in series.values]
        bars = ax.bar(
            xs, heights, bottom=bottom, color=COLORS[n % len(COLORS)], label=series.name, width=0.7
        )
        for i, rect in enumerate(bars):
            if heights[i]:
                gid = f"bar-{n}-{i}"
                rect.set_gid(gid)
                tips[gid] = f"{chart.x_labels[i]} · {series.name}: {fmt(heights[i], chart.unit)}"
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.yaxis.get_major_locator().set_params(integer=True)


def _x_axis(ax, chart: Chart, xs: list[int]) -> None:
    if not xs:
        ax.set_xticks([])
        return
    step = max(1, -(-len(xs) // MAX_X_LABELS))
    shown = xs[::step]
    if xs[-1] not in shown:
        shown.append(xs[-1])
    ax.set_xticks(shown, [chart.x_labels[x] for x in shown])
    ax.set_xlim(-0.6, len(xs) - 0.4)
    ax.tick_params(axis="x", labelsize=8)


def _with_titles(svg: str, tips: dict[str, str | list[str]]) -> str:
    """Hover titles for the points and bars, and no <style> element (CSP-friendly)."""
    root = ET.fromstring(svg)
    parents = {child: parent for parent in root.iter() for child in parent}
    for style in root.iter(f"{{{_SVG}}}style"):
        parents[style].remove(style)
    for group in root.iter(f"{{{_SVG}}}g"):
        tip = tips.get(group.get("id", ""))
        if tip is None:
            continue
        if isinstance(tip, list):  # a scatter: one <use> per point, in order
            for use, text in zip(group.iter(f"{{{_SVG}}}use"), tip, strict=False):
                ET.SubElement(use, f"{{{_SVG}}}title").text = text
        else:
            title = ET.Element(f"{{{_SVG}}}title")
            title.text = tip
            group.insert(0, title)
    root.set("class", "chart")
    root.set("role", "img")
    return ET.tostring(root, encoding="unicode")


class _quiet_fonts:
    """Without a CJK font installed matplotlib warns once per glyph; the browser draws the
    text anyway (svg.fonttype = none), so those warnings say nothing useful here."""

    def __enter__(self):
        self.logger = logging.getLogger("matplotlib.font_manager")
        self.level = self.logger.level
        self.logger.setLevel(logging.ERROR)
        import warnings

        self.warnings = warnings.catch_warnings()
        self.warnings.__enter__()
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        warnings.filterwarnings("ignore", message="findfont")

    def __exit__(self, *exc):
        self.warnings.__exit__(*exc)
        self.logger.setLevel(self.level)
        return False


def cached_svg(chart: Chart) -> str:
    """The chart's SVG, kept in the cache; drawn afresh while the cache does not answer."""
    from core.cache import get_or_build

    return get_or_build(chart.key(), lambda: render_svg(chart), CACHE_SECONDS)
