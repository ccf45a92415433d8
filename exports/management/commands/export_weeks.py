from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from exports import jobs
from reports.models import Team

BAR_WIDTH = 30


class Command(BaseCommand):
    help = _(
        "Export every week of some teams (all by default) as Markdown files in one zip, "
        "with a progress bar. The same export the page builds in the background."
    )

    def add_arguments(self, parser):
        parser.add_argument("--team", action="append", default=[], help=_("team slug; repeat"))
        parser.add_argument("--out", type=Path, required=True, help=_("the zip to write"))

    def handle(self, *args, team, out, **options):
        teams = Team.objects.order_by("slug")
        if team:
            teams = teams.filter(slug__in=team)
            missing = sorted(set(team) - {t.slug for t in teams})
            if missing:
                raise CommandError(_("No such team: %(slugs)s") % {"slugs": ", ".join(missing)})
        chosen = list(teams)
        label = ", ".join(t.name for t in chosen) if team else _("All teams")
        job = jobs.export_job_create(teams=chosen, label=label)
        jobs.export_job_run(job.pk, progress=self._bar)
        self.stderr.write("")
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as target:
            jobs.write_zip(job, target)
        job.refresh_from_db()
        written = ngettext(
            "%(n)d week written to %(out)s", "%(n)d weeks written to %(out)s", job.total
        )
        self.stdout.write(written % {"n": job.total, "out": out})

    def _bar(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        line = f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}"
        self.stderr.write(line, ending="")
        self.stderr.flush()
