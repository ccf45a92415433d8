"""The import contracts of pyproject.toml hold (`make lint` checks them too), and the one
contract type of our own (tools/import_contracts.py) refuses what it should."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": f"{cwd}:{ROOT}", "PATH": "/usr/bin:/bin"},
    )


def test_the_project_keeps_its_contracts():
    run = _lint(ROOT)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


CONFIG = """
[importlinter]
root_package = pure
include_external_packages = True
contract_types =
    allowed_imports: tools.import_contracts.AllowedImportsContract

[importlinter:contract:pure]
name = pure imports the standard library and translation only
type = allowed_imports
source_modules = pure
allowed_modules = django.utils.translation
"""


def _package(tmp_path: Path, modules: dict[str, str]) -> Path:
    package = tmp_path / "pure"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, source in modules.items():
        (package / f"{name}.py").write_text(textwrap.dedent(source))
    (tmp_path / "contracts.ini").write_text(CONFIG)
    return tmp_path


def test_the_allowed_imports_contract_is_kept_by_what_it_allows(tmp_path):
    cwd = _package(
        tmp_path,
        {
            "words": "import re\nfrom django.utils.translation import gettext as _\n",
            "lines": "from pure import words\nfrom datetime import date\n",
        },
    )

    run = _lint(cwd, "--config", "contracts.ini")

    assert run.returncode == 0, run.stdout + run.stderr


def test_the_allowed_imports_contract_refuses_the_rest_of_a_package(tmp_path):
    cwd = _package(
        tmp_path,
        {
            "words": "from django.utils.translation import gettext as _\n",
            "rows": "from django.db import models\nimport django.conf\n",
        },
    )

    run = _lint(cwd, "--config", "contracts.ini")

    assert run.returncode == 1
    assert "pure.rows is not allowed to import django.db (l.1)" in run.stdout
    assert "pure.rows is not allowed to import django.conf (l.2)" in run.stdout
    assert "pure.words" not in run.stdout.split("Broken contracts")[1]
