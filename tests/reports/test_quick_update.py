"""The quick update of a week (reports/quick.py): only what the lead changed is written,
as one save of the whole week at the version the page was opened on; nothing else moves.

The week is the sample team's week 22, started from week 21 (the sample) as the new-week
page starts it: last week's KPIs empty, the items' texts, the tracker's counts and the
open incidents carried, last week's plan to mark.
"""

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import selectors, services
from reports.document import ItemStatus, KpiSource, PlanOutcome, SectionKind
from reports.document import quick as q
from reports.document.renderer import render_markdown
from reports.document.sections import read_list
from reports.models import WeeklyReport
from reports.selectors import report_document
from tests.factories import MembershipFactory, TeamFactory, sample_document, save_week
from tests.forms_data import by_script, editor_data, form_data
from tests.reports.test_team_layouts import MANIFEST, _import

pytestmark = pytest.mark.django_db

WEEK_22 = date(2023, 5, 27)
OWN_WEEK = date(2024, 3, 22)
URL = reverse("reports:report_quick", args=["payments", WEEK_22.isoformat()])


@pytest.fixture
def week22(sample_team, lead) -> WeeklyReport:
    start, _previous = selectors.new_week_document(sample_team, WEEK_22)
    return services.report_create(team=sample_team, document=start, author=lead)


def _opened(client, url: str = URL) -> dict[str, str]:
    """What the page posts when saved as it was opened."""
    quick = client.get(url).context["quick"]
    data = form_data(quick.head)
    for row in quick.rows():
        data.update(form_data(row.form))
    data.update(form_data(quick.event))
    return data


def _state(report: WeeklyReport):
    report = WeeklyReport.objects.get(pk=report.pk)
    return report.version, report.revisions.count(), render_markdown(report_document(report))


def _field(doc, name: str) -> str:
    """The HTML name of a field of the page for the part named ``name``."""
    for place, item, _depth in q.items(doc):
        if item.title == name:
            return q_prefix(place)
    raise LookupError(name)


def q_prefix(place) -> str:
    return "-".join(str(p) for p in place)


def _category(doc, name: str) -> str:
    for m, migration in enumerate(q.migrations(doc)):
        for c, category in enumerate(migration.categories):
            if category.name == name:
                return f"category-{m}-{c}"
    raise LookupError(name)


# ---------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------


def test_the_page_lists_what_moves_beside_last_weeks_values(lead_client, week22):
    response = lead_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    quick = response.context["quick"]
    kpis = next(g for g in quick.groups if g.key == "kpis")
    assert [(r.label, r.previous) for r in kpis.rows] == [
        ("入金有效成功率", "99.98%"),
        ("出金有效成功率", "99.92%"),
        ("支付系统年度可用性", "100%"),
    ]
    assert 'name="kpi-0-value"' in html and 'data-previous="99.98"' in html
    assert 'name="report-version"' in html
    assert f'data-draft-key="weekly:quick:payments:{WEEK_22.isoformat()}"' in html
    assert f'data-autosave-url="{URL}"' in html
    tracker = next(g for g in quick.groups if g.key == "tracker-0")
    assert tracker.title == "Hive数仓建设" and len(tracker.rows) == 6
    items = [g for g in quick.groups if g.kind == q.ITEM]
    assert [g.title for g in items] == [
        "【O1 服务业务】",
        "【O2 系统升级】",
        "【O3 安全稳定、降本提效】",
    ]
    assert sum(1 for g in items for r in g.rows if r.carried) == 23  # every item with text
    plan = next(g for g in quick.groups if g.key == "plan")
    assert [r.label for r in plan.rows][0] == "账户、Hive以及POS项目的跟进"
    assert html.count('data-quick="rest"') == len(quick.groups) - 1  # the plan: "all done"
    assert 'data-quick="all-done"' in html


def test_the_report_page_and_the_preview_link_to_it(lead_client, week22):
    detail = lead_client.get(reverse("reports:report_detail", args=["payments", "2023-05-27"]))
    preview = lead_client.get(reverse("reports:report_preview", args=["payments", "2023-05-27"]))

    assert f'href="{URL}"' in detail.content.decode()
    html = preview.content.decode()
    assert f'href="{URL}"' in html
    assert preview.context["carried_items"] == 23
    assert 'id="carried-items"' in html


# ---------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------


