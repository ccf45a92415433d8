"""Django admin covers every model of the two apps, and each changelist opens."""

from datetime import date

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse


def _models():
    for label in ("reports", "metrics"):
        for model in apps.get_app_config(label).get_models():
            if not model.__name__.startswith("Historical"):
                yield model


def test_every_model_is_registered():
    missing = [m.__name__ for m in _models() if not admin.site.is_registered(m)]
    assert missing == []


@pytest.mark.django_db
def test_every_changelist_opens(admin_client, sample_team):
    for model in _models():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url


# One write path: a week's data is changed by the report services only (version, revision,
# publish lock, search index); the admin shows it.
WEEK_DATA = [
    "reports.weeklyreport",
    "reports.reportsection",
    "reports.objectiveentry",
    "reports.itemupdate",
    "reports.stabilityevent",
    "reports.dailynote",
    "metrics.kpivalue",
    "metrics.incidentsummary",
    "metrics.incidentcount",
    "metrics.migrationsnapshot",
    "metrics.categorysnapshot",
    "metrics.progressbucket",
]


@pytest.fixture
def week(sample_team):
    """The sample week with a section of its own words, and a member's note in it."""
    from reports.models import DailyNote, ReportSection

    DailyNote.objects.create(
        team=sample_team, day=date(2023, 5, 19), author_name="王组员", text="对账脚本上线"
    )
    ReportSection.objects.create(
        report=sample_team.reports.get(), kind="risks", heading="风险", text="- 供应商合同到期"
    )
    return sample_team


def _admin_url(label: str, view: str, *args) -> str:
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


@pytest.mark.django_db
@pytest.mark.parametrize("label", WEEK_DATA)
def test_week_data_is_read_in_the_admin_and_never_changed_there(admin_client, week, label):
    from django.db.models import Model

    model = apps.get_model(label)
    row: Model = model.objects.first()
    assert row is not None, label
    before = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}

    page = admin_client.get(_admin_url(label, "change", row.pk))
    post = admin_client.post(_admin_url(label, "change", row.pk), {})
    add = admin_client.get(_admin_url(label, "add"))

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # a view, not a form
    assert post.status_code == 403
    assert add.status_code == 403
    row.refresh_from_db()
    assert {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields} == before


@pytest.mark.django_db
@pytest.mark.parametrize("label", WEEK_DATA[1:])
def test_a_part_of_a_week_is_never_deleted_alone(admin_client, week, label):
    model = apps.get_model(label)
    row = model.objects.first()
    count = model.objects.count()

    response = admin_client.post(_admin_url(label, "delete", row.pk), {"post": "yes"})

    assert response.status_code == 403
    assert model.objects.count() == count


@pytest.mark.django_db
def test_a_published_week_cannot_be_deleted(admin_client, sample_report):
    from reports import services
    from reports.models import WeeklyReport

    services.report_publish(report=sample_report)

    response = admin_client.post(
        _admin_url("reports.weeklyreport", "delete", sample_report.pk), {"post": "yes"}
    )

    assert response.status_code == 403
    assert WeeklyReport.objects.filter(pk=sample_report.pk).exists()


@pytest.mark.django_db
def test_a_draft_week_is_deleted_whole_with_its_parts(admin_client, sample_report):
    from metrics.models import KpiValue
    from reports.models import ItemUpdate, WeeklyReport

    assert sample_report.published_at is None
    response = admin_client.post(
        _admin_url("reports.weeklyreport", "delete", sample_report.pk), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not WeeklyReport.objects.filter(pk=sample_report.pk).exists()
    assert not ItemUpdate.objects.filter(report_id=sample_report.pk).exists()
    assert not KpiValue.objects.filter(report_id=sample_report.pk).exists()


@pytest.mark.django_db
def test_a_team_whose_weeks_were_never_published_can_be_deleted(admin_client, sample_team):
    from reports.models import Team

    page = admin_client.get(_admin_url("reports.team", "delete", sample_team.pk))
    response = admin_client.post(
        _admin_url("reports.team", "delete", sample_team.pk), {"post": "yes"}
    )

    assert "item update" not in page.content.decode().lower()  # asks no permission for parts
    assert response.status_code == 302
    assert not Team.objects.filter(pk=sample_team.pk).exists()
