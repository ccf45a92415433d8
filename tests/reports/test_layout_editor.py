"""The lead edits the team's layout on the settings page: the sections in order, each a
heading, a kind, a level and other spellings. A rename reaches every week's export; a
layout is learned from past weeks or uploaded files and shown unsaved for the lead to
check; refused input is shown beside its field and nothing is saved."""

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from reports.document.layout import Layout
from reports.document.renderer import render_markdown
from reports.files import export_text
from reports.layouts import layout_save
from reports.models import Membership, Team, TeamSection
from reports.rows import team_layout
from reports.selectors import new_week_document
from tests.factories import MembershipFactory
from tests.forms_data import find_row, page_data

pytestmark = pytest.mark.django_db

URL = reverse("reports:team_settings", args=["payments"])
LEARN = reverse("reports:team_layout_learn", args=["payments"])
TEAMS = Path(__file__).resolve().parent.parent / "fixtures" / "teams"
MANIFEST = json.loads((TEAMS / "manifest.json").read_text(encoding="utf-8"))
DEFAULT_HEADINGS = [
    "上周进展",
    "【系统运行数据】",
    "",
    "【其他】",
    "本周收获与反思",
    "下周工作及目标",
]
DEFAULT_HEADINGS += ["日报合集"]


def _data(client, url: str = URL) -> dict[str, str]:
    page = client.get(url).context["page"]
    return page_data([page.team_form, *page.formsets])


def _row(data: dict[str, str], key: str) -> str:
    """The field-name prefix of the layout row of that key."""
    return f"layout-{find_row(data, 'layout', 'key', key)}"


def _add(data: dict[str, str], **fields) -> int:
    """Fill the first empty row of the layout, as the lead does; returns its index."""
    index = int(data["layout-INITIAL_FORMS"])
    for name, value in fields.items():
        data[f"layout-{index}-{name}"] = str(value)
    return index


def _rows(team: Team) -> list[tuple]:
    return list(
        TeamSection.objects.filter(team=team)
        .order_by("position")
        .values_list("position", "key", "kind", "heading", "level", "aliases")
    )


def _shown(response) -> list[str]:
    """The headings of the layout rows the page shows."""
    return [f["heading"].value() for f in response.context["page"].sections.initial_forms]


def _next_week(report):
    """The draft of the week after ``report``, as the team's new-week page starts it."""
    start, _previous = new_week_document(report.team, report.report_date + timedelta(days=7))
    return start


def _headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("#")]


def _files(team: str) -> list[Path]:
    return [TEAMS / e["path"] for e in MANIFEST if e["team"] == team]


@pytest.fixture
def english(lead_client):
    lead_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return lead_client


@pytest.fixture
def own_layout(sample_team):
    """The sample team on a layout of its own (rows stored), the sample's headings."""
    layout_save(team=sample_team, layout=Layout(team_layout(sample_team).sections))
    return sample_team


