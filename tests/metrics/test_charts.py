"""Server-drawn SVG charts: text stays text, every point has its week and value on hover."""

import re

from metrics import charts
from metrics.charts import Chart, Series, cached_svg, render_svg

WEEKS = ("W19 05-06", "W20 05-13", "W21 05-20")
KPI = Chart(
    title="入金有效成功率",
    x_labels=WEEKS,
    series=(Series("入金有效成功率", (99.97, None, 99.98)),),
    unit="%",
    target=99.95,
    target_label="目标 99.95%",
)


def _titles(svg: str) -> list[str]:
    return re.findall(r"<title>([^<]*)</title>", svg)


def test_each_point_carries_its_week_and_value():
    svg = render_svg(KPI)

    assert _titles(svg) == [
        "W19 05-06 · 入金有效成功率: 99.97%",
        "W21 05-20 · 入金有效成功率: 99.98%",
    ]


def test_text_is_text_so_the_browser_draws_chinese():
    svg = render_svg(KPI)

    assert "入金有效成功率" in re.sub(r"<title>[^<]*</title>", "", svg)  # the title, as text
    assert "目标 99.95%" in svg
    assert "<style" not in svg  # no inline style element: ready for a strict CSP
    assert svg.startswith("<svg") and 'class="chart"' in svg


def test_the_same_data_draws_the_same_bytes():
    assert render_svg(KPI) == render_svg(KPI)


def test_stacked_bars_title_each_nonzero_bar():
    chart = Chart(
        title="事故",
        x_labels=WEEKS,
        series=(Series("C级", (0.0, 1.0, 0.0)), Series("D级", (2.0, 0.0, 0.0))),
        kind="stacked",
    )

    assert sorted(_titles(render_svg(chart))) == ["W19 05-06 · D级: 2", "W20 05-13 · C级: 1"]


def test_a_chart_is_drawn_once_for_the_same_data(monkeypatch, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    drawn = []
    monkeypatch.setattr(charts, "render_svg", lambda chart: drawn.append(chart) or "<svg/>")

    cached_svg(KPI)
    cached_svg(KPI)
    cached_svg(Chart(title=KPI.title, x_labels=WEEKS, series=(Series("x", (1.0, 2.0, 3.0)),)))

    assert len(drawn) == 2


def test_empty_charts_are_known_as_empty():
    assert Chart(title="t", x_labels=WEEKS, series=(Series("x", (None, None, None)),)).empty
    assert not KPI.empty


def test_dollar_signs_and_control_characters_are_just_text():
    chart = Chart(
        title="成本 $5 到 $10",
        x_labels=WEEKS,
        series=(Series("A $\\foo$ B\x0b", (1.0, 2.0, 3.0)),),
    )

    svg = render_svg(chart)

    assert "成本 $5 到 $10" in svg
    assert "W21 05-20 · A $\\foo$ B: 3" in _titles(svg)


def test_bars_of_nothing_but_zeros_are_empty():
    zeros = Chart(
        title="事故", x_labels=WEEKS, series=(Series("C级", (0.0, 0.0, 0.0)),), kind="stacked"
    )

    assert zeros.empty
