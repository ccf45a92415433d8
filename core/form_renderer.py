"""Django's form renderer, with the common widgets written in Python.

The edit page of a week holds some 2,500 widgets; rendered through Django's widget
templates they took half of the page's server time. For the widget templates Django
ships (input and its types, textarea, select and its options) this renderer writes the
same HTML, byte for byte, in Python (tests/test_form_renderer.py compares the two over
generated widgets); a widget template a project or package overrides, or any other one, is
rendered from its template as before.
"""

from __future__ import annotations

from html import escape as html_escape

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

W = "django/forms/widgets/"
# Templates that are exactly {% include "django/forms/widgets/input.html" %} and a newline.
INPUTS = {
    W + f"{name}.html"
    for name in [
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "checkbox",
        "file",
    ]
}
INPUT, TEXTAREA, SELECT, OPTION = (
    W + n for n in ("input.html", "textarea.html", "select.html", "select_option.html")
)


def _esc(value) -> str:
    """``conditional_escape``, without its lazy-string wrapper for the plain strings most
    values are (``django.utils.html.escape`` is ``html.escape`` of the string)."""
    if type(value) is str:
        return html_escape(value)
    return conditional_escape(value)


def _string(value) -> str:
    """``{{ value|stringformat:'s' }}`` under autoescaping."""
    text = str(value)
    return text if isinstance(value, SafeData) else html_escape(text)


def _attrs(attrs: dict) -> str:
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(" " + _esc(name))
        if value is not True:
            out.append('="' + _string(value) + '"')
    return "".join(out)


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else ' value="' + _string(value) + '"'
    return (
        '<input type="' + _esc(widget["type"]) + '" name="'
        + _esc(widget["name"]) + '"' + shown + _attrs(widget["attrs"]) + ">\n"
    )  # fmt: skip


def _textarea(widget: dict) -> str:
    value = widget["value"]
    return (
        '<textarea name="' + _esc(widget["name"]) + '"' + _attrs(widget["attrs"])
        + ">\n" + (_esc(value) if value else "") + "</textarea>\n"
    )  # fmt: skip


def _option(option: dict) -> str:
    return (
        '<option value="' + _string(option["value"]) + '"' + _attrs(option["attrs"]) + ">"
        + _esc(option["label"]) + "</option>\n"
    )  # fmt: skip


def _select(widget: dict) -> str | None:
    out = ['<select name="' + _esc(widget["name"]) + '"' + _attrs(widget["attrs"])]
    out.append(">")
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append('\n  <optgroup label="' + _esc(group_name) + '">')
        for option in group_choices:
            if option.get("template_name") != OPTION:
                return None  # an option of its own kind: its template renders the select
            out.append("\n  " + _option(option))
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>\n")
    return "".join(out)


class FastRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and not self._overridden(template_name):
            # Django strips what a widget template writes (BaseRenderer.render).
            if template_name == INPUT or (template_name in INPUTS and not self._overridden(INPUT)):
                return mark_safe(_input(widget).strip())
            if template_name == TEXTAREA:
                return mark_safe(_textarea(widget).strip())
            if template_name == SELECT and not self._overridden(OPTION):
                html = _select(widget)
                if html is not None:
                    return mark_safe(html.strip())
        return super().render(template_name, context, request=request)

    def _overridden(self, template_name: str) -> bool:
        """A project or app template of the same name wins, as it would with templates."""
        cache = self.__dict__.setdefault("_overrides", {})
        if template_name not in cache:
            origin = self.get_template(template_name).origin.name
            cache[template_name] = not origin.replace("\\", "/").endswith(
                "django/forms/templates/" + template_name
            )
        return cache[template_name]
