"""Template access to the renderer's line functions, so the page and the .md say the same."""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import mark_safe

from reports import renderer
from reports.wording import wording

register = template.Library()


@register.simple_tag
def words(language: str):
    return wording(language)


@register.simple_tag
def title_line(doc):
    return renderer.content_title_line(doc)


@register.simple_tag
def kpi_line(kpi, language):
    return renderer.kpi_line(kpi, language)


@register.simple_tag
def incident_line(incidents, language):
    return renderer.incident_line(incidents, language)


@register.simple_tag
def objective_heading(objective, language):
    return renderer.objective_heading(objective, language)


@register.simple_tag
def headline_line(migration, language):
    return renderer.headline_line(migration, language)


@register.simple_tag
def summary_line(migration, language):
    return renderer.summary_line(migration, language)


@register.simple_tag
def category_heading(category, language):
    return renderer.category_heading(category, language)


@register.simple_tag
def category_counts(category, language):
    return renderer.category_counts(category, language)


@register.simple_tag
def event_line(event):
    return renderer.event_line(event)


@register.simple_tag
def event_detail_line(event, language):
    return renderer.event_detail_line(event, language)


@register.simple_tag
def events_holder(doc):
    return renderer.events_holder(doc)


@register.simple_tag
def operation_groups(doc):
    return renderer.operation_groups(doc)


@register.simple_tag
def objective_blocks(objective):
    return renderer.objective_blocks(objective)


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
