"""Editing a draft: saved in one transaction, nothing half-saved, published reports locked."""

from decimal import Decimal

import pytest
from django.urls import reverse

from reports import rows, services
from reports.models import ItemUpdate, WeeklyReport
from reports.selectors import report_document
from tests.forms_data import editor_data, find_row

pytestmark = pytest.mark.django_db

EDIT_URL = reverse("reports:report_edit", args=["payments", "2023-05-20"])


def _data(client):
    return editor_data(client.get(EDIT_URL).context["editor"])


def test_the_edit_page_shows_the_saved_week(lead_client):
    response = lead_client.get(EDIT_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "HIVE标准数仓建设" in html
    assert 'name="cat-0-total"' in html
    assert '<template id="tpl-item">' in html


def test_a_valid_save_updates_the_draft_in_place(lead_client, sample_report):
    data = _data(lead_client)
    data[f"cat-{find_row(data, 'cat', 'name', '风控报表')}-done"] = "23"
    data[f"cat-{find_row(data, 'cat', 'name', '风控报表')}-not_started"] = "0"

    response = lead_client.post(EDIT_URL, data)

    assert response.status_code == 302
    report = WeeklyReport.objects.get(pk=sample_report.pk)
    assert report.version == sample_report.version + 1
    ((_o, _i, migration),) = list(report_document(report).migrations())
    assert migration.figures().done == 2 + 23 + 8 + 15 + 4 + 2
    assert migration.figures().not_started == 8


def test_an_invalid_save_changes_nothing(lead_client, sample_report):
    before = report_document(sample_report)
    data = _data(lead_client)
    data[f"kpi-{find_row(data, 'kpi', 'name', '入金有效成功率')}-value"] = "99.5"
    data[f"cat-{find_row(data, 'cat', 'name', '风控报表')}-total"] = "99"

    response = lead_client.post(EDIT_URL, data)

    assert response.status_code == 200
    assert "各项合计 36 个，与总数 99 个不符。" in response.content.decode()
    report = WeeklyReport.objects.get(pk=sample_report.pk)
    assert report.version == sample_report.version
    assert report_document(report) == before


def test_a_failure_while_saving_rolls_everything_back(lead_client, sample_report, monkeypatch):
    """One transaction: if saving the events fails, the KPIs saved before it are undone."""
    items_before = ItemUpdate.objects.filter(report=sample_report).count()
    data = _data(lead_client)
    data[f"kpi-{find_row(data, 'kpi', 'name', '入金有效成功率')}-value"] = "99.50"
    data["evt-0-cause"] = "磁盘写满前改的原因"  # so the events are written too

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rows, "_save_events", broken)
    lead_client.raise_request_exception = False
    response = lead_client.post(EDIT_URL, data)

    assert response.status_code == 500
    report = WeeklyReport.objects.get(pk=sample_report.pk)
    assert report.version == sample_report.version
    assert report_document(report).kpis[0].value == Decimal("99.98")
    assert ItemUpdate.objects.filter(report=sample_report).count() == items_before


def test_a_published_report_is_locked(lead_client, sample_report):
    services.report_publish(report=sample_report)

    response = lead_client.get(EDIT_URL)

    assert response.status_code == 302
    assert response["Location"] == sample_report.get_absolute_url()
    with pytest.raises(services.ReportLocked):
        services.report_update(
            report=sample_report, document=report_document(sample_report), author=None
        )


def test_a_post_to_a_published_report_saves_nothing_and_keeps_the_input(lead_client, sample_report):
    data = _data(lead_client)
    services.report_publish(report=sample_report)
    data["report-other"] = "发布后又改"

    response = lead_client.post(EDIT_URL, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "已在此期间发布" in html and "发布后又改" in html
    assert WeeklyReport.objects.get(pk=sample_report.pk).other != "发布后又改"


def test_a_save_over_someone_elses_newer_save_is_refused(lead_client, sample_report):
    mine = _data(lead_client)
    theirs = _data(lead_client)
    theirs[f"kpi-{find_row(theirs, 'kpi', 'name', '入金有效成功率')}-value"] = "99.90"
    assert lead_client.post(EDIT_URL, theirs).status_code == 302
    mine["report-other"] = "我的修改"

    response = lead_client.post(EDIT_URL, mine)

    assert response.status_code == 200
    assert "有人保存了这份周报" in response.content.decode()
    report = WeeklyReport.objects.get(pk=sample_report.pk)
    assert report_document(report).kpis[0].value == Decimal("99.90")
    assert report.other != "我的修改"


def test_two_leads_starting_the_same_week_do_not_overwrite_each_other(sample_team, lead):
    from datetime import date

    from tests.factories import sample_document

    first = sample_document()
    first.report_date, first.week_number = date(2023, 5, 27), 22
    services.report_create(team=sample_team, document=first, author=lead)

    with pytest.raises(services.WeekTaken):
        services.report_create(team=sample_team, document=sample_document(), author=lead)
    with pytest.raises(services.WeekTaken):
        services.report_create(team=sample_team, document=first, author=lead)
    assert WeeklyReport.objects.get(report_date=date(2023, 5, 27)).version == 1


def test_a_big_week_saves(lead_client, sample_team):
    """Three times the sample posts well over Django's default limit of 1,000 fields."""
    from tests.factories import import_sample
    from tests.reports.test_query_counts import tripled_sample

    doc = tripled_sample()
    doc.report_date = doc.report_date.replace(day=27)
    doc.week_number = 22
    doc.events = []
    report = import_sample(sample_team, document=doc)
    url = reverse("reports:report_edit", args=["payments", "2023-05-27"])
    data = editor_data(lead_client.get(url).context["editor"])
    assert len(data) > 2000

    response = lead_client.post(url, data)

    assert response.status_code == 302
    assert WeeklyReport.objects.get(pk=report.pk).version == report.version + 1