def test_the_changes_are_written_and_nothing_else_moves(lead_client, lead, week22):
    before = report_document(week22)
    data = _opened(lead_client)
    data["kpi-0-value"] = "99.97"
    risk = _category(before, "风控报表")
    data[f"{risk}-done"], data[f"{risk}-not_started"] = "23", "0"
    item = _field(before, "带押过户")
    data[f"{item}-body"] = "首单已跑通"
    data[f"{item}-status"] = ItemStatus.DONE
    data["plan-0-outcome"] = PlanOutcome.DONE
    data["plan-3-outcome"] = PlanOutcome.CARRIED
    data.update(
        {
            "event-occurred_on": "2023-05-24",
            "event-grade": "C",
            "event-summary": "代付通道响应变慢。",
        }
    )

    response = lead_client.post(URL, data)

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "reports:report_preview", args=["payments", "2023-05-27"]
    )
    report = WeeklyReport.objects.get(pk=week22.pk)
    assert report.version == week22.version + 1
    after = report_document(report)
    assert (after.kpis[0].value, after.kpis[0].source) == (Decimal("99.97"), KpiSource.TYPED)
    ((_o, _i, migration),) = list(after.migrations())
    category = next(c for c in migration.categories if c.name == "风控报表")
    assert (category.done, category.not_started) == (23, 0)
    changed = next(i for i in after.items() if i.title == "带押过户")
    assert (changed.body, changed.status) == ("首单已跑通", ItemStatus.DONE)
    assert [p.outcome for p in after.plan_review] == ["done", "", "", "carried"]
    assert after.next_week == "1. 迎检技术支持"  # carried into this week's plan
    assert [(e.date, e.grade, e.summary) for e in after.events] == [
        (date(2023, 5, 24), "C", "代付通道响应变慢。")
    ]
    # Everything else is as it was: undo the changes and compare the whole week.
    after.kpis[0] = before.kpis[0]
    after_category = next(c for c in q.migrations(after)[0].categories if c.name == "风控报表")
    after_category.done, after_category.not_started = 22, 1
    changed.body, changed.status = before_item(before, "带押过户")
    after.plan_review, after.next_week, after.events = before.plan_review, before.next_week, []
    assert render_markdown(after) == render_markdown(before)
    assert report.revisions.first().author == lead


def before_item(doc, title):
    item = next(i for i in doc.items() if i.title == title)
    return item.body, item.status


def test_a_page_saved_as_it_was_opened_saves_nothing(lead_client, week22):
    before = _state(week22)

    response = lead_client.post(URL, _opened(lead_client))

    assert response.status_code == 302
    assert _state(week22) == before


def test_no_change_keeps_last_weeks_value_and_the_rest(lead_client, week22):
    """What the "No change" buttons post: last week's value copied into the KPIs, the
    counts and texts left as they are."""
    before = report_document(week22)
    data = _opened(lead_client)
    for n, value in enumerate(["99.98", "99.92", "100"]):
        data[f"kpi-{n}-value"] = value

    assert lead_client.post(URL, data).status_code == 302

    after = report_document(WeeklyReport.objects.get(pk=week22.pk))
    assert [k.value for k in after.kpis] == [Decimal("99.98"), Decimal("99.92"), Decimal("100")]
    assert q.carried(after, selectors.previous_document(week22.team, WEEK_22)) >= {
        (q.KPI, 0),
        (q.KPI, 1),
        (q.KPI, 2),
    }
    after.kpis = before.kpis
    assert render_markdown(after) == render_markdown(before)


def _first_carried_item(client) -> str:
    page = client.get(URL).context["quick"]
    return next(
        q_prefix(r.place) for g in page.groups for r in g.rows if r.carried and r.place[0] == q.ITEM
    )


def test_no_change_on_an_item_is_kept_and_it_no_longer_counts_as_carried(lead_client, week22):
    """What "No change" posts for an item (its hidden reviewed input): kept with the week,
    shown again when the page opens, left out of the preview's count; nothing of the
    week's document, version or revisions moves."""
    before = _state(week22)
    reviewed = _first_carried_item(lead_client)
    data = _opened(lead_client)
    assert data[f"{reviewed}-reviewed"] == "False"
    data[f"{reviewed}-reviewed"] = "1"
    data["kpi-0-reviewed"] = "1"  # an empty KPI carries nothing: its stamp is kept all the same

    response = lead_client.post(URL, **by_script(data))

    assert response.status_code == 200 and response.json()["saved"] is True
    assert _state(week22) == before
    week22.refresh_from_db()
    assert len(week22.confirmed) == 2
    page = lead_client.get(URL).context["quick"]
    rows = {q_prefix(r.place): r for g in page.groups for r in g.rows}
    assert rows[reviewed].reviewed and not rows[reviewed].carried
    assert sum(1 for g in page.groups for r in g.rows if r.carried) == 22
    preview = lead_client.get(reverse("reports:report_preview", args=["payments", "2023-05-27"]))
    assert preview.context["carried_items"] == 22


