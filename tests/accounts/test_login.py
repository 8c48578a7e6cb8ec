"""Login hardening: lock-out, audit of failures, TOTP set-up and verification, password change, idle timeout."""

import time

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from huzhou_craftsman.accounts.models import AuditEvent
from huzhou_craftsman.accounts.roles import Role
from tests.conftest import PASSWORD
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def post_login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_enterprise_user_logs_in_and_lands_home(client):
    user = make_user(Role.ENTERPRISE)
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("home")).url == reverse("enterprise-home")
    assert AuditEvent.objects.filter(action="login.succeeded", actor=user).exists()


def test_wrong_password_shows_a_clear_message_and_is_audited(client):
    user = make_user(Role.ENTERPRISE)
    response = post_login(client, user.username, "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    event = AuditEvent.objects.get(action="login.failed")
    assert event.actor_name == user.username and event.ip_address == "127.0.0.1"


def test_the_sixth_attempt_after_five_wrong_passwords_is_locked_out(client):
    user = make_user(Role.ENTERPRISE)
    for _ in range(4):
        assert post_login(client, user.username, "wrong-password").status_code == 200
    fifth = post_login(client, user.username, "wrong-password")
    assert "账户已锁定" in fifth.content.decode()
    # Even the right password is refused now: the account is locked, not just this attempt.
    sixth = post_login(client, user.username, PASSWORD)
    assert sixth.status_code == 429
    assert "账户已锁定" in sixth.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login.locked_out", actor_name=user.username).exists()


def test_lock_out_is_per_account_not_per_office(client):
    locked = make_user(Role.ENTERPRISE)
    colleague = make_user(Role.ENTERPRISE)
    for _ in range(6):
        post_login(client, locked.username, "wrong-password")
    assert post_login(client, colleague.username, PASSWORD).status_code == 302


def test_staff_sets_up_totp_with_a_real_code_then_reaches_their_page(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below would otherwise delay the right one
    reviewer = make_user(Role.CITY_REVIEWER)
    assert post_login(client, reviewer.username, PASSWORD).status_code == 302
    response = client.get(reverse("review-queue"))
    assert response.url.startswith(reverse("accounts:2fa-setup"))
    page = client.get(response.url)
    assert "<svg" in page.content.decode()  # the QR code
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    assert client.post(reverse("accounts:2fa-setup"), {"token": "000000"}).status_code == 200
    response = client.post(reverse("accounts:2fa-setup"), {"token": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("review-queue")).status_code == 200
    assert AuditEvent.objects.filter(action="2fa.enabled", actor=reviewer).exists()


def test_staff_with_a_device_must_enter_the_current_code(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below would otherwise delay the right one
    approver = make_user(Role.CITY_APPROVER)
    device = TOTPDevice.objects.create(user=approver, name="phone", confirmed=True)
    post_login(client, approver.username, PASSWORD)
    response = client.get(reverse("review-queue"))
    assert response.url.startswith(reverse("accounts:2fa-verify"))
    wrong = client.post(reverse("accounts:2fa-verify"), {"token": "123456"})
    assert "验证码不正确" in wrong.content.decode()
    assert AuditEvent.objects.filter(action="2fa.failed", actor=approver).exists()
    client.post(reverse("accounts:2fa-verify"), {"token": current_code(device)})
    assert client.get(reverse("review-queue")).status_code == 200


def test_a_wrong_code_throttles_the_next_attempt(client):
    approver = make_user(Role.CITY_APPROVER)
    device = TOTPDevice.objects.create(user=approver, name="phone", confirmed=True)
    post_login(client, approver.username, PASSWORD)
    client.post(reverse("accounts:2fa-verify"), {"token": "123456"})
    client.post(reverse("accounts:2fa-verify"), {"token": current_code(device)})
    assert client.get(reverse("review-queue")).status_code == 302


def test_enterprise_user_who_opted_in_is_asked_for_the_code(client):
    user = make_user(Role.ENTERPRISE)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    post_login(client, user.username, PASSWORD)
    assert client.get(reverse("enterprise-home")).url.startswith(reverse("accounts:2fa-verify"))


def test_password_change_logs_out_every_session(client, django_user_model):
    from django.test import Client

    user = make_user(Role.ENTERPRISE)
    other_device = Client()
    post_login(other_device, user.username, PASSWORD)
    post_login(client, user.username, PASSWORD)
    new_password = "Another-Horse-77"
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert client.get(reverse("enterprise-home")).status_code == 302
    assert other_device.get(reverse("enterprise-home")).status_code == 302
    assert AuditEvent.objects.filter(action="password.changed", actor=user).exists()
    assert post_login(client, user.username, new_password).status_code == 302


def test_weak_new_password_is_refused(client):
    user = make_user(Role.ENTERPRISE)
    post_login(client, user.username, PASSWORD)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "密码太短，至少需要 10 个字符" in page and "密码只包含数字" in page


def test_idle_session_times_out(client, settings):
    user = make_user(Role.ENTERPRISE)
    post_login(client, user.username, PASSWORD)
    assert client.get(reverse("enterprise-home")).status_code == 200
    session = client.session
    session["portal_last_seen"] = int(time.time()) - int(settings.SESSION_IDLE_TIMEOUT.total_seconds()) - 5
    session.save()
    response = client.get(reverse("enterprise-home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


def test_login_page_switches_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="en"' in page
    assert "Sign in" in page


def test_a_code_used_once_is_refused_the_second_time_with_its_own_message(client, settings):
    # given an approver who verified with the current code, then logged out
    approver = make_user(Role.CITY_APPROVER)
    device = TOTPDevice.objects.create(user=approver, name="phone", confirmed=True)
    post_login(client, approver.username, PASSWORD)
    code = current_code(device)
    client.post(reverse("accounts:2fa-verify"), {"token": code})
    assert client.get(reverse("review-queue")).status_code == 200
    client.post(reverse("accounts:logout"))
    # when the same code is entered again within its 30 seconds
    post_login(client, approver.username, PASSWORD)
    again = client.post(reverse("accounts:2fa-verify"), {"token": code})
    # then it is refused, and the page says why: wait for the next code
    page = again.content.decode()
    assert "该验证码已使用，请等待下一个验证码（每30秒更新）" in page
    assert "验证码不正确或已过期" not in page
    assert client.get(reverse("review-queue")).status_code == 302


def test_a_wrong_code_is_still_called_wrong_not_used(client):
    approver = make_user(Role.CITY_APPROVER)
    device = TOTPDevice.objects.create(user=approver, name="phone", confirmed=True)
    post_login(client, approver.username, PASSWORD)
    wrong = f"{(int(current_code(device)) + 1) % 1000000:06d}"
    page = client.post(reverse("accounts:2fa-verify"), {"token": wrong}).content.decode()
    assert "验证码不正确或已过期" in page and "已使用" not in page
