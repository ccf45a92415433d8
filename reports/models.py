"""Teams, their weeks and the narrative of each week's report.

Numbers over time (KPI values, incident counts, migration trackers) live in ``metrics``.
Markdown fields are stored twice, source and sanitised HTML, rendered in ``render_html``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.fields import ReadableDateTimeField
from core.markup import markdown_to_html
from reports.document.vocabulary import (
    EventKind,
    ItemStatus,
    Language,
    Marker,
    ReportStatus,
    SectionKind,
    WeekNumbering,
)
from reports.document.weeks import week_number


class MarkdownFieldsMixin(models.Model):
    """Fills ``<name>_html`` from ``<name>`` for every name in ``markdown_fields``."""

    markdown_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        self.render_html(names=None if fields is None else set(fields))
        super().save(*args, **kwargs)

    def render_html(
        self, rendered: Mapping[str, str] | None = None, *, names: set[str] | None = None
    ) -> None:
        """``rendered``: HTML already made, by text (``reports.rows.prerender``), taken as
        it is; a text whose HTML was set here before is not rendered again. ``names``:
        only these fields (a save of some fields renders only those)."""
        done = self.__dict__.setdefault("_html_of", {})
        for name in self.markdown_fields:
            text = getattr(self, name)
            if (names is not None and name not in names) or done.get(name) is text:
                continue
            html = rendered.get(text) if rendered else None
            setattr(self, f"{name}_html", markdown_to_html(text) if html is None else html)
            done[name] = text


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    heading_language = models.CharField(
        _("heading language"),
        max_length=2,
        choices=Language.choices(),
        default=Language.ZH.value,
    )
    severity_grades = models.CharField(
        _("severity grades"),
        max_length=40,
        default="A,B,C,D",
        help_text=_("Incident grades, most severe first, separated by commas."),
    )
    grade_groups = models.CharField(
        _("grade groups"),
        max_length=40,
        blank=True,
        default="AB,CD",
        help_text=_("How incident counts are grouped in the report, e.g. “AB,CD”."),
    )
    week_numbering = models.CharField(
        _("week numbering"),
        max_length=10,
        choices=WeekNumbering.choices(),
        default=WeekNumbering.SEQUENCE.value,
    )
    # When the week's report is due (the site's time zone): the lead is reminded then if it is not
    # published, and the manager the next morning.
    due_weekday = models.PositiveSmallIntegerField(
        _("due day"), choices=Weekday.choices, default=Weekday.FRIDAY
    )
    due_time = models.TimeField(_("due time"), default=time(18, 0))
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_teams",
        verbose_name=_("manager"),
        help_text=_("Told when the week's report is still not published the morning after."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reports:team_detail", args=[self.slug])

    @property
    def grades(self) -> tuple[str, ...]:
        return tuple(g.strip() for g in self.severity_grades.split(",") if g.strip())

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(g.strip() for g in self.grade_groups.split(",") if g.strip())

    def week_number_for(self, day: date, previous: WeeklyReport | None) -> int:
        """The number this team gives the week of ``day``, by its numbering scheme."""
        return week_number(
            day,
            self.week_numbering,
            previous_date=previous.report_date if previous else None,
            previous_number=previous.week_number if previous else None,
        )


class Membership(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("lead")
        MEMBER = "member", _("member")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="one_role_per_team")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.team} ({self.role})"


class TeamSection(models.Model):
    """A section of the team's layout: the heading the team writes, its level and kind,
    and the other spellings an import accepts. A team without any uses the sample's
    layout (``reports.document.layout.default_layout``)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="layout_sections")
    position = models.PositiveIntegerField(_("order"), default=0)
    # Stable within the team: weeks refer to their sections by it, so a rename applies
    # to every week.
    key = models.CharField(_("key"), max_length=40)
    kind = models.CharField(
        _("kind"), max_length=12, choices=SectionKind.choices(), default=SectionKind.TEXT.value
    )
    heading = models.CharField(_("heading"), max_length=200, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), default=2)
    aliases = models.TextField(
        _("other spellings"), blank=True, help_text=_("Accepted on import; one per line.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["team", "position"]
        constraints = [
            models.UniqueConstraint(fields=["team", "key"], name="one_layout_key_per_team")
        ]
        verbose_name = _("layout section")
        verbose_name_plural = _("layout sections")

    def __str__(self) -> str:
        return f"{self.team}: {self.heading or self.key}"

    @property
    def alias_list(self) -> tuple[str, ...]:
        return tuple(a.strip() for a in self.aliases.splitlines() if a.strip())


class Objective(models.Model):
    """A team objective (O1, O2 …) that stays the same from week to week."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="objectives")
    code = models.CharField(_("code"), max_length=10)
    title = models.CharField(_("title"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["team", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["team", "code"], name="unique_objective_code")
        ]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()


class ProjectItem(models.Model):
    """A project or task under an objective, followed across weeks by its title and place."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="items")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    title = models.CharField(_("title"), max_length=500)
    label = models.CharField(_("label"), max_length=5, blank=True)
    # Two items under one parent may share a title ("鉴于迎检需要，…" twice in the sample);
    # the ordinal tells them apart, in the order they appear.
    ordinal = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project item")
        verbose_name_plural = _("project items")

    def __str__(self) -> str:
        return self.title


class WeeklyReport(MarkdownFieldsMixin):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="reports")
    report_date = models.DateField(_("report date"))
    week_number = models.PositiveIntegerField(_("week number"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices(), default=ReportStatus.DRAFT.value
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authored_reports",
    )
    kpi_notes = models.TextField(_("notes on operations data"), blank=True)
    kpi_notes_html = models.TextField(blank=True, editable=False)
    other = models.TextField(_("other"), blank=True)
    other_html = models.TextField(blank=True, editable=False)
    reflections = models.TextField(_("lessons and reflections"), blank=True)
    reflections_html = models.TextField(blank=True, editable=False)
    next_week = models.TextField(_("next week's plan"), blank=True)
    next_week_html = models.TextField(blank=True, editable=False)
    daily = models.TextField(_("daily reports"), blank=True)
    daily_html = models.TextField(blank=True, editable=False)
    import_notes = models.JSONField(_("import notes"), default=list, blank=True)
    # The title and front matter as written, when the report came in a team's own words
    # (blank: the layout's title); its language when not the team's.
    title = models.CharField(_("title"), max_length=500, blank=True)
    title_level = models.PositiveSmallIntegerField(default=1)
    front_matter = models.TextField(blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices(), blank=True)
    # Last week's plan with what became of each line: [{"text": ..., "outcome": ...}].
    plan_review = models.JSONField(_("last week's plan, reviewed"), default=list, blank=True)
    # What the lead confirmed unchanged since last week on the quick-update page ("No
    # change"): stamps of the KPIs and items as they then stood (reports.document.quick
    # .stamp), so a confirmed text is not counted as carried over unreviewed. Not part of
    # the report's document: it prints nothing and moves no version.
    confirmed = models.JSONField(_("confirmed unchanged"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    markdown_fields = ("kpi_notes", "other", "reflections", "next_week", "daily")

    class Meta:
        ordering = ["team", "-report_date"]
        constraints = [
            models.UniqueConstraint(fields=["team", "report_date"], name="one_report_per_week")
        ]
        indexes = [models.Index(fields=["report_date"])]
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")

    def __str__(self) -> str:
        return f"{self.team} · {self.report_date:%Y-%m-%d} (W{self.week_number})"

    def get_absolute_url(self) -> str:
        return reverse("reports:report_detail", args=[self.team.slug, self.report_date])

    @property
    def is_published(self) -> bool:
        return self.status == ReportStatus.PUBLISHED


class ReportSection(MarkdownFieldsMixin):
    """One section of a week, in the order written. A section of the sample's kinds keeps
    its content in the report's own rows (KPIs, objectives, the free texts); any other
    keeps its Markdown here, and what it states is read from it
    (``reports.document.sections``). A blank heading is the team layout's for ``key``."""

    report = models.ForeignKey(WeeklyReport, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(
        _("kind"), max_length=12, choices=SectionKind.choices(), default=SectionKind.TEXT.value
    )
    key = models.CharField(_("key"), max_length=40, blank=True)
    heading = models.CharField(_("heading"), max_length=200, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), default=2)
    text = models.TextField(_("text"), blank=True)
    text_html = models.TextField(blank=True, editable=False)

    markdown_fields = ("text",)

    class Meta:
        ordering = ["report", "position"]
        verbose_name = _("report section")
        verbose_name_plural = _("report sections")

    def __str__(self) -> str:
        return f"{self.report}: {self.heading or self.key}"


class RevisionAction(models.TextChoices):
    CREATED = "created", _("created")
    SAVED = "saved", _("saved")
    # Saved by the editor a moment after the lead stopped typing; a run of these by one
    # person keeps only its latest state (services._record_revision).
    AUTOSAVED = "autosaved", _("saved automatically")
    IMPORTED = "imported", _("imported")
    PUBLISHED = "published", _("published")
    REOPENED = "reopened", _("reopened")
    # The state a report was in when revisions were first recorded for it.
    RECORDED = "recorded", _("recorded")


class ReportRevision(models.Model):
    """The whole report as its Markdown export, each time it was saved or changed status.

    The one history of a week: who changed it, when, how (saved, imported, published,
    reopened) and the whole report as it then stood. Written in the transaction that made
    the change, so a revision exists exactly when the change does. Revisions are never
    edited; the admin refuses to delete those of a report that was ever published (and so
    the report itself). One exception: a run of autosaves by one person within
    AUTOSAVE_RUN is one revision holding the run's latest state, so a lead's typing does
    not bury the history under a revision every few seconds.
    """

    report = models.ForeignKey(WeeklyReport, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    version = models.PositiveIntegerField(_("version"))
    action = models.CharField(_("action"), max_length=10, choices=RevisionAction.choices)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices())
    markdown = models.TextField()
    # Lines added and removed compared with the revision before, counted once when saved.
    lines_added = models.PositiveIntegerField(default=0)
    lines_removed = models.PositiveIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["report", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="one_revision_number")
        ]
        verbose_name = _("report revision")
        verbose_name_plural = _("report revisions")

    def __str__(self) -> str:
        return f"{self.report} r{self.number}"

    def get_absolute_url(self) -> str:
        report = self.report
        return reverse(
            "reports:report_revision", args=[report.team.slug, report.report_date, self.number]
        )

    @property
    def author_name(self) -> str:
        """Who made the change, as people know them; empty for imports and commands."""
        if self.author is None:
            return ""
        return self.author.get_full_name() or self.author.get_username()


class ObjectiveEntry(MarkdownFieldsMixin):
    """An objective as it appears in one week's report: its place and its loose notes."""

    report = models.ForeignKey(
        WeeklyReport, on_delete=models.CASCADE, related_name="objective_entries"
    )
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField(default=0)
    notes = models.TextField(_("notes"), blank=True)
    notes_html = models.TextField(blank=True, editable=False)
    holds_events = models.BooleanField(_("lists the stability events"), default=False)

    markdown_fields = ("notes",)

    class Meta:
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "objective"], name="objective_once_a_week")
        ]
        verbose_name = _("objective entry")
        verbose_name_plural = _("objective entries")

    def __str__(self) -> str:
        return f"{self.report} · {self.objective}"