def test_a_confirmed_item_whose_text_changes_is_confirmed_no_more(lead_client, week22):
    reviewed = _first_carried_item(lead_client)
    data = _opened(lead_client)
    data[f"{reviewed}-reviewed"] = "1"
    lead_client.post(URL, **by_script(data))
    data = _opened(lead_client)
    assert data[f"{reviewed}-reviewed"] == "True"

    data[f"{reviewed}-body"] = "本周：数仓迁移完成两张表"
    data[f"{reviewed}-reviewed"] = ""  # typing clears it (static/js/quick.js)
    lead_client.post(URL, **by_script(data))

    week22.refresh_from_db()
    assert week22.confirmed == []
    assert "本周：数仓迁移完成两张表" in _state(week22)[2]


def _carried_items(client) -> list[str]:
    page = client.get(URL).context["quick"]
    return [
        q_prefix(r.place) for g in page.groups for r in g.rows if r.carried and r.place[0] == q.ITEM
    ]


def test_two_pages_confirm_without_undoing_each_other(lead_client, week22):
    """Two pages open on the week: each "No change" is kept, whichever saves last, and a
    confirmation taken back on one page leaves the other's alone."""
    first, second = _carried_items(lead_client)[:2]
    page_a, page_b = _opened(lead_client), _opened(lead_client)
    page_a[f"{first}-reviewed"] = "1"
    page_b[f"{second}-reviewed"] = "1"

    a = lead_client.post(URL, **by_script(page_a))
    b = lead_client.post(URL, **by_script(page_b))

    assert a.json()["saved"] and b.json()["saved"]
    week22.refresh_from_db()
    assert len(week22.confirmed) == 2
    page_a.update(a.json()["fields"])  # the marks as saved, as autosave.js sets them
    assert page_a[f"initial-{first}-reviewed"] == "True"
    page_a[f"{first}-reviewed"] = ""  # typed into on page A (static/js/quick.js)
    lead_client.post(URL, **by_script(page_a))
    week22.refresh_from_db()
    assert len(week22.confirmed) == 1
    rows = {
        q_prefix(r.place): r for g in lead_client.get(URL).context["quick"].groups for r in g.rows
    }
    assert rows[second].reviewed and not rows[first].reviewed


def test_a_stamp_holds_only_while_its_text_does():
    doc = sample_document()
    place, item, _depth = next(q.items(doc))
    previous = sample_document()
    confirmed = [q.stamps(doc)[place]]

    assert place in q.carried(doc, previous)
    assert place not in q.carried(doc, previous, confirmed)
    item.body += "（补充）"
    next(q.items(previous))[1].body = item.body
    assert place in q.carried(doc, previous, confirmed)


def test_save_and_publish_leads_to_the_publish_step(lead_client, week22):
    data = _opened(lead_client)
    data["kpi-0-value"] = "99.97"
    data["publish"] = ""

    response = lead_client.post(URL, data)

    assert response["Location"] == reverse(
        "reports:report_publish", args=["payments", "2023-05-27"]
    )
    assert WeeklyReport.objects.get(pk=week22.pk).status == "draft"  # publishing asks first


# ---------------------------------------------------------------------------------------
# Refused: nothing is saved
# ---------------------------------------------------------------------------------------


def test_a_bad_number_is_refused_beside_its_field_and_nothing_is_saved(lead_client, week22):
    before = _state(week22)
    data = _opened(lead_client)
    data["kpi-0-value"] = "99.9x"
    data["kpi-1-value"] = "99.93"  # valid, and not saved either

    response = lead_client.post(URL, data)

    assert response.status_code == 200
    quick = response.context["quick"]
    assert quick.errors() == {"kpi-0-value": ["输入一个数字。"]}
    html = response.content.decode()
    # Beside the field: the input points at its error, which follows it.
    assert 'aria-describedby="id_kpi-0-value_error"' in html
    error = re.search(r'<div id="id_kpi-0-value_error"[^>]*>(.*?)</div>', html, re.S)
    assert "输入一个数字。" in error.group(1)
    assert html.index('name="kpi-0-value"') < error.start()
    assert 'value="99.9x"' in html and 'value="99.93"' in html  # as typed
    assert _state(week22) == before


