"""What changed from last week: KPI arrows, new/finished/gone items, counts, the text diff."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from reports import document as d
from reports.document.changes import text_diff, week_changes
from reports.management.commands.load_demo import made_up_week
from reports.services import report_save_document
from tests.factories import sample_document


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def _weeks():
    this = sample_document()
    last = made_up_week(this, 1)
    return this, last


def test_kpis_show_their_change_and_whether_it_is_good():
    this, last = _weeks()
    last.kpis[0].value = Decimal("99.99")
    this.kpis[1].higher_is_better = False  # as if it counted failures

    changes = week_changes(this, last)

    first, second = changes.kpis[:2]
    assert (first.change, first.direction, first.better) == (Decimal("-0.01"), "down", False)
    assert second.direction == "up" and second.better is False


def test_new_finished_and_gone_items():
    this, last = _weeks()
    this.objectives[0].items.append(d.Item(title="统一收银台", body="启动"))
    this.objectives[0].items[3].percent = Decimal(100)  # 小贝帮帮项目 done
    gone = this.objectives[2].items.pop(0)

    changes = week_changes(this, last)

    assert changes.new_items == ["O1 › 统一收银台"]
    assert changes.finished_items == ["O1 › 小贝帮帮项目"]
    assert changes.gone_items == [f"O3 › {gone.title}"]


def test_counts_that_moved():
    this, last = _weeks()

    labels = {c.label: (c.before, c.after) for c in week_changes(this, last).counts}

    assert labels["Hive数仓建设 / 风控报表 / 已完成"] == (20, 22)
    assert labels["Hive数仓建设 / 风控报表 / 未启动"] == (3, 1)
    assert "Hive数仓建设 / 已投产" in labels


def test_the_first_week_has_nothing_to_compare():
    changes = week_changes(sample_document(), None)

    assert not changes.compared
    assert [k.previous for k in changes.kpis] == [None, None, None]


def test_text_diff_marks_added_and_removed_lines():
    this, last = _weeks()

    lines = text_diff(this, last)

    added = [x.text for x in lines if x.kind == "added"]
    removed = [x.text for x in lines if x.kind == "removed"]
    assert "# 第21周 2023/05/20" in added and "# 第20周 2023/05/13" in removed
    assert "        可下线5个，已完成22个，推进中8个（进度90%的8个），未启动1个。" in added
    assert "        可下线5个，已完成20个，推进中8个（进度90%的8个），未启动3个。" in removed


@pytest.mark.django_db
def test_the_report_page_and_diff_page_show_the_changes(manager_client, sample_team):
    sample = sample_document()
    report_save_document(team=sample_team, document=made_up_week(sample, 1))

    page = manager_client.get(reverse("reports:report_detail", args=["payments", "2023-05-20"]))
    diff = manager_client.get(reverse("reports:report_diff", args=["payments", "2023-05-20"]))

    html = page.content.decode()
    assert "与上周相比" in html
    assert "↑ +0.02" in html  # 入金有效成功率 99.96% -> 99.98%
    assert 'class="diff-added"' in diff.content.decode()
    assert "# 第21周 2023/05/20" in diff.content.decode()
    first = manager_client.get(reverse("reports:report_diff", args=["payments", "2023-05-13"]))
    assert "没有更早的一周" in first.content.decode()
    assert (sample.report_date - timedelta(weeks=1)).isoformat() == "2023-05-13"
