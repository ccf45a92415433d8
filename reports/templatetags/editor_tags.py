"""The edit page as the report will read: its sections in the team's layout order, each
with the forms that edit it, how many of their fields are in error, and whether they hold
changes the page has not saved (after a refused save).

The report page's own section list (``report_tags.page_sections``) gives the order, the
headings and their anchors, so both pages name a section the same way. What the editor
edits outside any one section's text finds the section where the report writes it:

- the KPI rows, incident counts and notes: the sample's operations section, else the
  first metrics section in the team's words;
- the stability events: the first events section in the team's words, else a section
  of their own after the objectives (where the sample lists them), else after the
  operations data;
- the free texts and objectives: their own sections.

Whatever has no section in this week's layout is listed after it ("more"): text typed
there is added at the end of the report, as ``layout.outline`` adds it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache

from django import forms, template
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.markup import markdown_to_html
from core.templatetags.form_fields import as_field
from reports.document import SectionKind
from reports.document.layout import FREE_KEYS, TYPED_KEYS, default_layout
from reports.document.places import objective_anchor
from reports.document.renderer import content_title_line, objective_heading
from reports.document.wording import wording
from reports.templatetags.report_tags import page_sections

register = template.Library()


@dataclass
class EditSection:
    """One section of the edit page: shown as published, with its editor beside."""

    anchor: str
    title: str  # what the section list calls it
    kind: str  # which editor: title, plan, operations, events, free, text, heading, objectives
    tag: str = "h2"
    heading: str = ""
    shown: dict | None = None  # the report page's entry for it (``page_sections``)
    key: str = ""  # the free text's field (free)
    free_field: forms.BoundField | None = None  # ... and its form field
    form: forms.Form | None = None  # the section's own form (text)
    html: str = ""  # its text as the report shows it (free, text)
    render_from: str = ""  # the id of the field whose Markdown it shows (free, text)
    heading_from: str = ""  # the id of the field of its heading (text)
    with_kpis: bool = False  # a metrics section in the team's words also holds the KPI rows
    with_events: bool = False  # an events section in the team's words also holds the rows
    events_apart: bool = False  # the events are edited in a section of their own
    objectives: list[ObjectiveSection] = field(default_factory=list)
    rows: list[forms.Form] = field(default_factory=list)  # forms whose errors count here
    fields: list[str] = field(default_factory=list)  # report form fields edited here
    errors: int = 0
    changed: bool = False

    @property
    def always_open(self) -> bool:
        return self.kind == "plan"

    @property
    def editable(self) -> bool:
        return self.kind != "heading"

    @property
    def is_open(self) -> bool:
        return self.always_open or self.errors > 0


@dataclass
class ObjectiveSection:
    """An objective: a section of its own, edited with the items, trackers and rows under it."""

    node: object  # forms.Node
    objective: object | None  # the document's objective, None for one added on the page
    anchor: str
    title: str
    tag: str
    errors: int = 0
    changed: bool = False

    @property
    def is_open(self) -> bool:
        return self.objective is None or self.errors > 0


@dataclass
class EditPage:
    doc: object  # the week as its page shows it (``_with_html``)
    sections: list[EditSection]  # in the layout's order
    more: list[EditSection]  # what the layout has no section for

    @property
    def objectives(self) -> EditSection | None:
        return next((s for s in self.sections + self.more if s.kind == "objectives"), None)


# -- what every row of the editor repeats: written in Python, as the page has hundreds --


@register.simple_tag
def row_hidden(form) -> str:
    """A row's hidden fields, its remove box (hidden: the row's ✕ button ticks it), and
    its errors that belong to no field shown."""
    hidden = form.hidden_fields()
    out = [str(bound) for bound in hidden]
    if "DELETE" in form.fields:
        out.append(f'<span class="d-none">{form["DELETE"]}</span>')
    general = form.non_field_errors()
    if general:
        text = conditional_escape(" ".join(str(e) for e in general))
        out.append(f'<div class="alert alert-danger py-1 px-2 mb-2 row-error">{text}</div>')
    for bound in hidden:
        if bound.errors:
            text = conditional_escape(" ".join(str(e) for e in bound.errors))
            out.append(f'<div class="text-danger small row-error">{text}</div>')
    return mark_safe("".join(out))


@register.simple_tag
def row_buttons(label, indent: bool = False) -> str:
    """A row's move, indent and remove buttons (``edit/_buttons.html``): the same for
    every row of a kind, so written once per language."""
    return _buttons(get_language(), str(label), bool(indent))


@lru_cache(maxsize=64)
def _buttons(language: str, label: str, indent: bool) -> str:
    html = render_to_string("reports/edit/_buttons.html", {"label": label, "indent": indent})
    return mark_safe(html)


@register.filter
def markdown_field(field) -> str:
    """A Markdown field, with the place its preview is shown in."""
    preview = format_html(
        '<div class="md-preview d-none" data-preview-for="{}" aria-live="polite" '
        'aria-label="{}"></div>',
        field.auto_id,
        _("Preview"),
    )
    return mark_safe(f"{as_field(field)}\n{preview}")


@register.simple_tag
def edit_page(editor) -> EditPage:
    """The edit page's sections, in order, for ``editor`` (a ``forms.ReportEditor``)."""
    doc = _with_html(editor.initial_document)
    words = wording(doc.language)
    shown_sections = page_sections(doc)
    title = content_title_line(doc)
    sections: list[EditSection] = [
        EditSection("section-title", title, "title", heading=title, fields=["week_number"])
    ]
    if editor.plan.forms:
        plan = _("Last week's plan")  # not printed in the report: a checklist for the lead
        sections.append(
            EditSection("section-plan", plan, "plan", "h3", plan, rows=editor.plan.forms)
        )
    section_forms = {form["position"].value(): form for form, _s in editor.section_forms}
    kpis_home = events_home = None
    objectives_at = operations_at = None
    for position, shown in enumerate(shown_sections, start=1):  # outline position + 1
        section, part = shown["section"], shown["part"]
        common = {"tag": shown["tag"], "heading": section.heading, "shown": shown}
        anchor = shown["anchor"]  # the id the report page gives the section's heading
        if part == "objectives":
            s = EditSection(anchor, section.heading, "objectives", **common)
            objectives_at = len(sections)
        elif part == "operations":
            s = EditSection(anchor, section.heading, "operations", **common)
            kpis_home = s
            operations_at = len(sections)
        elif part in FREE_KEYS:
            s = _free(editor, doc, part, anchor, section.heading, **common)
        else:
            form = _form_at(section_forms, position - 1)
            name = section.heading or _("(text before the first heading)")
            kind = "text" if form is not None else "heading"
            s = EditSection(anchor, name, kind, form=form, html=shown["html"], **common)
            if form is not None:
                s.rows.append(form)
                s.render_from = form["text"].auto_id
                s.heading_from = form["heading"].auto_id if section.level else ""
                own = section.key not in TYPED_KEYS
                if own and section.kind == SectionKind.KPIS and kpis_home is None:
                    s.with_kpis = True
                    kpis_home = s
                if own and section.kind == SectionKind.EVENTS and events_home is None:
                    s.with_events = True
                    events_home = s
        sections.append(s)

    more: list[EditSection] = []
    fixed = default_layout(doc.language)
    if kpis_home is None:
        heading = fixed.by_key("operations").heading
        kpis_home = EditSection("section-operations", heading, "operations", heading=heading)
        more.append(kpis_home)
    kpis_home.rows += editor.kpis.forms
    kpis_home.fields += ["incident_note", "kpi_notes"] + [f"grade_{g}" for g in editor.grades]

    if objectives_at is None:
        more.append(EditSection("section-objectives", _("Objectives"), "objectives"))
    objectives = next(s for s in sections + more if s.kind == "objectives")
    objectives.objectives = _objective_sections(editor, doc, objectives.tag or "h3")

    if events_home is None:
        name = words.events_item.rstrip(":： ")
        events = EditSection("section-events", name, "events", tag="p", heading=words.events_item)
        events.with_events = True
        if objectives_at is not None and (doc.objectives or operations_at is None):
            sections.insert(objectives_at + 1, events)
        elif operations_at is not None:
            sections.insert(operations_at + 1, events)
            sections[operations_at].events_apart = True
        else:
            more.append(events)
        events_home = events
    events_home.rows += editor.events.forms

    present = {s.key for s in sections if s.kind == "free"}
    for key in FREE_KEYS:
        if key not in present:
            heading = fixed.by_key(key).heading
            more.append(_free(editor, doc, key, f"section-{key}", heading, heading=heading))

    bound = editor.report.is_bound
    for s in sections + more:
        s.errors = _errors(editor.report, s.fields, s.rows)
        s.changed = bound and _changed(editor.report, s.fields, s.rows)
    return EditPage(doc, sections, more)