def test_a_percentage_over_100_and_counts_that_do_not_add_up_are_refused(lead_client, week22):
    before = _state(week22)
    data = _opened(lead_client)
    data["kpi-0-value"] = "100.5"
    risk = _category(report_document(week22), "风控报表")
    data[f"{risk}-done"] = "23"

    response = lead_client.post(URL, data)

    errors = response.context["quick"].errors()
    assert errors["kpi-0-value"] == ["百分比应在 0 到 100 之间。"]
    assert errors[f"{risk}-total"] == ["各项合计 37 个，与总数 36 个不符。"]
    assert _state(week22) == before


def test_a_stale_version_is_refused_and_shows_what_was_typed(
    lead_client, second_lead_client, week22
):
    mine, theirs = _opened(lead_client), _opened(second_lead_client)
    theirs["kpi-0-value"] = "99.90"
    assert second_lead_client.post(URL, theirs).status_code == 302
    saved = _state(week22)
    mine["kpi-0-value"] = "99.97"
    mine["kpi-1-value"] = "99.93"

    response = lead_client.post(URL, mine)

    assert response.status_code == 200
    assert _state(week22) == saved
    conflict = response.context["conflict"]
    assert ("入金有效成功率", "99.97") in conflict["unsaved"]
    assert ("出金有效成功率", "99.93") in conflict["unsaved"]
    html = response.content.decode()
    assert 'id="quick-conflict"' in html and "小红" in html
    # The page now shows their version, at their version.
    assert response.context["quick"].head["version"].value() == saved[0]
    assert 'value="99.90"' in html


def test_the_autosave_gets_json_answers(lead_client, second_lead_client, week22):
    data = _opened(lead_client)
    data["kpi-0-value"] = "99.97"

    ok = lead_client.post(URL, **by_script(data))

    assert ok.status_code == 200
    answer = ok.json()
    assert answer["saved"] is True and answer["version"] == week22.version + 1
    assert len(answer["saved_at"]) == 5 and answer["url"] == URL

    data["report-version"] = str(answer["version"])
    data["kpi-1-value"] = "abc"
    bad = lead_client.post(URL, **by_script(data))
    assert bad.status_code == 400
    assert bad.json() == {
        "saved": False,
        "errors": {"kpi-1-value": ["输入一个数字。"]},
        "non_field_errors": [],
    }

    stale = dict(data, **{"kpi-1-value": "99.93", "report-version": str(week22.version)})
    conflict = lead_client.post(URL, **by_script(stale))
    assert conflict.status_code == 409
    assert conflict.json()["conflict"] is True and conflict.json()["message"]

    services.report_publish(report=week22)
    locked = lead_client.post(
        URL, **by_script(dict(stale, **{"report-version": str(answer["version"])}))
    )
    assert locked.status_code == 423
    assert locked.json()["locked"] is True
    assert WeeklyReport.objects.get(pk=week22.pk).version == answer["version"]


def test_saving_the_page_again_does_not_add_its_event_twice(lead_client, week22):
    data = _opened(lead_client)
    data.update({"event-occurred_on": "2023-05-24", "event-summary": "代付通道响应变慢"})
    first = lead_client.post(URL, **by_script(data)).json()
    data["report-version"] = str(first["version"])
    data["event-summary"] = "代付通道响应变慢，已切换备用通道"  # typed on after the autosave

    second = lead_client.post(URL, **by_script(data)).json()

    events = report_document(WeeklyReport.objects.get(pk=week22.pk)).events
    assert second["saved"] is True
    assert [e.summary for e in events] == ["代付通道响应变慢，已切换备用通道"]


def test_an_event_needs_its_date_and_what_happened(lead_client, week22):
    before = _state(week22)
    data = _opened(lead_client)
    data.update({"event-grade": "C", "event-occurred_on": "2023-06-30"})

    response = lead_client.post(URL, data)

    assert response.context["quick"].errors() == {
        "event-occurred_on": ["该日期晚于周报日期 2023-05-27。"],
        "event-summary": ["该字段是必填项。"],
    }
    assert _state(week22) == before


def test_a_published_week_is_not_updated(lead_client, week22):
    data = _opened(lead_client)
    services.report_publish(report=week22)
    before = _state(week22)
    data["kpi-0-value"] = "99.97"

    get = lead_client.get(URL)
    post = lead_client.post(URL, data)

    assert get.status_code == 302 and get["Location"] == week22.get_absolute_url()
    assert post.status_code == 200
    assert post.context["quick"].all_non_field_errors() == [
        "这份周报已在此期间发布，本次未保存任何内容。如需修改，请先重新打开。"
    ]
    assert _state(week22) == before


