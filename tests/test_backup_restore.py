"""A backup restored into an empty database gives back every report, to the byte."""

from io import StringIO

import pytest
from django.core.management import call_command

from reports.exports import export_text
from reports.models import DailyNote, SearchEntry, WeeklyReport
from reports.services import daily_note_create

pytestmark = pytest.mark.django_db(transaction=True)

# The same exclusions as `make backup`: rebuilt or per-installation tables.
EXCLUDE = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "reports.searchentry"]


def _exports() -> dict[str, str]:
    reports = WeeklyReport.objects.select_related("team").order_by("team__slug", "report_date")
    return {f"{r.team.slug}/{r.report_date}": export_text(r) for r in reports}


def test_backup_then_restore_into_an_empty_database(tmp_path, django_user_model):
    call_command("load_demo", "--history", "3", stdout=StringIO())
    lead = django_user_model.objects.get(username="lead")
    from django.utils import timezone

    daily_note_create(
        team=lead.memberships.get().team, author=lead, day=timezone.localdate(), text="备份前的日报"
    )
    before = _exports()
    histories = WeeklyReport.history.count()
    dump = tmp_path / "weekly.json.gz"

    args = ["--natural-foreign", "--natural-primary", "-o", str(dump)]
    call_command("dumpdata", *args, *[x for e in EXCLUDE for x in ("-e", e)], stdout=StringIO())
    call_command("flush", "--noinput", stdout=StringIO())
    assert WeeklyReport.objects.count() == 0
    call_command("loaddata", str(dump), stdout=StringIO())
    call_command("search_index", stdout=StringIO())

    assert _exports() == before
    assert len(before) == 4
    assert WeeklyReport.history.count() == histories  # the revisions come back too
    assert DailyNote.objects.get().text == "备份前的日报"
    assert SearchEntry.objects.filter(kind="note").count() == 1
    assert django_user_model.objects.get(username="lead").check_password("weekly-demo-2023")
