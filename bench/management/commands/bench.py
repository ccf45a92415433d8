"""`make bench`: a big history in the database, then server times of the manager's pages.

Builds ``--teams`` teams of ``--weeks`` weekly reports each (50 × 520 by default: ten
years of a department) with bulk inserts, unless they are there already, then requests
the trends, week roll-up, incident log and search pages through Django's test client
(server time, no network) and prints the median and 95th percentile of each.
The history is made for measuring: it bypasses simple-history and the report services.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.authtoken.models import Token

from bench import bounded, build, editor, load
from bench.build import FIRST_WEEK, PREFIX
from bench.load import Target
from reports.models import (
    ItemUpdate,
    SearchEntry,
    StabilityEvent,
    Team,
    WeeklyReport,
)
from reports.permissions import MANAGERS_GROUP

IMPORTED = "imported-bench"  # outside PREFIX: the import measurement's own team
BASE_DIR = Path(__file__).resolve().parents[3]
# The goals of issue 7.
FLOOR_SHARE, P95_MS, IMPORT_S, EXPORT_S = 0.5, 100.0, 30.0, 5.0


class Command(BaseCommand):
    help = "Build a large history (unless present) and print server times of the big pages."

    def add_arguments(self, parser):
        parser.add_argument("--teams", type=int, default=50)
        parser.add_argument("--weeks", type=int, default=520)
        parser.add_argument("--requests", type=int, default=30, help="requests per page")
        parser.add_argument("--rebuild", action="store_true", help="drop the bench teams first")
        parser.add_argument(
            "--parts",
            default="pages,editor,load,commands,bounded",
            help="which measurements, of pages (test client), editor (the lead's edit page and "
            "autosave), load (gunicorn + wrk), commands, bounded (pathological inputs; needs "
            "no history, alone it builds none; nor does editor)",
        )
        parser.add_argument("--seconds", type=int, default=10, help="load time per target")
        parser.add_argument("--connections", type=int, default=32, help="concurrent clients")
        # One per core and one more: the load generator, PostgreSQL and Redis share the
        # machine's cores with the server (gunicorn's 2 x cores + 1 is for a machine of
        # its own, and measured slower here).
        parser.add_argument(
            "--workers", type=int, default=(os.cpu_count() or 1) + 1, help="gunicorn workers"
        )

    def handle(
        self,
        *args,
        teams,
        weeks,
        requests,
        rebuild,
        parts,
        seconds,
        connections,
        workers,
        **options,
    ):
        _create_database_if_missing()
        call_command("migrate", verbosity=0)
        parts = set(parts.split(","))
        if parts <= {"bounded", "editor"}:
            if "editor" in parts:
                editor.run(self.stdout.write, self._goal, requests)
            if "bounded" in parts:
                bounded.run(self.stdout.write)
            return
        if rebuild:
            Team.objects.filter(slug__startswith=PREFIX).delete()
        have = Team.objects.filter(slug__startswith=PREFIX).count()
        if have != teams or WeeklyReport.objects.filter(team__slug=f"{PREFIX}0").count() != weeks:
            Team.objects.filter(slug__startswith=PREFIX).delete()
            started = time.perf_counter()
            build.build(teams, weeks, say=self.stdout.write)
            with connection.cursor() as cursor:  # fresh statistics, as autovacuum would
                cursor.execute("ANALYZE")
            self.stdout.write(
                f"Built {teams} teams × {weeks} weeks in {time.perf_counter() - started:.0f} s"
            )
        self._settle()
        self._report_sizes()
        if "pages" in parts:
            self._measure(requests, weeks, teams)
        if "editor" in parts:
            editor.run(self.stdout.write, self._goal, requests)
        if "load" in parts:
            self._load(teams, weeks, seconds=seconds, connections=connections, workers=workers)
        if "commands" in parts:
            self._commands(teams)
        if "bounded" in parts:
            bounded.run(self.stdout.write)

    def _settle(self) -> None:
        """Start every run from the same state: without the last run's imported weeks, and
        vacuumed, not with autovacuum cleaning up after the last run while this one
        measures (imports took 26 to 34 s before this, 18 s after)."""
        Team.objects.filter(slug=IMPORTED).delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
                # Write out what vacuuming dirtied now, not during the measurements.
                cursor.execute("CHECKPOINT")

    def _report_sizes(self) -> None:
        self.stdout.write(
            f"Database: {connection.vendor}; {WeeklyReport.objects.count()} reports, "
            f"{ItemUpdate.objects.count()} item updates, {StabilityEvent.objects.count()} events, "
            f"{SearchEntry.objects.count()} search entries"
        )

    # -- the measurements ------------------------------------------------------------------

    @staticmethod
    def _manager():
        """The manager every measurement reads as (each part can run on its own)."""
        manager, _ = get_user_model().objects.get_or_create(username="bench-manager")
        group, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
        manager.groups.add(group)
        return manager

    def _measure(self, requests: int, weeks: int, teams: int) -> None:
        manager = self._manager()
        # As in a server with persistent connections (and as Django's own test runner does):
        # the connection is not closed and reopened around every request.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        client = Client()
        client.force_login(manager)
        last = FIRST_WEEK + timedelta(weeks=weeks - 1)
        one = f"{PREFIX}{teams // 2}"
        pages = [
            ("trends, 12 weeks", f"/teams/{one}/trends/"),
            ("trends, a year", f"/teams/{one}/trends/?range=year"),
            ("trends, all weeks", f"/teams/{one}/trends/?range=all"),
            (f"week roll-up, {teams} teams", f"/weeks/{last.isoformat()}/"),
            ("team history", f"/teams/{one}/"),
            ("incident log", "/incidents/"),
            ("search 对账单", "/search/?q=对账单"),
            ("search Aerospike", "/search/?q=Aerospike"),
            ("search 对账单 in a team", f"/search/?q=对账单&team={one}"),
            ("search, no hits", "/search/?q=不存在的词"),
            ("search, one character", "/search/?q=扩"),
            (f"week roll-up .md, {teams} teams", f"/weeks/{last.isoformat()}.md"),
        ]
        cache.clear()
        self.stdout.write(f"\n{'page':28} {'cold':>8} {'median':>8} {'p95':>8} {'queries':>8}")
        for label, url in pages:
            started = time.perf_counter()
            response = client.get(url)
            cold = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (url, response.status_code)
            times = []
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            for _ in range(requests):
                started = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            self.stdout.write(
                f"{label:28} {cold:7.0f}ms {statistics.median(times):7.1f}ms {p95:7.1f}ms {len(queries):8d}"
            )
        self.stdout.write(
            "\ncold: first request, charts not yet cached. median and p95 over "
            f"{requests} requests each, server time through Django's test client."
        )

    # -- the load run ------------------------------------------------------------------------

    def _load(self, teams: int, weeks: int, *, seconds: int, connections: int, workers: int):
        team = f"{PREFIX}{teams // 2}"
        last = (FIRST_WEEK + timedelta(weeks=weeks - 1)).isoformat()
        manager = self._manager()
        token, _ = Token.objects.get_or_create(user=manager)
        report_path = f"/teams/{team}/{last}/"
        self.stdout.write(
            f"\nLoad: gunicorn with {workers} workers on loopback, production settings; "
            f"wrk with {connections} connections, {seconds} s per target."
        )
        env = {"CONN_MAX_AGE": "60"}
        if redis_url := os.environ.get("WEEKLY_BENCH_REDIS_URL"):
            env["REDIS_URL"] = redis_url  # the server's cache only: this process queues nothing
        self.stdout.write(f"Cache: {'Redis at ' + redis_url if redis_url else 'one per worker'}.")
        with load.gunicorn(workers=workers, env=env) as server:
            with override_settings(SECRET_KEY=server.secret_key):
                client = Client()
                client.force_login(manager)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            # As a browser: the session, and the CSRF cookie the first page sets.
            cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
            _, _, first = load.fetch(server.url + report_path, cookie)
            csrf = SimpleCookie(first.get("Set-Cookie", ""))[settings.CSRF_COOKIE_NAME].value
            cookie["Cookie"] += f"; {settings.CSRF_COOKIE_NAME}={csrf}"
            api = {"Authorization": f"Token {token.key}"}
            status, body, headers = load.fetch(server.url + report_path, cookie)
            if status != 200:
                raise CommandError(f"{report_path} answered {status} to the signed-in manager")
            server.floor_file.write_bytes(body)
            targets = [
                Target("floor: same bytes, memory", "/_bench/floor/", cookie),
                Target("report page", report_path, cookie),
            ]
            if etag := headers.get("ETag"):
                revalidate = {**cookie, "If-None-Match": etag}
                targets.append(Target("report page, revalidated", report_path, revalidate, 304))
            targets += [
                Target("team history", f"/teams/{team}/", cookie),
                Target("API: report", f"/api/v1/teams/{team}/reports/{last}/", api),
                Target("API: team's reports", f"/api/v1/teams/{team}/reports/", api),
            ]
            results = [
                load.measure(server, t, connections=connections, seconds=seconds) for t in targets
            ]
        self.stdout.write(
            f"\n{'target':28} {'status':>6} {'req/s':>8} {'p50':>8} {'p95':>8} {'p99':>8} "
            f"{'errors':>7} {'bytes':>7}"
        )
        for r in results:
            self.stdout.write(
                f"{r.target.label:28} {r.target.status:6d} {r.rps:8.0f} {r.p50_ms:6.1f}ms "
                f"{r.p95_ms:6.1f}ms {r.p99_ms:6.1f}ms {r.errors:7d} {r.checked_bytes:7d}"
            )
        floor, page = results[0], results[1]
        share = page.rps / floor.rps if floor.rps else 0.0
        self.stdout.write(f"\nreport page / floor throughput: {share:.2f} (goal ≥ {FLOOR_SHARE})")
        slowest = max(results, key=lambda r: r.p95_ms)
        self._goal(share >= FLOOR_SHARE, f"report page at {share:.0%} of the floor")
        self._goal(
            slowest.p95_ms < P95_MS,
            f"p95 under {P95_MS:.0f} ms with {connections} clients "
            f"(slowest: {slowest.target.label}, {slowest.p95_ms:.1f} ms)",
        )
        errors = sum(r.errors for r in results)
        self._goal(errors == 0, f"{errors} errors in {sum(r.requests for r in results)} requests")

    # -- the commands ------------------------------------------------------------------------

    def _commands(self, teams: int) -> None:
        """``export_report --all`` and ``import_report`` of one team's weeks, timed as a user
        runs them (a process each), and the imported weeks exported again and compared."""
        team = f"{PREFIX}{teams // 2}"
        Team.objects.filter(slug=IMPORTED).delete()
        with tempfile.TemporaryDirectory(prefix="weekly-bench-") as tmp:
            first, again = Path(tmp) / "export", Path(tmp) / "again"
            export_s = self._timed("export_report", "--team", team, "--all", "--out", str(first))
            files = sorted(first.iterdir())
            import_s = self._timed(
                "import_report", "--team", IMPORTED, "--publish", *map(str, files)
            )
            self._timed("export_report", "--team", IMPORTED, "--all", "--out", str(again))
            imported = {f.name.removeprefix(f"{IMPORTED}-"): f for f in again.iterdir()}
            same = sum(
                (twin := imported.get(f.name.removeprefix(f"{team}-"))) is not None
                and twin.read_bytes() == f.read_bytes()
                for f in files
            )
        Team.objects.filter(slug=IMPORTED).delete()
        self.stdout.write(
            f"\nexport_report --all: {len(files)} weeks in {export_s:.1f} s; "
            f"import_report: {len(files)} weeks in {import_s:.1f} s; "
            f"exported again: {same} of {len(files)} files identical."
        )
        self._goal(export_s < EXPORT_S, f"export_report --all under {EXPORT_S:.0f} s")
        self._goal(import_s < IMPORT_S, f"import_report under {IMPORT_S:.0f} s")
        self._goal(same == len(files), "the imported weeks export as they were")

    def _timed(self, *command: str) -> float:
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=BASE_DIR, capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
        if run.returncode:
            raise CommandError(f"{command[0]} failed:\n{run.stderr[-3000:]}")
        return seconds

    def _goal(self, met: bool, text: str) -> None:
        self.stdout.write(f"  {'met   ' if met else 'MISSED'}  {text}")


def _create_database_if_missing() -> None:
    """On PostgreSQL, create the bench database (DATABASE_URL names it) if it is not there."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        return
    import psycopg2

    server = psycopg2.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    server.close()