# ---------------------------------------------------------------------------------------
# Who may
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, code", [("member_client", 403), ("outsider_client", 404), ("manager_client", 403)]
)
def test_only_the_teams_leads_update_the_week(request, lead_client, week22, who, code):
    data = _opened(lead_client)
    data["kpi-0-value"] = "99.97"
    before = _state(week22)
    client = request.getfixturevalue(who)

    assert client.get(URL).status_code == code
    assert client.post(URL, data).status_code == code
    assert client.post(URL, **by_script(data)).status_code == code
    assert _state(week22) == before


# ---------------------------------------------------------------------------------------
# A team writing in its own words: risks and actions
# ---------------------------------------------------------------------------------------


@pytest.fixture
def own_words(db):
    """payments-core's week of 2024-03-15 imported as written (its own layout, risks and
    actions as lists), and the week after it started from it: the one to update."""
    team = TeamFactory(slug="payments-core", name="支付核心组")
    lead = MembershipFactory(team=team, user__username="core-lead", role="lead").user
    entry = next(e for e in MANIFEST if e["path"] == "payments-core/2024-03-15.md")
    services.report_save_document(team=team, document=_import(entry), author=lead)
    start, _previous = selectors.new_week_document(team, OWN_WEEK)
    return team, lead, services.report_create(team=team, document=start, author=lead)


def test_a_risks_status_owner_and_due_date_are_written_into_its_text(client, own_words):
    team, lead, report = own_words
    client.force_login(lead)
    url = reverse("reports:report_quick", args=[team.slug, OWN_WEEK.isoformat()])
    quick = client.get(url).context["quick"]
    entries = {r.label: r for g in quick.groups if g.kind == q.ENTRY for r in g.rows}
    risk = entries["云闪付 6 期/12 期测试商户未开通，可能影响 3 月底上线 —— **跟进中**"]
    action = entries["大事务巡检脚本接入每日巡检（负责人：陈静）截止 3/20"]
    assert risk.previous == "处理中"  # what last week's list said of it
    data = _opened(client, url)
    risk_at, action_at = q_prefix(risk.place), q_prefix(action.place)
    data[f"{risk_at}-status"] = ItemStatus.DONE
    data[f"{action_at}-owner"] = "李航"
    data[f"{action_at}-due"] = "2024-03-27"

    response = client.post(url, data)

    assert response.status_code == 302
    doc = report_document(WeeklyReport.objects.get(pk=report.pk))
    risks = next(s for s in doc.sections if s.kind == SectionKind.RISKS)
    actions = next(s for s in doc.sections if s.kind == SectionKind.ACTIONS)
    assert read_list(risks.text).entries[0].text == (
        "云闪付 6 期/12 期测试商户未开通，可能影响 3 月底上线 —— **已解决**"
    )
    assert "- [ ] 大事务巡检脚本接入每日巡检（负责人：李航）截止 3/27" in actions.text
    before = report_document(report)
    assert [
        s.text for s in doc.sections if s.kind not in (SectionKind.RISKS, SectionKind.ACTIONS)
    ] == [s.text for s in before.sections if s.kind not in (SectionKind.RISKS, SectionKind.ACTIONS)]


def test_a_stated_owner_cannot_be_emptied_here(client, own_words):
    team, lead, report = own_words
    client.force_login(lead)
    url = reverse("reports:report_quick", args=[team.slug, OWN_WEEK.isoformat()])
    before = _state(report)
    data = _opened(client, url)
    owner = next(k for k, v in data.items() if k.endswith("-owner") and v == "陈静")
    data[owner] = ""

    response = client.post(url, **by_script(data))

    assert response.status_code == 400
    assert json.loads(response.content)["errors"] == {owner: ["该字段是必填项。"]}
    assert _state(report) == before


def test_a_kpi_stated_in_the_teams_table_is_said_there(client, own_words):
    team, lead, report = own_words
    client.force_login(lead)
    url = reverse("reports:report_quick", args=[team.slug, OWN_WEEK.isoformat()])
    quick = client.get(url).context["quick"]
    kpis = next(g for g in quick.groups if g.key == "kpis")
    assert kpis.title == "二、核心指标"  # the team's own heading
    row = next(r for r in kpis.rows if r.label == "支付成功率")
    assert row.carried  # the text carried it from last week
    data = _opened(client, url)
    data[f"{q_prefix(row.place)}-value"] = "99.35"

    assert client.post(url, data).status_code == 302

    markdown = render_markdown(report_document(WeeklyReport.objects.get(pk=report.pk)))
    assert "| 支付成功率 | 99.35% |" in markdown
    assert "| 退款成功率 | 99.91% |" in markdown


