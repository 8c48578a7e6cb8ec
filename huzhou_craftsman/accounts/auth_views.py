"""Login, logout, password change and two-factor (TOTP) set-up and verification."""

import base64
import time

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import LoginForm, PortalPasswordChangeForm, TokenForm
from .services import audit_record


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change the password, then end every session of the user, this one included."""

    template_name = "accounts/password_change.html"
    form_class = PortalPasswordChangeForm

    def form_valid(self, form):
        form.save()  # the new password hash invalidates every other session at once
        audit_record(action="password.changed", actor=self.request.user, request=self.request)
        logout(self.request)
        messages.success(self.request, _("密码已修改，所有设备上的登录均已退出，请用新密码重新登录。"))
        return redirect("accounts:login")


def totp_secret_base32(device: TOTPDevice) -> str:
    """Return the device's secret as authenticator apps expect it to be typed in."""
    return base64.b32encode(device.bin_key).decode()


def totp_code_already_used(user, token: str) -> bool:
    """Whether ``token`` is a current code of one of the user's devices that was already accepted once.

    django-otp refuses a code whose time step is not after the device's ``last_t`` (no replay); the user then
    deserves to hear "wait for the next code", not "wrong code". A throttled device is not asked: a right code is
    refused there too, and "already used" would be a wrong explanation.
    """
    try:
        value = int(token)
    except ValueError:
        return False
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if not device.verify_is_allowed()[0]:
            continue
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        # Any time step within the tolerance window, used or not; verify() leaves the matching step in t().
        if totp.verify(value, device.tolerance) and totp.t() <= device.last_t:
            return True
    return False


def _safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@login_required
@sensitive_post_parameters("token")
def two_factor_setup(request):
    """Show a new TOTP secret as a QR code and confirm it with a first code."""
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists() and not user.is_verified():
        return redirect("accounts:2fa-verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("身份验证器"), confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
                audit_record(action="2fa.enabled", actor=user, request=request)
            otp_login(request, device)
            messages.success(request, _("两步验证已启用。以后登录时需输入身份验证器上的动态验证码。"))
            return redirect(_safe_next(request))
        form.add_error("token", _("验证码不正确或已过期，请输入应用当前显示的 6 位数字。"))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("两步验证二维码"))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": totp_secret_base32(device), "next": _safe_next(request, "")},
    )


@login_required
@sensitive_post_parameters("token")
def two_factor_verify(request):
    """Ask for the current TOTP code of a user who has a confirmed device."""
    user = request.user
    if user.is_verified():
        return redirect(_safe_next(request))
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:2fa-setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Asked before trying the code: a failed try throttles the device, which would hide the reason.
        reused = totp_code_already_used(user, form.cleaned_data["token"])
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            audit_record(action="2fa.verified", actor=user, request=request)
            return redirect(_safe_next(request))
        audit_record(action="2fa.failed", actor=user, request=request)
        if reused:
            form.add_error("token", _("该验证码已使用，请等待下一个验证码（每30秒更新）。"))
        else:
            form.add_error("token", _("验证码不正确或已过期，请输入应用当前显示的 6 位数字。"))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _safe_next(request, "")})
