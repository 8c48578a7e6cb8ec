"""Steps the browser tests share: signing in, with the second factor for staff."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.test_login import current_code
from tests.conftest import PASSWORD
from tests.factories import make_user


def sign_in(page, username: str, device: TOTPDevice | None = None) -> None:
    """Sign in through the login page; with a device, also enter its current TOTP code."""
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    if device is not None:
        page.get_by_label("动态验证码").fill(current_code(device))
        page.get_by_role("button", name="验证").click()
    page.wait_for_load_state()


def staff_page(new_page, role, **scope):
    """A new browser context signed in as a new staff member of the role (with an authenticator device)."""
    user = make_user(role, **scope)
    page = new_page()
    sign_in(page, user.username, TOTPDevice.objects.create(user=user, name="phone", confirmed=True))
    return page
