"""Demo data for `make run`: the sample team and week, and one user per role.

Before the sample week, ``--history`` weeks are made up from it so the trend pages have
something to draw: the same report with KPIs wobbling around their targets, the Hive
migration less far along the further back, a few incidents. They are labelled as demo
weeks in their 其他 section.
"""

import copy
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.utils import timezone

from metrics.models import KpiDefinition
from reports.document import WeekNumbering
from reports.document.importer import parse
from reports.document.layout import learn_layout, seen_headings
from reports.imports import read_markdown
from reports.layouts import layout_save
from reports.models import Membership
from reports.permissions import MANAGERS_GROUP
from reports.rows import team_layout
from reports.services import report_save_document, team_get_or_create

SAMPLE = Path(settings.BASE_DIR) / "tests" / "fixtures" / "2023-05-20.md"
DEMO_PASSWORD = "weekly-demo-2023"
# Targets the payments team holds itself to; the sample report does not state them.
TARGETS = {
    "入金有效成功率": Decimal("99.95"),
    "出金有效成功率": Decimal("99.90"),
    "支付系统年度可用性": Decimal("99.99"),
}


class Command(BaseCommand):
    help = "Load the sample payments-platform team and week, and demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--history",
            type=int,
            default=11,
            help="Made-up weeks before the sample week, for the trend pages (default 11).",
        )

    def handle(self, *args, **options):
        team, _ = team_get_or_create(slug="payments", name="支付平台组")
        if team.week_numbering != WeekNumbering.CALENDAR:
            team.week_numbering = WeekNumbering.CALENDAR
            team.save(update_fields=["week_numbering"])
        doc = parse(SAMPLE.read_bytes(), team=team.slug, tz=timezone.get_default_timezone())
        doc.status = "published"
        User = get_user_model()
        managers, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
        users = {}
        for username, first_name in [
            ("lead", "李组长"),
            ("member", "王组员"),
            ("manager", "张经理"),
            ("admin", "管理员"),
        ]:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first_name}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_staff = user.is_superuser = username == "admin"
                user.save()
            users[username] = user
        Membership.objects.get_or_create(
            team=team, user=users["lead"], defaults={"role": Membership.Role.LEAD}
        )
        Membership.objects.get_or_create(
            team=team, user=users["member"], defaults={"role": Membership.Role.MEMBER}
        )
        users["manager"].groups.add(managers)
        for weeks_back in range(options["history"], 0, -1):
            report_save_document(
                team=team,
                document=made_up_week(doc, weeks_back),
                author=users["lead"],
                reopen=True,  # loaded again: the demo's weeks are replaced, on record
            )
        report_save_document(team=team, document=doc, author=users["lead"], reopen=True)
        for name, target in TARGETS.items():
            KpiDefinition.objects.filter(team=team, name=name).update(target=target)
        self._own_layout_team(users)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data loaded: team “支付平台组” (payments), week 21 of 2023-05-20; "
                "team “Search ranking” (search), three weeks in its own English layout.\n"
                f"Log in at http://127.0.0.1:8000/ as lead, member, manager or admin, "
                f"password: {DEMO_PASSWORD}"
            )
        )

    def _own_layout_team(self, users) -> None:
        """A second team that writes its weeks in its own words (English status pages
        with experiments and escalations), its layout learned from them."""
        team, _ = team_get_or_create(slug="search", name="Search ranking", language="en")
        for user, role in ((users["lead"], Membership.Role.LEAD), (users["member"], "member")):
            Membership.objects.get_or_create(team=team, user=user, defaults={"role": role})
        docs = [
            read_markdown(team, path.read_bytes(), file_name=path.name)
            for path in sorted(OWN_LAYOUT.glob("*.md"))
        ]
        seen = [seen_headings(d) for d in docs]
        layout_save(team=team, layout=learn_layout(seen, known=team_layout(team)))
        # Read again in the saved layout, so that each week's sections name its keys.
        for path in sorted(OWN_LAYOUT.glob("*.md")):
            doc = read_markdown(team, path.read_bytes(), file_name=path.name)
            doc.status = "published"
            report_save_document(team=team, document=doc, author=users["lead"], reopen=True)


# A team in its own layout (the weeks of tests/fixtures/teams, invented text).
OWN_LAYOUT = Path(settings.BASE_DIR) / "tests" / "fixtures" / "teams" / "search-ranking"

# KPI wobble by week, in hundredths of a percent; deterministic so demo data is stable.
_WOBBLE = (0, -2, 1, -4, 2, -1, 3, -6, 1, 0, -3, 2, -1)


def made_up_week(sample, weeks_back: int):
    """The sample week as it might have read ``weeks_back`` weeks earlier."""
    doc = copy.deepcopy(sample)
    doc.report_date = sample.report_date - timedelta(weeks=weeks_back)
    doc.week_number = sample.week_number - weeks_back
    doc.import_notes = []
    doc.events = []
    doc.other = "（演示数据：根据样例周报生成的历史周）"
    wobble = _WOBBLE[weeks_back % len(_WOBBLE)]
    for n, kpi in enumerate(doc.kpis):
        if kpi.value is not None and kpi.value < 100:
            step = Decimal(wobble * (n + 1)) / 100
            kpi.value = min(Decimal("100.00"), kpi.value + step).quantize(Decimal("0.01"))
    doc.incidents.counts = {"C": 1} if weeks_back % 4 == 1 else {"D": weeks_back % 3}
    doc.incidents.note = ""
    for item in doc.items():
        if item.percent is not None:
            earlier = max(Decimal(0), item.percent - 5 * weeks_back)
            item.body = item.body.replace(f"{item.percent}%", f"{earlier}%")
            item.percent = earlier
        if item.migration is not None:
            _earlier(item.migration, weeks_back)
    return doc


def _earlier(migration, weeks_back: int) -> None:
    """Fewer reports done the further back: each week two finished reports of every
    category are put back to not started. Stated figures give way to computed ones."""
    for category in migration.categories:
        moved = min(category.done, 2 * weeks_back)
        category.done -= moved
        category.not_started += moved
        category.done_names = category.done_names[: category.done]
    migration.stated = type(migration.stated)(overall_percent=migration.stated.overall_percent)
    migration.headline_text = ""