@pytest.fixture
def core_team(lead):
    """payments-core, two weeks imported as written, led by the sample team's lead."""
    call_command(
        "import_report",
        *[str(p) for p in _files("payments-core")[:2]],
        team="payments-core",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    team = Team.objects.get(slug="payments-core")
    MembershipFactory(team=team, user=lead, role=Membership.Role.LEAD)
    return team


# ---------------------------------------------------------------------------------------
# Editing
# ---------------------------------------------------------------------------------------


def test_the_lead_sees_the_default_layout(lead_client, sample_team):
    response = lead_client.get(URL)

    assert _shown(response) == DEFAULT_HEADINGS
    page = response.context["page"]
    assert [f["kind"].value() for f in page.sections.initial_forms][:3] == [
        "group",
        "kpis",
        "objectives",
    ]
    assert 'value="【其他】"' in response.content.decode()
    assert not TeamSection.objects.exists()


def test_saving_the_page_unchanged_keeps_the_team_on_the_default_layout(lead_client, sample_team):
    data = _data(lead_client)
    data["team-name"] = "支付平台部"

    assert lead_client.post(URL, data).status_code == 302

    assert Team.objects.get(pk=sample_team.pk).name == "支付平台部"
    assert not TeamSection.objects.exists()
    assert team_layout(sample_team).default


def test_a_renamed_section_shows_in_the_weeks_export(lead_client, sample_report):
    before = export_text(sample_report)
    data = _data(lead_client)
    data[f"{_row(data, 'other')}-heading"] = "【其他事项】"

    assert lead_client.post(URL, data).status_code == 302

    after = export_text(sample_report)
    assert "## 【其他事项】" in after and "## 【其他】" not in after
    assert after == before.replace("## 【其他】", "## 【其他事项】")
    # Older files still import into it (“其他” is among its spellings, brackets aside).
    assert team_layout(sample_report.team).match("【其他】").key == "other"


def test_a_rename_reaches_every_week_of_a_team(lead_client, core_team):
    url = reverse("reports:team_settings", args=[core_team.slug])
    data = _data(lead_client, url)
    data["learn-source"] = "history"
    learned = lead_client.post(reverse("reports:team_layout_learn", args=[core_team.slug]), data)
    page = learned.context["page"]
    data = page_data([page.team_form, *page.formsets])
    data[f"layout-{find_row(data, 'layout', 'heading', '灰度发布跟踪')}-heading"] = "灰度发布看板"

    assert lead_client.post(url, data).status_code == 302

    assert core_team.reports.count() == 2
    for report in core_team.reports.all():
        text = export_text(report)
        assert "## 灰度发布看板" in text and "灰度发布跟踪" not in text


def test_sections_are_reordered(lead_client, sample_report):
    data = _data(lead_client)
    data[f"{_row(data, 'other')}-ORDER"] = "5"
    data[f"{_row(data, 'reflections')}-ORDER"] = "4"

    lead_client.post(URL, data)

    keys = [key for _p, key, *_rest in _rows(sample_report.team)]
    assert keys.index("reflections") == keys.index("other") - 1
    # The week already written keeps its order; the next week is written in the new one.
    before = _headings(export_text(sample_report))
    assert before.index("# 本周收获与反思") > before.index("## 【其他】")
    headings = _headings(render_markdown(_next_week(sample_report)))
    assert headings.index("# 本周收获与反思") < headings.index("## 【其他】")


def test_a_kind_is_changed_and_the_row_keeps_its_key(lead_client, sample_team):
    data = _data(lead_client)
    _add(data, heading="问题", kind="text", level="2")
    lead_client.post(URL, data)
    key = TeamSection.objects.get(team=sample_team, heading="问题").key
    data = _data(lead_client)
    data[f"{_row(data, key)}-kind"] = "risks"

    assert lead_client.post(URL, data).status_code == 302

    row = TeamSection.objects.get(team=sample_team, heading="问题")
    assert (row.key, row.kind) == (key, "risks")


def test_the_samples_sections_keep_their_kind(lead_client, sample_team):
    """Their content is the report's own fields (here the free text 其他): another kind
    would not show it."""
    data = _data(lead_client)
    data[f"{_row(data, 'other')}-kind"] = "risks"
    data[f"{_row(data, 'other')}-heading"] = "【其他事项】"

    lead_client.post(URL, data)

    row = TeamSection.objects.get(team=sample_team, key="other")
    assert (row.heading, row.kind) == ("【其他事项】", "text")


def test_a_section_is_added_and_another_deleted(lead_client, sample_report):
    team = sample_report.team
    data = _data(lead_client)
    _add(data, heading="风险与问题", kind="risks", level="2", ORDER="4")
    data[f"{_row(data, 'reflections')}-DELETE"] = "on"

    assert lead_client.post(URL, data).status_code == 302

    sections = team_layout(team).sections
    assert [s.heading for s in sections] == [
        "上周进展",
        "【系统运行数据】",
        "",
        "【其他】",
        "风险与问题",
        "下周工作及目标",
        "日报合集",
    ]
    added = sections[4]
    assert (added.kind, added.level) == ("risks", 2)
    assert added.key not in {s.key for s in sections[:4] + sections[5:]}
    assert "## 风险与问题" not in export_text(sample_report)  # the week written stays
    text = render_markdown(_next_week(sample_report))
    assert "## 风险与问题" in text and "# 本周收获与反思" not in text


# ---------------------------------------------------------------------------------------
# Refused input: beside its field, nothing saved
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "field", "value", "message"),
    [
        ("other", "heading", "", "Give the section a heading"),
        ("other", "heading", "其他\n事项", "This field is one line"),
        ("other", "heading", "长" * 201, "At most 200 characters (this has 201)"),
        ("other", "heading", "【】", "A heading needs words"),
        ("other", "level", "7", "less than or equal to 6"),
        ("other", "level", "0", "greater than or equal to 1"),
        ("reflections", "heading", "其他：", "Another section above has this heading: “【其他】”"),
        ("other", "aliases", "其他\n下周工作及目标", "“下周工作及目标” is the heading of another"),
        ("daily", "aliases", "[Next week's plan]", "is already a spelling of another section"),
    ],
)
def test_refused_input_is_shown_beside_the_field_and_nothing_is_saved(
    english, own_layout, key, field, value, message
):
    before = _rows(own_layout)
    data = _data(english)
    data[f"{_row(data, key)}-{field}"] = value
    data["team-name"] = "改名了"

    response = english.post(URL, data)

    assert response.status_code == 200
    form = response.context["page"].sections.forms[find_row(data, "layout", "key", key)]
    assert message in " ".join(form.errors[field])
    assert message.split("“")[0] in response.content.decode()
    assert _rows(own_layout) == before
    assert Team.objects.get(pk=own_layout.pk).name == "支付平台组"


