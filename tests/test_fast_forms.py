"""core.forms: fields copied directly are what Django's deepcopy gives, and independent;
a RowFormSet validates exactly as Django's formset does."""

from __future__ import annotations

import copy

import pytest
from django import forms
from hypothesis import given, settings
from hypothesis import strategies as st

from core.forms import FastForm, RowFormSet, copy_field
from reports import forms as report_forms

FAST_FORMS = [
    cls
    for cls in vars(report_forms).values()
    if isinstance(cls, type) and issubclass(cls, FastForm) and cls is not FastForm
]


def _state(field: forms.Field) -> dict:
    state = {k: v for k, v in vars(field).items() if k not in {"widget", "_choices"}}
    state["widget"] = (type(field.widget), vars(field.widget))
    state["choices"] = list(getattr(field, "choices", []))
    return state


def test_the_editors_forms_copy_their_fields_directly():
    assert {f.__name__ for f in FAST_FORMS} >= {"ReportForm", "ItemForm", "EventForm", "KpiForm"}


@pytest.mark.parametrize("form_class", FAST_FORMS, ids=lambda c: c.__name__)
def test_a_direct_copy_is_what_deepcopy_gives(form_class):
    for name, field in form_class.base_fields.items():
        fast, django = copy_field(field), copy.deepcopy(field)

        assert type(fast) is type(django), name
        assert _state(fast) == _state(django), name


@pytest.mark.parametrize("form_class", FAST_FORMS, ids=lambda c: c.__name__)
def test_a_copy_changed_leaves_the_class_and_other_forms_alone(form_class):
    base = {name: _state(field) for name, field in form_class.base_fields.items()}
    first, second = form_class.__new__(form_class), form_class.__new__(form_class)
    first.fields, second.fields = (
        copy.deepcopy(form_class.base_fields),
        copy.deepcopy(form_class.base_fields),
    )
    for field in first.fields.values():
        field.widget.attrs["class"] = "changed"
        field.error_messages["required"] = "changed"
        field.validators.append(lambda value: None)
        if isinstance(field, forms.ChoiceField):
            field.choices = [("x", "changed")]

    assert {name: _state(f) for name, f in form_class.base_fields.items()} == base
    assert {name: _state(f) for name, f in second.fields.items()} == base


class Row(FastForm):
    name = forms.CharField(max_length=5)
    count = forms.IntegerField(min_value=0, required=False)
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], required=False)


FAST = forms.formset_factory(Row, extra=0, can_delete=True, formset=RowFormSet)
DJANGO = forms.formset_factory(Row, extra=0, can_delete=True)
MIN_FAST = forms.formset_factory(Row, min_num=2, validate_min=True, formset=RowFormSet)
MIN_DJANGO = forms.formset_factory(Row, min_num=2, validate_min=True)

row = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["", "ok", "too long", "名字"]),
        "count": st.sampled_from(["", "3", "-1", "x"]),
        "kind": st.sampled_from(["", "a", "z"]),
        "DELETE": st.sampled_from(["", "on"]),
    }
)


def _post(rows: list[dict], initial: int) -> dict:
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": str(initial)}
    for i, values in enumerate(rows):
        data.update({f"form-{i}-{k}": v for k, v in values.items() if v})
    return data


def _outcome(formset) -> tuple:
    valid = formset.is_valid()
    cleaned = [f.cleaned_data if hasattr(f, "cleaned_data") else None for f in formset.forms]
    return valid, formset.errors, list(formset.non_form_errors()), cleaned


@settings(max_examples=200, deadline=None)
@given(st.lists(row, max_size=5), st.integers(min_value=0, max_value=5))
def test_a_row_formset_validates_as_djangos_does(rows, initial):
    initial = min(initial, len(rows))
    data = _post(rows, initial)
    starting = [{"name": "ok", "count": 1, "kind": "a"}] * initial

    for fast, django in [(FAST, DJANGO), (MIN_FAST, MIN_DJANGO)]:
        ours = fast(data, initial=starting)
        theirs = django(data, initial=starting)
        assert _outcome(ours) == _outcome(theirs)
        assert all("has_changed" not in vars(form) for form in ours.forms)
