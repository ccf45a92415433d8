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
from datetime import date, timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.authtoken.models import Token

from metrics import models as mm
from reports import search
from reports.models import (
    ItemUpdate,
    Objective,
    ObjectiveEntry,
    ProjectItem,
    SearchEntry,
    StabilityEvent,
    Team,
    WeeklyReport,
)
from reports.permissions import MANAGERS_GROUP
from weekly.bench import load
from weekly.bench.load import Target

PREFIX = "bench-"
IMPORTED = "imported-bench"  # outside PREFIX: the import measurement's own team
BASE_DIR = Path(__file__).resolve().parents[3]
# The goals of issue 7.
FLOOR_SHARE, P95_MS, IMPORT_S, EXPORT_S = 0.5, 100.0, 30.0, 5.0
FIRST_WEEK = date(2014, 1, 4)  # a Saturday; 520 weeks end in December 2023
BATCH = 5000
KPIS = [("入金有效成功率", "99.95"), ("出金有效成功率", "99.90"), ("支付系统年度可用性", "99.99")]
OBJECTIVES = [("O1", "服务业务"), ("O2", "系统升级"), ("O3", "安全稳定、降本提效")]
ITEMS = [
    ("O1", "轻存管&定转佣能力建设", "定金收款场景试单顺利，累计定金支付{n}单。"),
    ("O1", "朝阳项目-招募提佣", "招募佣金发放{n}单，成功率99.79%。"),
    ("O1", "新支付能力建设", "银联代收迭代：单笔退款、解约通知接入中，第{n}批。"),
    ("O2", "支付账户2.0升级", "旁路记账数据核对一致，已持续{n}天。"),
    ("O2", "POS收单系统建设", "联机dubbo改造开发进度{p}%。"),
    ("O2", "HIVE标准数仓建设", "交易对账单、账户对账单迁移进行中，批次{n}。"),
    ("O3", "生产前置机停机维护演练", "涉及{n}家银行前置机，问题处理和闭环中。"),
    ("O3", "迎检技术准备", "配合数据提取{n}次。"),
]
CATEGORIES = ["TOB商户账单", "风控报表", "产品运营报表", "存管报表", "资金部报表", "业务增长报表"]
EVENTS = [
    "外采风控系统Aerospike集群扩容，增加2个节点。",
    "AZ+TiDB链路的商户账单生成失败。",
    "履约以及资金管理平台连接ftp文件超时告警。",
    "M6v专线故障，切换备用线路。",
]


