"""Writes: a report document saved into the models, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from metrics import models as mm
from reports import document as d
from reports import rows as r
from reports import search, selectors
from reports.document import ReportStatus, rules
from reports.document.changes import line_counts
from reports.document.renderer import render_markdown
from reports.document.weeks import WEEK_DAYS
from reports.models import DailyNote, ReportRevision, RevisionAction, Team, WeeklyReport
from reports.signals import report_published

# A lead's autosaves closer together than this are one run of typing: one revision.
AUTOSAVE_RUN = timedelta(minutes=10)


class ReportLocked(Exception):
    """A published report is not edited; it has to be reopened first."""


class WeekTaken(Exception):
    """Someone else started this week's report in the meantime."""


class StaleReport(Exception):
    """The report was saved by someone else after the page was opened."""


class NotesLocked(Exception):
    """A daily note for a day whose week's report is published: that week is locked, so
    the note is neither added nor removed there. ``index``: the note's place in the
    document's ``daily_notes`` (None for a note written on its own page)."""

    def __init__(self, day: date, index: int | None = None):
        self.day, self.index = day, index
        super().__init__(
            _("The report of this day's week is published; reopen it to change its daily notes.")
        )


def team_get_or_create(
    *, slug: str, name: str | None = None, language: str | None = None
) -> tuple[Team, bool]:
    """The team of that slug; a team created here writes its headings in ``language``
    (the language of the report that created it)."""
    defaults = {"name": name or slug}
    if language:
        defaults["heading_language"] = language
    return Team.objects.get_or_create(slug=slug, defaults=defaults)


@transaction.atomic
def report_save_document(
    *,
    team: Team,
    document: d.ReportDocument,
    author=None,
    fresh: bool = False,
    action: str | None = None,
    rows: r.TeamRows | None = None,
    reopen: bool = False,
    markdown: str | None = None,
    before: d.ReportDocument | None = None,
    locked: WeeklyReport | None = None,
    prerendered: bool = False,
    last_revision: ReportRevision | None = None,
) -> WeeklyReport:
    """Create or replace the team's report for ``document.report_date``.

    Saving the same week again updates the report in place: the report row keeps its id,
    and its parts are replaced by the document's. Objectives, items, KPI definitions and
    trackers are team-level and are reused by name, so history follows them across weeks.
    Each save is recorded as a revision (``action``: created or saved unless told).
    ``rows``: the team's rows, when the caller keeps them across saves (TeamRows).

    A published week is locked, whichever door the document came through: ReportLocked
    if this week is published, unless ``reopen`` (then it is reopened first, recorded as
    on its page); NotesLocked if the document adds a daily note to another week that is.
    ``markdown``: the document's export, when the caller has rendered it already.
    ``before``: the document the week's rows hold, read at the version the caller has
    locked (``report_update`` makes sure): only the parts that changed are written.
    ``locked``: the week's row, which the caller has locked in this transaction.
    ``prerendered``: the caller has rendered the document's Markdown (``rows.prerender``).
    ``last_revision``: the week's last revision, read by the caller under the row lock.
    """
    if not prerendered:
        r.prerender(document)  # before the row lock
    rows = rows if rows is not None else r.TeamRows(team)
    if locked is not None:
        report = locked
    else:
        week = WeeklyReport.objects.select_for_update()
        report = week.filter(team=team, report_date=document.report_date).first()
    created = report is None
    if not created and report.is_published:
        if not reopen:
            raise ReportLocked(report.pk)
        report = _set_status(report, ReportStatus.DRAFT, reason=RevisionAction.REOPENED, by=author)
        last_revision = None  # the reopening is the last one now
    _refuse_notes_in_published_weeks(team, report, document.daily_notes)
    if created:
        report = WeeklyReport(team=team, report_date=document.report_date, author=author)
    elif not fresh:  # ``fresh``: created empty by report_create just now
        if before is None:
            r.clear_parts(report)
        report.version += 1
    r.write_report(report, document)
    if author is not None and report.author_id is None:
        report.author = author
    if document.status == ReportStatus.PUBLISHED and report.published_at is None:
        report.published_at = timezone.now()
    if created:
        try:
            with transaction.atomic():
                report.save(force_insert=True)
        except IntegrityError:
            if not WeeklyReport.objects.filter(
                team=team, report_date=document.report_date
            ).exists():
                raise  # not a race: a value the database refuses
            # Someone created the week since we looked: save over theirs, as if it had
            # been there (their version stays in the revisions).
            return report_save_document(
                team=team,
                document=document,
                author=author,
                fresh=fresh,
                action=action,
                rows=rows,
                reopen=reopen,
            )
    else:
        report.save()

    saved = None
    if before is not None and not created and not fresh:
        notes, changed = r.rewrite_parts(rows, report, document, before)
        saved = r.reread(report, before, changed)
    else:
        notes = r.write_parts(rows, report, document)
    search.index_report(report, document, new=created)
    for note in notes:
        search.index_note(note)
    if action is None:
        action = RevisionAction.CREATED if created or fresh else RevisionAction.SAVED
    if markdown is None:
        markdown = render_markdown(document)
    _record_revision(
        report, markdown, action=action, author=author, first=created, last=last_revision
    )
    # The week as its rows now hold it (when worked out), for report_update to keep.
    report._saved_document = saved
    return report