# ---------------------------------------------------------------------------------------
# A week with no report yet: it opens as a new week starts, and its first save starts it
# ---------------------------------------------------------------------------------------

NEW_URL = reverse("reports:report_new", args=["payments"])
TEAM_URL = reverse("reports:team_detail", args=["payments"])


def _week22() -> WeeklyReport | None:
    return WeeklyReport.objects.filter(report_date=WEEK_22).first()


def test_a_week_with_no_report_opens_as_a_new_week_starts_and_writes_nothing(
    lead_client, sample_team
):
    response = lead_client.get(URL)

    assert response.status_code == 200
    assert response.context["report"] is None
    quick = response.context["quick"]
    start, previous = selectors.new_week_start(sample_team, WEEK_22)
    assert quick.doc == start and quick.previous == previous  # the new week page's start
    kpis = next(g for g in quick.groups if g.key == "kpis")
    assert [(r.label, r.previous) for r in kpis.rows] == [
        ("入金有效成功率", "99.98%"),
        ("出金有效成功率", "99.92%"),
        ("支付系统年度可用性", "100%"),
    ]
    assert [r.form["value"].value() for r in kpis.rows] == [None, None, None]
    html = response.content.decode()
    assert 'id="quick-new-week"' in html
    assert '<input type="hidden" name="report-version" id="id_report-version">' in html
    assert f'data-autosave-url="{URL}"' in html
    assert f'href="{NEW_URL}?week=2023-05-27"' in html  # "Edit everything": the new week page
    assert WeeklyReport.objects.count() == 1


def test_saving_a_week_with_no_report_starts_it_with_the_values(
    lead_client, lead, member, sample_team
):
    services.daily_note_create(team=sample_team, author=member, day=date(2023, 5, 24), text="联调")
    data = _opened(lead_client)
    start = lead_client.get(URL).context["doc"]
    assert [n.text for n in start.daily_notes] == ["联调"]  # the week's notes, as it starts
    data["kpi-0-value"] = "99.97"
    risk = _category(start, "风控报表")
    data[f"{risk}-done"], data[f"{risk}-not_started"] = "23", "0"
    item = _field(start, "带押过户")
    data[f"{item}-body"] = "首单已跑通"
    data["plan-0-outcome"] = PlanOutcome.DONE
    data.update({"event-occurred_on": "2023-05-24", "event-grade": "C", "event-summary": "变慢"})

    response = lead_client.post(URL, data)

    assert response["Location"] == reverse(
        "reports:report_preview", args=["payments", "2023-05-27"]
    )
    report = _week22()
    assert (report.status, report.week_number, report.author) == ("draft", 22, lead)
    assert report.revisions.count() == 1
    after = report_document(report)
    assert after.kpis[0].value == Decimal("99.97")
    category = next(c for c in q.migrations(after)[0].categories if c.name == "风控报表")
    assert (category.done, category.not_started) == (23, 0)
    assert next(i.body for i in after.items() if i.title == "带押过户") == "首单已跑通"
    assert [p.outcome for p in after.plan_review] == ["done", "", "", ""]
    assert [(e.date, e.grade, e.summary) for e in after.events] == [
        (date(2023, 5, 24), "C", "变慢")
    ]
    assert [n.text for n in after.daily_notes] == ["联调"]
    # Everything else is the week as it started.
    after.kpis[0] = start.kpis[0]
    category.done, category.not_started = 22, 1
    next(i for i in after.items() if i.title == "带押过户").body = before_item(start, "带押过户")[0]
    after.plan_review, after.next_week, after.events = start.plan_review, start.next_week, []
    assert render_markdown(after) == render_markdown(start)


def test_saving_a_week_with_no_report_unchanged_starts_it(lead_client, sample_team):
    data = dict(_opened(lead_client), publish="")

    response = lead_client.post(URL, data)

    assert response["Location"] == reverse(
        "reports:report_publish", args=["payments", "2023-05-27"]
    )
    start, _previous = selectors.new_week_start(sample_team, WEEK_22)
    assert render_markdown(report_document(_week22())) == render_markdown(start)
    assert _week22().status == "draft"  # publishing asks first


