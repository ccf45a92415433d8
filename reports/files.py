"""A report as a file: its name, its text in Markdown or JSON, and its charts beside it.

The text is always the renderer's (``reports.document``); this module only reads the
reports and names the files. Many reports are read a batch at a time, so ten years of a
team cost a few dozen queries and a batch's documents in memory, never all of them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.db.models import QuerySet

from metrics import trends
from metrics.charts import Chart, cached_svg
from reports import rows, selectors
from reports.document import ReportDocument, limits
from reports.document.importer import ReportFormatError
from reports.document.jsonformat import render_json
from reports.document.renderer import render_markdown
from reports.models import WeeklyReport


def export_filename(report: WeeklyReport, fmt: str = "markdown") -> str:
    suffix = "json" if fmt == "json" else "md"
    return f"{report.team.slug}-{report.report_date.isoformat()}.{suffix}"


def export_text(report: WeeklyReport, fmt: str = "markdown") -> str:
    return document_text(selectors.report_document(report), fmt)


def report_texts(
    reports: QuerySet[WeeklyReport] | Iterable[int],
    fmt: str = "markdown",
    *,
    batch: int = rows.DOCUMENT_BATCH,
) -> Iterator[tuple[WeeklyReport, str]]:
    """(report, text) of each report of the query (or of the ids), in its order, read
    ``batch`` reports at a time (their team with them)."""
    if isinstance(reports, QuerySet):
        ids = list(reports.values_list("pk", flat=True))
    else:
        ids = list(reports)
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        found = WeeklyReport.objects.select_related("team").in_bulk(chunk)
        page = [found[pk] for pk in chunk if pk in found]  # one deleted meanwhile is skipped
        docs = rows.documents(page)
        for report in page:
            yield report, document_text(docs[report.pk], fmt)


def document_text(doc: ReportDocument, fmt: str = "markdown") -> str:
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
    text = render_markdown(selectors.report_document(report), charts=links)
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    markdown_path.write_text(text, encoding="utf-8")
    return [markdown_path, *written]


def read_import_file(path: Path) -> bytes:
    """The bytes of a Markdown file to import. A file over ``limits.FILE_LIMIT`` is a
    ReportFormatError, found without reading more of it than the limit."""
    with path.open("rb") as file:
        data = file.read(limits.FILE_LIMIT + 1)
        if len(data) > limits.FILE_LIMIT:
            size = max(os.fstat(file.fileno()).st_size, len(data))
            raise ReportFormatError(1, limits.file_too_large(size))
    return data
