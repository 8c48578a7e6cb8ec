"""Reads of the accounts package, scoped to what the asking user may see."""

from django.db.models import QuerySet

from .models import AuditEvent, Organisation, User
from .roles import Role


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    """Return the organisations this user may see: their own, their district's, or all (city level)."""
    qs = Organisation.objects.select_related("district", "verified_by")
    role = user.role
    if role == Role.ENTERPRISE:
        return qs.filter(pk=user.organisation_id)
    if role == Role.DISTRICT_REVIEWER:
        return qs.filter(district_id=user.district_id)
    if role is None:
        return qs.none()
    return qs


def audit_events() -> QuerySet[AuditEvent]:
    """Return the audit trail, newest first."""
    return AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
