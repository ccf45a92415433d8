"""The Python widgets of core.form_renderer write exactly what Django's templates write."""

from __future__ import annotations

import datetime

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from core.form_renderer import FastRenderer

TEMPLATES, FAST = DjangoTemplates(), FastRenderer()

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
attr_value = st.one_of(text, st.booleans(), st.integers(), text.map(mark_safe))
attrs = st.dictionaries(
    st.sampled_from(["class", "data-x", "placeholder", "required", "step"]), attr_value, max_size=4
)
value = st.one_of(
    st.none(),
    text,
    st.integers(),
    st.decimals(allow_nan=False, allow_infinity=False),
    text.map(mark_safe),
    st.dates(),
)
choices = st.lists(st.tuples(text, text), max_size=5)
widgets = st.sampled_from(
    [
        forms.TextInput,
        forms.NumberInput,
        forms.HiddenInput,
        forms.DateInput,
        forms.TimeInput,
        forms.EmailInput,
        forms.URLInput,
        forms.PasswordInput,
        forms.CheckboxInput,
        forms.Textarea,
        forms.Select,
    ]
)


def _both(widget, name, value, attrs):
    return (
        widget.render(name, value, attrs=attrs, renderer=TEMPLATES),
        widget.render(name, value, attrs=attrs, renderer=FAST),
    )


@settings(max_examples=400, deadline=None)
@given(widgets, text, value, attrs, choices)
def test_every_widget_is_written_as_its_template_writes_it(
    widget_class, name, value, attrs, choices
):
    widget = widget_class(choices=choices) if widget_class is forms.Select else widget_class()

    expected, fast = _both(widget, name or "f", value, attrs)

    assert fast == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(text, st.lists(st.tuples(text, text), max_size=3)), max_size=3), text)
def test_option_groups_are_written_as_the_template_writes_them(groups, selected):
    widget = forms.Select(choices=groups)

    expected, fast = _both(widget, "g", selected, {"id": "id_g"})

    assert fast == expected


def test_a_bound_form_renders_the_same_either_way():
    class Form(forms.Form):
        name = forms.CharField(max_length=5, help_text="<b>短</b>")
        day = forms.DateField(initial=datetime.date(2023, 5, 20))
        note = forms.CharField(widget=forms.Textarea)
        kind = forms.ChoiceField(choices=[("a", "甲 & 乙"), ("b", '"丙"')])
        done = forms.BooleanField(required=False)

    data = {"name": '<script>"x"</script>', "note": "a\nb & c", "kind": "b", "done": "on"}
    expected = Form(data, renderer=TEMPLATES).as_div()
    fast = Form(data, renderer=FAST).as_div()

    assert fast == expected
    assert "&lt;script&gt;" in fast
