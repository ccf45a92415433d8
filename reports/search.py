"""Search across every report, item, event and daily note, Chinese included.

PostgreSQL's full-text search splits words at spaces and punctuation, which Chinese does
not have: "TOB商户账单" would be one word and "账单" would not find it. So the text is
tokenised here first: Latin words and numbers as themselves (lower case), runs of Chinese
characters as overlapping pairs ("对账单" -> "对账 账单"). A query is tokenised the same
way and its pairs must stand next to each other (a phrase), so "对账单" finds "对账单" and
not "对账" here and "账单" there. On PostgreSQL the tokens are matched through a stored,
GIN-indexed tsvector column (added by the migration, PostgreSQL only); on SQLite every
query word is matched as a substring, which finds the same entries on ordinary data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from reports import document as d
from reports.document.layout import TYPED_KEYS
from reports.document.wording import wording
from reports.models import DailyNote, SearchEntry, Team, WeeklyReport

_LATIN = r"[0-9a-z_]+"
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
_TOKEN_RE = re.compile(f"({_LATIN})|({_HAN})")
MAX_TERMS = 8
RESULTS = 50


def tokens(text: str) -> list[str]:
    """The words of ``text`` as the index holds them."""
    out: list[str] = []
    for latin, han in _TOKEN_RE.findall(text.lower()):
        if latin:
            out.append(latin)
        elif len(han) == 1:
            out.append(han)
        else:
            out.extend(han[i : i + 2] for i in range(len(han) - 1))
    return out


def index_text(*parts: str) -> str:
    return " ".join(tokens(" ".join(p for p in parts if p)))


# -- indexing ------------------------------------------------------------------------------


def report_entries(
    report: WeeklyReport, doc: d.ReportDocument, *, with_tokens: bool = True
) -> list[SearchEntry]:
    """What a report contributes to the index: its free text, its items and its events
    (``with_tokens``: with the words the index matches, else for the caller to add)."""

    def entry(kind: str, title: str, text: str, anchor: str = "") -> SearchEntry:
        return SearchEntry(
            team_id=report.team_id,
            report=report,
            day=report.report_date,
            kind=kind,
            title=title[:300],
            text=text,
            anchor=anchor,
            tokens=index_text(title, text) if with_tokens else "",
        )

    found = []
    free = [doc.kpi_notes, doc.other, doc.reflections, doc.next_week, doc.daily]
    free += [o.notes for o in doc.objectives] + [f"{o.code} {o.title}" for o in doc.objectives]
    week = wording(doc.language).week.format(week=doc.week_number)
    found.append(entry(SearchEntry.Kind.REPORT, week, "\n".join(x for x in free if x)))
    for objective in doc.objectives:
        for item in objective.walk():
            text = "\n".join(x for x in (item.body, item.detail) if x)
            if item.migration is not None:
                text += "\n" + " ".join(
                    [item.migration.name]
                    + [c.name for c in item.migration.categories]
                    + [n for c in item.migration.categories for n in c.done_names]
                    + [b.label for c in item.migration.categories for b in c.in_progress if b.label]
                )
            found.append(entry(SearchEntry.Kind.ITEM, item.title, text))
    for event in doc.events:
        text = "\n".join(x for x in (event.cause, event.handling, event.detection) if x)
        found.append(entry(SearchEntry.Kind.EVENT, event.summary, text))
    for position, section in enumerate(doc.sections):  # those in the team's own words
        if section.text and section.key not in TYPED_KEYS:
            title = section.heading or week
            found.append(
                entry(SearchEntry.Kind.SECTION, title, section.text, f"section-{position + 1}")
            )
    return found


# What an entry states, compared with what it should; its tokens follow from them.
_COMPARED = ["day", "kind", "title", "text", "anchor"]
_ENTRY_FIELDS = [*_COMPARED, "tokens"]


# Changed entries up to this many are updated one by one (an autosave changes one).
_FEW = 3


def index_report(report: WeeklyReport, doc: d.ReportDocument, *, new: bool = False) -> None:
    """The report's search entries as ``doc`` states them (``new``: it has none yet).

    Entries are matched to the stored ones in order (the index lists a week's entries of
    a kind in the order they were stored, which is the report's): one that states the
    same is left alone, one that differs is rewritten in place, and entries beyond the
    stored ones are added, or the stored ones beyond them removed. A save that changed a
    text rewrites one entry."""
    entries = report_entries(report, doc, with_tokens=False)
    stored = (
        []
        if new
        else list(SearchEntry.objects.filter(report=report).only(*_COMPARED).order_by("pk"))
    )
    changed = []
    for kept, entry in zip(stored, entries, strict=False):
        said = (entry.day, entry.kind, entry.title, entry.text, entry.anchor)
        if (kept.day, kept.kind, kept.title, kept.text, kept.anchor) != said:
            kept.day, kept.kind, kept.title, kept.text, kept.anchor = said
            kept.tokens = index_text(kept.title, kept.text)
            changed.append(kept)
    if len(changed) > _FEW:
        SearchEntry.objects.bulk_update(changed, _ENTRY_FIELDS)
    else:  # a plain UPDATE each: Django's bulk one (CASE WHEN by id) costs 3 ms for one
        for entry in changed:
            values = {name: getattr(entry, name) for name in _ENTRY_FIELDS}
            SearchEntry.objects.filter(pk=entry.pk).update(**values)
    if len(stored) > len(entries):
        SearchEntry.objects.filter(pk__in=[e.pk for e in stored[len(entries) :]]).delete()
    added = entries[len(stored) :]
    for entry in added:
        entry.tokens = index_text(entry.title, entry.text)
    SearchEntry.objects.bulk_create(added)


def index_note(note: DailyNote) -> None:
    SearchEntry.objects.filter(note=note).delete()
    SearchEntry.objects.create(
        team_id=note.team_id,
        note=note,
        day=note.day,
        kind=SearchEntry.Kind.NOTE,
        title=note.author_name,
        text=note.text,
        tokens=index_text(note.author_name, note.text),
    )


def rename_words(team_id: int, renames: list[tuple[str, str]]) -> int:
    """Old names in the team's index replaced by new ones (objectives, categories renamed
    in the team settings), so past weeks are found under the name they now show."""
    changed = []
    for old, new in renames:
        if not old or old == new:
            continue
        entries = SearchEntry.objects.filter(team_id=team_id).filter(
            Q(text__contains=old) | Q(title__contains=old)
        )
        for entry in entries.iterator():
            entry.title = entry.title.replace(old, new)[:300]
            entry.text = entry.text.replace(old, new)
            entry.tokens = index_text(entry.title, entry.text)
            changed.append(entry)
    SearchEntry.objects.bulk_update(changed, ["title", "text", "tokens"], batch_size=1000)
    return len(changed)


# -- querying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    team: Team | None = None
    since: date | None = None
    until: date | None = None

    @property
    def terms(self) -> list[str]:
        return [t for t in self.text.split() if tokens(t)][:MAX_TERMS]


def search(query: Query, teams: QuerySet[Team]) -> QuerySet[SearchEntry]:
    """Entries matching every term of the query, newest first, within ``teams``."""
    entries = SearchEntry.objects.filter(team__in=teams)
    if query.team is not None:
        entries = entries.filter(team=query.team)
    if query.since:
        entries = entries.filter(day__gte=query.since)
    if query.until:
        entries = entries.filter(day__lte=query.until)
    terms = query.terms
    if not terms:
        return entries.none()
    indexed = [t for t in terms if connection.vendor == "postgresql" and not _lone_han(t)]
    if indexed:
        match = RawSQL(
            "search_vector @@ to_tsquery('simple', %s)", (_tsquery(indexed),), BooleanField()
        )
        entries = entries.annotate(match=match).filter(match=True)
    # Terms the index cannot answer (on SQLite, all of them) match as substrings.
    for term in (t for t in terms if t not in indexed):
        entries = entries.filter(Q(text__icontains=term) | Q(title__icontains=term))
    return entries.select_related("team", "report").order_by("-day", "kind", "pk")[:RESULTS]


def _lone_han(term: str) -> bool:
    """A term with a Chinese character standing alone ("表", "5月"): the index holds pairs
    of characters only, so such a term is matched as a substring instead."""
    return any(re.fullmatch(_HAN, t) and len(t) == 1 for t in tokens(term))


def _tsquery(terms: list[str]) -> str:
    """Every term must match; a term's tokens must follow each other (a phrase), and the
    last Latin word of a term may be a prefix ("aero" finds "Aerospike")."""
    parts = []
    for term in terms:
        words = tokens(term)
        if re.fullmatch(_LATIN, words[-1]) and len(words[-1]) > 1:
            words[-1] += ":*"
        parts.append("(" + " <-> ".join(words) + ")")
    return " & ".join(parts)


def snippet(entry: SearchEntry, query: Query, width: int = 60) -> tuple[str, str, str]:
    """The text around the first match, split as (before, match, after) for highlighting."""
    text = f"{entry.title}\n{entry.text}".replace("\n", " ")
    lowered = text.lower()
    for term in query.terms:
        at = lowered.find(term.lower())
        if at >= 0:
            start = max(0, at - width)
            before = ("…" if start else "") + text[start:at]
            after = text[at + len(term) : at + len(term) + width]
            return (
                before,
                text[at : at + len(term)],
                after + ("…" if len(text) > at + len(term) + width else ""),
            )
    return text[: width * 2], "", ""
