"""Search across reports, items, events and notes, in Chinese and English.

The same tests run on SQLite locally and on PostgreSQL in CI (tokenised full-text search
with a stored, GIN-indexed vector), so both paths give these results.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import search, services
from reports.management.commands.load_demo import made_up_week
from reports.models import SearchEntry
from reports.search import Query, tokens
from reports.services import report_save_document
from tests.factories import TeamFactory, sample_document, save_week

pytestmark = pytest.mark.django_db

URL = reverse("reports:search")


@pytest.fixture
def history(sample_team):
    sample = sample_document()
    for weeks_back in (2, 1):
        report_save_document(team=sample_team, document=made_up_week(sample, weeks_back))
    return sample_team


def _found(client, q, **params):
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200
    return [
        (entry.day.isoformat(), entry.kind, entry.title)
        for entry, _parts in response.context["results"]
    ]


def test_tokens_split_chinese_into_pairs_and_keep_words():
    assert tokens("TOB商户账单 Aerospike集群") == [
        "tob",
        "商户",
        "户账",
        "账单",
        "aerospike",
        "集群",
    ]
    assert tokens("账") == ["账"]


def test_a_latin_word_finds_its_week(manager_client, history):
    found = _found(manager_client, "Aerospike")

    assert found == [("2023-05-20", "event", "外采风控系统Aerospike集群扩容，增加2个节点。")]


def test_a_chinese_word_finds_every_week_that_says_it(manager_client, history):
    found = _found(manager_client, "对账单")

    assert {day for day, _k, _t in found} == {"2023-05-06", "2023-05-13", "2023-05-20"}
    assert ("2023-05-20", "item", "HIVE标准数仓建设") in found


def test_chinese_words_match_as_a_phrase(manager_client, history):
    assert _found(manager_client, "账单对") == []


def test_every_term_must_match(manager_client, history):
    assert [k for _d, k, _t in _found(manager_client, "TiDB 账单")] == ["event"]
    assert _found(manager_client, "TiDB 迎检") == []


def test_a_prefix_of_a_latin_word(manager_client, history):
    assert len(_found(manager_client, "aero")) == 1


def test_team_and_date_filters(manager_client, history, member):
    lending = TeamFactory(slug="lending", name="信贷组")
    save_week(lending, date(2023, 5, 19), 20)
    services.daily_note_create(
        team=lending, author=member, day=date(2023, 5, 18), text="对账单核对完成"
    )

    everyone = _found(manager_client, "对账单")
    only_lending = _found(manager_client, "对账单", team="lending")
    since = _found(manager_client, "对账单", since="2023-05-14", until="2023-05-20")

    assert ("2023-05-18", "note", "member") in everyone  # a note's title is its author
    assert [k for _d, k, _t in only_lending] == ["note"]
    assert {d for d, _k, _t in since} == {"2023-05-18", "2023-05-20"}


def test_people_find_only_their_teams(outsider_client, history):
    assert _found(outsider_client, "对账单") == []


def test_a_resaved_report_is_reindexed(manager_client, history):
    doc = sample_document()
    doc.other = "新增：灰度发布检查清单"
    report_save_document(team=history, document=doc)

    assert [k for _d, k, _t in _found(manager_client, "灰度发布")] == ["report"]
    assert _found(manager_client, "GPT") == []  # the old 其他 text is gone


def test_the_page_highlights_the_match(manager_client, history):
    html = manager_client.get(URL, {"q": "Aerospike"}).content.decode()

    assert "<mark>Aerospike</mark>" in html


def test_an_empty_or_symbol_only_query_finds_nothing(manager_client, history):
    assert _found(manager_client, "") == []
    assert _found(manager_client, "%%% ：") == []


def test_query_terms_are_the_words_that_can_match():
    assert Query("对账单  Aero ：%").terms == ["对账单", "Aero"]


@pytest.mark.parametrize("weeks", [2, 8])
def test_queries_do_not_grow_with_results(
    manager_client, sample_team, django_assert_num_queries, weeks
):
    sample = sample_document()
    for weeks_back in range(weeks, 0, -1):
        report_save_document(team=sample_team, document=made_up_week(sample, weeks_back))

    with django_assert_num_queries(SEARCH_QUERIES):
        response = manager_client.get(URL, {"q": "对账单"})

    assert len(response.context["results"]) == weeks + 1


# Session, user, groups, the team choices of the form, the entries with team and report.
SEARCH_QUERIES = 5


def test_a_single_chinese_character_is_found(manager_client, history):
    """The index holds pairs; a lone character ("表", "5月") is matched as a substring, so
    PostgreSQL and SQLite agree."""
    assert {d for d, _k, _t in _found(manager_client, "6月")} == {
        "2023-05-06",
        "2023-05-13",
        "2023-05-20",
    }
    assert _found(manager_client, "扩") == _found(manager_client, "扩容") != []


def test_an_end_date_before_the_start_is_refused_beside_the_field(manager_client, history):
    response = manager_client.get(
        URL, {"q": "对账单", "since": "2023-05-20", "until": "2023-05-01"}
    )

    assert "结束日期早于开始日期。" in response.content.decode()
    assert response.context["results"] == []


def _index(report) -> list[tuple]:
    return list(
        SearchEntry.objects.filter(report=report)
        .order_by("pk")
        .values_list("day", "kind", "title", "text", "anchor", "tokens")
    )


@pytest.mark.parametrize("texts", [1, 3, 4, 9])
@pytest.mark.parametrize("fewer", [False, True], ids=["same-items", "one-item-fewer"])
def test_a_report_reindexed_in_place_is_indexed_as_afresh(sample_team, texts, fewer):
    """Entries that changed are rewritten one by one (up to search._FEW) or together;
    either way the index is the one a first save of the week makes."""
    doc = sample_document()
    report = report_save_document(team=sample_team, document=doc)
    items = [item for objective in doc.objectives for item in objective.walk()]
    for item in items[-texts:]:  # the last ones: an item fewer changes no entry before
        item.body = f"{item.body}（已更新：灰度发布）"
    if fewer:  # the last stored entries go, the others shift
        doc.objectives[0].items.pop()
    stored = _index(report)

    with CaptureQueriesContext(connection) as queries:
        search.index_report(report, doc)
    kept = _index(report)
    SearchEntry.objects.filter(report=report).delete()
    search.index_report(report, doc, new=True)

    assert kept == _index(report)
    assert sum("灰度发布" in text for _d, _k, _t, text, _a, _tk in kept) == texts
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    rewritten = sum(1 for was, now in zip(stored, kept, strict=False) if was != now)
    if not fewer:
        assert rewritten == texts
    if rewritten <= search._FEW:
        assert len(updates) == rewritten
    else:
        assert len(updates) == 1 and "CASE WHEN" in updates[0]