class ItemUpdate(MarkdownFieldsMixin):
    """One week's progress on a project item."""

    report = models.ForeignKey(WeeklyReport, on_delete=models.CASCADE, related_name="item_updates")
    item = models.ForeignKey(ProjectItem, on_delete=models.CASCADE, related_name="updates")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    position = models.PositiveIntegerField(default=0)
    marker = models.CharField(max_length=10, choices=Marker.choices(), default=Marker.BULLET.value)
    heading_level = models.PositiveSmallIntegerField(default=3)
    sep = models.CharField(max_length=3, blank=True, default="，")
    body = models.TextField(_("progress"), blank=True)
    body_html = models.TextField(blank=True, editable=False)
    detail = models.TextField(_("details"), blank=True)
    detail_html = models.TextField(blank=True, editable=False)
    percent = models.DecimalField(
        _("percent"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ItemStatus.choices(), default="", blank=True
    )
    eta = models.DateField(_("ETA"), null=True, blank=True)

    markdown_fields = ("body", "detail")

    class Meta:
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "item"], name="item_once_a_week"),
            models.CheckConstraint(
                condition=models.Q(percent__isnull=True)
                | models.Q(percent__gte=0, percent__lte=100),
                name="item_percent_0_100",
            ),
        ]
        verbose_name = _("item update")
        verbose_name_plural = _("item updates")

    def __str__(self) -> str:
        return f"{self.report} · {self.item}"


