"""The document pipeline runs with no app registry, no database and no project settings:
Django's translation utilities are all it uses of Django (the import contract checks the
imports; this checks that importing and running it needs nothing more)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from zoneinfo import ZoneInfo

import reports.document  # importing it reads no settings: there are none yet

from django.conf import settings

# No apps, no database; messages untranslated (loading catalogues needs the apps).
settings.configure(USE_I18N=False)

from reports.document.importer import parse
from reports.document.jsonformat import document_from_json, render_json
from reports.document.renderer import render_markdown

text = open(sys.argv[1], encoding="utf-8").read()
doc = parse(text, team="payments", tz=ZoneInfo("Asia/Shanghai"))
markdown = render_markdown(doc)
again = render_markdown(parse(markdown, team="payments", tz=ZoneInfo("Asia/Shanghai")))
assert again == markdown
back = document_from_json(render_json(doc), team="payments", tz=ZoneInfo("Asia/Shanghai"))
assert [i.title for i in back.items()] == [i.title for i in doc.items()]
assert back.events == doc.events
import django.apps

assert not django.apps.apps.ready, "the pipeline needed the app registry"
assert "django.db.models" not in sys.modules, "the pipeline imported the ORM"
print(len(markdown))
"""


def test_the_pipeline_round_trips_the_sample_without_the_project():
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT / "tests" / "fixtures" / "2023-05-20.md")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )

    assert run.returncode == 0, run.stderr
    assert int(run.stdout) > 2000  # characters: the sample's week, whole