def test_the_objectives_section_needs_no_heading_but_others_do(english, own_layout):
    data = _data(english)
    index = _add(data, heading="", kind="risks", level="3")

    response = english.post(URL, data)

    sections = response.context["page"].sections.forms
    assert "Give the section a heading" in " ".join(sections[index].errors["heading"])
    objectives = sections[find_row(data, "layout", "key", "objectives")]
    assert not objectives.errors


def test_a_layout_keeps_at_least_one_section(english, own_layout):
    before = _rows(own_layout)
    data = _data(english)
    for index in range(int(data["layout-INITIAL_FORMS"])):
        data[f"layout-{index}-DELETE"] = "on"

    response = english.post(URL, data)

    assert "A layout needs at least one section." in response.content.decode()
    assert _rows(own_layout) == before


# ---------------------------------------------------------------------------------------
# Learning: shown in the rows, saved only by the lead
# ---------------------------------------------------------------------------------------


def test_learning_from_past_weeks_shows_the_headings_unsaved(lead_client, core_team):
    url = reverse("reports:team_settings", args=[core_team.slug])
    data = _data(lead_client, url)
    data["team-name"] = "支付核心组"  # typed, not saved: kept in the form
    data["learn-source"] = "history"

    response = lead_client.post(reverse("reports:team_layout_learn", args=[core_team.slug]), data)

    assert response.status_code == 200
    shown = _shown(response)
    assert shown[:4] == ["一、本周工作", "二、核心指标", "三、稳定性", "灰度发布跟踪"]
    assert response.context["page"].learned
    assert 'id="layout-learned"' in response.content.decode()
    assert response.context["page"].team_form["name"].value() == "支付核心组"
    assert not TeamSection.objects.filter(team=core_team).exists()
    assert Team.objects.get(pk=core_team.pk).name == "payments-core"

    page = response.context["page"]
    assert lead_client.post(url, page_data([page.team_form, *page.formsets])).status_code == 302
    assert [s.heading for s in team_layout(core_team).sections][:4] == shown[:4]


def test_learning_from_the_samples_week_keeps_the_objectives(lead_client, sample_team):
    """The objectives are written as their own headings: no heading teaches their
    section, so the team's keeps its place."""
    data = _data(lead_client)
    data["learn-source"] = "history"

    response = lead_client.post(LEARN, data)

    assert _shown(response) == DEFAULT_HEADINGS
    # What was learned is the layout the team has: saving it changes nothing.
    page = response.context["page"]
    assert lead_client.post(URL, page_data([page.team_form, *page.formsets])).status_code == 302
    assert not TeamSection.objects.exists()