class StabilityEvent(models.Model):
    """A production stability event of the week (生产稳定性事件)."""

    report = models.ForeignKey(WeeklyReport, on_delete=models.CASCADE, related_name="events")
    position = models.PositiveIntegerField(default=0)
    occurred_on = models.DateField(_("date"))
    # Readable: PostgreSQL kept times before year 1 that older versions let through.
    detected_at = ReadableDateTimeField(_("detected at"), null=True, blank=True)
    time_text = models.CharField(_("time in words"), max_length=20, blank=True)
    detection = models.CharField(_("how detected"), max_length=50, blank=True)
    summary = models.TextField(_("what happened"))
    cause = models.TextField(_("cause"), blank=True)
    handling = models.TextField(_("handling"), blank=True)
    recovered_at = ReadableDateTimeField(_("recovered at"), null=True, blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=EventKind.choices(), default=EventKind.INCIDENT.value
    )
    grade = models.CharField(_("grade"), max_length=3, blank=True)

    class Meta:
        ordering = ["report", "position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recovered_at__isnull=True)
                | models.Q(detected_at__isnull=True)
                | models.Q(recovered_at__gte=models.F("detected_at")),
                name="recovery_not_before_detection",
            )
        ]
        verbose_name = _("stability event")
        verbose_name_plural = _("stability events")

    def __str__(self) -> str:
        return f"{self.occurred_on:%m/%d} {self.summary[:40]}"


