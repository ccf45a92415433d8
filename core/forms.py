"""Forms that are cheap to make many of, and formsets that do not ask what they ignore.

The edit page of a week makes some 70 forms of 700 fields, each time it is shown and on
every autosave. Django gives every form its own copy of its class's fields with
``copy.deepcopy``, which went through Python's generic copying for each field, widget and
list of choices: a third of an autosave's validation. ``FastForm`` copies them the way
Field.__deepcopy__ and Widget.__deepcopy__ do (the field, its widget and the widget's
attributes, its messages and validators), directly, and shares the lists of choices
between the copies rather than deep-copying them: assigning ``field.choices`` (as the
forms do) gives one copy a list of its own; changing a shared list in place is what a
form must not do. A field or widget class with a copy of its own is deep-copied as Django
does. tests/test_fast_forms.py checks the copies are the same and independent.

Forms made within ``shared_fields()`` do not copy them at all: they use the class's own
field objects. That is for forms that are only validated and never shown (an autosave:
its answer is the saved version or the errors, as JSON), where nothing changes a field:
Django's cleaning only reads them. Showing a form does change them (crispy adds its CSS
classes to the widget's attributes), and so does a form that adjusts a field for itself
(an event's grade choices): such a form asks for ``own_field(name)`` first, which copies
the field when it is shared. Only a class that says ``shareable = True`` in its own body
shares (a subclass does not inherit the promise: it may change fields its parent does
not). tests/test_fast_forms.py checks a whole editor built, validated and refused this
way, through the autosave too, leaves the classes' fields as they were.

``RowFormSet`` skips Django's question to every form whether it changed: its full_clean
asks it to count blank rows added on the page, for ``validate_min`` alone; these formsets
do not use it. It was a quarter of the validation.
"""

from __future__ import annotations

import contextvars
import copy
from contextlib import contextmanager

from django import forms
from django.core.exceptions import ValidationError
from django.forms.forms import DeclarativeFieldsMetaclass
from django.forms.widgets import ChoiceWidget

_PLAIN_FIELD_COPIES = {forms.Field.__deepcopy__, forms.ChoiceField.__deepcopy__}
_PLAIN_WIDGET_COPIES = {forms.Widget.__deepcopy__, ChoiceWidget.__deepcopy__}


def _shallow(obj):
    """``copy.copy`` of an object that keeps its state in ``__dict__`` only."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


def copy_field(field: forms.Field) -> forms.Field:
    """What ``copy.deepcopy(field)`` gives, made directly (choices shared)."""
    widget = field.widget
    if (
        type(field).__deepcopy__ not in _PLAIN_FIELD_COPIES
        or type(widget).__deepcopy__ not in _PLAIN_WIDGET_COPIES
    ):
        return copy.deepcopy(field)
    new_widget = _shallow(widget)
    new_widget.attrs = widget.attrs.copy()
    if isinstance(widget, ChoiceWidget):
        new_widget.choices = copy.copy(widget.choices)
    new = _shallow(field)
    new.widget = new_widget
    new.error_messages = field.error_messages.copy()
    new.validators = field.validators[:]
    return new


_sharing = contextvars.ContextVar("shared_fields", default=False)


@contextmanager
def shared_fields():
    """FastForms made within use their class's fields (see the module's text): only for
    forms that are validated and not shown."""
    token = _sharing.set(True)
    try:
        yield
    finally:
        _sharing.reset(token)


class _Fields(dict):
    """A form class's fields, as each new form copies them (or shares them, if the class
    is ``shareable``)."""

    def __init__(self, fields, *, shareable: bool):
        super().__init__(fields)
        self.shareable = shareable

    def shared(self) -> bool:
        return self.shareable and _sharing.get()

    def __deepcopy__(self, memo):
        if self.shared():
            return dict(self)
        return {name: copy_field(field) for name, field in self.items()}


class _FastCopies(DeclarativeFieldsMetaclass):
    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        shareable = bool(attrs.get("shareable", False))  # said by the class itself only
        new_class.base_fields = _Fields(new_class.base_fields, shareable=shareable)
        return new_class


class FastForm(forms.Form, metaclass=_FastCopies):
    """A form whose instances copy the class's fields directly. ``shareable``: its forms
    made within ``shared_fields()`` use the class's fields (see the module's text)."""

    shareable = False

    def __init__(self, *args, **kwargs):
        # The class's fields this form uses as they are (made within shared_fields()).
        self._shared = set(self.base_fields) if self.base_fields.shared() else set()
        super().__init__(*args, **kwargs)

    def _clean_fields(self):
        """Django's, reading each field's value as its BoundField would (``bf.data``)
        without making one: making a BoundField for each of an autosave's 700 fields was
        a fifth of its cleaning. A disabled field (cleaned from its initial value), one
        with a cleaning of its own (FileField's) or with a BoundField of its own (whose
        ``data`` may read otherwise) is cleaned Django's way."""
        plain = forms.Field._clean_bound_field
        custom = self.bound_field_class  # the form's, or its renderer's
        for name, field in self.fields.items():
            try:
                if (
                    field.disabled
                    or type(field)._clean_bound_field is not plain
                    or custom
                    or field.bound_field_class
                    or type(field).get_bound_field is not forms.Field.get_bound_field
                ):
                    value = field._clean_bound_field(self[name])
                else:
                    html_name = self.add_prefix(name)
                    value = field.clean(self._widget_data_value(field.widget, html_name))
                self.cleaned_data[name] = value
                if hasattr(self, f"clean_{name}"):
                    self.cleaned_data[name] = getattr(self, f"clean_{name}")()
            except ValidationError as e:
                self.add_error(name, e)

    def own_field(self, name: str) -> forms.Field:
        """The form's field ``name``, to change for this form alone: a copy of the
        class's field if the form shares it."""
        if name in self._shared:
            self.fields[name] = copy_field(self.fields[name])
            self._shared.discard(name)
        return self.fields[name]


class RowFormSet(forms.BaseFormSet):
    """A formset without ``validate_min``, so without the count of blank added rows."""

    def full_clean(self):
        if self.validate_min:
            return super().full_clean()
        # Django's loop asks each form has_changed() before it looks whether the form is
        # an added one (and then uses the count only for validate_min): rows that came
        # with the page are told "unchanged" for the time of the loop, which is never
        # read. Added rows (empty_permitted) are asked as before, by the form itself.
        initial = self.forms[: self.initial_form_count()]
        for form in initial:
            form.has_changed = _unchanged
        try:
            return super().full_clean()
        finally:
            for form in initial:
                del form.has_changed


def _unchanged() -> bool:
    return False
