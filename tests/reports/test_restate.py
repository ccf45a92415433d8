"""A later week keeps the author's sentences, restated with that week's figures."""

from decimal import Decimal

from reports import document as d
from reports.document.renderer import category_counts, restate_counts, restate_summary, summary_line

SUMMARY = (
    "迁移账单报表总数164个，已经完成开发156个，占比95%（8个已排期未启动开发），"
    "hive新账单报表已投产在用的有107个，占比65%。"
)
VALUES = {
    "total": 170,
    "developed": 160,
    "developed_pct": 94,
    "not_started": 10,
    "in_production": 120,
    "in_production_pct": 71,
}


def test_summary_is_restated_in_the_authors_words():
    assert restate_summary(SUMMARY, VALUES) == (
        "迁移账单报表总数170个，已经完成开发160个，占比94%（10个已排期未启动开发），"
        "hive新账单报表已投产在用的有120个，占比71%。"
    )


def test_a_summary_with_a_number_it_cannot_place_is_not_restated():
    assert restate_summary(SUMMARY + "另有3个待评估。", VALUES) is None
    assert restate_summary("迁移总数164个。", VALUES) is None


def test_summary_line_falls_back_to_the_canonical_sentence():
    migration = d.Migration(
        name="Hive",
        categories=[d.MigrationCategory(name="A", total=2, done=1, not_started=1)],
        summary_text="报表总数2个，一半已完成。",
    )

    assert summary_line(migration, "zh").startswith("迁移报表总数2个")


def test_counts_are_restated_outside_the_brackets_only():
    text = "可下线5个，已完成22个，推进中8个（进度90%的8个），未启动1个。"
    category = d.MigrationCategory(
        name="风控报表",
        total=36,
        offline=5,
        done=23,
        in_progress=[d.ProgressBucket(percent=Decimal(90), count=8)],
        not_started=0,
        counts_text=text,
    )

    assert (
        restate_counts(text, category)
        == "可下线5个，已完成23个，推进中8个（进度90%的8个），未启动0个。"
    )
    assert category_counts(category, "zh") == restate_counts(text, category)


def test_changed_progress_rows_get_the_canonical_line():
    text = "可下线5个，已完成22个，推进中8个（进度90%的8个），未启动1个。"
    category = d.MigrationCategory(
        name="风控报表",
        total=36,
        offline=5,
        done=22,
        in_progress=[d.ProgressBucket(percent=Decimal(95), count=8)],
        not_started=1,
        counts_text=text,
    )

    assert restate_counts(text, category) is None
    assert (
        category_counts(category, "zh")
        == "可下线5个，已完成22个，处理中8个（进度95%8个），未启动1个。"
    )


def test_a_count_the_author_never_wrote_cannot_be_restated():
    text = "可下线5个，已完成22个，未启动1个。"
    category = d.MigrationCategory(name="X", total=29, offline=5, paused=1, done=22, not_started=1)

    assert restate_counts(text, category) is None
