from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.files import export_filename, export_with_charts, report_texts
from reports.models import Team, WeeklyReport


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = "Export weekly reports as Markdown (the wiki layout) or JSON."

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True)
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--date", type=_date)
        which.add_argument("--all", action="store_true")
        parser.add_argument("--format", choices=["markdown", "json"], default="markdown")
        parser.add_argument("--out", type=Path, help="file (one week) or directory (--all)")
        parser.add_argument(
            "--with-charts",
            action="store_true",
            help="also write the week's trend charts as SVG beside the Markdown and link them",
        )

    def handle(
        self,
        *args,
        team,
        date=None,
        all=False,
        format="markdown",
        out=None,
        with_charts=False,
        **options,
    ):
        team_obj = Team.objects.filter(slug=team).first()
        if team_obj is None:
            raise CommandError(f"No team {team!r}")
        reports = WeeklyReport.objects.filter(team=team_obj).select_related("team")
        if date is not None:
            reports = reports.filter(report_date=date)
            if not reports.exists():
                raise CommandError(f"{team} has no report for {date.isoformat()}")
        reports = reports.order_by("report_date")
        if with_charts:
            self._with_charts(list(reports), format, out, all)
            return
        if all and out is not None:
            out.mkdir(parents=True, exist_ok=True)
            written = 0
            for report, text in report_texts(reports, format):
                (out / export_filename(report, format)).write_text(text, encoding="utf-8")
                written += 1
            self.stdout.write(f"Wrote {written} file(s) to {out}")
            return
        text = "\n".join(text for _, text in report_texts(reports, format))
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {out}")
        else:
            self.stdout.write(text, ending="")

    def _with_charts(self, reports, format, out, all):
        if format != "markdown":
            raise CommandError("--with-charts goes with the Markdown format")
        if out is None:
            raise CommandError("--with-charts writes files: give --out")
        written = []
        for report in reports:
            path = out / export_filename(report) if all else out
            written += export_with_charts(report, path)
        self.stdout.write(f"Wrote {len(written)} file(s) under {out}")