def test_learning_from_uploaded_files(lead_client, sample_team):
    data = _data(lead_client)
    data["learn-source"] = "files"
    data["learn-files"] = [
        SimpleUploadedFile(p.name, p.read_bytes(), "text/markdown")
        for p in _files("payments-core")[:3]
    ]

    response = lead_client.post(LEARN, data)

    assert response.status_code == 200
    assert response.context["learn_form"].errors == {}
    assert "灰度发布跟踪" in _shown(response)
    assert not TeamSection.objects.exists()


def test_a_file_without_a_date_is_learned_from_all_the_same(lead_client, sample_team):
    undated = next(e for e in MANIFEST if e["needs_date"])
    data = _data(lead_client)
    data["learn-source"] = "files"
    data["learn-files"] = [
        SimpleUploadedFile("notes.md", (TEAMS / undated["path"]).read_bytes(), "text/markdown")
    ]

    response = lead_client.post(LEARN, data)

    shown = _shown(response)
    assert [h for _level, h in undated["headings"]][:2] == shown[:2]


def test_an_unreadable_file_is_named_beside_the_upload_field(english, sample_team):
    data = _data(english)
    data["learn-source"] = "files"
    good = _files("payments-core")[0]
    data["learn-files"] = [
        SimpleUploadedFile(good.name, good.read_bytes()),
        SimpleUploadedFile("broken.md", b"# Week\n\ncaf\xe9\n"),
    ]

    response = english.post(LEARN, data)

    errors = response.context["learn_form"].errors["files"]
    assert errors == ["broken.md: line 3: the file is not UTF-8 text"]
    assert "broken.md: line 3" in response.content.decode()
    assert not response.context["page"].learned
    assert _shown(response) == DEFAULT_HEADINGS  # the rows as they were


def test_learning_from_files_needs_files(english, sample_team):
    data = _data(english)
    data["learn-source"] = "files"

    response = english.post(LEARN, data)

    assert response.context["learn_form"].errors["files"] == ["Choose one or more Markdown files."]


# ---------------------------------------------------------------------------------------
# Who may, and two leads at once
# ---------------------------------------------------------------------------------------


def test_only_leads_see_or_post_the_layout(
    lead_client, member_client, outsider_client, manager_client, sample_team
):
    data = _data(lead_client)
    data[f"{_row(data, 'other')}-heading"] = "【其他事项】"
    learn = {**data, "learn-source": "history"}

    for client, code in ((member_client, 403), (manager_client, 403), (outsider_client, 404)):
        assert client.get(URL).status_code == code
        assert client.post(URL, data).status_code == code
        assert client.post(LEARN, learn).status_code == code
    assert lead_client.get(LEARN).status_code == 405
    assert not TeamSection.objects.exists()


def test_a_layout_saved_meanwhile_makes_the_page_stale(
    lead_client, second_lead_client, sample_team
):
    mine, theirs = _data(lead_client), _data(second_lead_client)
    theirs[f"{_row(theirs, 'other')}-heading"] = "【其他事项】"
    assert second_lead_client.post(URL, theirs).status_code == 302
    stored = _rows(sample_team)
    mine[f"{_row(mine, 'reflections')}-heading"] = "反思"

    response = lead_client.post(URL, mine)

    assert response.status_code == 200
    assert response.context["conflict"]
    assert _rows(sample_team) == stored
    changed = {(line.kind, line.text) for line in response.context["conflict"]["lines"]}
    assert any(kind == "removed" and "【其他事项】" in text for kind, text in changed)
    assert any(kind == "added" and "反思" in text for kind, text in changed)


def test_a_layout_learned_by_the_import_command_makes_the_page_stale(lead_client, sample_team):
    mine = _data(lead_client)
    layout_save(team=sample_team, layout=Layout(team_layout(sample_team).sections[:-1]))
    mine["team-name"] = "支付平台部"

    response = lead_client.post(URL, mine)

    assert response.context["conflict"]
    assert Team.objects.get(pk=sample_team.pk).name == "支付平台组"
