"""Audit events for logins, failed logins, lock-outs and logouts (framework signals, not domain flow)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .services import audit_record


@receiver(user_logged_in)
def _login_succeeded(sender, request, user, **kwargs):
    audit_record(action="login.succeeded", actor=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    audit_record(action="login.failed", request=request, actor_name=username[:150], data={"username": username[:150]})


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(action="login.locked_out", request=request, actor_name=(username or "")[:150])


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="logout", actor=user, request=request)
