"""``{{ form.field|as_field }}``: crispy-forms' Bootstrap 5 field, written in Python.

The edit page of a week shows some 1,300 fields; rendered through crispy's ``field.html``
(a template of some forty tags and four includes per field) they took two thirds of the
page's server time. For the fields the site's forms use (text-like inputs, text areas,
selects and check boxes, each with its label, errors and help text) this filter writes
the HTML crispy-bootstrap5 writes (tests/test_form_fields.py compares the two, as parsed
HTML, over generated fields and over every field of a week's editor); any other field (a
file, radio buttons, several check boxes, a widget of several inputs, a form with a crispy
helper) is handed to crispy's own ``as_crispy_field``.

As crispy does, the widget's ``class`` attribute is extended in place (its widget class
name, then the Bootstrap classes), so a field rendered twice reads the same either way.
"""

from __future__ import annotations

from django import forms, template
from django.conf import settings
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_OTHERS = (forms.FileInput, forms.RadioSelect, forms.CheckboxSelectMultiple, forms.MultiWidget)


def _add_classes(widget: forms.Widget, classes: str) -> None:
    """What crispy's ``{% crispy_field field 'class' '...' %}`` does to the widget."""
    converters = getattr(settings, "CRISPY_CLASS_CONVERTERS", {})
    name = widget.__class__.__name__.lower()
    name = converters.get(name, name)
    css = widget.attrs.get("class", "")
    if css:
        if css.find(name) == -1:
            css += " " + name
    else:
        css = name
    for token in classes.split():
        if token not in css.split():
            css += " " + token
    widget.attrs["class"] = css


def _label(field, required: bool) -> str:
    star = '<span class="asteriskField">*</span>' if required else ""
    return conditional_escape(field.label) + star


def _errors_and_help(field, errors) -> list[str]:
    out = []
    if errors:
        out.append(f'<div id="{escape(errors.field_id)}_error" class="invalid-feedback">')
        for n, error in enumerate(errors, start=1):
            out.append(
                f'<p id="error_{n}_{escape(field.auto_id)}"><strong>'
                f"{conditional_escape(error)}</strong></p>"
            )
        out.append("</div>")
    if field.help_text:
        shown = f'id="{escape(field.auto_id)}_helptext" ' if field.auto_id else ""
        out.append(f'<div {shown}class="form-text">{field.help_text}</div>')
    return out


@register.filter
def as_field(field):
    widget = field.field.widget
    if (
        isinstance(widget, _OTHERS)
        or getattr(field.form, "helper", None) is not None
        or field.use_fieldset
    ):
        from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field

        return as_crispy_field(field)
    if field.is_hidden:
        return SafeString(str(field))
    required = field.field.required
    required_class = " requiredField" if required else ""
    extra = field.css_classes()
    extra = f" {escape(extra)}" if extra else ""
    errors = field.errors  # a new list each time it is asked for
    invalid = " is-invalid" if errors else ""
    auto_id = escape(field.auto_id)
    if isinstance(widget, forms.CheckboxInput):
        _add_classes(widget, "form-check-input" + invalid)
        out = [
            f'<div class="mb-3"><div id="div_{auto_id}" class="form-check{extra}">',
            str(field),
            f'<label for="{escape(field.id_for_label)}" class="form-check-label{required_class}">'
            f"{_label(field, required)}</label>",
            *_errors_and_help(field, errors),
            "</div></div>",
        ]
        return mark_safe("".join(out))
    out = [f'<div id="div_{auto_id}" class="mb-3{extra}">']
    if field.label:
        target = f'for="{escape(field.id_for_label)}" ' if field.id_for_label else ""
        out.append(
            f'<label {target}class="form-label{required_class}">{_label(field, required)}</label>'
        )
    kind = "form-select" if isinstance(widget, forms.Select) else "form-control"
    _add_classes(widget, kind + invalid)
    out.append(str(field))
    out.extend(_errors_and_help(field, errors))
    out.append("</div>")
    return mark_safe("".join(out))