class Command(BaseCommand):
    help = "Build a large history (unless present) and print server times of the big pages."

    def add_arguments(self, parser):
        parser.add_argument("--teams", type=int, default=50)
        parser.add_argument("--weeks", type=int, default=520)
        parser.add_argument("--requests", type=int, default=30, help="requests per page")
        parser.add_argument("--rebuild", action="store_true", help="drop the bench teams first")
        parser.add_argument(
            "--parts",
            default="pages,load,commands",
            help="which measurements, of pages (test client), load (gunicorn + wrk), commands",
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
        if rebuild:
            Team.objects.filter(slug__startswith=PREFIX).delete()
        have = Team.objects.filter(slug__startswith=PREFIX).count()
        if have != teams or WeeklyReport.objects.filter(team__slug=f"{PREFIX}0").count() != weeks:
            Team.objects.filter(slug__startswith=PREFIX).delete()
            started = time.perf_counter()
            self._build(teams, weeks)
            with connection.cursor() as cursor:  # fresh statistics, as autovacuum would
                cursor.execute("ANALYZE")
            self.stdout.write(
                f"Built {teams} teams × {weeks} weeks in {time.perf_counter() - started:.0f} s"
            )
        self._settle()
        self._report_sizes()
        parts = set(parts.split(","))
        if "pages" in parts:
            self._measure(requests, weeks, teams)
        if "load" in parts:
            self._load(teams, weeks, seconds=seconds, connections=connections, workers=workers)
        if "commands" in parts:
            self._commands(teams)

    # -- the history ---------------------------------------------------------------------

    @transaction.atomic
    def _build(self, teams: int, weeks: int) -> None:
        for t in range(teams):
            self._team(t, weeks)
            if (t + 1) % 10 == 0:
                self.stdout.write(f"  {t + 1} teams")

    def _team(self, t: int, weeks: int) -> None:
        team = Team.objects.create(
            slug=f"{PREFIX}{t}", name=f"基准团队{t:02d}", week_numbering="calendar"
        )
        definitions = mm.KpiDefinition.objects.bulk_create(
            mm.KpiDefinition(team=team, name=name, unit="%", target=Decimal(target), order=n,
                             kind="availability" if "可用性" in name else "success_rate")
            for n, (name, target) in enumerate(KPIS)
        )  # fmt: skip
        objectives = {
            code: o
            for code, o in zip(
                [c for c, _ in OBJECTIVES],
                Objective.objects.bulk_create(
                    Objective(team=team, code=c, title=title, order=n)
                    for n, (c, title) in enumerate(OBJECTIVES)
                ),
                strict=True,
            )
        }
        items = ProjectItem.objects.bulk_create(
            ProjectItem(team=team, objective=objectives[code], title=title)
            for code, title, _ in ITEMS
        )
        tracker = mm.MigrationTracker.objects.create(team=team, name="Hive数仓建设")
        categories = mm.MigrationCategory.objects.bulk_create(
            mm.MigrationCategory(tracker=tracker, name=name, order=n)
            for n, name in enumerate(CATEGORIES)
        )
        reports = WeeklyReport.objects.bulk_create(
            WeeklyReport(team=team, report_date=FIRST_WEEK + timedelta(weeks=w), week_number=w % 52 + 1,
                         status="published", other=f"第{w}周的其他事项：GPT Hackathon 复审")
            for w in range(weeks)
        )  # fmt: skip
        rows: dict[type, list] = {
            k: [] for k in (mm.KpiValue, ObjectiveEntry, StabilityEvent, SearchEntry)
        }
        updates = []
        for w, report in enumerate(reports):
            for n, definition in enumerate(definitions):
                value = Decimal("99.90") + Decimal((w * 7 + t * 3 + n * 5) % 10) / 100
                rows[mm.KpiValue].append(
                    mm.KpiValue(
                        definition=definition, report=report, value=value, decimals=2, position=n
                    )
                )
            for n, objective in enumerate(objectives.values()):
                rows[ObjectiveEntry].append(
                    ObjectiveEntry(
                        report=report, objective=objective, position=n, holds_events=n == 2
                    )
                )
            for n, (item, (_code, title, body)) in enumerate(zip(items, ITEMS, strict=True)):
                text = body.format(n=w + n, p=min(100, w // 5))
                updates.append(
                    ItemUpdate(
                        report=report,
                        item=item,
                        position=n,
                        body=text,
                        body_html=f"<p>{text}</p>",
                        percent=Decimal(min(100, w // 5)) if n == 4 else None,
                    )
                )
                rows[SearchEntry].append(
                    SearchEntry(
                        team=team,
                        report=report,
                        day=report.report_date,
                        kind="item",
                        title=title,
                        text=text,
                        tokens=search.index_text(title, text),
                    )
                )
            if w % 3 == 0:
                summary = EVENTS[(w + t) % len(EVENTS)]
                day = report.report_date - timedelta(days=2)
                detected = _aware(day, 7 + w % 10)
                rows[StabilityEvent].append(
                    StabilityEvent(
                        report=report,
                        occurred_on=day,
                        summary=summary,
                        detected_at=detected,
                        recovered_at=detected + timedelta(minutes=20 + (w * 13) % 300),
                        detection="监控发现",
                        cause="节点响应慢",
                        handling="重启后恢复",
                        grade="CD"[w % 2],
                    )
                )
                rows[SearchEntry].append(
                    SearchEntry(
                        team=team,
                        report=report,
                        day=report.report_date,
                        kind="event",
                        title=summary,
                        text="节点响应慢 重启后恢复",
                        tokens=search.index_text(summary, "节点响应慢 重启后恢复"),
                    )
                )
            rows[SearchEntry].append(
                SearchEntry(
                    team=team,
                    report=report,
                    day=report.report_date,
                    kind="report",
                    title=f"第{report.week_number}周",
                    text=report.other,
                    tokens=search.index_text(report.other),
                )
            )
        for model, objs in rows.items():
            model.objects.bulk_create(objs, batch_size=BATCH)
        updates = ItemUpdate.objects.bulk_create(updates, batch_size=BATCH)
        hive = [u for u in updates if u.item_id == items[5].pk]
        snapshots = mm.MigrationSnapshot.objects.bulk_create(
            (mm.MigrationSnapshot(tracker=tracker, report=u.report, item_update=u, stated_overall_percent=Decimal(90))
             for u in hive), batch_size=BATCH,
        )  # fmt: skip
        cats = []
        for w, snapshot in enumerate(snapshots):
            for n, category in enumerate(categories):
                total = 12 + n * 8
                done = min(total - 2, (w * (n + 1)) // 20)
                cats.append(
                    mm.CategorySnapshot(
                        snapshot=snapshot,
                        category=category,
                        position=n,
                        total=total,
                        done=done,
                        not_started=total - done - 1,
                    )
                )
        cats = mm.CategorySnapshot.objects.bulk_create(cats, batch_size=BATCH)
        mm.ProgressBucket.objects.bulk_create(
            (mm.ProgressBucket(category=c, position=0, percent=Decimal(80), count=1) for c in cats),
            batch_size=BATCH,
        )
        summaries = mm.IncidentSummary.objects.bulk_create(
            (mm.IncidentSummary(report=r) for r in reports), batch_size=BATCH
        )
        mm.IncidentCount.objects.bulk_create(
            (
                mm.IncidentCount(summary=s, grade="CD"[w % 2], count=w % 3)
                for w, s in enumerate(summaries)
            ),
            batch_size=BATCH,
        )

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


def _aware(day: date, hour: int):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


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
