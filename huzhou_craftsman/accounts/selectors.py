"""Reads of the accounts package, scoped to what the asking user may see."""

from django.db.models import QuerySet

from .access import visible
from .models import AuditEvent, Organisation, User


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    """Return the organisations this user may see (accounts.access: their own, their district's, or all)."""
    return visible(user, Organisation.objects.select_related("district", "verified_by"))


def audit_events() -> QuerySet[AuditEvent]:
    """Return the audit trail, newest first."""
    return AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
