"""Writes of the accounts package: audit events, organisation verification, users with roles."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditEvent, Organisation, User
from .roles import Role


def client_ip(request) -> str | None:
    """Return the client address Django saw (the proxy sets REMOTE_ADDR correctly in deployment)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    target: models.Model | None = None,
    request=None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
    actor_name: str = "",
) -> AuditEvent:
    """Append one audit event; call it inside the transaction of the change it records."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor_name or (actor.get_username() if actor else ""),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        ip_address=client_ip(request),
        data=data or {},
    )


@transaction.atomic
def organisation_verify(*, organisation: Organisation, by: User, request=None) -> Organisation:
    """Mark an organisation as verified by a district reviewer of its district (or an administrator)."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not by.has_perm("accounts.verify_organisation"):
        raise PermissionDenied(_("您没有认定申报单位的权限。"))
    if by.role == Role.DISTRICT_REVIEWER and by.district_id != organisation.district_id:
        raise PermissionDenied(_("只能认定本区县的申报单位。"))
    if organisation.is_verified:
        raise ValidationError(_("该单位已于 %(t)s 认定，无需重复认定。"), params={"t": organisation.verified_at})
    organisation.is_verified = True
    organisation.verified_at = timezone.now()
    organisation.verified_by = by
    organisation.save(update_fields=["is_verified", "verified_at", "verified_by"])
    audit_record(
        action="organisation.verify",
        actor=by,
        target=organisation,
        request=request,
        from_state="unverified",
        to_state="verified",
    )
    return organisation


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: Role,
    full_name: str = "",
    email: str = "",
    organisation: Organisation | None = None,
    district=None,
    by: User | None = None,
) -> User:
    """Create a user holding one role, with the scope the role needs (organisation or district)."""
    if role == Role.ENTERPRISE and organisation is None:
        raise ValidationError(_("申报单位用户必须属于一个申报单位。"))
    if role == Role.DISTRICT_REVIEWER and district is None:
        raise ValidationError(_("区县初审人员必须属于一个区县。"))
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        organisation=organisation if role == Role.ENTERPRISE else None,
        district=district if role == Role.DISTRICT_REVIEWER else None,
        is_staff=role == Role.ADMINISTRATOR,
        is_superuser=False,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set([Group.objects.get(name=role.value)])
    audit_record(action="user.create", actor=by, target=user, data={"role": role.value})
    return user
