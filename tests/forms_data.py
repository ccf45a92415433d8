"""POST data as a browser would send it for a page of unbound forms, to edit and submit."""

from __future__ import annotations

import json

from django import forms

SCRIPTED = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest", "HTTP_ACCEPT": "application/json"}


def form_data(form: forms.Form) -> dict[str, str]:
    data: dict[str, str] = {}
    for bf in form:
        value = bf.value()
        widget = bf.field.widget
        if isinstance(widget, forms.CheckboxInput):
            if value:
                data[bf.html_name] = "on"
            continue
        if value is None:
            data[bf.html_name] = ""
        elif isinstance(widget, (forms.Select, forms.RadioSelect)):
            data[bf.html_name] = str(value)
        else:
            formatted = widget.format_value(value)
            data[bf.html_name] = "" if formatted is None else str(formatted)
        if bf.field.show_hidden_initial:  # the value the page was opened with, beside it
            data[bf.html_initial_name] = data.get(bf.html_name, "")
    return data


def editor_data(editor) -> dict[str, str]:
    """Everything the edit page would post if saved unchanged."""
    data = {**form_data(editor.report)}
    for formset in editor.formsets:
        data.update(form_data(formset.management_form))
        for form in formset.forms:
            data.update(form_data(form))
    return data


def rows(data: dict[str, str], prefix: str) -> int:
    return int(data[f"{prefix}-TOTAL_FORMS"])


def add_row(data: dict[str, str], prefix: str, **fields) -> int:
    """Append a row to a formset, the way the page's "+" button does; returns its index."""
    index = rows(data, prefix)
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    fields.setdefault("position", str(1000 + index))
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = str(value)
    return index


def find_row(data: dict[str, str], prefix: str, field: str, value: str) -> int:
    for index in range(rows(data, prefix)):
        if data.get(f"{prefix}-{index}-{field}") == value:
            return index
    raise LookupError(f"no {prefix} row with {field}={value!r}")


def page_data(forms_and_formsets) -> dict[str, str]:
    """What a page of plain forms and formsets posts if saved unchanged."""
    data: dict[str, str] = {}
    for item in forms_and_formsets:
        if hasattr(item, "management_form"):
            data.update(form_data(item.management_form))
            for form in item.forms:
                data.update(form_data(form))
        else:
            data.update(form_data(item))
    return data


def by_script(data: dict) -> dict:
    """``client.post``'s arguments for ``data`` sent as the pages' script sends a form
    (static/js/autosave.js, reports.drafts.pairs_posted): JSON ``[name, value]`` pairs,
    the CSRF token in a header."""
    pairs = []
    for name, value in data.items():
        if name != "csrfmiddlewaretoken":
            values = value if isinstance(value, list) else [value]
            pairs += [[name, str(v)] for v in values]
    sent = {"data": json.dumps(pairs), "content_type": "application/json", **SCRIPTED}
    if "csrfmiddlewaretoken" in data:
        sent["HTTP_X_CSRFTOKEN"] = str(data["csrfmiddlewaretoken"])
    return sent
