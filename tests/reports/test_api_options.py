"""OPTIONS follows the permissions of GET: another team's URL is a 404 whatever the method,
and a caller without credentials is told so before anything about the URL."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/teams/payments/",
    "/api/v1/teams/payments/reports/",
    "/api/v1/teams/payments/reports/2023-05-20/",
    "/api/v1/teams/payments/reports/2023-05-20/kpis/",
    "/api/v1/teams/payments/reports/2023-05-20/events/",
]


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.parametrize("url", URLS)
def test_options_on_another_teams_url_is_a_404_as_get_is(url, sample_report, outsider):
    client = _client(outsider)

    get, options = client.get(url), client.options(url)

    assert get.status_code == 404
    assert options.status_code == 404
    assert options.json() == get.json()


@pytest.mark.parametrize("url", URLS)
def test_options_without_credentials_is_a_401_as_get_is(url, sample_report):
    client = _client()

    assert client.options(url).status_code == client.get(url).status_code == 401


def test_options_on_a_missing_team_is_a_404(sample_report, lead):
    assert _client(lead).options("/api/v1/teams/no-such-team/reports/").status_code == 404


def test_options_on_the_callers_own_team_still_describes_the_url(sample_report, lead):
    response = _client(lead).options("/api/v1/teams/payments/reports/2023-05-20/")

    assert response.status_code == 200
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "PUT", "OPTIONS"}
