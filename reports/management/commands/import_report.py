import logging
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from reports.document import ReportDocument, ReportStatus
from reports.document.importer import ReportFormatError
from reports.document.layout import learn_layout, seen_headings
from reports.document.summary import summarize
from reports.files import read_import_file
from reports.imports import read_markdown
from reports.layouts import describe_layout, layout_save
from reports.models import RevisionAction, Team
from reports.rows import TeamRows, prerender, team_layout
from reports.services import (
    NotesLocked,
    ReportLocked,
    report_save_document,
    team_get_or_create,
)

logger = logging.getLogger(__name__)

# Files saved per transaction: a commit waits for the disk, which costs more than saving
# a week; a group is small enough that an interruption loses little (run it again: a week
# imported twice is the same week).
FILES_PER_COMMIT = 20
# How much of an unexpected error's text is shown beside its file.
REASON_CHARS = 200


class Command(BaseCommand):
    help = (
        "Import weekly reports written in Markdown: the team's layout, the sample's, or any "
        "team's own (headings are matched to the layout, then to common headings)."
    )

    @staticmethod
    def _check_team(slug: str, name: str | None) -> None:
        """A team created here gets the slug and name the admin would allow: its pages'
        addresses are made from the slug."""
        if Team.objects.filter(slug=slug).exists():
            return
        team = Team(slug=slug, name=name or slug)
        try:
            team.full_clean(validate_unique=False)
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(m)}" for field, m in exc.message_dict.items())
            raise CommandError(f"--team {slug!r}: {problems}") from None

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--team", required=True, help="team slug; created if missing")
        parser.add_argument("--team-name", help="display name for a team created here")
        parser.add_argument("--publish", action="store_true", help="mark imported weeks published")
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            help="the report date (YYYY-MM-DD), for a file that names none or a wrong one",
        )
        parser.add_argument("--week", type=int, help="the week number, when the file has none")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="read the files and print what each holds; save nothing",
        )
        parser.add_argument(
            "--learn-layout",
            action="store_true",
            help="print the layout the files' recurring headings make; with --save-layout, "
            "make it the team's (the weeks are not imported)",
        )
        parser.add_argument(
            "--save-layout",
            action="store_true",
            help="with --learn-layout: save the learned layout as the team's",
        )
        parser.add_argument(
            "--reopen",
            action="store_true",
            help="replace weeks already published: each is reopened first, as on its page "
            "(without it, a published week is refused and left as it is)",
        )

    def handle(self, *args, files, team, team_name=None, publish=False, reopen=False, **options):
        self._check_team(team, team_name)
        self.slug, self.team_name = team, team_name
        self.publish, self.reopen = publish, reopen
        self.date, self.week = options.get("date"), options.get("week")
        self.dry_run = options.get("dry_run", False)
        self.team = Team.objects.filter(slug=team).first()  # else created with its first week
        self.first_file: dict[date, Path] = {}  # each week's file in this import
        if options.get("learn_layout"):
            return self._learn(files, save=options.get("save_layout", False))
        if self.dry_run:
            return self._dry_run(files)
        failed = 0
        for start in range(0, len(files), FILES_PER_COMMIT):
            failed += self._import(files[start : start + FILES_PER_COMMIT])
        if failed:
            raise CommandError(
                _("%(failed)d of %(total)d file(s) could not be imported")
                % {"failed": failed, "total": len(files)}
            )

    def _import(self, files: list[Path]) -> int:
        """Read a group of files, then save the ones read in one transaction, each in a
        savepoint of its own: a file that fails, whatever the reason, leaves nothing
        behind and is reported alone; the others are saved. Lines are written once the
        group has committed. The team's objectives, items and KPI definitions are read
        once for the group; a missing team is created with the first week saved, so an
        import that saves nothing creates none."""
        team = self.team or Team(slug=self.slug, name=self.team_name or self.slug)
        documents = [(path, self._read(path, team)) for path in files]
        lines: list[tuple[bool, str]] = []
        created = False
        rows = None
        with transaction.atomic():
            for path, doc in documents:
                if isinstance(doc, str):
                    lines.append((False, f"{path}: {doc}"))
                    continue
                if rows is None:
                    team, created = team_get_or_create(
                        slug=self.slug, name=self.team_name, language=doc.language
                    )
                    rows = TeamRows(team)
                try:
                    with transaction.atomic():
                        report = report_save_document(
                            team=team,
                            document=doc,
                            action=RevisionAction.IMPORTED,
                            rows=rows,
                            reopen=self.reopen,
                        )
                except Exception as exc:
                    rows = TeamRows(team)  # what the failed save added is rolled back
                    lines.append((False, f"{path}: {self._failure(path, exc)}"))
                    continue
                lines.append(
                    (
                        True,
                        f"{path}: "
                        + _("week %(week)d (%(date)s) imported")
                        % {"week": report.week_number, "date": report.report_date.isoformat()}
                        + " · "
                        + summarize(doc).sentence(),
                    )
                )
            if created and not any(ok for ok, _line in lines):
                transaction.set_rollback(True)  # no week saved: no team either
                created = False
        if created:
            self.team = team
            self.stdout.write(_("Created team %(slug)s") % {"slug": team.slug})
        for ok, line in lines:
            (self.stdout if ok else self.stderr).write(line)
        return sum(not ok for ok, _line in lines)

    def _read(self, path: Path, team: Team) -> ReportDocument | str:
        """The file's document, or why it is not imported."""
        try:
            data = read_import_file(path)
            doc = read_markdown(
                team, data, file_name=path.name, report_date=self.date, week=self.week
            )
        except OSError as exc:
            return exc.strerror or str(exc)
        except Exception as exc:  # the importer's crash is this file's alone
            return self._failure(path, exc)
        if doc.report_date in self.first_file:
            return _(
                "week %(week)d (%(date)s) is also in %(file)s, earlier in this import; "
                "this file was not imported"
            ) % {
                "week": doc.week_number,
                "date": doc.report_date.isoformat(),
                "file": self.first_file[doc.report_date],
            }
        self.first_file[doc.report_date] = path
        if self.publish:
            doc.status = ReportStatus.PUBLISHED
        prerender(doc)  # before the group's transaction, which holds its weeks' row locks
        return doc

    def _dry_run(self, files: list[Path]) -> None:
        """What each file holds, as an import would save it; nothing is saved."""
        team = self.team or Team(slug=self.slug, name=self.team_name or self.slug)
        failed = 0
        for path in files:
            doc = self._read(path, team)
            if isinstance(doc, str):
                failed += 1
                self.stderr.write(f"{path}: {doc}")
                continue
            self.stdout.write(
                f"{path}: "
                + _("week %(week)d (%(date)s), %(language)s")
                % {
                    "week": doc.week_number,
                    "date": doc.report_date.isoformat(),
                    "language": doc.language,
                }
                + " · "
                + summarize(doc).sentence()
            )
        self.stdout.write(_("Dry run: nothing was saved."))
        if failed:
            raise CommandError(
                _("%(failed)d of %(total)d file(s) could not be read")
                % {"failed": failed, "total": len(files)}
            )

    def _learn(self, files: list[Path], *, save: bool) -> None:
        """The layout the files' recurring headings make: printed, and saved as the
        team's only with --save-layout (the lead confirms what was learned first)."""
        team = self.team or Team(slug=self.slug, name=self.team_name or self.slug)
        seen = []
        for path in files:
            doc = self._read(path, team)
            if isinstance(doc, str):
                self.stderr.write(f"{path}: {doc}")
                continue
            seen.append(seen_headings(doc))
        if not seen:
            raise CommandError(_("No file could be read; no layout was learned."))
        layout = learn_layout(seen, known=team_layout(team) if team.pk else None)
        self.stdout.write(describe_layout(layout))
        if not save:
            self.stdout.write(_("Nothing was saved: run again with --save-layout to keep it."))
            return
        if self.team is None:
            team, _created = team_get_or_create(slug=self.slug, name=self.team_name)
            self.team = team
        layout_save(team=self.team, layout=layout)
        self.stdout.write(
            _("Saved as the layout of %(team)s: %(count)d sections.")
            % {"team": self.team.slug, "count": len(layout.sections)}
        )

    def _failure(self, path: Path, exc: Exception) -> str:
        """Why a file was not imported, in a line beside its name."""
        nothing = _("(nothing of this file was saved)")
        if isinstance(exc, ReportFormatError):
            return f"{exc} {nothing}"
        if isinstance(exc, ReportLocked):
            return _(
                "this week is published; nothing was changed (--reopen reopens and replaces it)"
            )
        if isinstance(exc, NotesLocked):
            return f"{exc.day.isoformat()}: {exc} {nothing}"
        # An importer's crash is a bug to fix: its trace goes to the log (a recursion's
        # thousand frames would say nothing more than its name).
        logger.error(
            "Importing %s failed", path, exc_info=None if isinstance(exc, RecursionError) else exc
        )
        reason = f"{type(exc).__name__}: {exc}"[:REASON_CHARS]
        return _("the file could not be imported (%(reason)s)") % {"reason": reason} + f" {nothing}"
