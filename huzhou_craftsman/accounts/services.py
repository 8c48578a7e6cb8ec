"""Writes of the accounts package: audit events, organisation verification, users with roles."""

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import identifiers
from .access import require
from .models import AuditEvent, Organisation, User
from .roles import Role


def client_ip(request) -> str | None:
    """Return the client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies, from X-Forwarded-For."""
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("x-forwarded-for", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
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
    require(by, "organisation.verify", organisation)  # a district reviewer: its own district's organisations
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
    from .bank_services import organisation_initial_account_verify

    # The account entered at registration is checked by the same second person who recognises the organisation.
    organisation_initial_account_verify(organisation=organisation, by=by, request=request)
    organisation_known(organisation=organisation, by=by, request=request)
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
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set([Group.objects.get(name=role.value)])
    audit_record(action="user.create", actor=by, target=user, data={"role": role.value})
    return user


# Called with ``organisation=``, ``by=`` and ``request=`` inside the transaction of every way an organisation becomes
# known to the portal: its own registration, its verification by the district, its creation (or a corrected USCC) by
# staff in the admin. Apps that hold something for an organisation before it is known (applications: rows of official
# lists, 免申即享) add a hook here at startup, since ``accounts`` imports no other app. Hooks must be idempotent.
ORGANISATION_KNOWN_HOOKS: list = []


def organisation_known(*, organisation: Organisation, by: User | None = None, request=None) -> None:
    """Tell the other apps that an organisation is known (registered, verified or created by staff)."""
    for hook in ORGANISATION_KNOWN_HOOKS:
        hook(organisation=organisation, by=by, request=request)


@transaction.atomic
def organisation_register(*, organisation: Organisation, username: str, password: str, full_name: str, email: str,
                          request=None) -> User:  # fmt: skip
    """Create an unverified organisation and its first enterprise user; its district verifies it later."""
    organisation.is_verified = False
    organisation.full_clean()
    organisation.save()
    user = user_create(
        username=username, password=password, role=Role.ENTERPRISE, full_name=full_name, email=email,
        organisation=organisation,
    )  # fmt: skip
    audit_record(
        action="organisation.register", actor=user, target=organisation, request=request, to_state="unverified"
    )
    organisation_initial_account_propose(organisation=organisation, by=user, request=request)
    organisation_known(organisation=organisation, request=request)
    return user


@transaction.atomic
def organisation_create(*, organisation: Organisation, by: User, request=None) -> Organisation:
    """Create an organisation on the bureau's side (the admin): audited, its first account pending verification,
    and what waits for it in official lists offered at once, as on registration."""
    require(by, "portal.manage")
    organisation.full_clean()
    organisation.save()
    audit_record(action="organisation.create", actor=by, target=organisation, request=request,
                 to_state="verified" if organisation.is_verified else "unverified")  # fmt: skip
    organisation_initial_account_propose(organisation=organisation, by=by, request=request)
    organisation_known(organisation=organisation, by=by, request=request)
    return organisation


def organisation_initial_account_propose(*, organisation: Organisation, by: User, request=None):
    """Record the bank details an organisation was created with as its first, pending payee account."""
    from .bank_models import BankAccount
    from .bank_services import INITIAL_REASON, bank_account_propose

    return bank_account_propose(
        organisation=organisation,
        details={
            "account_type": BankAccount.AccountType.CORPORATE,
            "account_name": organisation.bank_account_name,
            "account_number": organisation.bank_account_number,
            "bank_name": organisation.bank_name,
            "cnaps_code": organisation.bank_cnaps_code,
        },
        proof=None,
        by=by,
        reason=INITIAL_REASON,
        request=request,
        initial=True,
    )


def organisation_update_bank(
    *, organisation: Organisation, by: User, data: dict, reason: str, proof, request=None
) -> bool:
    """Propose new bank details with a proof (a pending change; the account in force stays until a second person
    verifies it); return whether the account number passes the Luhn check."""
    from .bank_models import BankAccount
    from .bank_services import bank_account_propose

    bank_account_propose(
        organisation=organisation,
        details={
            "account_type": BankAccount.AccountType.CORPORATE,
            "account_name": data["bank_account_name"],
            "account_number": data["bank_account_number"],
            "bank_name": data["bank_name"],
            "cnaps_code": data["bank_cnaps_code"],
        },
        proof=proof,
        by=by,
        reason=reason,
        request=request,
    )
    return identifiers.bank_account_luhn_ok(data["bank_account_number"])


@transaction.atomic
def user_set_role(*, user: User, role: Role, by: User, request=None) -> User:
    """Give a user exactly one role (and the scope flags it implies); only an administrator may, never to themself."""
    if not by.is_superuser:
        require(by, "user.role.set")
    if by.pk == user.pk:
        raise PermissionDenied(_("不能变更自己的角色，须由另一名管理员操作。"))
    user = User.objects.select_for_update().get(pk=user.pk)
    before = user.role
    if role == Role.ENTERPRISE and user.organisation_id is None:
        raise ValidationError(_("申报单位用户必须属于一个申报单位，请先填写所属单位。"))
    if role == Role.DISTRICT_REVIEWER and user.district_id is None:
        raise ValidationError(_("区县初审人员必须属于一个区县，请先填写所属区县。"))
    user.groups.set([Group.objects.get(name=role.value)])
    user.user_permissions.clear()
    user.is_staff = role == Role.ADMINISTRATOR
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("role", None)
    audit_record(
        action="user.role_change", actor=by, target=user, request=request,
        from_state=before.value if before else "", to_state=role.value,
    )  # fmt: skip
    return user
