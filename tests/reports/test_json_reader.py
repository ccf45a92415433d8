"""The JSON export reads back into the same document: JSON -> document -> JSON."""

import json

import pytest

from reports import document as d
from reports.document.jsonformat import JsonFormatError, document_from_json, render_json
from tests.factories import TZ, sample_document


def _round_trip(doc: d.ReportDocument) -> dict:
    data = json.loads(json.dumps(render_json(doc), ensure_ascii=False))
    return render_json(document_from_json(data, team=doc.team, tz=TZ))


def test_the_sample_reads_back_to_the_same_json():
    doc = sample_document()
    doc.import_notes = []  # the importer's remarks on the Markdown; JSON input has none

    assert _round_trip(doc) == render_json(doc)


def test_a_minimal_document():
    doc = document_from_json({"report_date": "2023-05-27", "week_number": 22}, team="t", tz=TZ)

    assert (doc.report_date.isoformat(), doc.week_number, doc.status) == ("2023-05-27", 22, "draft")
    assert doc.kpis == [] and doc.objectives == []


def test_decimals_keep_their_digits_when_sent_as_text():
    doc = document_from_json(
        {"report_date": "2023-05-27", "week_number": 22, "kpis": [{"name": "x", "value": "99.90"}]},
        team="t",
        tz=TZ,
    )

    assert str(doc.kpis[0].value) == "99.90"


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ([], "(document)"),
        ({"week_number": 1}, "report_date"),
        ({"report_date": "2023-02-30", "week_number": 1}, "report_date"),
        ({"report_date": "2023-05-27"}, "week_number"),
        ({"report_date": "2023-05-27", "week_number": "x"}, "week_number"),
        ({"report_date": "2023-05-27", "week_number": 1, "kpis": [{"value": 1}]}, "kpis[0].name"),
        (
            {"report_date": "2023-05-27", "week_number": 1, "kpis": [{"name": "a", "value": "x"}]},
            "kpis[0].value",
        ),
        (
            {
                "report_date": "2023-05-27",
                "week_number": 1,
                "kpis": [{"name": "a", "value": "NaN"}],
            },
            "kpis[0].value",
        ),
        ({"report_date": "2023-05-27", "week_number": 1, "status": "gone"}, "status"),
        (
            {
                "report_date": "2023-05-27",
                "week_number": 1,
                "objectives": [{"code": "O1", "items": [{"title": "a", "percent": 120}]}],
            },
            "objectives[0].items[0].percent",
        ),
        (
            {"report_date": "2023-05-27", "week_number": 1, "migrations": [{"name": "nope"}]},
            "migrations[0].name",
        ),
        ({"report_date": "2023-05-27", "week_number": 2**70}, "week_number"),
        (
            {
                "report_date": "2023-05-27",
                "week_number": 1,
                "kpis": [{"name": "a", "unit": "x" * 11}],
            },
            "kpis[0].unit",
        ),
        (
            {
                "report_date": "2023-05-27",
                "week_number": 1,
                "objectives": [
                    {"code": "O1", "items": [{"title": "a", "migration": "m"}]},
                ],
                "migrations": [{"name": "m", "categories": [{"name": "c", "done_names": 5}]}],
            },
            "migrations[0].categories[0].done_names",
        ),
        (
            {"report_date": "2023-05-27", "week_number": 1, "incidents": {"counts": {"ABCDEF": 1}}},
            "incidents.counts.ABCDEF",
        ),
        (
            {"report_date": "2023-05-27", "week_number": 1, "events": [{"date": "2023-05-24"}]},
            "events[0].summary",
        ),
        (
            {
                "report_date": "2023-05-27",
                "week_number": 1,
                "events": [{"date": "2023-05-24", "summary": "s", "detected_at": "noon"}],
            },
            "events[0].detected_at",
        ),
    ],
)
def test_bad_input_names_the_field(data, path):
    """Each mistake is a 400 naming the field, never a server error."""
    with pytest.raises(JsonFormatError) as error:
        document_from_json(data, team="t", tz=TZ)

    assert error.value.path == path


def test_items_nest_only_as_deep_as_the_page_allows():
    item = {"title": "leaf"}
    for _ in range(10):
        item = {"title": "t", "children": [item]}
    data = {
        "report_date": "2023-05-27",
        "week_number": 1,
        "objectives": [{"code": "O1", "items": [item]}],
    }

    with pytest.raises(JsonFormatError, match="事项最多嵌套 6 层"):
        document_from_json(data, team="t", tz=TZ)


@pytest.mark.parametrize("day", ["20230527", "2023-W21-6", "2023-5-27", " 2023-05-27"])
def test_a_date_is_written_as_the_layout_writes_it(day):
    """Python reads more ISO forms than the layout writes; the reader takes the layout's."""
    with pytest.raises(JsonFormatError, match="YYYY-MM-DD") as error:
        document_from_json({"report_date": day, "week_number": 1}, team="t", tz=TZ)

    assert error.value.path == "report_date"


@pytest.mark.parametrize(
    ("moment", "taken"),
    [
        ("2023-05-24", False),
        ("2023-W21-3T10:00", False),
        ("2023-05-24T10:00:00+08:00", True),
        ("2023-05-24T10:00", True),
        ("2023-05-24 10:00:00Z", True),
    ],
)
def test_a_time_is_a_date_and_a_time(moment, taken):
    data = {
        "report_date": "2023-05-27",
        "week_number": 1,
        "events": [{"date": "2023-05-24", "summary": "s", "detected_at": moment}],
    }
    if taken:
        assert document_from_json(data, team="t", tz=TZ).events[0].detected_at is not None
    else:
        with pytest.raises(JsonFormatError, match="ISO 8601"):
            document_from_json(data, team="t", tz=TZ)
