"""``as_field`` (core/templatetags/form_fields.py) writes what crispy-bootstrap5 writes.

Compared as parsed HTML (Django's ``parse_html``: the same elements, attributes and text,
whitespace between tags aside), over generated fields, and over every field of the
sample week's editor, as opened and after a refused save.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.test.html import parse_html
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from core.templatetags.form_fields import as_field
from reports.forms import ReportEditor
from tests.factories import sample_document as sample

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12)
KINDS = {
    "char": lambda **kw: forms.CharField(max_length=5, **kw),
    "textarea": lambda **kw: forms.CharField(widget=forms.Textarea, **kw),
    "integer": lambda **kw: forms.IntegerField(min_value=0, **kw),
    "decimal": lambda **kw: forms.DecimalField(max_digits=5, decimal_places=2, **kw),
    "date": lambda **kw: forms.DateField(**kw),
    "choice": lambda **kw: forms.ChoiceField(choices=[("a", "甲 & 乙"), ("b", '"丙"')], **kw),
    "boolean": lambda **kw: forms.BooleanField(**kw),
    "hidden": lambda **kw: forms.CharField(widget=forms.HiddenInput, **kw),
    "classed": lambda **kw: forms.CharField(
        widget=forms.TextInput(attrs={"class": "kpi-value textinput-x"}), **kw
    ),
}
field_spec = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(sorted(KINDS)),
        "label": st.one_of(st.none(), text, st.just(mark_safe("<i>标签</i>"))),
        "help_text": st.one_of(st.just(""), text, st.just(mark_safe("<b>粗</b> & more"))),
        "required": st.booleans(),
        "data": st.one_of(st.none(), text, st.sampled_from(["on", "a", "12", "-1", "2023-05-20"])),
    }
)


def _form(specs, *, bound: bool, auto_id, css: bool):
    attrs = {name: KINDS[s["kind"]](**_args(s)) for name, s in specs.items()}
    if css:
        attrs |= {"error_css_class": "has-error", "required_css_class": "needed"}
    form_class = type("Generated", (forms.Form,), attrs)
    data = {name: s["data"] for name, s in specs.items() if s["data"] is not None}
    return form_class(data if bound else None, auto_id=auto_id, prefix="p-1")


def _args(spec) -> dict:
    return {"label": spec["label"], "help_text": spec["help_text"], "required": spec["required"]}


def _same(crispy_form, fast_form) -> None:
    for name in crispy_form.fields:
        expected = as_crispy_field(crispy_form[name])
        fast = as_field(fast_form[name])
        assert parse_html(fast) == parse_html(expected), name


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.from_regex(r"[a-z]{1,6}", fullmatch=True), field_spec, min_size=1, max_size=4
    ),
    st.booleans(),
    st.sampled_from(["id_%s", "f-%s", False]),
    st.booleans(),
)
def test_generated_fields_are_written_as_crispy_writes_them(specs, bound, auto_id, css):
    def make():
        return _form(specs, bound=bound, auto_id=auto_id, css=css)

    _same(make(), make())


def test_a_field_written_twice_reads_the_same_either_way():
    class Form(forms.Form):
        name = forms.CharField(max_length=2)
        done = forms.BooleanField()

    crispy_form, fast_form = Form({"name": "long"}), Form({"name": "long"})
    for _ in range(2):
        _same(crispy_form, fast_form)
    assert "is-invalid" in as_field(fast_form["name"])
    assert 'class="textinput form-control is-invalid"' in as_field(fast_form["name"])


def test_other_fields_are_handed_to_crispy():
    class Form(forms.Form):
        pick = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
        many = forms.MultipleChoiceField(choices=[("a", "A")], widget=forms.CheckboxSelectMultiple)
        upload = forms.FileField()

    for name in Form.base_fields:
        assert as_field(Form()[name]) == as_crispy_field(Form()[name])


@pytest.fixture(scope="module")
def sample_document():
    return sample()


def _editor_forms(editor):
    out = [editor.report]
    for formset in editor.formsets:
        out += formset.forms
    return out


def _invalid_post(editor) -> dict:
    """The editor's own fields, each number field given words: a save it refuses."""
    data = {}
    managing = [fs.management_form for fs in editor.formsets]
    for form in managing + _editor_forms(editor):
        for field in form:
            value = field.value()
            numeric = isinstance(field.field, (forms.IntegerField, forms.DecimalField))
            if numeric and form not in managing and not field.is_hidden:
                value = "不是数字"
            elif isinstance(value, (Decimal, datetime.date, int)):
                value = str(value)
            if isinstance(field.field.widget, forms.CheckboxInput):
                if value:
                    data[field.html_name] = "on"
                continue
            data[field.html_name] = "" if value is None else str(value)
    return data


@pytest.mark.parametrize("refused", [False, True], ids=["opened", "refused"])
def test_every_field_of_the_weeks_editor_is_written_as_crispy_writes_it(sample_document, refused):
    def make(data=None):
        editor = ReportEditor(sample_document, grades=("A", "B", "C", "D"), version=1, data=data)
        if data is not None:
            assert not editor.is_valid()
        return editor

    data = _invalid_post(make()) if refused else None
    crispy_editor, fast_editor = make(data), make(data)
    checked = 0
    for crispy_form, fast_form in zip(
        _editor_forms(crispy_editor), _editor_forms(fast_editor), strict=True
    ):
        _same(crispy_form, fast_form)
        checked += len(crispy_form.fields)
    assert checked > 700  # the sample week: some 720 fields
    if refused:
        assert "is-invalid" in as_field(fast_editor.kpi_rows()[0][0]["value"])
