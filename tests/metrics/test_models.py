"""Database constraints on the numbers: one KPI value a week, percentages within 0-100."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from metrics.models import CategorySnapshot, KpiDefinition, KpiValue, ProgressBucket
from tests.factories import WeeklyReportFactory

pytestmark = pytest.mark.django_db


def test_kpi_value_is_unique_per_definition_and_report(sample_team, sample_report):
    definition = KpiDefinition.objects.get(team=sample_team, name="入金有效成功率")

    with pytest.raises(IntegrityError), transaction.atomic():
        KpiValue.objects.create(definition=definition, report=sample_report, value=Decimal("1"))

    assert KpiValue.objects.filter(definition=definition, report=sample_report).count() == 1


def test_kpi_value_for_another_week_is_allowed(sample_team, sample_report):
    definition = KpiDefinition.objects.get(team=sample_team, name="入金有效成功率")
    other_week = WeeklyReportFactory(
        team=sample_team, report_date=date(2023, 5, 13), week_number=20
    )

    KpiValue.objects.create(definition=definition, report=other_week, value=Decimal("99.5"))

    assert definition.values.count() == 2


@pytest.fixture
def category(sample_report):
    return CategorySnapshot.objects.filter(snapshot__report=sample_report).first()


@pytest.mark.parametrize("percent", ["120", "-1", "100.01"])
def test_progress_bucket_percent_outside_0_100_is_rejected(category, percent):
    before = ProgressBucket.objects.count()

    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressBucket.objects.create(category=category, percent=Decimal(percent))

    assert ProgressBucket.objects.count() == before


@pytest.mark.parametrize("percent", ["0", "100"])
def test_progress_bucket_percent_bounds_are_allowed(category, percent):
    bucket = ProgressBucket.objects.create(category=category, percent=Decimal(percent))

    assert bucket.pk is not None
