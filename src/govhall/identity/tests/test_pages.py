"""Sign-in, registration, password reset and account pages through Django's test client."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from govhall.core.models import AuditEvent
from govhall.identity.models import User
from govhall.testing import personas
from govhall.testing.factories import random_id_number, random_uscc

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Stone-Carving-2026"


def citizen_form(**overrides: str) -> dict[str, str]:
    data = {
        "username": "liwei",
        "display_name": "李伟",
        "id_number": "11010519491231002X",
        "phone": "13800138000",
        "email": "liwei@example.cn",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    return data | overrides


def field_block(html: str, field: str) -> str:
    """The markup of one form field's wrapper, to check an error sits next to its field."""
    match = re.search(rf'<div class="field[ "][^>]*>\s*<label[^>]* for="id_{field}">.*?</div>', html, re.S)
    assert match, f"no field {field}"
    return match.group(0)


def logged_in_user_id(client: Client) -> Any:
    return client.session.get("_auth_user_id")


# --- Sign-in and sign-out -----------------------------------------------------------------------


def test_login_page_is_chinese_and_labelled(client: Client) -> None:
    response = client.get(reverse("identity:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "用户登录" in html
    assert re.search(r'<label[^>]* for="id_username">用户名', html)
    assert re.search(r'<label[^>]* for="id_password">密码', html)


def test_login_and_logout_are_audited(client: Client, citizen: User) -> None:
    response = client.post(reverse("identity:login"), {"username": "citizen", "password": personas.PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert logged_in_user_id(client) == str(citizen.pk)
    login_event = AuditEvent.objects.get(action="identity.login")
    assert login_event.actor_id == citizen.pk and login_event.after == {"ip": "127.0.0.1"}
    assert login_event.request_id  # tied to the request through the middleware

    assert client.get(reverse("identity:logout")).status_code == 405  # signing out changes state: POST only
    response = client.post(reverse("identity:logout"))
    assert response.status_code == 302 and logged_in_user_id(client) is None
    assert AuditEvent.objects.get(action="identity.logout").actor_id == citizen.pk


def test_wrong_password_is_refused_in_chinese_and_audited(client: Client, citizen: User) -> None:
    response = client.post(reverse("identity:login"), {"username": "citizen", "password": "wrong-password"})
    assert response.status_code == 200 and logged_in_user_id(client) is None
    assert "请输入一个正确的" in response.content.decode()
    event = AuditEvent.objects.get(action="identity.login_failed")
    assert event.actor_id is None and event.after["username"] == "citizen"
    assert "wrong-password" not in str(event.after)


def test_lockout_after_five_failures(client: Client, citizen: User) -> None:
    url = reverse("identity:login")
    for _ in range(5):
        client.post(url, {"username": "citizen", "password": "wrong-password"})
    response = client.post(url, {"username": "citizen", "password": personas.PASSWORD})
    assert response.status_code == 429
    assert "identity/locked_out.html" in [t.name for t in response.templates]
    assert "登录失败次数过多" in response.content.decode()
    assert logged_in_user_id(client) is None
    # Another account from the same address is not locked (username and address together).
    personas.citizen("other_citizen")
    response = client.post(url, {"username": "other_citizen", "password": personas.PASSWORD})
    assert response.status_code == 302


def test_four_failures_do_not_lock(client: Client, citizen: User) -> None:
    url = reverse("identity:login")
    for _ in range(4):
        client.post(url, {"username": "citizen", "password": "wrong-password"})
    response = client.post(url, {"username": "citizen", "password": personas.PASSWORD})
    assert response.status_code == 302 and logged_in_user_id(client) == str(citizen.pk)


# --- Registration -------------------------------------------------------------------------------


def test_register_choice_page(client: Client) -> None:
    html = client.get(reverse("identity:register")).content.decode()
    assert reverse("identity:register_citizen") in html and reverse("identity:register_enterprise") in html


def test_citizen_registration_with_bad_check_digit_shows_error_and_creates_nothing(client: Client) -> None:
    events_before = AuditEvent.objects.count()
    response = client.post(reverse("identity:register_citizen"), citizen_form(id_number="110105194912310021"))
    assert response.status_code == 200
    html = response.content.decode()
    block = field_block(html, "id_number")
    assert 'class="errorlist' in block
    assert "身份证号码校验位错误 (the ID number&#x27;s check digit is wrong)" in block
    assert 'value="110105194912310021"' in block  # the input is kept for correction
    assert 'name="password1"' in html and NEW_PASSWORD not in html  # passwords are never echoed
    assert not User.objects.exists()
    assert AuditEvent.objects.count() == events_before
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"password2": "Another-Pass-2026"}, "password2", "两次输入的密码不一致"),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "密码"),
        ({"phone": "12345"}, "phone", "手机号码应为11位数字"),
        ({"id_number": "1101051949123100"}, "id_number", "身份证号码应为18位"),
    ],
)
def test_citizen_registration_errors_sit_next_to_their_field(
    client: Client, overrides: dict[str, str], field: str, text: str
) -> None:
    response = client.post(reverse("identity:register_citizen"), citizen_form(**overrides))
    block = field_block(response.content.decode(), field)
    assert "errorlist" in block and text in block
    assert not User.objects.exists()


