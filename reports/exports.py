"""Report exports as files: one week, or a team's whole history as a zip."""

from __future__ import annotations

import io
import json
import zipfile

from reports.models import Team, WeeklyReport
from reports.renderer import render_json, render_markdown
from reports.selectors import report_document


def export_filename(report: WeeklyReport, fmt: str = "markdown") -> str:
    suffix = "json" if fmt == "json" else "md"
    return f"{report.team.slug}-{report.report_date.isoformat()}.{suffix}"


def export_text(report: WeeklyReport, fmt: str = "markdown") -> str:
    doc = report_document(report)
    if fmt == "json":
        return json.dumps(render_json(doc), ensure_ascii=False, indent=2) + "\n"
    return render_markdown(doc)


def team_export_zip(team: Team) -> bytes:
    buffer = io.BytesIO()
    reports = WeeklyReport.objects.filter(team=team).select_related("team").order_by("report_date")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for report in reports:
            archive.writestr(export_filename(report), export_text(report))
    return buffer.getvalue()
