"""Bounded work (``--parts bounded``): each pathological input of issue 15 through its
real path at the largest size a door accepts, timed, and whether the report's row lock
was held while Markdown was formatted. Runs on its own team, removed afterwards; needs
none of the big history."""

from __future__ import annotations

import contextlib
import tempfile
import time
from datetime import date
from io import StringIO
from pathlib import Path

import markdown
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from reports import selectors, services
from reports.document import changes, limits
from reports.forms import ReportEditor
from reports.models import Membership, Team
from tests.forms_data import editor_data

SLUG = "bounded-bench"
WEEK = date(2023, 5, 20)
N = limits.TEXT_LIMIT
INPUTS = {
    f"'[' x {N}": "[" * N,
    f"'![' x {N // 2}": "![" * (N // 2),
    f"'[(' x {N // 2}": "[(" * (N // 2),
    f"'- ' x {N // 2} (nested list)": "- " * (N // 2 - 1) + "x",
    "indented lists, 40 deep": "".join("    " * (i % 40) + "- a\n" for i in range(600))[:N],
    f"'<a ' x {N // 3}": "<a " * (N // 3),
    f"'\\n-' x {N // 2}": "\n-" * (N // 2),
}
GOAL_S = 1.0


class _Watch:
    """Markdown conversions and row locks of the report, in the order they happen."""

    def __init__(self):
        self.events: list[str] = []

    def __enter__(self):
        self._convert = convert = markdown.Markdown.convert
        events = self.events

        def recorded(md, source):
            events.append("convert")
            return convert(md, source)

        markdown.Markdown.convert = recorded
        self._wrapper = connection.execute_wrapper(self._query)
        self._wrapper.__enter__()
        return self

    def _query(self, execute, sql, params, many, context):
        if "FOR UPDATE" in sql and "reports_weeklyreport" in sql:
            self.events.append("lock")
        return execute(sql, params, many, context)

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)
        markdown.Markdown.convert = self._convert

    @property
    def formatted_under_lock(self) -> bool:
        if "lock" not in self.events:
            return False
        return "convert" in self.events[self.events.index("lock") :]


def run(say) -> None:
    Team.objects.filter(slug=SLUG).delete()
    team = Team.objects.create(slug=SLUG, name="Bounded bench")
    users = get_user_model().objects
    lead, _ = users.get_or_create(username="bounded-lead")
    member, _ = users.get_or_create(username="bounded-member")
    Membership.objects.create(team=team, user=lead, role=Membership.Role.LEAD)
    Membership.objects.create(team=team, user=member, role=Membership.Role.MEMBER)
    start, _previous = selectors.new_week_document(team, WEEK)
    report = services.report_create(team=team, document=start, author=lead)
    lead_client, member_client = Client(), Client()
    lead_client.force_login(lead)
    member_client.force_login(member)
    edit_url = reverse("reports:report_edit", args=[SLUG, WEEK.isoformat()])
    say(f"\nBounded work: each input at {N} characters (a field's limit); goal under {GOAL_S} s")
    say(f"  {'input':32} {'preview':>8} {'form save':>10} {'lock held while formatting'}")
    try:
        for name, text in INPUTS.items():
            started = time.perf_counter()
            preview = member_client.post(reverse("reports:markdown_preview"), {"text": text})
            preview_s = time.perf_counter() - started
            report.refresh_from_db()
            doc = selectors.report_document(report)
            editor = ReportEditor(doc, grades=team.grades, version=report.version)
            data = editor_data(editor)
            data["report-other"], data["report-reflections"] = text, text[:-1] + "。"
            with _Watch() as watch:
                started = time.perf_counter()
                saved = lead_client.post(edit_url, data)
                save_s = time.perf_counter() - started
            ok = preview.status_code == 200 and saved.status_code == 302
            say(
                f"  {name:32} {preview_s:7.3f}s {save_s:9.3f}s  "
                f"{'yes' if watch.formatted_under_lock else 'no'}"
                f"{'' if ok else f'  (answered {preview.status_code}, {saved.status_code})'}"
            )
        _week_at_limit(say, team, report, lead)
        _import(say)
        _line_counts(say)
    finally:
        Team.objects.filter(slug=SLUG).delete()


def _week_at_limit(say, team: Team, report, lead) -> None:
    """A whole week of pathological texts, as many as the week's limit holds."""
    doc = selectors.report_document(report)
    fields = ("other", "reflections", "next_week", "daily", "kpi_notes")
    for n, name in enumerate(fields):
        setattr(doc, name, "[" * (N - 1) + str(n))  # five texts, each formatted
    with _Watch() as watch:
        started = time.perf_counter()
        services.report_update(report=report, document=doc, author=lead)
        seconds = time.perf_counter() - started
    say(
        f"  a week of {len(fields)} texts of '[' x {N} (service save): {seconds:.3f} s; "
        f"lock held while formatting: {'yes' if watch.formatted_under_lock else 'no'}"
    )


def _import(say) -> None:
    with tempfile.TemporaryDirectory(prefix="weekly-bounded-") as tmp:
        huge = Path(tmp) / "huge.md"
        with huge.open("wb") as file:
            file.write("# 第21周 2023-05-20\n\n# 其他\n\n".encode())
            file.truncate(50_000_000)
        started = time.perf_counter()
        err = StringIO()
        with contextlib.suppress(CommandError):  # the refusal is what is measured
            call_command("import_report", str(huge), team=SLUG, stdout=StringIO(), stderr=err)
        seconds = time.perf_counter() - started
    refused = str(limits.FILE_LIMIT) in err.getvalue()
    say(
        f"  import_report of a 50 MB file: {seconds:.3f} s, "
        f"{'refused by its size' if refused else 'NOT refused by its size'}"
    )


def _line_counts(say) -> None:
    before, after = "- 同\n" * 20_000, "- 同\n" * 19_999 + "- 新\n"
    started = time.perf_counter()
    changes.line_counts(before, after)
    say(
        f"  a revision's line counts, 20,000 equal lines (under the row lock): "
        f"{time.perf_counter() - started:.3f} s"
    )
