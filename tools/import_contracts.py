"""An import-linter contract the library does not have: "these modules import only these".

import-linter's own contracts say what may *not* be imported, and see a third-party
package only as a whole (``django``, never ``django.db``). The document pipeline's rule
is the other way round and finer: ``reports.document`` imports the standard library,
Django's translation utilities and ``metrics``' pure modules, and nothing else, including
through what those import. This contract checks exactly that: every module the source
package reaches (itself, and each allowed module of the project it imports, and so on)
imports only the standard library, the source package, and the allowed modules; for a
third-party package the import statement itself is read (``from django.utils.translation
import gettext``), so ``django.utils.translation`` can be allowed and ``django.db`` not.
"""

from __future__ import annotations

import re
import sys

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck

_STATEMENT = re.compile(r"^\s*(?:from\s+(?P<from>[\w.]+)\s+import\b|import\s+(?P<names>.+))")


def _within(module: str, prefixes: set[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _imported_names(line: str) -> list[str]:
    """The full module names an import statement names."""
    m = _STATEMENT.match(line)
    if m is None:
        return []
    if m["from"]:
        return [m["from"]]
    return [part.split(" as ")[0].strip() for part in m["names"].split(",")]


class AllowedImportsContract(Contract):
    """
    Configuration options:
        - source_modules:  packages whose modules are checked, with what they reach.
        - allowed_modules: modules (and their submodules) they may import besides the
                           standard library and themselves: the project's own, or a part
                           of a third-party package such as django.utils.translation.
    """

    type_name = "allowed_imports"

    source_modules = fields.ListField(subfield=fields.StringField())
    allowed_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        sources = set(self.source_modules)  # type: ignore[arg-type]
        allowed = set(self.allowed_modules)  # type: ignore[arg-type]
        stdlib = set(sys.stdlib_module_names) | {"__future__"}
        to_visit = sorted(m for s in sources for m in {s} | graph.find_descendants(s))
        seen: set[str] = set()
        refused: list[dict] = []
        while to_visit:
            module = to_visit.pop()
            if module in seen:
                continue
            seen.add(module)
            for imported in sorted(graph.find_modules_directly_imported_by(module)):
                if imported.split(".")[0] in stdlib:
                    continue
                details = graph.get_import_details(importer=module, imported=imported)
                if graph.is_module_squashed(imported):  # a third-party package
                    lines: dict[str, list[dict]] = {}
                    for detail in details:
                        for name in _imported_names(detail["line_contents"]):
                            lines.setdefault(name, []).append(detail)
                    for name, where in sorted(lines.items()):
                        if not _within(name, allowed):
                            refused.append(self._refusal(module, name, where))
                    continue
                if _within(imported, sources) or _within(imported, allowed):
                    to_visit.append(imported)  # what it imports counts too
                else:
                    refused.append(self._refusal(module, imported, details))
        return ContractCheck(kept=not refused, metadata={"refused": refused})

    @staticmethod
    def _refusal(importer: str, imported: str, details: list[dict]) -> dict:
        lines = sorted({d["line_number"] for d in details})
        return {"importer": importer, "imported": imported, "lines": lines}

    def render_broken_contract(self, check: ContractCheck) -> None:
        for refusal in check.metadata["refused"]:
            lines = ", ".join(f"l.{n}" for n in refusal["lines"])
            output.print_error(
                f"{refusal['importer']} is not allowed to import {refusal['imported']} ({lines})"
            )
            output.new_line()
