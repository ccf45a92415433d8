"""A team's layout in the database: read it, describe it, save it.

The layout itself (its sections, how headings are matched, how one is learned from past
weeks) is pure: ``reports.document.layout``. Weeks refer to a layout section by its key
and store its heading only when they spell it otherwise, so renaming a section here
renames it in every week; the old heading is kept among the spellings an import accepts.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from reports import document as d
from reports.document.layout import DEFAULT_KEYS, Layout, learn_layout, seen_headings
from reports.document.vocabulary import SectionKind
from reports.models import ReportSection, Team, TeamSection
from reports.rows import documents, team_layout

# Keys whose sections keep their content in the report's own fields: a week's section
# in the team's words is never moved into one of them.
TYPED_KEYS = DEFAULT_KEYS


def describe_layout(layout: Layout) -> str:
    """The layout as lines a lead reads before confirming it."""
    labels = dict(SectionKind.choices())
    lines = []
    for n, section in enumerate(layout.sections, start=1):
        heading = "#" * section.level + " " + (section.heading or _("(the objectives)"))
        line = f"{n}. {heading}  [{labels.get(section.kind, section.kind)}]"
        if section.aliases:
            line += "  " + _("also: %(spellings)s") % {"spellings": " / ".join(section.aliases)}
        lines.append(line)
    return "\n".join(lines)


@transaction.atomic
def layout_save(*, team: Team, layout: Layout) -> None:
    """Make ``layout`` the team's. A section whose heading changed keeps its old heading
    as another spelling, so that last month's pages still import into it."""
    Team.objects.select_for_update().filter(pk=team.pk).first()  # one layout save at a time
    previous = team_layout(team)
    old = {section.key: section for section in previous.sections}
    _keep_outlines(team, previous)
    rows = []
    for position, section in enumerate(layout.sections):
        aliases = list(section.aliases)
        before = old.get(section.key)
        renamed = before is not None and before.heading not in ("", section.heading)
        if renamed and layout.match(before.heading) is None:  # not another section's now
            aliases.append(before.heading)
        rows.append(
            TeamSection(
                team=team,
                position=position,
                key=section.key,
                kind=section.kind,
                heading=section.heading,
                level=section.level,
                aliases="\n".join(aliases),
            )
        )
    TeamSection.objects.filter(team=team).delete()
    TeamSection.objects.bulk_create(rows)
    _rekey_weeks(team, old, layout)


def _keep_outlines(team: Team, previous: Layout) -> None:
    """Weeks stored without sections of their own are written in the team's layout; they
    get the sections they showed before the layout changes (headings that were the
    layout's stay blank, so a rename still reaches them)."""
    outline = [d.Section(s.kind, "", s.level, s.key) for s in previous.sections]
    bare = team.reports.exclude(pk__in=ReportSection.objects.values("report_id"))
    ReportSection.objects.bulk_create(
        ReportSection(
            report=report,
            position=position,
            kind=section.kind,
            key=section.key,
            heading=section.heading,
            level=section.level,
        )
        for report in bare.only("pk")
        for position, section in enumerate(outline)
    )


def _rekey_weeks(team: Team, old: dict, layout: Layout) -> None:
    """The weeks' sections follow the new layout: a section whose heading the layout
    now knows takes its key (and its heading, when spelled the same); one whose key the
    layout dropped keeps the heading it showed (and a key of the sample's own sections,
    whose content is the report's own fields)."""
    changed = []
    for row in ReportSection.objects.filter(report__team=team):
        if row.key and layout.by_key(row.key) is None:
            if not row.heading and row.key in old:
                row.heading = old[row.key].heading
            if row.key not in TYPED_KEYS:
                row.key = ""
            changed.append(row)
        elif not row.key and row.heading:
            found = layout.match(row.heading)
            if found is not None and found.key not in TYPED_KEYS:
                row.key = found.key
                if row.heading == found.heading:
                    row.heading = ""
                changed.append(row)
    ReportSection.objects.bulk_update(changed, ["key", "heading"])


def learned_layout(team: Team, *, limit: int = 12) -> Layout:
    """The layout the team's recent weeks make (their recurring headings); a heading the
    team's layout already has keeps its key."""
    reports = list(team.reports.select_related("team").order_by("-report_date")[:limit])
    docs = documents(reports)
    seen = [seen_headings(doc) for doc in docs.values()]
    return learn_layout(seen, known=team_layout(team))