def test_the_autosave_starts_a_week_with_no_report_and_goes_on_from_it(lead_client, sample_team):
    data = _opened(lead_client)
    data["kpi-0-value"] = "99.97"
    data.update({"event-occurred_on": "2023-05-24", "event-summary": "代付通道响应变慢"})

    first = lead_client.post(URL, **by_script(data))

    assert first.status_code == 200
    answer = first.json()
    report = _week22()
    assert answer["saved"] is True and answer["url"] == URL
    assert answer["version"] == report.version
    assert answer["next"] == reverse("reports:report_preview", args=["payments", "2023-05-27"])
    # The page goes on at the version the script was given.
    data["report-version"] = str(answer["version"])
    data["kpi-1-value"] = "99.93"
    data["event-summary"] = "代付通道响应变慢，已切换备用通道"

    second = lead_client.post(URL, **by_script(data))

    assert second.status_code == 200 and second.json()["url"] == URL
    report = _week22()
    assert second.json()["version"] == report.version > answer["version"]
    after = report_document(report)
    assert [k.value for k in after.kpis][:2] == [Decimal("99.97"), Decimal("99.93")]
    assert [e.summary for e in after.events] == ["代付通道响应变慢，已切换备用通道"]
    assert WeeklyReport.objects.count() == 2


@pytest.mark.parametrize("scripted", [False, True], ids=["page", "autosave"])
def test_bad_input_on_a_week_with_no_report_creates_nothing(lead_client, sample_team, scripted):
    data = _opened(lead_client)
    data["kpi-0-value"] = "99.9x"
    data["kpi-1-value"] = "99.93"  # valid, and not saved either
    risk = _category(lead_client.get(URL).context["doc"], "风控报表")
    data[f"{risk}-done"] = "23"

    response = lead_client.post(URL, **(by_script(data) if scripted else {"data": data}))

    expected = {
        "kpi-0-value": ["输入一个数字。"],
        f"{risk}-total": ["各项合计 37 个，与总数 36 个不符。"],
    }
    if scripted:
        assert response.status_code == 400
        assert response.json() == {"saved": False, "errors": expected, "non_field_errors": []}
    else:
        assert response.status_code == 200
        assert response.context["quick"].errors() == expected
        html = response.content.decode()
        assert 'aria-describedby="id_kpi-0-value_error"' in html
        assert 'value="99.9x"' in html and 'value="99.93"' in html  # as typed
        assert 'id="quick-new-week"' in html  # still a week with no report
    assert _week22() is None and WeeklyReport.objects.count() == 1


def test_a_week_started_by_someone_else_meanwhile_is_not_overwritten(
    lead_client, second_lead_client, sample_team
):
    mine, theirs = _opened(lead_client), _opened(second_lead_client)
    theirs["kpi-0-value"] = "99.90"
    assert second_lead_client.post(URL, theirs).status_code == 302
    saved = _state(_week22())
    mine["kpi-0-value"] = "99.97"
    mine["kpi-1-value"] = "99.93"

    page = lead_client.post(URL, mine)
    scripted = lead_client.post(URL, **by_script(mine))

    assert _state(_week22()) == saved
    assert page.status_code == 200
    conflict = page.context["conflict"]
    assert ("入金有效成功率", "99.97") in conflict["unsaved"]
    html = page.content.decode()
    assert 'id="quick-conflict"' in html and "小红" in html
    assert page.context["quick"].head["version"].value() == saved[0]  # theirs, to go on
    assert scripted.status_code == 409 and scripted.json()["conflict"] is True


@pytest.mark.parametrize("scripted", [False, True], ids=["page", "autosave"])
def test_a_week_started_between_the_check_and_the_save_is_refused(
    lead_client, lead, sample_team, monkeypatch, scripted
):
    """services.report_create's WeekTaken: the week's row appeared after the view looked
    (the race is made here by letting the view's first look find nothing)."""
    data = _opened(lead_client)
    data["kpi-0-value"] = "99.97"
    start, _previous = selectors.new_week_start(sample_team, WEEK_22)
    theirs = services.report_create(team=sample_team, document=start, author=lead)
    saved = _state(theirs)
    real = selectors.report_for_team
    looks: list[date] = []

    def not_there_yet(team, day):
        looks.append(day)
        return None if len(looks) == 1 else real(team, day)

    monkeypatch.setattr(selectors, "report_for_team", not_there_yet)

    response = lead_client.post(URL, **(by_script(data) if scripted else {"data": data}))

    assert _state(theirs) == saved and WeeklyReport.objects.count() == 2
    if scripted:
        assert response.status_code == 409
        assert response.json()["conflict"] is True and response.json()["message"]
    else:
        assert response.status_code == 200
        assert response.context["conflict"]["unsaved"] == [("入金有效成功率", "99.97")]
        assert response.context["report"] == theirs


