"""Whatever a browser posts, the edit page saves it or shows errors: never a server error.

Hypothesis changes a few fields of the sample week's edit page at a time (any field,
management forms included) to arbitrary text, numbers, dates and the odd values people and
tools really send. The editor alone is tried many times; the whole view, with the
database, fewer times.
"""

import json
from datetime import UTC

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reports.document.jsonformat import document_from_json, render_json
from reports.document.renderer import render_markdown
from reports.forms import ReportEditor
from reports.models import WeeklyReport
from tests.factories import TZ, sample_document
from tests.forms_data import editor_data

SAMPLE = sample_document()
BASE = editor_data(ReportEditor(SAMPLE, grades=SAMPLE.incidents.grades))
FIELDS = sorted(BASE)
VERSION = ReportEditor(SAMPLE, grades=SAMPLE.incidents.grades).report.add_prefix("version")

ODD = [
    "", " ", "-1", "0", "100", "100.01", "1e5", "NaN", "Infinity", "-0", "２３", "٣",
    "99.999999999", "2023-02-30", "0001-01-01", "9999-12-31", "0001-01-01T00:00",
    "9999-12-31T23:59", "24:00", "__prefix__", "o0", "i0", "t0", "c0", "<script>x</script>",
]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(ODD),
    st.text(max_size=40),
    st.integers(min_value=-(10**15), max_value=10**15).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(str),
    st.datetimes().map(lambda v: v.strftime("%Y-%m-%dT%H:%M")),
)
EVENT_FIELDS = [f for f in FIELDS if f.startswith("evt-")]
CHANGES = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), VALUES, min_size=1, max_size=6),
    # Rows whose fields depend on each other (dates and times of one event), changed together.
    st.dictionaries(st.sampled_from(EVENT_FIELDS), VALUES, min_size=2, max_size=5),
)


def _posted(changes: dict[str, str]) -> dict[str, str]:
    data = dict(BASE)
    data.update(changes)
    return data


@settings(max_examples=300, deadline=None)
@given(changes=CHANGES)
@example(changes={"sec-TOTAL_FORMS": "1"})  # a blank section row the page never had
def test_the_editor_validates_or_gives_errors(changes):
    with translation.override("zh-hans"):
        editor = ReportEditor(SAMPLE, grades=SAMPLE.incidents.grades, data=_posted(changes))
        if editor.is_valid():
            doc = editor.document()
            for event in doc.events:  # what the database stores: UTC
                for moment in (event.detected_at, event.recovered_at):
                    assert moment is None or moment.astimezone(UTC).year >= 1
            assert render_markdown(doc)
            assert render_json(doc)["report_date"] == "2023-05-20"
            # What the page saves, the API takes back (one set of rules at every door).
            sent = json.loads(json.dumps(render_json(doc)))
            assert document_from_json(sent, team="payments", tz=TZ) is not None
        else:
            assert editor.error_count > 0


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=CHANGES)
def test_the_edit_view_saves_or_shows_errors(lead_client, changes):
    url = reverse("reports:report_edit", args=["payments", "2023-05-20"])
    # Posted from the page of the version saved now (an earlier example may have saved).
    version = WeeklyReport.objects.get(report_date="2023-05-20").version

    response = lead_client.post(url, {**_posted(changes), VERSION: str(version)})

    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "未保存任何内容" in response.content.decode()
    else:
        page = lead_client.get(reverse("reports:report_detail", args=["payments", "2023-05-20"]))
        assert page.status_code == 200


def test_a_signalling_nan_is_an_error_not_a_crash():
    kpi_value = next(f for f in FIELDS if f.startswith("kpi-") and f.endswith("-value"))
    with translation.override("zh-hans"):
        editor = ReportEditor(
            SAMPLE, grades=SAMPLE.incidents.grades, data=_posted({kpi_value: "sNaN"})
        )

        assert not editor.is_valid()
        assert editor.error_count > 0
