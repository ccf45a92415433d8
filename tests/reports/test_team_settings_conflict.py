"""Two leads edit the team settings: a save from a page opened before the other's save is
refused with the differences shown, the newer settings kept and the typed input kept."""

from decimal import Decimal

import pytest
from django.urls import reverse

from metrics.models import KpiDefinition
from reports.models import Objective, Team
from tests.forms_data import find_row, page_data

pytestmark = pytest.mark.django_db

URL = reverse("reports:team_settings", args=["payments"])


def _opened(client) -> dict[str, str]:
    page = client.get(URL).context["page"]
    return page_data([page.team_form, *page.formsets])


def _stored(team) -> tuple:
    """Everything the settings page writes, to compare before and after a refusal."""
    return (
        tuple(Team.objects.filter(pk=team.pk).values_list()),
        tuple(KpiDefinition.objects.filter(team=team).order_by("pk").values_list()),
        tuple(Objective.objects.filter(team=team).order_by("pk").values_list()),
        Team.history.count(),
    )


def test_the_page_carries_the_version_of_the_settings(lead_client, sample_team):
    data = _opened(lead_client)

    assert len(data["team-version"]) == 32


def test_a_save_from_an_older_page_does_not_revert_a_rename(
    lead_client, second_lead_client, sample_team
):
    mine, theirs = _opened(lead_client), _opened(second_lead_client)
    theirs["team-name"] = "支付中台"
    assert second_lead_client.post(URL, theirs).status_code == 302
    row = find_row(mine, "kpidef", "name", "入金有效成功率")
    mine[f"kpidef-{row}-target"] = "99.97"
    before = _stored(sample_team)

    response = lead_client.post(URL, mine)

    assert response.status_code == 200
    assert _stored(sample_team) == before
    assert Team.objects.get(pk=sample_team.pk).name == "支付中台"
    conflict = response.context["conflict"]
    assert conflict["who"] == "小红" and not conflict["unversioned"]
    changed = {(line.kind, line.text) for line in conflict["lines"]}
    assert ("removed", "名称: 支付中台") in changed
    assert ("added", "名称: 支付平台组") in changed
    assert any(kind == "added" and "99.97" in text for kind, text in changed)
    html = response.content.decode()
    assert 'id="settings-conflict"' in html
    # What was typed is still in the form, and the page's title is the saved name.
    page = response.context["page"]
    assert page.kpis.forms[row]["target"].value() == "99.97"
    assert response.context["team"].name == "支付中台"


def test_saving_again_after_the_conflict_is_deliberate(
    lead_client, second_lead_client, sample_team
):
    mine, theirs = _opened(lead_client), _opened(second_lead_client)
    theirs["team-name"] = "支付中台"
    second_lead_client.post(URL, theirs)
    mine["team-name"] = "支付平台部"
    refused = lead_client.post(URL, mine)
    page = refused.context["page"]

    again = lead_client.post(URL, page_data([page.team_form, *page.formsets]))

    assert again.status_code == 302
    assert Team.objects.get(pk=sample_team.pk).name == "支付平台部"


def test_a_change_made_elsewhere_also_makes_the_page_stale(lead_client, sample_team):
    mine = _opened(lead_client)
    KpiDefinition.objects.filter(team=sample_team, name="入金有效成功率").update(
        target=Decimal("99.5")  # as the admin or a directory sync would, behind the signals
    )
    mine["team-name"] = "支付平台部"

    response = lead_client.post(URL, mine)

    assert response.status_code == 200
    assert Team.objects.get(pk=sample_team.pk).name == "支付平台组"
    changed = {(line.kind, line.text) for line in response.context["conflict"]["lines"]}
    assert any(kind == "removed" and "99.5" in text for kind, text in changed)


@pytest.mark.parametrize("version", [None, ""], ids=["field removed", "field emptied"])
def test_a_save_without_the_version_is_refused(lead_client, sample_team, version):
    mine = _opened(lead_client)
    mine["team-name"] = "没有版本号"
    if version is None:
        del mine["team-version"]
    else:
        mine["team-version"] = version
    before = _stored(sample_team)

    response = lead_client.post(URL, mine)

    assert response.status_code == 200
    assert response.context["conflict"]["unversioned"]
    assert _stored(sample_team) == before
    assert response.context["page"].team_form["name"].value() == "没有版本号"


def test_a_fresh_page_saves_and_the_next_page_has_the_new_version(lead_client, sample_team):
    first = _opened(lead_client)
    first["team-name"] = "支付平台部"

    assert lead_client.post(URL, first).status_code == 302

    second = _opened(lead_client)
    assert second["team-version"] != first["team-version"]
    second["team-name"] = "支付平台组二"
    assert lead_client.post(URL, second).status_code == 302
    assert Team.objects.get(pk=sample_team.pk).name == "支付平台组二"


def test_the_version_does_not_depend_on_the_readers_language(lead_client, sample_team):
    zh = _opened(lead_client)["team-version"]
    lead_client.cookies["django_language"] = "en"

    assert _opened(lead_client)["team-version"] == zh
