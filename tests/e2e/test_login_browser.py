"""Log in through the real login page in Chromium, as an enterprise user and as a district reviewer with TOTP."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from huzhou_craftsman.accounts.roles import Role
from tests.accounts.test_login import current_code
from tests.conftest import PASSWORD
from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("reference_data")]


def log_in(page, username):
    page.goto("/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_enterprise_user_logs_in_and_sees_their_organisation(page, shot):
    user = make_user(Role.ENTERPRISE, full_name="张晓梅")
    log_in(page, user.username)
    page.wait_for_url("**/enterprise/")
    assert page.get_by_role("heading", name=user.organisation.name).is_visible()
    assert user.organisation.bank_account_number not in page.content()
    shot(page, "enterprise-home")


def test_district_reviewer_logs_in_with_a_second_factor(page, shot):
    reviewer = make_user(Role.DISTRICT_REVIEWER, full_name="王海峰")
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    log_in(page, reviewer.username)
    page.wait_for_url("**/accounts/2fa/verify/**")
    shot(page, "totp-verify")
    page.get_by_label("动态验证码").fill(current_code(device))
    page.get_by_role("button", name="验证").click()
    page.wait_for_url("**/review/queue/")
    assert page.get_by_role("heading", name="待审申报").is_visible()
    shot(page, "district-home")


def test_wrong_password_is_explained_in_the_page(page):
    user = make_user(Role.ENTERPRISE)
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_text("用户名或密码不正确").is_visible()
