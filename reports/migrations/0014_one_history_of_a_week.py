"""A week keeps one history, its revisions (ReportRevision: who, when, what action, the
whole Markdown): the simple-history copies of the report and its parts, rewritten on
every save, are dropped. Teams, memberships, objectives, items, notes and channels keep
theirs."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0013_export_parts"),
    ]

    operations = [
        migrations.DeleteModel(name="HistoricalItemUpdate"),
        migrations.DeleteModel(name="HistoricalObjectiveEntry"),
        migrations.DeleteModel(name="HistoricalStabilityEvent"),
        migrations.DeleteModel(name="HistoricalWeeklyReport"),
    ]
