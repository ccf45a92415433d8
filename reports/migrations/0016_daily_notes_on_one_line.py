"""Daily notes typed with line breaks before the rules (the note box accepted them) are
put on one line, as the week's layout writes a note: otherwise a week holding one could
not be saved from its edit page, and its export would not import back the same."""

import re

from django.db import migrations

# The rules' line breaks (reports.document.rules._BREAKS), kept here as they were when
# this migration was written.
BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")


def one_line(apps, schema_editor):
    DailyNote = apps.get_model("reports", "DailyNote")
    for note in DailyNote.objects.filter(text__regex=r"[\t\n\r\v\f]").only("text").iterator():
        DailyNote.objects.filter(pk=note.pk).update(text=BREAKS.sub(" ", note.text).strip())


class Migration(migrations.Migration):
    dependencies = [("reports", "0015_relay_schedule")]

    operations = [migrations.RunPython(one_line, migrations.RunPython.noop)]
