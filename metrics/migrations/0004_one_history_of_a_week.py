"""A week's numbers keep no simple-history copies: the week's revisions (reports.
ReportRevision) are its history. The definitions, trackers and categories keep theirs.
KPI values say where they came from with the vocabulary's choices."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0003_kpi_prometheus_query"),
    ]

    operations = [
        migrations.AlterField(
            model_name="kpivalue",
            name="source",
            field=models.CharField(
                blank=True,
                choices=[("", "typed"), ("api", "API"), ("prometheus", "Prometheus")],
                default="",
                max_length=20,
                verbose_name="source",
            ),
        ),
        migrations.DeleteModel(name="HistoricalCategorySnapshot"),
        migrations.DeleteModel(name="HistoricalIncidentCount"),
        migrations.DeleteModel(name="HistoricalIncidentSummary"),
        migrations.DeleteModel(name="HistoricalKpiValue"),
        migrations.DeleteModel(name="HistoricalMigrationSnapshot"),
        migrations.DeleteModel(name="HistoricalProgressBucket"),
    ]
