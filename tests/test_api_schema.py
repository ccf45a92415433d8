"""Schemathesis runs the API against its own OpenAPI schema: every operation, with
generated and example input, gets no server error and no response that breaks the schema.

The schema is the one /api/schema/ serves (drf-spectacular). Path parameters carry the
sample team and week as examples, so the calls reach real objects as well as missing ones.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = {"slug": "payments", "report_date": "2023-05-20"}


def _schema() -> dict:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    for path in raw["paths"].values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in EXAMPLES:
                    parameter["example"] = EXAMPLES[parameter["name"]]
    return raw


schema = schemathesis.openapi.from_dict(_schema())
schema.app = get_wsgi_application()


@pytest.fixture
def token(lead):
    return Token.objects.create(user=lead).key


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request, which would
    end the test's transaction; Django's own test client avoids it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_schema_describes_every_api_route():
    from reports.api_urls import urlpatterns

    assert len(schema.raw_schema["paths"]) == len(urlpatterns)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_to_its_schema(case, sample_report, token):
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
