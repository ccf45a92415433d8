"""The settings and daily-note forms, like the edit page: any input saves or shows errors."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.models import Team
from reports.team_settings import TeamSettings
from tests.forms_data import page_data
from tests.reports.test_edit_form_property import VALUES

EXAMPLES = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def settings_base(sample_team):
    page = TeamSettings(sample_team)
    return page_data([page.team_form, *page.formsets])


@pytest.mark.django_db
@EXAMPLES
@given(data=st.data())
def test_team_settings_save_or_show_errors(lead_client, settings_base, data):
    changes = data.draw(
        st.dictionaries(st.sampled_from(sorted(settings_base)), VALUES, min_size=1, max_size=5)
    )
    url = reverse("reports:team_settings", args=["payments"])

    # Posted from the page of the settings saved now (an earlier example may have saved).
    page = TeamSettings(Team.objects.get(slug="payments"))
    version = {page.team_form.add_prefix("version"): page.version()}

    response = lead_client.post(url, {**settings_base, **changes, **version})

    assert response.status_code in (200, 302)
    if response.status_code == 200:
        html = response.content.decode()
        assert "is-invalid" in html or "alert-danger" in html


@pytest.mark.django_db
@EXAMPLES
@given(day=VALUES, text=st.one_of(VALUES, st.text(max_size=600)))
def test_daily_notes_save_or_show_errors(member_client, day, text):
    url = reverse("reports:daily_notes", args=["payments"])

    response = member_client.post(url, {"day": day, "text": text})

    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "is-invalid" in response.content.decode()
