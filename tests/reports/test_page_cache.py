"""Kept pages (core.page_cache): served again only while nothing they show changed.

Each test reads a page until it is kept (the second read, once the CSRF cookie is set),
changes something the page shows through the ordinary code path, and reads again.
"""

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from core import page_cache
from metrics.models import CategorySnapshot, KpiDefinition, KpiValue
from reports import services
from reports.models import DailyNote, Membership, ObjectiveEntry
from reports.permissions import MANAGERS_GROUP
from reports.selectors import report_document
from tests.factories import SAMPLE_DATE, import_sample, sample_document

pytestmark = pytest.mark.django_db

PAGE = "/teams/payments/2023-05-20/"
HISTORY = "/teams/payments/"
API = "/api/v1/teams/payments/reports/2023-05-20/"


def kept(client, url: str):
    """Read ``url`` until the page is kept; the kept response."""
    client.get(url)  # sets the CSRF cookie
    client.get(url)  # kept
    response = client.get(url)
    assert response.status_code == 200
    assert response.has_header("ETag")
    return response


def test_a_kept_page_is_the_page(member_client):
    first = member_client.get(PAGE)
    again = kept(member_client, PAGE)

    # The same page, but for the CSRF tokens (masked afresh for every rendering).
    assert first.content.decode().count("事故数") == again.content.decode().count("事故数") > 0
    assert again["Cache-Control"] == "private, no-cache"


def test_a_browser_that_has_the_page_is_told_304(member_client):
    tag = kept(member_client, PAGE)["ETag"]

    response = member_client.get(PAGE, headers={"if-none-match": tag})

    assert response.status_code == 304
    assert response.content == b""


def test_a_saved_week_shows_at_once(member_client, lead, sample_report):
    old_tag = kept(member_client, PAGE)["ETag"]
    doc = report_document(sample_report)
    doc.other = "本周新增的其他事项：机房搬迁"
    services.report_update(report=sample_report, document=doc, author=lead)

    response = member_client.get(PAGE, headers={"if-none-match": old_tag})

    assert response.status_code == 200
    assert "机房搬迁" in response.content.decode()
    assert response["ETag"] != old_tag


def test_the_week_before_changing_changes_what_changed(member_client, lead, sample_team):
    earlier = sample_document()
    earlier.report_date = date(2023, 5, 13)
    earlier.week_number = 20
    earlier.events = []  # the sample's are of the week after
    previous = import_sample(sample_team, document=earlier)
    before = kept(member_client, PAGE).content.decode()
    earlier.kpis[0].value = Decimal("12.34")
    services.report_update(report=previous, document=earlier, author=lead)

    after = member_client.get(PAGE).content.decode()

    assert "12.34" not in before
    assert "12.34" in after  # what changed since last week names last week's value


def test_renamed_kpi_definition_shows(member_client, sample_team):
    kept(member_client, PAGE)
    definition = KpiDefinition.objects.filter(team=sample_team).first()
    definition.name = "入金成功率（新口径）"
    definition.save()

    assert "入金成功率（新口径）" in member_client.get(PAGE).content.decode()


def test_a_daily_note_shows(member_client, member, sample_team):
    kept(member_client, PAGE)
    services.daily_note_create(team=sample_team, author=member, day=SAMPLE_DATE, text="压测复盘会")

    assert "压测复盘会" in member_client.get(PAGE).content.decode()


def test_a_machine_kpi_value_shows(member_client, sample_team):
    kept(member_client, PAGE)
    services.kpi_values_ingest(
        team=sample_team, report_date=SAMPLE_DATE, values={"入金有效成功率": Decimal("97.5")}
    )

    assert "97.5" in member_client.get(PAGE).content.decode()


def test_a_member_removed_is_refused_at_once(member_client, member):
    kept(member_client, PAGE)
    Membership.objects.filter(user=member).delete()

    assert member_client.get(PAGE).status_code == 404
    assert member_client.get(HISTORY).status_code == 404


def test_a_manager_no_longer_manager_is_refused_at_once(manager_client, manager, sample_team):
    kept(manager_client, PAGE)
    manager.groups.remove(Group.objects.get(name=MANAGERS_GROUP))

    assert manager_client.get(PAGE).status_code == 404


def test_a_signed_out_reader_is_sent_to_sign_in(member_client):
    kept(member_client, PAGE)
    member_client.logout()

    response = member_client.get(PAGE)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_one_readers_page_is_not_anothers(member_client, lead_client, member, lead):
    kept(member_client, PAGE)

    html = kept(lead_client, PAGE).content.decode()

    assert ">lead<" in html and ">member<" not in html
    assert "重新打开" in html or "编辑" in html  # the lead's actions, not the member's page


def test_a_page_in_another_language_is_another_page(member_client):
    kept(member_client, PAGE)
    member_client.post("/i18n/setlang/", {"language": "en", "next": PAGE})

    html = member_client.get(PAGE).content.decode()

    assert "Log out" in html