@pytest.mark.parametrize(
    "day, lands",
    [
        ("2023-05-31", "/teams/payments/2023-06-03/quick/"),  # a Wednesday: its Saturday
        ("2023-05-28", "/teams/payments/2023-05-27/quick/"),  # a Sunday: the week before
        ("2023-05-17", "/teams/payments/2023-05-20/quick/"),  # a week with its report
    ],
)
def test_another_day_of_a_week_leads_to_its_report_date_and_creates_nothing(
    lead_client, sample_team, day, lands
):
    url = reverse("reports:report_quick", args=["payments", day])
    data = _opened(lead_client, lands)

    get = lead_client.get(url)
    post = lead_client.post(url, data)
    scripted = lead_client.post(url, **by_script(data))

    assert get.status_code == 302 and get["Location"] == lands
    assert post.status_code == 404 and scripted.status_code == 404
    assert WeeklyReport.objects.count() == 1


def test_a_week_that_cannot_be_started_yet_is_said_on_the_team_page(lead_client, sample_team):
    later = (timezone.localdate() + timedelta(days=21)).isoformat()
    url = reverse("reports:report_quick", args=["payments", later])

    get = lead_client.get(url)
    post = lead_client.post(url, {"kpi-0-value": "99.97"})

    assert get["Location"] == f"{TEAM_URL}?week={later}"
    assert post.status_code == 404
    assert WeeklyReport.objects.count() == 1


@pytest.mark.parametrize(
    "who, code", [("member_client", 403), ("outsider_client", 404), ("manager_client", 403)]
)
def test_only_the_teams_leads_start_the_week_here(request, lead_client, sample_team, who, code):
    data = _opened(lead_client)
    data["kpi-0-value"] = "99.97"
    client = request.getfixturevalue(who)

    assert client.get(URL).status_code == code
    assert client.post(URL, data).status_code == code
    assert client.post(URL, **by_script(data)).status_code == code
    assert WeeklyReport.objects.count() == 1


# -- "Write this week" on the team page: this week's quick update ----------------------------


def test_write_this_week_opens_this_weeks_quick_update(lead_client, sample_team):
    saturday = selectors.week_report_date(sample_team, timezone.localdate())
    quick_url = reverse("reports:report_quick", args=["payments", saturday])
    write = {"week": "today", "quick": "1"}

    opened = lead_client.get(NEW_URL, write)

    assert opened["Location"] == quick_url
    assert lead_client.get(quick_url).context["report"] is None
    assert WeeklyReport.objects.count() == 1
    # Once the week has its draft, its quick update; once published, its page.
    week = save_week(sample_team, saturday, 200)
    assert lead_client.get(NEW_URL, write)["Location"] == quick_url
    services.report_publish(report=week)
    assert lead_client.get(NEW_URL, write)["Location"] == week.get_absolute_url()
    # "Edit everything": the whole week, as before.
    assert lead_client.get(NEW_URL, {"week": "today"})["Location"] == week.get_absolute_url()


def test_write_a_week_that_cannot_be_started_says_why_on_the_team_page(lead_client, sample_team):
    response = lead_client.get(NEW_URL, {"week": "2099-12-31", "quick": "1"})

    assert response["Location"] == f"{TEAM_URL}?week=2099-12-31"
    assert WeeklyReport.objects.count() == 1


def test_what_was_confirmed_stays_through_a_save_of_the_edit_page(lead_client, week22):
    reviewed = _first_carried_item(lead_client)
    data = _opened(lead_client)
    data[f"{reviewed}-reviewed"] = "1"
    lead_client.post(URL, **by_script(data))
    week22.refresh_from_db()
    confirmed = list(week22.confirmed)
    edit = reverse("reports:report_edit", args=["payments", "2023-05-27"])
    save = reverse("reports:report_autosave", args=["payments", "2023-05-27"])
    posted = editor_data(lead_client.get(edit).context["editor"])
    posted["report-version"] = str(week22.version)
    posted["report-reflections"] = "编辑页另存的一段"

    assert lead_client.post(save, **by_script(posted)).status_code == 200

    week22.refresh_from_db()
    assert week22.confirmed == confirmed and len(confirmed) == 1
    assert "编辑页另存的一段" in _state(week22)[2]
