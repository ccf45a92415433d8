"""Template access to the renderer's line functions, so the page and the .md say the same."""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import mark_safe

from core.markup import markdown_to_html
from reports.document import SectionKind, notes_by_day, renderer
from reports.document.layout import TYPED_KEYS, outline
from reports.document.places import objective_anchor, section_anchor
from reports.document.wording import wording

register = template.Library()


@register.simple_tag
def words(language: str):
    return wording(language)


# The renderer's line functions, each available as a tag of the same name.
for _name in (
    "kpi_line",
    "incident_line",
    "objective_heading",
    "headline_line",
    "summary_line",
    "category_heading",
    "category_counts",
    "event_line",
    "event_detail_line",
    "events_holder",
    "operation_groups",
    "operation_rows",
    "objective_blocks",
):
    register.simple_tag(getattr(renderer, _name), name=_name)

register.simple_tag(renderer.content_title_line, name="title_line")
register.simple_tag(renderer.note_day_heading, name="note_day_heading")
register.simple_tag(notes_by_day, name="notes_by_day")


@register.filter
def section_kind_label(kind: str) -> str:
    return dict(SectionKind.choices()).get(kind, kind)


@register.simple_tag
def page_sections(doc):
    """The report's sections as the page shows them, in order: each with the HTML tag of
    its heading (the title is the page's h1), the heading's id (warnings link to it) and,
    for a section in the team's own words, its formatted Markdown (stored with the week;
    formatted here for a preview)."""
    shown = []
    for position, section in enumerate(outline(doc)):
        part = section.key if section.key in TYPED_KEYS else "text"
        html = ""
        if part == "text":
            html = doc.html.get(f"section-{position}") or doc.rendered.get(section.text)
            if html is None:
                html = markdown_to_html(section.text)
        level = min(6, section.level + 1)
        shown.append(
            {
                "section": section,
                "part": part,
                "tag": f"h{level}",
                "html": html,
                "anchor": section_anchor(position),
            }
        )
    return shown


register.filter("objective_anchor", objective_anchor)


@register.simple_tag
def item_head(item, language):
    """The item's line as the renderer writes it, minus the body (shown as stored HTML)."""
    if item.body:
        return item.title + item.sep
    return renderer.item_line(item, language)


_SINGLE_PARAGRAPH = re.compile(r"^<p>(.*)</p>\s*$", re.S)


@register.filter
def inline_html(html: str):
    """Stored HTML of a one-paragraph text without its <p>, to sit on the item's line."""
    m = _SINGLE_PARAGRAPH.match(html or "")
    if m and "<p>" not in m.group(1):
        return mark_safe(m.group(1))  # already sanitised by nh3 when saved
    return mark_safe(html or "")


@register.simple_tag
def minutes_between(start, end):
    """Minutes from detection to recovery, computed in one place (metrics.figures)."""
    from metrics.figures import duration_minutes

    return duration_minutes(start, end)


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with ``changes`` applied (for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()
