"""A backup restored into an empty database gives back every report, to the byte."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from reports.files import export_text
from reports.models import DailyNote, ReportRevision, SearchEntry, Team, WeeklyReport
from reports.services import daily_note_create

pytestmark = pytest.mark.django_db(transaction=True)


def _make_backup_exclusions() -> list[str]:
    """The ``-e`` arguments of `make backup`, read from the Makefile so they cannot drift."""
    text = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^BACKUP_EXCLUDE :=((?:.*\\\n)*.*)$", text, re.MULTILINE)
    words = match.group(1).replace("\\\n", " ").split()
    return [w for w in words if w != "-e"]


EXCLUDE = _make_backup_exclusions()


def _exports() -> dict[str, str]:
    reports = WeeklyReport.objects.select_related("team").order_by("team__slug", "report_date")
    return {f"{r.team.slug}/{r.report_date}": export_text(r) for r in reports}


def test_backup_then_restore_into_an_empty_database(tmp_path, django_user_model):
    call_command("load_demo", "--history", "3", stdout=StringIO())
    lead = django_user_model.objects.get(username="lead")
    from django.utils import timezone

    daily_note_create(
        team=lead.memberships.get(team__slug="payments").team,
        author=lead,
        day=timezone.localdate(),
        text="备份前的日报",
    )
    before = _exports()
    histories = Team.history.count()
    revisions = ReportRevision.objects.count()
    dump = tmp_path / "weekly.json.gz"

    args = ["--natural-foreign", "--natural-primary", "-o", str(dump)]
    call_command("dumpdata", *args, *[x for e in EXCLUDE for x in ("-e", e)], stdout=StringIO())
    call_command("flush", "--noinput", stdout=StringIO())
    assert WeeklyReport.objects.count() == 0
    call_command("loaddata", str(dump), stdout=StringIO())
    call_command("search_index", stdout=StringIO())
    call_command("record_revisions", stdout=StringIO())

    assert _exports() == before
    assert ReportRevision.objects.count() == revisions  # nothing had to be filled in
    assert len(before) == 7  # four weeks of payments, three of Search ranking (own layout)
    assert "axes.accessattempt" in EXCLUDE and "reports.searchentry" in EXCLUDE
    assert Team.history.count() == histories  # the settings' history comes back too
    assert DailyNote.objects.get().text == "备份前的日报"
    assert SearchEntry.objects.filter(kind="note").count() == 1
    assert django_user_model.objects.get(username="lead").check_password("weekly-demo-2023")
