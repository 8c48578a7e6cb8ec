"""Reads of the approval documents: who may see which."""

from django.db.models import Q, QuerySet

from huzhou_craftsman.accounts.models import User
from huzhou_craftsman.accounts.roles import Role

from .models import Document

# Bureau roles that may download every document (the district reviewer only those of their district).
CITY_WIDE_ROLES = frozenset(
    {
        Role.CITY_REVIEWER,
        Role.CITY_APPROVER,
        Role.FINANCE_MAKER,
        Role.FINANCE_CHECKER,
        Role.AUDITOR,
        Role.ADMINISTRATOR,
    }
)


def documents_visible_to(user: User) -> QuerySet[Document]:
    """Documents a user may see and download: their organisation's, their district's, or all for the city."""
    documents = Document.objects.select_related("award__organisation", "award__person", "award__application", "notice")
    role = user.role
    if role == Role.ENTERPRISE and user.organisation_id:
        return documents.filter(award__organisation_id=user.organisation_id)
    if role == Role.DISTRICT_REVIEWER and user.district_id:
        # Their district's awards, and the round notices (通知), which are addressed to every district.
        return documents.filter(Q(award__application__district_id=user.district_id) | Q(notice__isnull=False))
    if role in CITY_WIDE_ROLES:
        return documents
    return documents.none()
