"""core.forms: fields copied directly are what Django's deepcopy gives, and independent;
forms made within shared_fields() use the class's fields and leave them as they were; a
FastForm cleans as Django's Form does, and a RowFormSet validates as Django's formset
does."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from django import forms
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from core.forms import FastForm, RowFormSet, copy_field, shared_fields
from reports import forms as report_forms
from reports import quick
from reports.drafts import editor_for
from reports.forms import ReportEditor
from tests.forms_data import by_script, editor_data


def _subclasses(cls: type) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in [sub, *_subclasses(sub)]]


FAST_FORMS = sorted(
    {cls for cls in _subclasses(FastForm) if cls.__module__.startswith("reports.")},
    key=lambda c: (c.__module__, c.__name__),
)
EDITOR_FORMS = {
    report_forms.ReportForm, report_forms.PlanLineForm, report_forms.KpiForm,
    report_forms.ObjectiveForm, report_forms.ItemForm, report_forms.TrackerForm,
    report_forms.CategoryForm, report_forms.BucketForm, report_forms.EventForm,
    report_forms.SectionForm,
}  # fmt: skip


def _state(field: forms.Field) -> dict:
    state = {k: v for k, v in vars(field).items() if k not in {"widget", "_choices"}}
    state["widget"] = (type(field.widget), vars(field.widget))
    state["choices"] = list(getattr(field, "choices", []))
    return state


def test_the_editors_forms_copy_their_fields_directly():
    assert set(FAST_FORMS) >= EDITOR_FORMS | {quick.QuickEventForm}


def test_only_the_editors_own_forms_share_their_fields():
    """Sharing is said by a class itself: the quick page's event form, which makes its
    parent's fields optional, does not inherit it from the editor's event form."""
    assert {cls for cls in FAST_FORMS if cls.base_fields.shareable} == EDITOR_FORMS
    week = (date(2023, 5, 14), date(2023, 5, 20))
    before = _classes_state()

    with shared_fields():
        form = quick.QuickEventForm({"evt-summary": "x"}, prefix="evt", week=week)
        form.is_valid()

    assert form.fields["summary"] is not report_forms.EventForm.base_fields["summary"]
    assert not form.fields["summary"].required
    assert report_forms.EventForm.base_fields["summary"].required
    assert _classes_state() == before


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


def _classes_state() -> dict:
    return copy.deepcopy(
        {
            (cls.__name__, name): _state(field)
            for cls in FAST_FORMS
            for name, field in cls.base_fields.items()
        }
    )


def _spoilt(data: dict[str, str]) -> dict[str, str]:
    """The post with every number and date of every row made unreadable (the formsets'
    counts and the rows' places kept), and a grade no team has."""
    spoilt = dict(data)
    for name, value in data.items():
        if name.endswith(("_FORMS", "_NUM_FORMS", "-position", "-key", "-version")):
            continue
        if value[:1].isdigit():
            spoilt[name] = "不是数字"
        if name.endswith("-grade"):
            spoilt[name] = "Z"
    return spoilt


@pytest.mark.django_db
def test_an_editor_validated_on_shared_fields_leaves_the_classes_fields_alone(sample_report):
    team, day = sample_report.team, sample_report.report_date
    data = editor_data(editor_for(team, day, sample_report))
    data["report-other"] = "改过的一段"
    before = _classes_state()

    with shared_fields():
        saved = editor_for(team, day, sample_report, data=data)
        assert saved.is_valid(), saved.error_count
        saved.document()
        refused = editor_for(team, day, sample_report, data=_spoilt(data))
        assert not refused.is_valid()
        assert refused.error_count > 20

    assert saved.report.fields["other"] is report_forms.ReportForm.base_fields["other"]
    assert saved.items.forms[0].fields["title"] is report_forms.ItemForm.base_fields["title"]
    assert _classes_state() == before


@pytest.mark.django_db
def test_the_autosave_shares_the_fields_and_leaves_them_as_they_were(
    lead_client, sample_report, monkeypatch
):
    team, day = sample_report.team, sample_report.report_date
    data = editor_data(editor_for(team, day, sample_report))
    data["report-version"] = str(sample_report.version)
    data["report-other"] = "自动保存改过的一段"
    shared = []
    is_valid = ReportEditor.is_valid

    def noting(editor):
        valid = is_valid(editor)
        shared.append(editor.report.fields["other"] is report_forms.ReportForm.base_fields["other"])
        return valid

    monkeypatch.setattr(ReportEditor, "is_valid", noting)
    url = reverse("reports:report_autosave", args=[team.slug, day])
    before = _classes_state()

    saved = lead_client.post(url, **by_script(data))
    refused = lead_client.post(url, **by_script(_spoilt(data)))

    assert saved.status_code == 200 and refused.status_code == 400
    assert len(refused.json()["errors"]) > 20
    assert shared == [True, True]
    assert _classes_state() == before


@pytest.mark.django_db
def test_shared_fields_validate_as_copied_ones(sample_report):
    team, day = sample_report.team, sample_report.report_date
    data = _spoilt(editor_data(editor_for(team, day, sample_report)))

    copied = editor_for(team, day, sample_report, data=data)
    with shared_fields():
        shared = editor_for(team, day, sample_report, data=data)
        shared_valid = shared.is_valid()
    copied_valid = copied.is_valid()

    assert shared_valid is copied_valid is False
    assert shared.report.errors == copied.report.errors
    for ours, theirs in zip(shared.formsets, copied.formsets, strict=True):
        assert ours.errors == theirs.errors


def _cleaned(editor) -> tuple:
    valid = editor.is_valid()
    forms_ = [editor.report] + [f for fs in editor.formsets for f in fs.forms]
    return valid, [(f.errors, getattr(f, "cleaned_data", None)) for f in forms_]


@pytest.mark.django_db
@pytest.mark.parametrize("spoilt", [False, True], ids=["valid", "refused"])
def test_an_editors_forms_clean_as_djangos_own_cleaning_does(sample_report, monkeypatch, spoilt):
    team, day = sample_report.team, sample_report.report_date
    data = editor_data(editor_for(team, day, sample_report))
    data["report-other"] = "改过的一段"
    data = _spoilt(data) if spoilt else data

    ours = _cleaned(editor_for(team, day, sample_report, data=data))
    monkeypatch.setattr(FastForm, "_clean_fields", forms.Form._clean_fields)
    djangos = _cleaned(editor_for(team, day, sample_report, data=data))

    assert ours == djangos
    assert ours[0] is not spoilt


def test_a_form_changes_a_shared_field_on_a_copy_of_its_own():
    week = (date(2023, 5, 14), date(2023, 5, 20))
    before = _classes_state()

    with shared_fields():
        old_grade = report_forms.EventForm(week=week, grades=("A", "B"), initial={"grade": "E"})
        plain = report_forms.EventForm(week=week, grades=("A", "B"))

    assert [c for c, _ in old_grade.fields["grade"].choices] == ["", "A", "B", "E"]
    assert [c for c, _ in plain.fields["grade"].choices] == ["", "A", "B"]
    assert old_grade.fields["grade"] is not report_forms.EventForm.base_fields["grade"]
    assert old_grade.fields["summary"] is report_forms.EventForm.base_fields["summary"]
    assert _classes_state() == before


class DjangoRow(forms.Form):
    """A row as Django's own Form cleans it, to compare FastForm with."""

    name = forms.CharField(max_length=5)
    count = forms.IntegerField(min_value=0, required=False)
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    when = forms.DateField(required=False)
    note = forms.CharField(required=False, disabled=True, initial="固定")
    upload = forms.FileField(required=False)

    def clean_name(self):
        name = self.cleaned_data["name"]
        if name == "名字":
            raise forms.ValidationError("不要这个名字")
        return name.upper()


class Row(FastForm, DjangoRow):
    pass


FAST = forms.formset_factory(Row, extra=0, can_delete=True, formset=RowFormSet)
DJANGO = forms.formset_factory(DjangoRow, extra=0, can_delete=True)
MIN_FAST = forms.formset_factory(Row, min_num=2, validate_min=True, formset=RowFormSet)
MIN_DJANGO = forms.formset_factory(DjangoRow, min_num=2, validate_min=True)

row = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["", "ok", "too long", "名字"]),
        "count": st.sampled_from(["", "3", "-1", "x"]),
        "kind": st.sampled_from(["", "a", "z"]),
        "when": st.sampled_from(["", "2023-05-20", "2023-02-30", "昨天"]),
        "note": st.sampled_from(["", "改了"]),
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