def _free(editor, doc, key: str, anchor: str, title: str, **common) -> EditSection:
    """A free text of the sample's layout (other, reflections, next week, daily)."""
    field = editor.report[key]
    return EditSection(
        anchor,
        title,
        "free",
        key=key,
        free_field=field,
        fields=[key],
        html=doc.html.get(key, ""),
        render_from=field.auto_id,
        **common,
    )


def _form_at(section_forms: dict, position: int) -> forms.Form | None:
    """The form of the section at ``position`` of the outline (posted positions are text)."""
    for value, form in section_forms.items():
        try:
            if int(value) == position:
                return form
        except (TypeError, ValueError):
            continue
    return None


def _objective_sections(editor, doc, tag: str) -> list[ObjectiveSection]:
    """Each objective of the page (the saved ones in their page order, then any added on
    the page) with the objective it shows: the form at index n was made from the n-th."""
    index = {id(form): n for n, form in enumerate(editor.objectives.forms)}
    bound = editor.report.is_bound
    shown = []
    for node in editor.tree():
        n = index[id(node.form)]
        objective = doc.objectives[n] if n < len(doc.objectives) else None
        rows = list(_subtree(node))
        title = _objective_title(node.form, objective, doc)
        shown.append(
            ObjectiveSection(
                node,
                objective,
                anchor=objective_anchor(n),
                title=title,
                tag=tag,
                errors=_errors(editor.report, [], rows),
                changed=bound and _changed(editor.report, [], rows),
            )
        )
    return shown