def test_a_page_with_a_message_is_neither_kept_nor_tagged(lead_client, sample_report):
    kept(lead_client, PAGE)
    services.report_reopen(report=sample_report)
    response = lead_client.post(f"{PAGE}publish/", follow=True)
    shown = response.content.decode()

    again = lead_client.get(PAGE)

    assert response.redirect_chain and not response.has_header("ETag")
    assert "alert-dismissible" in shown  # the one-time message
    assert "alert-dismissible" not in again.content.decode()


def test_other_query_parameters_are_not_kept(member_client):
    member_client.get(PAGE)

    assert not member_client.get(PAGE + "?x=1").has_header("ETag")


def test_a_new_week_shows_in_the_history(member_client, sample_team):
    kept(member_client, HISTORY)
    later = sample_document()
    later.report_date = date(2023, 5, 27)
    later.week_number = 22
    import_sample(sample_team, document=later)

    assert "2023-05-27" in member_client.get(HISTORY).content.decode()


def test_the_api_shows_a_saved_week(lead, sample_report):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(lead)
    api.get(API)
    doc = report_document(sample_report)
    doc.reflections = "反思：告警阈值需要复核"
    services.report_update(report=sample_report, document=doc, author=lead)

    assert api.get(API).json()["reflections"] == "反思：告警阈值需要复核"


def test_pages_are_served_while_the_cache_is_down(member_client):
    kept(member_client, PAGE)
    down = RedisConnectionError("Connection refused")
    with (
        mock.patch.object(cache, "get", side_effect=down),
        mock.patch.object(cache, "get_many", side_effect=down),
        mock.patch.object(cache, "set", side_effect=down),
        mock.patch.object(cache, "add", side_effect=down),
    ):
        response = member_client.get(PAGE)

    assert response.status_code == 200
    assert "事故数" in response.content.decode()
    assert response.has_header("ETag")  # the generation is the database's


def test_rows_are_traced_to_their_team(sample_team, sample_report):
    value = KpiValue.objects.filter(report=sample_report).first()
    category = CategorySnapshot.objects.filter(snapshot__report=sample_report).first()
    entry = ObjectiveEntry.objects.filter(report=sample_report).first()

    assert page_cache.scope_of(value) == sample_team.pk
    assert page_cache.scope_of(category) == sample_team.pk  # → snapshot → report → team
    assert page_cache.scope_of(entry) == sample_team.pk
    assert page_cache.scope_of(DailyNote(team=sample_team, day=SAMPLE_DATE)) == sample_team.pk


def test_a_change_to_one_team_keeps_the_others_pages(sample_team, other_team):
    mine = page_cache.generation(sample_team.pk)
    theirs = page_cache.generation(other_team.pk)

    DailyNote.objects.create(team=sample_team, day=SAMPLE_DATE, author_name="x", text="y")

    assert page_cache.generation(sample_team.pk) != mine
    assert page_cache.generation(other_team.pk) == theirs


def test_no_page_is_kept_when_the_cache_is_not_shared(member_client, lead, sample_report, settings):
    settings.WEEKLY_PAGE_CACHE = False
    member_client.get(PAGE)
    first = member_client.get(PAGE)
    doc = report_document(sample_report)
    doc.other = "不共享缓存时照常渲染"
    with mock.patch.object(page_cache, "scope_changed"):  # as if another worker had saved
        services.report_update(report=sample_report, document=doc, author=lead)

    assert not first.has_header("ETag")
    assert "不共享缓存时照常渲染" in member_client.get(PAGE).content.decode()


def test_the_api_refuses_a_member_removed_at_once(member, sample_team):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(member)
    first = api.get(API)
    assert api.get(API).json() == first.json()  # kept
    Membership.objects.filter(user=member).delete()

    assert api.get(API).status_code == 404


def test_the_release_covers_the_projects_code_and_templates_and_nothing_installed(settings):
    import sys
    from pathlib import Path

    base = Path(settings.BASE_DIR).resolve()
    folders = page_cache.release_folders()

    names = {str(f.relative_to(base)) for f in folders}
    assert {"weekly", "templates", "core", "accounts", "reports", "metrics"} <= names
    assert {"notifications", "exports"} <= names
    assert not any(f.is_relative_to(Path(sys.prefix).resolve()) for f in folders)


@pytest.mark.django_db(transaction=True)
def test_a_change_whose_commit_was_not_followed_through_still_ends_the_kept_pages(
    member_client, lead, sample_report, monkeypatch
):
    """As when the connection drops at commit: the change is committed, but nothing that
    was to run after the commit does (the client got an error). The end of the kept pages
    was committed with the change."""
    api = APIClient()
    api.force_authenticate(lead)
    kept(member_client, PAGE)
    assert api.get(API).status_code == api.get(API).status_code == 200
    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: None)

    doc = report_document(sample_report)
    doc.other = "提交时连接断开"
    services.report_update(report=sample_report, document=doc, author=lead)

    assert "提交时连接断开" in member_client.get(PAGE).content.decode()
    assert api.get(API).json()["other"] == "提交时连接断开"
