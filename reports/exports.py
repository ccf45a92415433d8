"""Report exports as files: one week, or a team's whole history as a zip."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from metrics import trends
from metrics.charts import Chart, cached_svg
from reports import selectors
from reports.document.jsonformat import render_json
from reports.document.renderer import render_markdown
from reports.models import Team, WeeklyReport
from reports.selectors import report_document


def export_filename(report: WeeklyReport, fmt: str = "markdown") -> str:
    suffix = "json" if fmt == "json" else "md"
    return f"{report.team.slug}-{report.report_date.isoformat()}.{suffix}"


def export_text(report: WeeklyReport, fmt: str = "markdown") -> str:
    return document_text(report_document(report), fmt)


def export_texts(reports: list[WeeklyReport], fmt: str = "markdown"):
    """(report, text) of each report, the documents read in batches."""
    docs = selectors.report_documents(reports)
    for report in reports:
        yield report, document_text(docs[report.pk], fmt)


def document_text(doc, fmt: str = "markdown") -> str:
    if fmt == "json":
        return json.dumps(render_json(doc), ensure_ascii=False, indent=2) + "\n"
    return render_markdown(doc)


def report_charts(report: WeeklyReport) -> list[Chart]:
    """The charts a wiki page of this week carries: the twelve weeks up to it."""
    weeks = selectors.trend_weeks(report.team, "12w", until=report.report_date)
    charts = trends.kpi_charts(report.team_id, weeks)
    charts.append(trends.incident_chart(weeks, report.team.grades))
    charts += trends.tracker_charts(report.team_id, weeks)
    return [c for c in charts if not c.empty]


def export_with_charts(report: WeeklyReport, markdown_path: Path) -> list[Path]:
    """Write the week's Markdown to ``markdown_path`` and its charts as SVG files in a
    folder beside it, linked from the page; returns every file written."""
    folder = markdown_path.parent / f"{markdown_path.stem}-charts"
    folder.mkdir(parents=True, exist_ok=True)
    links = []
    written = []
    for n, chart in enumerate(report_charts(report), start=1):
        svg_path = folder / f"chart-{n}.svg"
        svg_path.write_text(cached_svg(chart), encoding="utf-8")
        links.append((chart.title, f"{folder.name}/{svg_path.name}"))
        written.append(svg_path)
    text = render_markdown(report_document(report), charts=links)
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    markdown_path.write_text(text, encoding="utf-8")
    return [markdown_path, *written]


def team_export_zip(team: Team) -> bytes:
    buffer = io.BytesIO()
    reports = WeeklyReport.objects.filter(team=team).select_related("team").order_by("report_date")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for report in reports:
            archive.writestr(export_filename(report), export_text(report))
    return buffer.getvalue()
