"""The edit page as the report reads: its sections in the team's layout order, each with
the fields that edit it, every field of the form on the page once, and the fields in
error counted where they are."""

import re
from collections import Counter

import pytest
from django.urls import reverse

from reports.models import WeeklyReport
from reports.templatetags.editor_tags import edit_page
from reports.templatetags.report_tags import page_sections
from tests.forms_data import editor_data, find_row
from tests.reports.test_import_any_layout import _sign_in, _week_of

pytestmark = pytest.mark.django_db

EDIT_URL = reverse("reports:report_edit", args=["payments", "2023-05-20"])
NEW_URL = reverse("reports:report_new", args=["payments"])


@pytest.fixture(autouse=True)
def _drafts(sample_report):
    WeeklyReport.objects.update(status="draft")


def _form_html(html: str) -> str:
    """The page's form, without what it holds in <template>s (rows copied when one is
    added, autosave's sign-in dialog)."""
    start = html.index('<form method="post" id="report-editor"')
    form = html[start : html.index("</form>", start)]
    return re.sub(r"<template\b.*?</template>", "", form, flags=re.S)


def _same_fields(names: Counter, editor) -> bool:
    """The page has every field the editor posts, and no other (a checkbox left unticked
    is not posted), each once: one Save sends the whole week."""
    posted = set(editor_data(editor)) | {"csrfmiddlewaretoken"}
    # Text before the first heading has no heading to edit.
    posted -= {f["heading"].html_name for f, section in editor.section_forms if not section.level}
    unticked = set(names) - posted
    once = all(n == 1 for n in names.values())
    return posted <= set(names) and all(n.endswith(CHECKBOXES) for n in unticked) and once


CHECKBOXES = ("-DELETE", "-holds_events")


def _posted_names(html: str) -> Counter:
    names = Counter(re.findall(r'\sname="([^"]+)"', _form_html(html)))
    return names - Counter({"save": 1, "preview": 1})  # the buttons


def test_the_sample_week_is_edited_in_its_layout_order(lead_client):
    response = lead_client.get(EDIT_URL)
    page = edit_page(response.context["editor"])

    assert [(s.kind, s.title) for s in page.sections] == [
        ("title", "第21周 2023/05/20"),
        ("heading", "上周进展"),
        ("operations", "【系统运行数据】"),
        ("objectives", ""),
        ("events", "生产稳定性事件"),
        ("free", "【其他】"),
        ("free", "本周收获与反思"),
        ("free", "下周工作及目标"),
        ("free", "日报合集"),
    ]
    assert page.more == []
    objectives = [(o.anchor, o.title) for o in page.objectives.objectives]
    assert objectives == [
        ("objective-1", "【O1 服务业务】"),
        ("objective-2", "【O2 系统升级】"),
        ("objective-3", "【O3 安全稳定、降本提效】"),
    ]
    # A section is found on the edit page by the id the report page gives its heading.
    shown = {s["section"].heading: s["anchor"] for s in page_sections(page.doc)}
    assert all(shown[s.heading] == s.anchor for s in page.sections if s.shown and s.heading)
    html = response.content.decode()
    assert 'id="section-2" data-section data-title="【系统运行数据】"' in html
    assert "入金有效成功率：99.98%" in html  # the section as published
    assert _form_html(html).count(" is-open") == 0  # every editor closed until asked for


def test_every_field_is_on_the_page_once(lead_client):
    response = lead_client.get(EDIT_URL)

    names = _posted_names(response.content.decode())

    assert _same_fields(names, response.context["editor"])


def test_a_teams_own_sections_are_edited_in_their_words(client):
    report = _week_of("search-ranking").first()
    report.status = "draft"
    report.save(update_fields=["status"])
    _sign_in(client, report.team, "lead")
    url = reverse("reports:report_edit", args=[report.team.slug, report.report_date])
    response = client.get(url)
    editor = response.context["editor"]

    page = edit_page(editor)

    texts = [s for s in page.sections if s.kind == "text"]
    assert [s.heading for s in texts if s.heading] == [
        s.heading for s in editor.initial_document.sections if s.level
    ]
    # Each section in the team's words holds its own form, once.
    assert [s.form for s in texts] == [form for form, _section in editor.section_forms]
    # The KPI rows sit with the metrics section, the event rows with the incidents one.
    (metrics,) = [s for s in texts if s.with_kpis]
    (incidents,) = [s for s in texts if s.with_events]
    assert metrics.shown["section"].kind == "kpis" and incidents.shown["section"].kind == "events"
    assert set(editor.kpis.forms) <= set(metrics.rows)
    # What the layout has no section for comes after it.
    assert [s.kind for s in page.more] == ["objectives", "free", "free", "free", "free"]
    assert _same_fields(_posted_names(response.content.decode()), editor)


def test_a_refused_save_counts_the_fields_in_error_per_section(lead_client):
    data = editor_data(lead_client.get(EDIT_URL).context["editor"])
    data[f"kpi-{find_row(data, 'kpi', 'name', '入金有效成功率')}-value"] = "150"
    data[f"item-{find_row(data, 'item', 'title', '小贝帮帮项目')}-percent"] = "130"
    data[f"cat-{find_row(data, 'cat', 'name', '风控报表')}-total"] = "99"

    response = lead_client.post(EDIT_URL, data)

    assert response.status_code == 200
    editor = response.context["editor"]
    page = edit_page(editor)
    counted = {s.title: s.errors for s in page.sections if s.errors}
    counted.update({o.title: o.errors for o in page.objectives.objectives if o.errors})
    assert counted == {"【系统运行数据】": 1, "【O1 服务业务】": 1, "【O2 系统升级】": 1}
    assert sum(counted.values()) == editor.error_count
    # Those sections open at their fields; the others read as published.
    html = response.content.decode()
    opened = re.findall(
        r'class="edit-section[^"]*is-open[^"]*"[^>]*data-title="([^"]*)"', _form_html(html)
    )
    assert sorted(opened) == sorted(counted)


def test_a_new_week_reads_as_it_will_be_published(lead_client):
    response = lead_client.get(NEW_URL)

    page = edit_page(response.context["editor"])

    # Its texts, carried from last week and never saved, are formatted for the page.
    o1 = page.objectives.objectives[0].objective
    assert o1.items[0].body and o1.items[0].body_html.startswith("<p>")
    assert response.context["editor"].initial_document.objectives[0].items[0].body_html == ""
    assert "<li>轻存管&amp;定转佣能力建设，定金收款场景试单顺利" in response.content.decode()
