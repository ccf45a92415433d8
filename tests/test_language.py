"""The interface is Chinese by default, English on request."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_login_page_is_chinese_even_for_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_switching_to_english_sticks(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("login"))
    assert '<html lang="en">' in response.content.decode()
    assert "Log in" in response.content.decode()
