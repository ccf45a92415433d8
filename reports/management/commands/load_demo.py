"""Demo data for `make run`: the sample team and week, and one user per role."""

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from metrics.models import KpiDefinition
from reports.importer import parse
from reports.models import Membership, WeekNumbering
from reports.permissions import MANAGERS_GROUP
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

    def handle(self, *args, **options):
        team, _ = team_get_or_create(slug="payments", name="支付平台组")
        if team.week_numbering != WeekNumbering.CALENDAR:
            team.week_numbering = WeekNumbering.CALENDAR
            team.save(update_fields=["week_numbering"])
        doc = parse(SAMPLE.read_bytes(), team=team.slug)
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
        report_save_document(team=team, document=doc, author=users["lead"])
        for name, target in TARGETS.items():
            KpiDefinition.objects.filter(team=team, name=name).update(target=target)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data loaded: team “支付平台组” (payments), week 21 of 2023-05-20.\n"
                f"Log in at http://127.0.0.1:8000/ as lead, member, manager or admin, "
                f"password: {DEMO_PASSWORD}"
            )
        )
