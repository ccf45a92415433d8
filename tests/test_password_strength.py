"""Passwords that lean on the user's name, repeat a character or follow the keyboard are
refused where a password is set, with advice in the user's language."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD_PASSWORD = "weekly-test-password"  # tests.factories.UserFactory


def _refusal(password: str, user=None, language: str = "en") -> list[str]:
    with translation.override(language), pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    return refused.value.messages


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("victim", "victim123456"),
        ("lvjinhao", "lvjinhao123456"),  # not a dictionary word: refused for the name alone
        ("anyone", "aaaaaaaaaaaa"),
        ("anyone", "qwertyuiopas"),
    ],
)
def test_guessable_passwords_are_refused(username, password):
    user = UserFactory.build(username=username, email=f"{username}@example.com")

    messages = _refusal(password, user)

    assert any("too guessable" in m for m in messages)


def test_the_users_name_is_what_refuses_it():
    validate_password("lvjinhao123456", UserFactory.build(username="someone"))

    _refusal("lvjinhao123456", UserFactory.build(username="lvjinhao"))


def test_the_advice_is_in_chinese_for_a_chinese_reader():
    messages = _refusal("aaaaaaaaaaaa", language="zh-hans")

    assert any("密码太容易猜测" in m for m in messages)
    assert any("重复" in m for m in messages)


def test_a_strong_password_is_accepted():
    validate_password("lantern-quarry-seventy-3", UserFactory.build(username="victim"))


def test_the_password_change_page_refuses_one_and_keeps_the_old(client):
    user = UserFactory(username="victim")
    client.force_login(user)
    before = user.password

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": OLD_PASSWORD,
            "new_password1": "victim123456",
            "new_password2": "victim123456",
        },
    )

    assert response.status_code == 200  # the form again, with the refusal beside the field
    assert "密码太容易猜测" in response.content.decode()
    user.refresh_from_db()
    assert user.password == before
