"""Request-wide guards: idle timeout, compulsory two-factor login for staff, read-only roles."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

# Paths a logged-in user who still owes a second factor may reach.
_TWO_FACTOR_OPEN_PREFIXES = (
    "/accounts/",
    "/i18n/",
    "/static/",
    "/verify/",
    "/notices/",
    "/register/",
    "/policy/calculator/",
)
# Unsafe requests a read-only role may still send (to leave, to change language, to secure their account).
_READ_ONLY_ALLOWED = (
    "/accounts/logout/",
    "/i18n/",
    "/accounts/2fa/",
    "/accounts/password/",
    "/accounts/login/",
    "/verify/",  # checking an uploaded PDF against its hash changes nothing
)

_LAST_SEEN = "portal_last_seen"


class IdleSessionTimeoutMiddleware:
    """Log a user out after SESSION_IDLE_TIMEOUT without a request (the stamp is rewritten at most once a minute)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(_LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT.total_seconds():
                logout(request)
                messages.info(request, _("您已长时间未操作，为保障安全已自动退出，请重新登录。"))
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            if now - last_seen >= 60 or _LAST_SEEN not in request.session:
                request.session[_LAST_SEEN] = now
        return self.get_response(request)


def two_factor_required(user) -> bool:
    """Bureau and finance staff must use TOTP; an enterprise user who set it up has opted in."""
    if not user.is_authenticated:
        return False
    if settings.STAFF_2FA_REQUIRED and user.is_bureau_staff:
        return True
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)


class TwoFactorRequiredMiddleware:
    """Send a user who owes a second factor to set-up or verification before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_TWO_FACTOR_OPEN_PREFIXES)
            and two_factor_required(user)
        ):
            from django_otp import user_has_device

            target = "accounts:2fa-verify" if user_has_device(user, confirmed=True) else "accounts:2fa-setup"
            return redirect(f"{reverse(target)}?next={request.path}")
        return self.get_response(request)


class ReadOnlyRoleMiddleware:
    """Refuse every unsafe request of a read-only role (the auditor sees everything and changes nothing)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method not in ("GET", "HEAD", "OPTIONS")
            and request.user.is_authenticated
            and request.user.is_read_only
            and not request.path.startswith(_READ_ONLY_ALLOWED)
        ):
            raise PermissionDenied(_("审计监督人员为只读角色，不能进行任何修改操作。"))
        return self.get_response(request)
