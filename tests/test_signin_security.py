"""Sign-ins are throttled and logged; refusals are logged; logs carry no secrets.

Five wrong passwords for one user from one address pause that pair (django-axes); the
security log names the user and the address, with UTC times, and never the password, the
session key or the CSRF token. Error pages say what went wrong and nothing more.
"""

import logging
import re
import time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core.logs import UTCFormatter

pytestmark = pytest.mark.django_db
PASSWORD = "weekly-test-password"
WRONG = "not-the-password-Zq81"
LOGIN = "/accounts/login/"


def _sign_in(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def _security_lines(caplog) -> list[str]:
    """The security log as the configured formatter writes it."""
    formatter = UTCFormatter(**_formatter_options())
    return [formatter.format(r) for r in caplog.records if r.name == "weekly.security"]


def _formatter_options() -> dict:
    options = dict(settings.LOGGING["formatters"]["plain"])
    options.pop("()")
    return {"fmt": options["format"], "style": options["style"]}


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="weekly.security")
    return caplog


def test_a_correct_password_signs_in_and_is_logged(lead, security_log):
    client = Client()

    response = _sign_in(client, "lead", PASSWORD)

    assert response.status_code == 302
    assert client.get("/").status_code == 200
    (line,) = _security_lines(security_log)
    assert "login user='lead' ip=127.0.0.1" in line


def test_a_failed_sign_in_is_logged_with_the_username_but_not_the_password(lead, security_log):
    response = _sign_in(Client(), "lead", WRONG)

    assert response.status_code == 200  # the form again, with its error
    assert "请输入一个正确的" in response.content.decode()
    (line,) = _security_lines(security_log)
    assert "login failed user='lead' ip=127.0.0.1" in line
    assert WRONG not in " ".join(security_log.messages)


def test_five_wrong_passwords_pause_that_user_from_that_address(lead, security_log):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "lead", WRONG).status_code == 200

    locked = _sign_in(client, "lead", WRONG)
    again = _sign_in(client, "lead", PASSWORD)  # even the right password waits

    assert locked.status_code == 429
    assert again.status_code == 429
    page = again.content.decode()
    assert "登录失败次数过多" in page
    assert "15 分钟" in page
    assert PASSWORD not in page
    assert client.get("/").status_code == 302  # still signed out
    assert any("login locked out user='lead'" in line for line in _security_lines(security_log))


def test_the_pause_is_for_that_user_only(lead, member):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "lead", WRONG)

    assert _sign_in(client, "member", PASSWORD).status_code == 302


def test_a_correct_password_before_the_limit_clears_the_count(lead):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "lead", WRONG)
    assert _sign_in(client, "lead", PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "lead", WRONG).status_code == 200
    assert _sign_in(client, "lead", PASSWORD).status_code == 302


def test_log_times_are_utc(lead, security_log):
    _sign_in(Client(), "lead", PASSWORD)

    (record,) = [r for r in security_log.records if r.name == "weekly.security"]
    stamp = UTCFormatter(**_formatter_options()).formatTime(record)
    assert stamp.endswith("Z")
    assert stamp[:19] == time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))


def test_no_secret_reaches_any_log(lead, security_log):
    security_log.set_level(logging.DEBUG)  # every logger, every level
    client = Client()
    _sign_in(client, "lead", WRONG)
    _sign_in(client, "lead", PASSWORD)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.get(reverse("reports:team_settings", args=["lending-nope"]))
    client.post(reverse("logout"))

    formatter = UTCFormatter(**_formatter_options())
    text = "\n".join(formatter.format(r) for r in security_log.records)
    assert "login user='lead'" in text
    assert "logout user='lead'" in text
    for secret in (PASSWORD, WRONG, session_key):
        assert secret not in text


def test_a_username_cannot_forge_a_log_line(lead, security_log):
    _sign_in(Client(), "lead\n2026-01-01T00:00:00Z INFO weekly.security: login user='x'", WRONG)

    (line,) = _security_lines(security_log)  # one record, on one line
    assert "\n" not in line
    assert 'user="lead\\n2026-01-01' in line  # the newline is shown escaped


def test_a_forbidden_write_is_logged(member_client, security_log):
    url = reverse("reports:report_edit", args=["payments", "2023-05-20"])

    assert member_client.get(url).status_code == 403

    (line,) = _security_lines(security_log)
    assert f"denied user='member' ip=127.0.0.1 GET '{url}': forbidden" in line


def test_another_teams_page_is_a_404_and_a_logged_refusal(
    outsider_client, sample_team, security_log
):
    url = reverse("reports:team_detail", args=["payments"])

    assert outsider_client.get(url).status_code == 404

    (line,) = _security_lines(security_log)
    assert f"denied user='outsider' ip=127.0.0.1 GET '{url}'" in line


def test_a_team_that_does_not_exist_is_a_plain_404(outsider_client, security_log):
    assert outsider_client.get(reverse("reports:team_detail", args=["nope"])).status_code == 404

    assert _security_lines(security_log) == []


def test_a_post_without_csrf_token_gets_a_readable_403_and_is_logged(lead, security_log):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    url = reverse("reports:report_publish", args=["payments", "2023-05-20"])

    response = client.post(url)

    assert response.status_code == 403
    page = response.content.decode()
    assert "页面已过期" in page
    assert "CSRF cookie not set" not in page  # the reason is for the log only
    assert any(
        "denied user='lead'" in line and "CSRF check failed" in line
        for line in _security_lines(security_log)
    )


def test_a_server_error_page_shows_no_internals(lead_client, monkeypatch):
    from reports import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail: /srv/weekly/reports/selectors.py line 42")

    monkeypatch.setattr(selectors, "teams_with_latest_report", broken)
    lead_client.raise_request_exception = False

    response = lead_client.get("/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "服务器错误" in page
    for leak in ("internal detail", "selectors.py", "Traceback", "RuntimeError"):
        assert leak not in page


@pytest.mark.parametrize(
    ("client_name", "url", "status", "wording"),
    [
        ("member_client", "/teams/payments/2023-05-20/edit/", 403, "无权访问"),
        ("outsider_client", "/teams/payments/", 404, "页面不存在"),
    ],
)
def test_refusal_pages_show_no_internals(request, sample_team, client_name, url, status, wording):
    response = request.getfixturevalue(client_name).get(url)

    assert response.status_code == status
    page = response.content.decode()
    assert wording in page
    for leak in ("Only the team", "No such team", "Traceback", "permissions.py"):
        assert leak not in page
    assert not re.search(r"\bslug\b", page)
