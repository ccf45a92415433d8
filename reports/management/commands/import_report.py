from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.document import ReportStatus
from reports.document.importer import ReportFormatError, parse
from reports.models import RevisionAction, Team
from reports.rows import TeamRows
from reports.services import report_save_document, team_get_or_create

# Files saved per transaction: a commit waits for the disk, which costs more than saving
# a week; a group is small enough that an interruption loses little (run it again: a week
# imported twice is the same week).
FILES_PER_COMMIT = 20


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
        for start in range(0, len(files), FILES_PER_COMMIT):
            failed += self._import(team_obj, files[start : start + FILES_PER_COMMIT], publish)
        if failed:
            raise CommandError(
                _("%(failed)d of %(total)d file(s) could not be imported")
                % {"failed": failed, "total": len(files)}
            )

    def _import(self, team: Team, files: list[Path], publish: bool) -> int:
        """Import a group of files in one transaction, each file in a savepoint of its own
        (a file that fails leaves nothing behind); report them once it has committed.
        The team's objectives, items and KPI definitions are read once for the group."""
        lines: list[tuple[bool, str]] = []
        rows = TeamRows(team)
        zone = timezone.get_default_timezone()
        with transaction.atomic():
            for path in files:
                try:
                    data = path.read_bytes()
                    doc = parse(data, team=team.slug, grades=team.grades, tz=zone)
                    if publish:
                        doc.status = ReportStatus.PUBLISHED
                    try:
                        with transaction.atomic():
                            report = report_save_document(
                                team=team, document=doc, action=RevisionAction.IMPORTED, rows=rows
                            )
                    except Exception:
                        rows = TeamRows(team)  # what the failed save added is rolled back
                        raise
                except ReportFormatError as exc:
                    lines.append((False, f"{path}: {exc} " + _("(nothing of this file was saved)")))
                    continue
                except OSError as exc:
                    lines.append((False, f"{path}: {exc.strerror or exc}"))
                    continue
                lines.append(
                    (
                        True,
                        f"{path}: "
                        + _("week %(week)d (%(date)s) imported")
                        % {"week": report.week_number, "date": report.report_date.isoformat()},
                    )
                )
        for ok, line in lines:
            (self.stdout if ok else self.stderr).write(line)
        return sum(not ok for ok, _line in lines)
