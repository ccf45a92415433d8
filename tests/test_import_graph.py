"""Dependencies run one way: reports may use metrics, metrics never imports reports.

And the report document stays plain data: no Django inside reports/document.py.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_metrics_never_imports_reports():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            n for n in _imports(path) if n.split(".")[0] == "reports"
        )
        for path in (ROOT / "metrics").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_document_and_figures_are_free_of_django():
    allowed = {"django.utils.translation"}
    paths = [*(ROOT / "reports" / "document").rglob("*.py"), ROOT / "metrics" / "figures.py"]
    for path in paths:
        django = {n for n in _imports(path) if n.split(".")[0] == "django"}
        assert django <= allowed, path
