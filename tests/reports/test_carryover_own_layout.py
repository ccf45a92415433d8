"""A week in a team's own words, started from the last one (``carryover.next_document``)."""

from datetime import timedelta

from reports.document import SectionKind
from reports.document.carryover import next_document, open_entries
from reports.document.renderer import render_markdown
from reports.document.sections import read_list
from tests.reports.test_team_layouts import MANIFEST, _import

PAYMENTS = next(e for e in MANIFEST if e["path"] == "payments-core/2024-03-08.md")
LAB = next(e for e in MANIFEST if e["path"] == "ml-lab/group-meeting-w13.md")


def _next(entry):
    last = _import(entry)
    return last, next_document(
        last, report_date=last.report_date + timedelta(days=7), week_number=last.week_number + 1
    )


def _section(doc, kind):
    return next(s for s in doc.sections if s.kind == kind)


def test_the_layout_and_its_words_are_kept_and_the_title_names_the_new_week():
    last, doc = _next(PAYMENTS)

    assert [(s.heading, s.level, s.kind) for s in doc.sections] == [
        (s.heading, s.level, s.kind) for s in last.sections
    ]
    assert doc.title == "周报（2024.03.11-2024.03.15）"
    assert doc.front_matter == last.front_matter


def test_open_risks_and_actions_are_carried_and_finished_ones_are_not():
    _last, doc = _next(PAYMENTS)

    risks = [e.text for e in read_list(_section(doc, SectionKind.RISKS).text).entries]
    actions = read_list(_section(doc, SectionKind.ACTIONS).text).entries
    assert len(risks) == 2 and not any("已解决" in r for r in risks)
    assert [a.done for a in actions] == [False, False, False]
    assert "更换即将过期的商户证书" not in _section(doc, SectionKind.ACTIONS).text


def test_the_plan_starts_empty_and_last_weeks_plan_is_reviewed():
    last, doc = _next(PAYMENTS)

    assert _section(doc, SectionKind.PLAN).text == ""
    assert [p.text for p in doc.plan_review][0] == "收银台 3.2 提测，通过后开始 5% 灰度"
    assert len(doc.plan_review) == len(read_list(_section(last, SectionKind.PLAN).text).entries)


def test_last_weeks_events_are_not_listed_again_and_kpis_keep_what_the_text_says():
    last, doc = _next(PAYMENTS)

    assert doc.events == [] and "3/5 14:20" not in render_markdown(doc)
    assert [(k.name, k.value) for k in doc.kpis] == [(k.name, k.value) for k in last.kpis]


def test_a_per_person_section_keeps_each_persons_heading_to_write_under():
    last, doc = _next(LAB)
    people = _section(doc, SectionKind.PEOPLE)

    assert people.text
    assert all(line.startswith("#") for line in people.text.split("\n") if line)


def test_open_entries_keeps_text_that_is_not_a_list():
    assert open_entries("| 风险 | 状态 |\n|---|---|\n| 延期 | 已解决 |") == (
        "| 风险 | 状态 |\n|---|---|\n| 延期 | 已解决 |"
    )
