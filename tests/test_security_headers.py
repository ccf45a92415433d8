"""Every response forbids inline scripts (CSP) and keeps the referrer on the site."""

import pytest

from core.middleware import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db


def test_pages_carry_the_content_security_policy(client):
    response = client.get("/accounts/login/")

    policy = response["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert (
        "script-src 'self'" in policy
        and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert response["Referrer-Policy"] == "same-origin"


def test_no_template_has_inline_script_or_event_attributes():
    from pathlib import Path

    from django.conf import settings

    offenders = []
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if "<script>" in text or " onclick=" in text or " onchange=" in text or " onload=" in text:
            offenders.append(path.name)
    assert offenders == []