def test_citizen_registration_conflicts(client: Client, citizen: User) -> None:
    response = client.post(
        reverse("identity:register_citizen"), citizen_form(username="citizen", id_number=random_id_number())
    )
    assert "该用户名已被使用" in field_block(response.content.decode(), "username")
    response = client.post(reverse("identity:register_citizen"), citizen_form(id_number=citizen.id_number))
    assert "该身份证号码已注册账号" in field_block(response.content.decode(), "id_number")
    assert User.objects.filter(kind=User.Kind.CITIZEN).count() == 1


def test_citizen_registration_signs_in_and_shows_masked_data(client: Client) -> None:
    response = client.post(reverse("identity:register_citizen"), citizen_form(), follow=True)
    user = User.objects.get(username="liwei")
    assert logged_in_user_id(client) == str(user.pk)
    assert response.redirect_chain[-1][0] == reverse("identity:account")
    html = response.content.decode()
    assert "1101**********002X" in html and "138****8000" in html
    assert "11010519491231002X" not in html and "13800138000" not in html
    assert "L1 注册用户" in html and "注册成功" in html


def test_enterprise_registration(client: Client) -> None:
    form = {
        "username": "stone-co",
        "name": "云浮市石材有限公司",
        "uscc": "91350100M000100Y44",
        "legal_representative": "何建国",
        "phone": "13900139000",
        "email": "",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    response = client.post(reverse("identity:register_enterprise"), form)
    assert "统一社会信用代码校验位错误" in field_block(response.content.decode(), "uscc")
    assert not User.objects.exists()
    good = random_uscc("445302", "91")
    response = client.post(reverse("identity:register_enterprise"), form | {"uscc": good}, follow=True)
    user = User.objects.get(username="stone-co")
    assert user.kind == User.Kind.ENTERPRISE and user.uscc == good
    assert good in response.content.decode() and "何建国" in response.content.decode()


# --- Account and passwords ----------------------------------------------------------------------


def test_account_page_needs_sign_in(client: Client) -> None:
    response = client.get(reverse("identity:account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login") + "?next=")


def test_staff_account_page_lists_roles(client: Client, clerk: User) -> None:
    client.force_login(clerk)
    html = client.get(reverse("identity:account")).content.decode()
    assert "云浮市市场监督管理局" in html and "窗口人员" in html


def test_password_reset_by_email(client: Client, citizen: User) -> None:
    response = client.post(reverse("identity:password_reset"), {"email": "citizen@example.cn"})
    assert response.status_code == 302 and response["Location"] == reverse("identity:password_reset_done")
    (message,) = mail.outbox
    assert "重设密码" in message.subject and "citizen" in message.body
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", message.body)
    assert link, message.body
    response = client.get(link.group(1), follow=True)
    confirm_url = response.redirect_chain[-1][0]
    assert "设置新密码" in response.content.decode()
    response = client.post(confirm_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("identity:password_reset_complete")
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.get(action="identity.password_changed").after == {"via": "reset"}
    # The link works once.
    assert "链接无效" in client.get(link.group(1), follow=True).content.decode()


def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(client: Client) -> None:
    response = client.post(reverse("identity:password_reset"), {"email": "nobody@example.cn"}, follow=True)
    assert "请查收邮件" in response.content.decode()
    assert not mail.outbox


def test_password_change(client: Client, citizen: User) -> None:
    client.force_login(citizen)
    response = client.post(
        reverse("identity:password_change"),
        {"old_password": personas.PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.get(action="identity.password_changed").after == {"via": "change"}


@pytest.mark.django_db
def test_login_page_is_titled_with_the_platform_name_not_the_host(client: Client) -> None:
    from django.conf import settings

    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert settings.GOVHALL_SITE_NAME in html
    assert "<title>登录 · testserver" not in html
