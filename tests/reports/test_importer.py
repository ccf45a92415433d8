"""The importer: what it reads from the sample, and the files it refuses."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reports.document import EventKind, ItemStatus, Marker
from reports.document.importer import ReportFormatError, parse
from reports.document.renderer import render_markdown
from tests.factories import TZ

SAMPLE = (Path(__file__).parent.parent / "fixtures" / "2023-05-20.md").read_text(encoding="utf-8")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def doc():
    return parse(SAMPLE, team="payments", tz=TZ)


def test_title_gives_the_team_week_number_not_the_iso_week(doc):
    assert (doc.week_number, doc.report_date) == (21, date(2023, 5, 20))
    assert date(2023, 5, 20).isocalendar().week == 20


def test_kpis_keep_their_stated_precision_and_kind(doc):
    assert [(k.name, str(k.value), k.unit, k.kind) for k in doc.kpis] == [
        ("入金有效成功率", "99.98", "%", "success_rate"),
        ("出金有效成功率", "99.92", "%", "success_rate"),
        ("支付系统年度可用性", "100", "%", "availability"),
    ]


def test_incident_groups_are_split_by_the_note(doc):
    assert doc.incidents.counts == {"A": 0, "B": 0, "C": 1, "D": 0}
    assert doc.incidents.note == "M6v专线故障记C级事故1次"
    assert doc.incidents.grouped() == [("AB", 0), ("CD", 1)]


def test_objectives_and_nested_items(doc):
    assert [(o.code, o.title) for o in doc.objectives] == [
        ("O1", "服务业务"),
        ("O2", "系统升级"),
        ("O3", "安全稳定、降本提效"),
    ]
    o1 = doc.objectives[0]
    channels = o1.items[-1]
    assert (channels.title, channels.sep, channels.body) == (
        "新支付能力建设",
        "：",
        "启动商委类通道接口接入。",
    )
    assert [c.title for c in channels.children] == [
        "银商支付宝APP花呗",
        "拉卡拉开发平台3.0支付宝APP花呗",
        "银联在线收银台",
        "银联代收",
        "网联代收",
    ]
    assert all(c.marker == Marker.NUMBER for c in channels.children)
    assert channels.children[3].eta == date(2023, 5, 30)
    assert channels.children[0].status == ItemStatus.DONE
    assert o1.items[3].percent == Decimal(30)


def test_lettered_sub_projects_of_o2(doc):
    o2 = doc.objectives[1]
    assert [(i.label, i.title, i.heading_level) for i in o2.items] == [
        ("A", "支付账户2.0升级", 3),
        ("B", "POS收单系统建设", 2),
        ("C", "HIVE标准数仓建设", 3),
    ]
    account = o2.items[0]
    assert account.body == "本周主要进展："
    assert [c.title for c in account.children] == [
        "账户数据核对",
        "账户性能与功能兼容性",
        "账户1.x链路迁移",
    ]
    assert account.children[2].detail.startswith("金融收款宝（充值+退款）")


def test_migration_tracker_counts_and_stated_figures(doc):
    objective, item, migration = next(doc.migrations())
    assert (objective.code, item.label, migration.name) == ("O2", "C", "Hive数仓建设")
    stated = migration.stated
    assert (stated.overall_percent, stated.progress, stated.total) == (90, Decimal("89.85"), 164)
    assert (stated.developed, stated.not_started, stated.in_production) == (156, 8, 107)
    tob = migration.categories[0]
    assert (tob.name, tob.stage, tob.total) == ("TOB商户账单", "测试验证投产中", 12)
    assert (tob.offline, tob.paused, tob.done, tob.not_started) == (4, 1, 2, 0)
    assert tob.done_names == ["手续费对账单", "安心退业务对账单"]
    assert [(b.label, b.percent) for b in tob.in_progress] == [
        ("交易对账单", 90),
        ("账户对账单", 90),
        ("自如寓对账单", 85),
        ("二合一对账单", 85),
        ("天津共享对账单", 80),
    ]
    funds = migration.categories[4]
    assert [(b.percent, b.count) for b in funds.in_progress] == [
        (95, 1),
        (90, 15),
        (80, 12),
        (75, 2),
    ]
    assert funds.not_started == 8
    # the category whose heading lost its closing bracket in the wiki is still read
    assert migration.categories[2].stage == "业务验收投产中"


def test_stability_events(doc):
    first, second, third = doc.events
    assert first.detected_at == datetime(2023, 5, 15, 7, 38, tzinfo=SHANGHAI)
    assert first.recovered_at == datetime(2023, 5, 15, 11, 37, tzinfo=SHANGHAI)
    assert first.duration_minutes == 239
    assert first.detection == "监控发现"
    assert first.cause.startswith("账单生成校验发现")
    assert first.handling.startswith("重新执行聚合任务")
    # "4:50" after a 14:30 detection is the afternoon; the importer says so
    assert second.recovered_at == datetime(2023, 5, 15, 16, 50, tzinfo=SHANGHAI)
    assert second.duration_minutes == 140
    assert any("4:50" in note and "16:50" in note for note in doc.import_notes)
    assert (third.date, third.time_text, third.kind) == (
        date(2023, 5, 18),
        "凌晨",
        EventKind.CHANGE,
    )
    assert third.detected_at is None
    assert doc.objectives[2].holds_events


def test_free_sections(doc):
    assert doc.other == "1. GPT Hackathon 复审\n2. 迎检技术准备"
    assert doc.reflections == "暂无"
    assert doc.next_week.splitlines()[0] == "1. 账户、Hive以及POS项目的跟进"
    assert doc.daily == ""


def test_a_heading_the_sample_does_not_have_is_a_section_where_it_stands():
    text = SAMPLE.replace("## 【其他】", "## 【风险】\n\n供应商合同到期\n\n## 【其他】").replace(
        "成功率：\n", "成功率：\n\n数据来自监控大盘\n"
    )
    doc = parse(text, tz=TZ)
    assert "供应商合同到期" not in doc.objectives[-1].notes + doc.other
    kinds = [(s.kind, s.heading, s.text) for s in doc.sections]
    assert kinds[2:5] == [
        ("objectives", "", ""),
        ("risks", "【风险】", "供应商合同到期"),
        ("text", "【其他】", ""),
    ]
    assert "数据来自监控大盘" in doc.kpi_notes
    assert render_markdown(doc).index("## 【风险】") < render_markdown(doc).index("## 【其他】")


def test_unknown_label_in_operations_section_is_kept():
    doc = parse(SAMPLE.replace("可用性：\n", "可用性：\n\n数据口径：\n", 1), tz=TZ)
    assert "数据口径：" in doc.kpi_notes
    assert [k.kind for k in doc.kpis] == ["success_rate", "success_rate", "availability"]


def test_event_details_written_as_sub_bullets_are_kept():
    text = SAMPLE.replace(
        "- 5/18 凌晨 外采风控系统Aerospike集群扩容，增加2个节点。",
        "- 5/18 凌晨 外采风控系统Aerospike集群扩容，增加2个节点。\n    - 处置：扩容后观察无异常",
    )
    assert parse(text, tz=TZ).events[2].handling == "扩容后观察无异常"


def _error(text: str) -> ReportFormatError:
    with pytest.raises(ReportFormatError) as info:
        parse(text, tz=TZ)
    return info.value


def _line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("# 第21周 2023-05-20", "# 周报", "# 周报"),
        ("# 第21周 2023-05-20", "# 第21周 2023-02-30", "2023-02-30"),
        ("# 第21周 2023/05/20", "# 第22周 2023/05/27", "第22周"),
        ("可下线5个，已完成22个", "可下线x个，已完成22个", "可下线x个"),
        ("推进中8个（进度90%的8个）", "推进中8个（进度90%的7个）", "进度90%的7个"),
        ("- 入金有效成功率：99.98%", "- 入金有效成功率：199.98%", "199.98%"),
        ("- 5/15 14:30 监控发现", "- 昨天 14:30 监控发现", "昨天"),
        ("【TOB商户账单】【进度：测试验证投产中】，总计12个", "【TOB商户账单】，很多个", "很多个"),
        ("## 【O3 安全稳定、降本提效】", "## 【O1 安全稳定、降本提效】", "【O1 安全稳定"),
    ],
)
def test_malformed_files_are_rejected_naming_the_line(old, new, needle):
    text = SAMPLE.replace(old, new, 1)
    error = _error(text)
    assert error.line == _line_of(text, needle)
    assert str(error.line) in str(error)


def test_empty_and_binary_files_are_rejected():
    assert _error("\n\n").line == 1
    with pytest.raises(ReportFormatError) as info:
        parse(b"# \xe7\xac\xac21\xe5\x91\xa8 2023-05-20\n\n\xff\xfe broken", tz=TZ)
    assert info.value.line == 3
