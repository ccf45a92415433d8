"""The lead's editor: server time of the sample week's edit page and of an autosave.

The sample week (tests/fixtures/2023-05-20.md, the demo's week 21) is imported into a team
of its own, outside the bench teams, after a copy of it as the week before, and opened by
its lead through Django's test client.
An autosave posts the whole form as the page's script does (JSON [name, value] pairs:
reports.drafts.pairs_posted), each time with a text changed, so every one of them is a
real save.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from datetime import timedelta
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from reports.drafts import editor_for
from reports.imports import read_markdown
from reports.models import Membership, Team, WeeklyReport
from reports.services import report_save_document

SLUG = "editor-bench"  # outside bench.build.PREFIX: not one of the history's teams
SAMPLE = Path(settings.BASE_DIR) / "tests" / "fixtures" / "2023-05-20.md"
EDIT_MS, AUTOSAVE_MS = 150.0, 50.0  # the goals of issue 17


def _week() -> tuple[WeeklyReport, object]:
    team, _ = Team.objects.get_or_create(slug=SLUG, defaults={"name": "编辑器基准"})
    lead, _ = get_user_model().objects.get_or_create(username="editor-bench-lead")
    Membership.objects.get_or_create(team=team, user=lead, role=Membership.Role.LEAD)
    WeeklyReport.objects.filter(team=team).delete()
    # The week before it too, as a team's history has: the edit page shows it beside.
    before = read_markdown(team, SAMPLE.read_bytes(), file_name=SAMPLE.name)
    before.report_date -= timedelta(days=7)
    before.week_number -= 1
    before.daily_notes = []
    for event in before.events:  # the same events, a week earlier
        event.date -= timedelta(days=7)
        for name in ("detected_at", "recovered_at"):
            if getattr(event, name) is not None:
                setattr(event, name, getattr(event, name) - timedelta(days=7))
    report_save_document(team=team, document=before, author=lead)
    document = read_markdown(team, SAMPLE.read_bytes(), file_name=SAMPLE.name)
    report = report_save_document(team=team, document=document, author=lead)
    return report, lead


def _posted(editor) -> dict[str, str]:
    """What the edit page posts when nothing was changed."""
    data: dict[str, str] = {}
    all_forms = [editor.report]
    for formset in editor.formsets:
        all_forms += [formset.management_form, *formset.forms]
    for form in all_forms:
        for field in form:
            value = field.value()
            if isinstance(field.field.widget, forms.CheckboxInput):
                if value:
                    data[field.html_name] = "on"
                continue
            if value is None:
                data[field.html_name] = ""
            elif isinstance(field.field.widget, (forms.Select, forms.RadioSelect)):
                data[field.html_name] = str(value)
            else:
                shown = field.field.widget.format_value(value)
                data[field.html_name] = "" if shown is None else str(shown)
    return data


def _server_ms(response) -> float:
    """The server's own time for the response (core.middleware.ServerTimingMiddleware):
    from the first middleware in to the response out, without the test client's work of
    encoding the request and reading the answer."""
    match = re.search(r"app;dur=([0-9.]+)", response.get("Server-Timing", ""))
    assert match, "no Server-Timing header"
    return float(match[1])


def _times(call, requests: int) -> tuple[float, list[float], list[float]]:
    """The first call's server time, then each call's server time and round trip."""
    cold = _server_ms(call(0))
    server, trip = [], []
    for n in range(1, requests + 1):
        started = time.perf_counter()
        response = call(n)
        trip.append((time.perf_counter() - started) * 1000)
        server.append(_server_ms(response))
    return cold, sorted(server), sorted(trip)


def run(write, goal, requests: int = 30) -> None:
    report, lead = _week()
    client = Client()
    client.force_login(lead)
    day = report.report_date.isoformat()
    edit_url = f"/teams/{SLUG}/{day}/edit/"
    save_url = f"/teams/{SLUG}/{day}/autosave/"

    def edit(_n):
        response = client.get(edit_url)
        assert response.status_code == 200, response.status_code
        return response

    data = _posted(editor_for(report.team, report.report_date, report))
    data["report-version"] = str(report.version)
    text = data["report-reflections"]

    def autosave(n):
        data["report-reflections"] = f"{text}\n\n第{n}次自动保存"
        response = client.post(
            save_url,
            json.dumps(list(data.items()), ensure_ascii=False),
            content_type="application/json",
            HTTP_X_REQUESTED_WITH="XMLHttpRequest",
        )
        assert response.status_code == 200, response.content[:300]
        data["report-version"] = str(response.json()["version"])
        return response

    def p95(times: list[float]) -> float:
        return times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]

    write(
        f"\n{'the lead editor (server time)':30} {'cold':>8} {'median':>8} {'p95':>8}"
        f" {'round trip':>11}"
    )
    results = {}
    for label, call in [("edit page, sample week", edit), ("autosave, sample week", autosave)]:
        cold, server, trip = _times(call, requests)
        results[label] = statistics.median(server)
        write(
            f"{label:30} {cold:7.0f}ms {statistics.median(server):7.1f}ms {p95(server):7.1f}ms"
            f" {statistics.median(trip):9.1f}ms"
        )
    write(
        f"(server time: the Server-Timing header, every middleware counted; round trip: "
        f"with the test client's own work; {len(data)} fields posted; median and p95 over "
        f"{requests} requests)"
    )
    median_edit = results["edit page, sample week"]
    median_save = results["autosave, sample week"]
    goal(median_edit < EDIT_MS, f"edit page under {EDIT_MS:.0f} ms ({median_edit:.0f} ms)")
    goal(median_save < AUTOSAVE_MS, f"autosave under {AUTOSAVE_MS:.0f} ms ({median_save:.0f} ms)")
    Team.objects.filter(slug=SLUG).delete()
