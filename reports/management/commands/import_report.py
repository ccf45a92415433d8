from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.importer import ReportFormatError, parse
from reports.models import RevisionAction
from reports.services import report_save_document, team_get_or_create


class Command(BaseCommand):
    help = "Import weekly reports written in the team's wiki Markdown layout."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--team", required=True, help="team slug; created if missing")
        parser.add_argument("--team-name", help="display name for a team created here")
        parser.add_argument("--publish", action="store_true", help="mark imported weeks published")

    def handle(self, *args, files, team, team_name=None, publish=False, **options):
        team_obj, created = team_get_or_create(slug=team, name=team_name)
        if created:
            self.stdout.write(_("Created team %(slug)s") % {"slug": team_obj.slug})
        failed = 0
        for path in files:
            try:
                data = path.read_bytes()
                doc = parse(data, team=team_obj.slug, grades=team_obj.grades)
                if publish:
                    doc.status = "published"
                report = report_save_document(
                    team=team_obj, document=doc, action=RevisionAction.IMPORTED
                )
            except ReportFormatError as exc:
                failed += 1
                self.stderr.write(f"{path}: {exc} " + _("(nothing of this file was saved)"))
                continue
            except OSError as exc:
                failed += 1
                self.stderr.write(f"{path}: {exc.strerror or exc}")
                continue
            self.stdout.write(
                f"{path}: "
                + _("week %(week)d (%(date)s) imported")
                % {"week": report.week_number, "date": report.report_date.isoformat()}
            )
        if failed:
            raise CommandError(
                _("%(failed)d of %(total)d file(s) could not be imported")
                % {"failed": failed, "total": len(files)}
            )