@transaction.atomic
def report_create(*, team: Team, document: d.ReportDocument, author) -> WeeklyReport:
    """A new draft for a week that has no report yet; WeekTaken if one appeared meanwhile."""
    r.prerender(document)  # before the new row is locked by its insert
    try:
        with transaction.atomic():  # the unique (team, date) constraint decides a race
            WeeklyReport.objects.create(
                team=team,
                report_date=document.report_date,
                week_number=document.week_number,
                author=author,
            )
    except IntegrityError as exc:
        raise WeekTaken(document.report_date) from exc
    document.status = ReportStatus.DRAFT
    return report_save_document(
        team=team, document=document, author=author, fresh=True, prerendered=True
    )


@transaction.atomic
def report_update(
    *,
    report: WeeklyReport,
    document: d.ReportDocument,
    author,
    expected_version: int | None = None,
    autosave: bool = False,
    before: d.ReportDocument | None = None,
) -> WeeklyReport:
    """Save the edit page's document over a draft opened at ``expected_version``.

    ``autosave``: saved by the editor while the lead types. A document that states exactly
    what the last revision holds is not saved again (the version stays), and the revision
    of a run of autosaves is kept up to date instead of adding one per save.

    ``before``: the week's document as read from its rows after ``report`` was read. If
    the report is still at ``report.version`` once locked, no save came between, so those
    rows still hold ``before``, and only the parts that differ from it are written."""
    r.prerender(document)  # before the row lock: the save holds it only for its writes
    locked = WeeklyReport.objects.select_for_update().get(pk=report.pk)
    locked.team = report.team
    if locked.is_published:
        raise ReportLocked(report.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleReport(report.pk)
    if locked.version != report.version:
        before = None
    # What this save will keep for the next one is built on ``before``: only if nothing
    # of the team's changed since it was read (a daily note, the layout, a KPI's target
    # change no week's version).
    keep = before is not None and selectors.still_current(before, report.team_id)
    document.status = ReportStatus.DRAFT
    autosaved = {}
    if autosave:
        markdown = render_markdown(document)
        last = locked.revisions.first()
        if last is not None and last.version == locked.version and last.markdown == markdown:
            return locked
        autosaved = {
            "action": RevisionAction.AUTOSAVED,
            "markdown": markdown,
            "last_revision": last,
        }
    saved = report_save_document(
        team=report.team,
        document=document,
        author=author,
        before=before,
        locked=locked,
        prerendered=True,
        **autosaved,
    )
    if keep and saved._saved_document is not None:
        # The week as its rows now hold it, for the next save's editor (the page saves
        # again a moment after the next keystroke), without reading it all again.
        selectors.keep_document(saved, saved._saved_document)
    return saved


@dataclass(frozen=True)
class Confirming:
    """What a quick-update page changed of a week's confirmations ("No change"): stamps
    added and removed (``reports.document.quick.stamps``), and the stamps the week's
    KPIs and items have now (any other is of a text since changed, and goes)."""

    added: set[str]
    removed: set[str]
    current: set[str]

    def applied(self, confirmed: list[str]) -> list[str]:
        return sorted((set(confirmed) - self.removed | self.added) & self.current)


@transaction.atomic
def report_confirm(*, report: WeeklyReport, confirming: Confirming) -> WeeklyReport:
    """Keep what the lead confirmed unchanged since last week on the quick-update page,
    over what the week holds now (another page's confirmations stay). Nothing of the
    week's document changes: no version, no revision; the week's time of change moves
    and the pages that count what is carried are told (page cache). The week's row,
    as saved."""
    row = WeeklyReport.objects.select_for_update().get(pk=report.pk)
    confirmed = confirming.applied(row.confirmed)
    if row.confirmed != confirmed:
        row.confirmed = confirmed
        row.save(update_fields=["confirmed", "updated_at"])
    return row


@transaction.atomic
def report_publish(*, report: WeeklyReport, by=None) -> WeeklyReport:
    return _set_status(report, ReportStatus.PUBLISHED, reason=RevisionAction.PUBLISHED, by=by)


@transaction.atomic
def report_reopen(*, report: WeeklyReport, by=None) -> WeeklyReport:
    """Unlock a published report for edits; the history keeps who reopened it, and when."""
    return _set_status(report, ReportStatus.DRAFT, reason=RevisionAction.REOPENED, by=by)


def _set_status(report: WeeklyReport, status: str, *, reason: str, by) -> WeeklyReport:
    report = WeeklyReport.objects.select_for_update().get(pk=report.pk)
    if report.status == status:
        return report
    report.status = status
    if status == ReportStatus.PUBLISHED:
        report.published_at = timezone.now()
    report.save(update_fields=["status", "published_at", "updated_at"])
    last = report.revisions.only("markdown").first()
    markdown = last.markdown if last else render_markdown(selectors.report_document(report))
    revision = _record_revision(report, markdown, action=reason, author=by)
    if status == ReportStatus.PUBLISHED:
        # Whoever tells people of it writes what they will send in this transaction.
        report_published.send(sender=WeeklyReport, revision_id=revision.pk)
    return report


@transaction.atomic
def report_record_revision(*, report: WeeklyReport) -> ReportRevision | None:
    """Record the report as it stands when its last revision is not of its current
    version (reports saved before revisions were kept, or restored from such a backup)."""
    report = WeeklyReport.objects.select_for_update().get(pk=report.pk)
    last = report.revisions.first()
    if last is not None and last.version == report.version:
        return None
    markdown = render_markdown(selectors.report_document(report))
    return _record_revision(report, markdown, action=RevisionAction.RECORDED, author=None)


def _record_revision(
    report: WeeklyReport,
    markdown: str,
    *,
    action: str,
    author,
    first: bool = False,
    last: ReportRevision | None = None,
):
    """Append a revision; the caller holds the report's row lock, so numbers never clash.
    ``first``: the report was created in this transaction, so it has none yet. ``last``:
    its last revision, when the caller has read it under the lock.

    An autosave following the same person's autosave of less than AUTOSAVE_RUN ago
    replaces that revision's state: one revision per run of typing."""
    if first:
        last = None
    elif last is None:
        last = report.revisions.first()
    if (
        last is not None
        and action == RevisionAction.AUTOSAVED == last.action
        and author is not None
        and last.author_id == author.pk
        and last.status == report.status
        and timezone.now() - last.created_at < AUTOSAVE_RUN
    ):
        earlier = report.revisions.filter(number__lt=last.number)
        before = earlier.values_list("markdown", flat=True).first()
        last.lines_added, last.lines_removed = line_counts(before or "", markdown)
        last.markdown, last.version, last.created_at = markdown, report.version, timezone.now()
        last.save(
            update_fields=["markdown", "version", "created_at", "lines_added", "lines_removed"]
        )
        return last
    added, removed = line_counts(last.markdown if last else "", markdown)
    return ReportRevision.objects.create(
        report=report,
        number=last.number + 1 if last else 1,
        version=report.version,
        action=action,
        status=report.status,
        markdown=markdown,
        lines_added=added,
        lines_removed=removed,
        author=author if author is not None and author.is_authenticated else None,
    )


class SettingsConflict(Exception):
    """Two rows were given each other's names in one save."""


class StaleSettings(Exception):
    """The team's settings were saved by someone else after the page was opened."""


def team_settings_save(*, settings) -> None:
    """Save the settings page (``reports.team_settings.TeamSettings``) in one transaction,
    unless the settings changed since the page was opened (StaleSettings; nothing saved)."""
    try:
        with transaction.atomic():
            Team.objects.select_for_update().only("pk").get(pk=settings.team.pk)
            if not settings.is_current():
                raise StaleSettings(settings.team.pk)
            settings.save()
    except IntegrityError as exc:
        raise SettingsConflict(str(exc)) from exc


def display_name(user) -> str:
    name = user.get_full_name() or user.get_username()
    return name[: DailyNote._meta.get_field("author_name").max_length]


def _published_days(
    team: Team | int, days: set[date], *, besides: WeeklyReport | None = None
) -> set[date]:
    """Of ``days``, those in the week of a published report of the team (other than
    ``besides``). The reports whose weeks hold them are locked for the transaction, so a
    week published meanwhile is seen as published, and one cannot be published while
    a note is added to it."""
    dates = {
        day + timedelta(days=n)
        for day in days
        for n in range(WEEK_DAYS)
        if day <= date.max - timedelta(days=n)
    }
    reports = WeeklyReport.objects.select_for_update().filter(team=team, report_date__in=dates)
    if besides is not None and besides.pk is not None:
        reports = reports.exclude(pk=besides.pk)
    published = [w.report_date for w in reports.only("report_date", "status") if w.is_published]
    return {day for day in days if any(0 <= (p - day).days < WEEK_DAYS for p in published)}


def _refuse_notes_in_published_weeks(
    team: Team, report: WeeklyReport | None, notes: list[d.DailyNote]
) -> None:
    """NotesLocked for the first note the save would add to a published week. Notes the
    team already has are no change (a week's JSON sent back carries its own notes)."""
    if not notes:
        return
    locked = _published_days(team, {n.day for n in notes}, besides=report)
    if not locked:
        return
    known = set(
        DailyNote.objects.filter(team=team, day__in=locked).values_list(
            "day", "author_name", "text"
        )
    )
    for index, note in enumerate(notes):
        if note.day in locked and (note.day, note.author, note.text) not in known:
            raise NotesLocked(note.day, index)


@transaction.atomic
def daily_note_create(*, team: Team, author, day, text: str) -> DailyNote:
    if _published_days(team, {day}):
        raise NotesLocked(day)
    note = DailyNote.objects.create(
        team=team,
        day=day,
        author=author,
        author_name=display_name(author),
        text=rules.one_line(text),  # one line, as the week's layout writes it
    )
    search.index_note(note)
    return note


@transaction.atomic
def daily_note_delete(*, note: DailyNote) -> None:
    if _published_days(note.team_id, {note.day}):
        raise NotesLocked(note.day)
    note.delete()


class UnknownKpi(ValueError):
    """A KPI name the team has not defined (team settings)."""


# The ``expected_version`` of a write that may only start the week: no report has it.
NO_REPORT = 0


@transaction.atomic
def kpi_values_ingest(
    *,
    team: Team,
    report_date,
    values: dict[str, Decimal | None],
    author=None,
    source: str = d.KpiSource.API,
    expected_version: int | None = None,
) -> tuple[WeeklyReport, bool]:
    """Set a week's KPI values as a monitoring job sends them; (report, whether it changed).

    The week's draft is started from last week if it does not exist. Sending the same
    values again changes nothing and records no revision. A published week is locked.
    ``expected_version``: the version the sender read (``NO_REPORT``: it saw no report),
    StaleReport if the week is not at it; None for a job of ours that merges its values
    into whatever version it finds.
    """
    defined = {k.name: k for k in mm.KpiDefinition.objects.filter(team=team)}
    unknown = sorted(set(values) - set(defined))
    if unknown:
        raise UnknownKpi(", ".join(unknown))
    for n, (name, value) in enumerate(values.items()):  # before a draft is started
        problem = rules.kpi_value_problem(value, defined[name].unit)
        if problem:
            raise rules.Invalid(rules.Problem(f"values[{n}].value", problem))
    report = selectors.report_for_team(team, report_date)
    found = report.version if report is not None else NO_REPORT
    if expected_version is not None and found != expected_version:
        raise StaleReport(report.pk if report is not None else None)
    if report is None:
        start, _previous = selectors.new_week_document(team, report_date)
        try:
            report = report_create(team=team, document=start, author=author)
        except WeekTaken:
            if expected_version is not None:
                raise StaleReport(None) from None
            report = selectors.report_for_team(team, report_date)
    if report.is_published:
        raise ReportLocked(report.pk)
    doc = selectors.report_document(report)
    by_name = {k.name: k for k in doc.kpis}
    changed = False
    for name, value in values.items():
        kpi = by_name.get(name)
        if kpi is None:
            kpi = r.kpi_of(defined[name], None)
            doc.kpis.append(kpi)
        if str(kpi.value) != str(value) or kpi.source != source:
            kpi.value, kpi.source = value, source
            changed = True
    if not changed:
        return report, False
    report = report_update(
        report=report, document=doc, author=author, expected_version=report.version
    )
    return report, True


def kpi_values_ingest_retrying(attempts: int = 3, **kwargs) -> tuple[WeeklyReport, bool]:
    """``kpi_values_ingest``, read again and retried when someone saved the week in
    between (two monitoring jobs at once, a lead saving); StaleReport after ``attempts``."""
    for attempt in range(attempts):
        try:
            return kpi_values_ingest(**kwargs)
        except StaleReport:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
