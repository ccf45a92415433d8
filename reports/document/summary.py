"""What an import recognised in a file: its sections by kind, what they state, and how
much of it stayed free text. Printed beside each file by ``import_report`` (and its
``--dry-run``), shown after an upload on the team page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports.document.layout import FREE_KEYS, outline, section_body
from reports.document.report import ReportDocument
from reports.document.sections import read_list, read_tables
from reports.document.vocabulary import SectionKind as K


@dataclass(frozen=True)
class ImportSummary:
    kinds: dict[str, int]  # sections by kind, in the order first seen
    items: int
    kpis: int
    events: int
    risks: int
    actions: int
    free_lines: int
    lines: int

    @property
    def free_share(self) -> int:
        """Per cent of the content lines kept as free text."""
        return round(100 * self.free_lines / self.lines) if self.lines else 0

    def sentence(self) -> str:
        names = dict(K.choices())  # each kind in the reader's words, not its code
        kinds = ", ".join(f"{names.get(kind, kind)} {n}" for kind, n in self.kinds.items())
        counts = [
            ngettext("%(n)d item", "%(n)d items", self.items) % {"n": self.items},
            ngettext("%(n)d KPI", "%(n)d KPIs", self.kpis) % {"n": self.kpis},
            ngettext("%(n)d event", "%(n)d events", self.events) % {"n": self.events},
            ngettext("%(n)d risk", "%(n)d risks", self.risks) % {"n": self.risks},
            ngettext("%(n)d action", "%(n)d actions", self.actions) % {"n": self.actions},
        ]
        return _("sections: %(kinds)s; %(counts)s; %(share)d%% of lines kept as free text") % {
            "kinds": kinds or "—",
            "counts": ", ".join(counts),
            "share": self.free_share,
        }


def summarize(doc: ReportDocument) -> ImportSummary:
    sections = outline(doc)
    kinds: Counter[str] = Counter()
    entries: Counter[str] = Counter()
    free = lines = 0
    for section in sections:
        if section.level:
            kinds[section.kind] += 1
        text = section_body(doc, section)
        count = _lines(text)
        lines += count
        if section.kind in (K.ITEMS, K.RISKS, K.ACTIONS):
            listed = _entries(section.text)
            entries[section.kind] += listed
            if not listed:
                free += count
        elif section.kind in (K.TEXT, K.GROUP) or (
            section.key in FREE_KEYS and section.kind == K.TEXT
        ):
            free += count
    items = entries[K.ITEMS] + sum(1 for _item in doc.items())
    structured = len(doc.kpis) + sum(1 for _item in doc.items()) + len(doc.events)
    return ImportSummary(
        kinds=dict(kinds),
        items=items,
        kpis=len(doc.kpis),
        events=len(doc.events),
        risks=entries[K.RISKS],
        actions=entries[K.ACTIONS],
        free_lines=free,
        lines=lines + structured,
    )


def _lines(text: str) -> int:
    return sum(1 for line in text.split("\n") if line.strip())


def _entries(text: str) -> int:
    """Entries of a list section, or rows of the table it is written as."""
    body = read_list(text)
    if body is not None:
        return sum(1 for entry in body.entries for _e in entry.walk())
    return sum(len(table.rows) for table in read_tables(text))
