"""Django admin covers every model of the two apps, and each changelist opens."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse


def _models():
    for label in ("reports", "metrics"):
        for model in apps.get_app_config(label).get_models():
            if not model.__name__.startswith("Historical"):
                yield model


def test_every_model_is_registered():
    missing = [m.__name__ for m in _models() if not admin.site.is_registered(m)]
    assert missing == []


@pytest.mark.django_db
def test_every_changelist_opens(admin_client, sample_team):
    for model in _models():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url