class DailyNote(models.Model):
    """A member's short note on a day (日报), shown in the report of the week it falls in.

    Notes belong to the team and the day, not to a report, so they can be written before
    the lead starts the week. ``author_name`` is the name shown in the report; notes read
    from an imported report have a name but no user.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="daily_notes")
    day = models.DateField(_("day"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="daily_notes",
    )
    author_name = models.CharField(_("name"), max_length=100)
    text = models.CharField(_("note"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["team", "day", "created_at", "pk"]
        indexes = [models.Index(fields=["team", "day"])]
        verbose_name = _("daily note")
        verbose_name_plural = _("daily notes")

    def __str__(self) -> str:
        return f"{self.day:%m/%d} {self.author_name}: {self.text[:40]}"


class SearchEntry(models.Model):
    """One searchable piece of a report (its free text, an item, an event) or a daily note.

    Derived from the report on every save (``reports.search``), never edited. ``tokens``
    is the text as the search index reads it; on PostgreSQL a stored ``search_vector``
    column (tsvector, GIN-indexed) is generated from it by the database.
    """

    class Kind(models.TextChoices):
        REPORT = "report", _("report text")
        ITEM = "item", _("item")
        EVENT = "event", _("stability event")
        NOTE = "note", _("daily note")
        SECTION = "section", _("section")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(
        WeeklyReport, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    note = models.ForeignKey(
        DailyNote, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    anchor = models.CharField(max_length=50, blank=True)
    tokens = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["team", "day"]), models.Index(fields=["-day"])]
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.title[:40]}"

    def get_absolute_url(self) -> str:
        if self.report_id:
            return reverse("reports:report_detail", args=[self.team.slug, self.report.report_date])
        return reverse("reports:daily_notes", args=[self.team.slug])


# Reaching people: reminders, notifications and wiki pages, and bulk exports. The work is
# done by Celery tasks (reports/tasks.py); these rows are what makes it happen once.


class ReminderKind(models.TextChoices):
    LEAD = "lead", _("reminder to the lead")
    ESCALATION = "escalation", _("escalation to the manager")


class Reminder(models.Model):
    """One reminder for a team's week, sent at most once.

    The row is created before sending; a worker owns it by setting ``claimed_at`` with a
    conditional update, so a task that runs twice, or two workers at once, send it once.
    A claim that never reached ``sent_at`` (a worker killed mid-send) lapses after
    ``CLAIM_SECONDS`` and the next run sends it.
    """

    CLAIM_SECONDS = 600

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="reminders")
    week_start = models.DateField(_("week starting"))
    kind = models.CharField(_("kind"), max_length=12, choices=ReminderKind.choices)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.JSONField(_("recipients"), default=list, blank=True)

    class Meta:
        ordering = ["-week_start", "team", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "week_start", "kind"], name="one_reminder_per_week"
            )
        ]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self) -> str:
        return f"{self.team} {self.week_start:%Y-%m-%d} {self.kind}"


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("e-mail")
    WECOM = "wecom", _("WeCom (企业微信) webhook")
    DINGTALK = "dingtalk", _("DingTalk (钉钉) webhook")
    FEISHU = "feishu", _("Feishu (飞书) webhook")
    SLACK = "slack", _("Slack incoming webhook")
    WIKI = "wiki", _("wiki (git repository)")


class NotificationChannel(models.Model):
    """Where a team's published weeks go: e-mail addresses, a chat webhook or a wiki."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices)
    target = models.CharField(
        _("target"),
        max_length=500,
        help_text=_(
            "E-mail: addresses separated by commas. Webhooks: the webhook's URL. "
            "Wiki: the git repository's URL or path."
        ),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk and Feishu: the robot's signing secret, if it has one."),
    )
    branch = models.CharField(_("branch"), max_length=100, blank=True, default="main")
    folder = models.CharField(
        _("folder"),
        max_length=200,
        blank=True,
        help_text=_("Wiki: the folder for this team's pages; empty for the team's slug."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["team", "kind", "pk"]
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")

    def __str__(self) -> str:
        return f"{self.team} · {self.get_kind_display()}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Delivery(models.Model):
    """One published revision sent to one channel; retried with backoff until it is sent
    or has failed ``MAX_ATTEMPTS`` times. Visible, and resendable, in the admin."""

    MAX_ATTEMPTS = 6
    CLAIM_SECONDS = 300

    channel = models.ForeignKey(
        NotificationChannel, on_delete=models.CASCADE, related_name="deliveries"
    )
    revision = models.ForeignKey(
        ReportRevision, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["channel", "revision"], name="deliver_once")]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.channel} · r{self.revision.number} · {self.status}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ExportJob(models.Model):
    """A zip of many weeks (a team's history, or every team a reader may see), built by a
    worker with its progress here. The teams are fixed when the job is asked for. The
    weeks are kept as ``ExportPart`` rows, not files, so any web process can hand out the
    zip and any worker can continue the job."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="export_jobs",
    )
    team_ids = models.JSONField(default=list)
    label = models.CharField(_("what"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # The worker building it renews this lease as it goes; a lapsed lease lets another
    # worker pick the job up where it stopped.
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.label} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("exports:export_detail", args=[self.pk])

    @property
    def percent(self) -> int:
        return (
            100
            if self.status == ExportStatus.DONE
            else (self.done * 100 // self.total if self.total else 0)
        )


class ExportPart(models.Model):
    """One week's Markdown in an export, under its name in the zip."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="parts")
    name = models.CharField(max_length=200)
    text = models.TextField()

    class Meta:
        ordering = ["job", "name"]
        constraints = [models.UniqueConstraint(fields=["job", "name"], name="one_part_per_name")]

    def __str__(self) -> str:
        return self.name