def _objective_title(form, objective, doc) -> str:
    if objective is not None:
        return objective_heading(objective, doc.language)
    code, title = form["code"].value() or "", form["title"].value() or ""
    return f"{code} {title}".strip() or _("New objective")


def _subtree(node):
    yield node.form
    for child in node.children:
        yield from _subtree(child)


def _deleted(form: forms.Form) -> bool:
    return "DELETE" in form.fields and bool(form["DELETE"].value())


def _errors(report: forms.Form, fields: list[str], rows: list[forms.Form]) -> int:
    """Fields in error here, counted as ``ReportEditor.error_count`` counts them: a field
    with its messages is one, a row's message about the row as a whole is one."""
    count = sum(1 for name in fields if report.is_bound and report[name].errors)
    return count + sum(len(f.errors) for f in rows if f.is_bound and not _deleted(f))


def _changed(report: forms.Form, fields: list[str], rows: list[forms.Form]) -> bool:
    changed = set(report.changed_data)
    return any(name in changed for name in fields) or any(f.has_changed() for f in rows)


def _with_html(doc):
    """The document with every Markdown text formatted, as its page shows it. A saved
    week's HTML is stored with it; a new week's is made here (a copy: the editor's own
    document stays as it was)."""
    keys = ("kpi_notes", *FREE_KEYS)
    missing = any(getattr(doc, key) and not doc.html.get(key) for key in keys)
    for objective in doc.objectives:
        missing = missing or bool(objective.notes and not objective.notes_html)
        for item in objective.walk():
            missing = missing or bool(item.body and not item.body_html)
            missing = missing or bool(item.detail and not item.detail_html)
    if not missing:
        return doc
    doc = copy.deepcopy(doc)

    def html(text: str) -> str:
        return doc.rendered.get(text) or markdown_to_html(text)

    for key in keys:
        text = getattr(doc, key)
        if text and not doc.html.get(key):
            doc.html[key] = html(text)
    for objective in doc.objectives:
        if objective.notes and not objective.notes_html:
            objective.notes_html = html(objective.notes)
        for item in objective.walk():
            if item.body and not item.body_html:
                item.body_html = html(item.body)
            if item.detail and not item.detail_html:
                item.detail_html = html(item.detail)
    return doc
